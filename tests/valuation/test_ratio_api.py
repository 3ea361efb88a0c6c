"""Ratio-study API and CLI: permission matrix, JSON rows, uploaded CSV, stable errors, exit codes (L1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landbridge.auth import create_demo_accounts
from landbridge.cli import app as cli_app
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from tests.registry.test_api import auth
from tests.valuation.test_ratio import TABLE_1_1, table_1_1

URL = "/api/v1/valuation/ratio-study"


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.transaction() as s:
        create_demo_accounts(s)
    with TestClient(create_app()) as c:
        yield c


def rows() -> list[dict[str, float]]:
    a, s = table_1_1()
    return [{"appraised": x, "sale": y} for x, y in zip(a, s, strict=True)]


def ledger_size(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return current_size(s)


@pytest.mark.parametrize(("user", "status"), [
    (None, 401), ("member", 403), ("clerk", 403), ("bank", 403), ("registrar", 403), ("exchange", 403),
    ("admin", 403), ("nr", 200), ("supervisor", 200),
])
def test_permissions(client: TestClient, db: Database, user: str | None, status: int) -> None:
    before = ledger_size(db)
    r = client.post(URL, json={"rows": rows(), "trim": None}, headers=auth(client, user))
    assert r.status_code == status, r.text
    if status == 200:
        body = r.json()
        assert body["n"] == 36 and round(body["cod"], 1) == 29.8 and round(body["prb"], 3) == 0.232
        assert body["verdict"]["passed"] is False
    else:
        assert r.json()["code"].startswith("auth.")
    assert ledger_size(db) == before  # a study changes nothing


def test_uploaded_csv_with_segments(client: TestClient) -> None:
    a, s = table_1_1()
    text = "est,sp,district\n" + "".join(f"{x},{y},{'A' if i % 2 else 'B'}\n"
                                        for i, (x, y) in enumerate(zip(a, s, strict=True)))
    r = client.post(URL, files={"file": ("sales.csv", text.encode(), "text/csv")},
                    data={"appraised": "est", "sale": "sp", "segment": "district", "trim": "iqr", "price_bands": "2"},
                    headers=auth(client, "nr"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["segments"]) == {"A", "B"} and body["segments"]["A"]["n"] + body["segments"]["B"]["n"] <= 36
    assert set(body["price_bands"]) == {"Q1", "Q2"}


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"json": {"rows": [{"appraised": 1, "sale": 0}, {"appraised": 1, "sale": 2}]}}, "valuation.invalid_ratio_input"),
    ({"json": {"rows": [{"appraised": 1, "sale": 2}]}}, "valuation.invalid_ratio_input"),
    ({"json": {"rows": rows(), "trim": "zz"}}, "valuation.invalid_ratio_input"),
    ({"content": b"not json", "headers": {"content-type": "application/json"}}, "valuation.invalid_ratio_input"),
    ({"files": {"file": ("x.csv", b"a,b\n1,2\n3,x\n", "text/csv")}, "data": {"appraised": "a", "sale": "b"}},
     "valuation.invalid_ratio_input"),
    ({"files": {"file": ("x.csv", b"a,b\n1,2\n3,4\n", "text/csv")}, "data": {"appraised": "a", "sale": "c"}},
     "valuation.invalid_ratio_input"),
    ({"files": {"file": ("x.csv", b"a,b\n1,2\n3,4\n", "text/csv")}, "data": {"appraised": "a"}},
     "valuation.invalid_ratio_input"),
])
def test_bad_input_is_a_422_with_a_stable_code(client: TestClient, kwargs: dict[str, object], code: str) -> None:
    headers = auth(client, "nr")
    extra = kwargs.pop("headers", {})
    r = client.post(URL, headers={**headers, **extra}, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code


def test_cli_prints_the_published_figures_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["valuation", "ratio-study", "--input", str(TABLE_1_1), "--appraised", "estimate", "--sale", "sale_price"]
    ok = runner.invoke(cli_app, [*args, "--no-trim", "--json"])
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.stdout)
    assert (out["n"], round(out["median"], 4), round(out["cod"], 1), round(out["prd"], 2), round(out["prb"], 3)) == (
        36, 0.8639, 29.8, 0.98, 0.232)
    table = runner.invoke(cli_app, args)
    assert table.exit_code == 0 and "29.8" in table.stdout
    missing = runner.invoke(cli_app, [*args[:5], "nope", "--sale", "sale_price", "--json"])
    assert missing.exit_code == 2 and "nope" in missing.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("a,s,seg\n1,2,x\n2,abc,y\n3,4,x\n", encoding="utf-8")
    nonnum = runner.invoke(cli_app, ["valuation", "ratio-study", "--input", str(bad), "--appraised", "a",
                                     "--sale", "s"])
    assert nonnum.exit_code == 2 and "'abc'" in nonnum.stderr and "row 1" in nonnum.stderr
    seg = runner.invoke(cli_app, ["valuation", "ratio-study", "--input", str(bad), "--appraised", "a", "--sale", "a",
                                  "--segment", "seg", "--json"])
    assert seg.exit_code == 0 and set(json.loads(seg.stdout)["segments"]) == {"x", "y"}
    absent = runner.invoke(cli_app, ["valuation", "ratio-study", "--input", str(tmp_path / "none.csv"),
                                     "--appraised", "a", "--sale", "s"])
    assert absent.exit_code == 2

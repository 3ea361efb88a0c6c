"""``landbridge valuation mass-appraise`` on generated CSV and Parquet sales tables (issue #4 item 8)."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.valuation.mass.engine import term_factor
from tests.valuation.test_mass import SETTINGS, synthetic

runner = CliRunner()
ARGS = ["--price", "price", "--date", "sale_date", "--lon", "lon", "--lat", "lat", "--area", "area_m2",
        "--use", "land_use_class", "--term", "term_years", "--categorical", "district",
        "--features", "plot_ratio,dist_town_centre_m", "--exclude", "related", "--holdout", "0.2", "--seed", "4"]


def _rows(n: int = 1500) -> list[dict[str, object]]:
    table, month, log_v = synthetic(n, seed=11)
    rng = np.random.default_rng(2)
    rows = []
    for i in range(n):
        use = str(table["land_use_class"][i])
        term = {"0101": 10, "0301": 20 if i % 2 else 30, "0701": 50 if i % 3 else 70}.get(use)
        ky = float(term_factor(SETTINGS, np.array([use]), np.array([term or np.nan]))[0])  # shorter terms sell lower
        price = float(np.exp(log_v[i]) * table["area_m2"][i] * ky * np.exp(rng.normal(0, 0.05)))
        related = i % 50 == 0
        if related:
            price *= 0.5
        y, m = divmod(int(month[i]), 12)
        day = date(1970 + y, m + 1, 1) + timedelta(days=i % 28)
        rows.append({"price": round(price, 2), "sale_date": day.isoformat(),
                     "lon": table["lon"][i], "lat": table["lat"][i], "area_m2": round(float(table["area_m2"][i]), 2),
                     "land_use_class": use, "term_years": "" if term is None else term,
                     "district": str(table["region_code"][i])[:6],
                     "plot_ratio": "" if np.isnan(table["plot_ratio"][i]) else round(float(table["plot_ratio"][i]), 2),
                     "dist_town_centre_m": round(float(table["dist_town_centre_m"][i]), 1),
                     "related": "true" if related else "false"})
    return rows


@pytest.fixture(scope="module")
def sales_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mass") / "sales.csv"
    rows = _rows()
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["valuation", "mass-appraise", "--sales", str(path), *extra])
    return result.exit_code, result.output


def test_csv_held_out_ratio_study_meets_iaao_and_is_deterministic(sales_csv: Path) -> None:
    code, out = _run(sales_csv, *ARGS, "--json")
    assert code == 0, out
    result = json.loads(out)
    model = result["model"]
    assert model["n_sales"] == 1470 and model["n_holdout"] == 294 and model["n_fit"] == 1176  # 30 related left out
    assert model["excluded"] == 30 and model["features"][:2] == ["land_use_class", "district"]
    assert 0.95 <= result["median"] <= 1.05 and result["cod"] < 15 and abs(result["prb"]) <= 0.05
    assert set(result["property_classes"]) == {"residential", "rural"}
    for name, study in result["property_classes"].items():  # 150 held-out sales each: level and COD, PRB
        verdict = study["verdict"]
        assert verdict["level"] and verdict["cod"] and verdict["prb"] and abs(study["prd"] - 1) < 0.05, name
    assert set(result["uses"]) == {"0101", "0301", "0701", "0702"}
    assert result["property_classes"]["residential"]["verdict"]["cod_limit"] == 15
    again = json.loads(_run(sales_csv, *ARGS, "--json")[1])
    assert again == result
    other = json.loads(_run(sales_csv, *[a if a != "4" else "5" for a in ARGS], "--json")[1])
    assert other["median"] != result["median"]


def test_hedonic_method_and_table_output(sales_csv: Path) -> None:
    code, out = _run(sales_csv, *ARGS, "--method", "hedonic", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["model"]["method"] == "hedonic" and result["cod"] < 15
    code, out = _run(sales_csv, *ARGS)
    assert code == 0 and "residential" in out and "COD" in out


def test_parquet_gives_the_same_study(sales_csv: Path, tmp_path: Path) -> None:
    rows = list(csv.DictReader(sales_csv.open()))
    cols: dict[str, list[object]] = {k: [] for k in rows[0]}
    for r in rows:
        for k, v in r.items():
            if k in ("land_use_class", "district", "sale_date", "related"):
                cols[k].append(v if k != "sale_date" else date.fromisoformat(v))
            else:
                cols[k].append(float(v) if v != "" else None)
    cols["related"] = [v == "true" for v in cols["related"]]
    path = tmp_path / "sales.parquet"
    pq.write_table(pa.table(cols), path)
    a = json.loads(_run(sales_csv, *ARGS, "--json")[1])
    b = json.loads(_run(path, *ARGS, "--json")[1])
    assert b["n"] == a["n"] and b["median"] == pytest.approx(a["median"], rel=1e-9)


def test_minimal_columns_value_per_unit(sales_csv: Path) -> None:
    code, out = _run(sales_csv, "--price", "price", "--features", "area_m2,dist_town_centre_m",
                     "--categorical", "land_use_class", "--holdout", "0.25", "--seed", "1", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["model"]["n_holdout"] == 375 and "uses" not in result


@pytest.mark.parametrize(("extra", "message"), [
    (["--price", "nope"], "no column nope"),
    (["--price", "sale_date", "--features", "lon"], "sale_date: not numeric"),
    (["--price", "price", "--features", "lon,sale_date"], "sale_date: not numeric"),
    (["--price", "price", "--features", "lon", "--date", "district"], "district: not a column of dates"),
    (["--price", "price", "--features", "lon", "--holdout", "1.5"], "strictly between"),
    (["--price", "price"], "no features"),
    (["--price", "price", "--features", "lon", "--method", "oracle"], "unknown method"),
])
def test_clear_errors(sales_csv: Path, extra: list[str], message: str) -> None:
    code, out = _run(sales_csv, *extra)
    assert code == 2 and message in out


def test_too_few_sales_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text("price,x\n" + "".join(f"{100 + i},{i}\n" for i in range(20)))
    code, out = _run(path, "--price", "price", "--features", "x")
    assert code == 2 and "at least" in out
    code, out = _run(tmp_path / "none.csv", "--price", "price", "--features", "x")
    assert code == 2 and "no such file" in out

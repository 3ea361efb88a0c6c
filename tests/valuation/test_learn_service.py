"""Learning the benchmark tables from the sales record on a small demo world (issue #4 item 5, L1): which sales
count, the same factor attributes as the coefficient method, the stored run and its ledger event, the API's
permission matrix (nothing changes on denial), stable errors, the page in both languages, the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.cityprofile import get_profile
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.demo.geography import Geography, build_geography
from landbridge.demo.models import TrueValue
from landbridge.demo.world import build_world
from landbridge.errors import NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, verify_ledger
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.registry.models import Parcel
from landbridge.valuation.benchmark.models import BenchmarkSystem, SaleFlag
from landbridge.valuation.benchmark.rules import coefficient_prices, parse_document
from landbridge.valuation.benchmark.service import benchmark_tables, parcel_coefficient_value, parcel_factor_attributes
from landbridge.valuation.benchmark.validation import flag_sales
from landbridge.valuation.cli import app as valuation_cli
from landbridge.valuation.learn import service as learn_service
from landbridge.valuation.learn.models import LearnedBasePrice, LearnedFactorGrade, LearnRun
from landbridge.valuation.ratio.study import ratio_study
from landbridge.valuation.sales.models import Sale
from tests.registry.test_api import auth
from tests.web.test_pages import csrf_of, login

SEED = 20260101
TODAY = date(2026, 3, 1)  # the test clock stands at 2026-03-02


@pytest.fixture(scope="module")
def geo() -> Geography:
    return build_geography(get_profile(), seed=SEED)


def _world(db: Database, geo: Geography) -> str:
    rural = [c for c in sorted(geo.villages) if not geo.villages[c].urban and c.startswith("360603")][:2]
    urban = next(c for c in sorted(geo.villages) if geo.villages[c].urban and c.startswith("360603"))
    build_world(db, get_profile(), seed=7, today=TODAY, villages={rural[0]: 400, rural[1]: 300, urban: 150},
                geography=geo)
    with db.transaction() as s:
        flag_sales(s, actor="user:nr")  # pending non-market flags: left out of the learning
        for role, name in ((Role.nr_official, "guixi_nr"), (Role.supervisor, "guixi_sup")):
            org = create_organisation(s, name=f"贵溪 {name}", kind=OrgKind.nr_bureau, region_code="360681000000")
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
        code = s.execute(select(BenchmarkSystem.code)).scalar_one()
    return str(code)


def test_learn_on_a_demo_world(db: Database, geo: Geography, clock: Clock) -> None:
    code = _world(db, geo)
    since = date(2023, 3, 1)
    with db.transaction() as s:
        run = learn_service.learn_benchmark_coefficients(s, code, actor="user:nr", until=TODAY)
        run_id = run.id
        assert run.since == since and run.until == TODAY  # learn_window_years = 3 up to the as-of date
    with db.transaction(readonly=True) as s:
        run = s.get_one(LearnRun, run_id)
        # which sales count: the window's sales less related parties and pending or accepted flags
        window = s.execute(select(Sale.id, Sale.related_parties).where(Sale.sale_date >= since,
                                                                       Sale.sale_date <= TODAY)).all()
        flagged = set(s.scalars(select(SaleFlag.sale_id)))
        related = sum(bool(r) for _, r in window)
        left_out = sum(1 for i, r in window if not r and i in flagged)
        excluded = run.parameters["excluded"]
        assert flagged and excluded["flagged"] == left_out > 0 and excluded["related_parties"] == related > 0
        assert run.sale_count == len(window) - related - left_out - excluded["no_zone"] - excluded["no_location"] \
            - excluded["no_use"] - excluded["unusable"]
        assert run.sale_count > 1000 and excluded["no_zone"] + excluded["no_location"] < 0.01 * len(window)
        assert run.parameters["converged"] and run.parameters["iterations"] < 1_000
        # the ledger event, in the run's transaction
        event = s.execute(select(LedgerEvent).where(LedgerEvent.seq == run.ledger_seq)).scalar_one()
        assert event.event_type == "coefficients_learned" and event.module == "valuation"
        assert run.ledger_seq == current_size(s) and verify_ledger(s).ok
        bases = s.scalars(select(LearnedBasePrice).where(LearnedBasePrice.run_id == run_id)).all()
        factors = s.scalars(select(LearnedFactorGrade).where(LearnedFactorGrade.run_id == run_id)).all()
        tables = benchmark_tables(s, code)
        assert len(bases) == len(tables.zones) and sum(b.n for b in bases) == run.sale_count
        assert len(factors) == sum(len(f.values) for f in tables.factors)
        min_sales = run.parameters["min_sales"]
        assert all(b.too_few == (b.n < min_sales) for b in bases)
        assert all(b.learned_cny is None for b in bases if b.n == 0)
        for b in bases:  # the difference is the learned value less the official one, and flagged beyond 10 %
            if b.learned_cny is not None and b.diff_pct is not None:
                assert b.diff_cny == b.learned_cny - b.official_cny
                assert b.flagged == (not b.too_few and abs(b.diff_pct) > 10)
        # every informing sale sits in exactly one grade of each table of its use
        informing: dict[str, int] = {}
        for b in bases:
            if b.n >= min_sales:
                informing[b.use] = informing.get(b.use, 0) + b.n
        for f in tables.factors:
            grades = [g for g in factors if g.use == f.use and g.name == f.name]
            assert sum(g.n for g in grades) == informing.get(f.use, 0)
            assert sum(g.anchor for g in grades) == 1
            assert all(g.identified for g in grades if g.anchor)
            assert all(g.learned is None for g in grades if not g.identified)

        # a sold parcel is described exactly as the coefficient method describes it
        sold = s.execute(select(Sale.parcel_id).where(Sale.parcel_id.is_not(None), Sale.land_use_class == "0101")
                         .limit(1)).scalar_one()
        assert sold is not None
        derived = parcel_factor_attributes(s, [sold])[sold].attributes
        value = parcel_coefficient_value(s, parcel_id=sold, valuation_date=TODAY)
        assert all("default grade" not in w for w in value.warnings) and value.result.factors
        for named in value.result.factors:
            assert named.input == derived[next(t.attribute for t in tables.factors if t.name == named.name
                                               and t.use == value.zone.use)]

        # against the demo world's true values of the sold parcels: the learned tables are the market's level
        data = learn_service.learn_run_json(s, run)
        doc = _learned_document(s, code, data)
        learned, official = parse_document(doc), tables
        truth = dict(s.execute(select(TrueValue.parcel_id, TrueValue.value_per_m2_cny)).all())
        ids = sorted({p for p in s.scalars(select(Sale.parcel_id).where(Sale.sale_date >= since)) if p in truth})
        places = parcel_factor_attributes(s, ids)
        parcels = {p.id: p for p in s.scalars(select(Parcel).where(Parcel.id.in_(ids)))}
        uses = [official.use_of(parcels[p].land_use_class) for p in ids]
        zone = learn_service.zone_indexes(official, uses, np.array([places[p].lon for p in ids]),
                                          np.array([places[p].lat for p in ids]))
        attrs = {a: np.array([places[p].attributes.get(a, np.nan) for p in ids]) for a in ("dist_road_m",
                                                                                            "dist_major_road_m")}
        ok = zone >= 0
        true = np.array([float(truth[p]) for p in ids])
        use_of = np.array([u or "" for u in uses])
        studies, off_level = {}, {}
        for name, t in (("official", official), ("learned", learned)):
            values = coefficient_prices(t, zone, valuation_date=TODAY, remaining_years=np.full(len(ids), np.nan),
                                        plot_ratio=np.full(len(ids), np.nan), attributes=attrs)
            studies[name] = ratio_study(values[ok], true[ok], trim=None)
            # how far each use's level is from the market's (median ratio per use), weighted by sales
            medians = {u: float(np.median(values[ok & (use_of == u)] / true[ok & (use_of == u)]))
                       for u in sorted(set(use_of[ok].tolist()))}
            off_level[name] = float(np.average([abs(np.log(m)) for m in medians.values()],
                                               weights=[int((ok & (use_of == u)).sum()) for u in medians]))
            print(f"\n{name}: n {studies[name].n}, median {studies[name].median:.3f}, COD {studies[name].cod:.1f}, "
                  f"mean |log median ratio| by use {off_level[name]:.3f}, by use "
                  + ", ".join(f"{u} {m:.2f}" for u, m in medians.items()))
        # the demo system's date index is flat: the learned level is the window's, short of the market's growth
        assert off_level["learned"] < off_level["official"] / 2
        assert studies["learned"].cod < studies["official"].cod

        with pytest.raises(NotFound):
            learn_service.get_learn_run(s, 10**9)
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        learn_service.learn_benchmark_coefficients(s, code, actor="t", since=date(2030, 1, 1), until=date(2031, 1, 1))
    assert exc.value.code == "valuation.learn_no_sales"


def _learned_document(session: object, code: str, data: dict[str, object]) -> dict[str, object]:
    """The system's document with the learned base prices and coefficients put in (where there were sales)."""
    from landbridge.valuation.benchmark.service import export_benchmark_system

    doc = export_benchmark_system(session, code)  # type: ignore[arg-type]
    bases = {b["zone_code"]: b for b in data["base_prices"]}  # type: ignore[attr-defined]
    for z in doc["zones"]:
        if bases[z["code"]]["learned_cny"] is not None:
            z["base_price"] = bases[z["code"]]["learned_cny"]
    for f in doc["factors"]:
        for g in data["factors"]:  # type: ignore[attr-defined]
            if g["use"] == f["use"] and g["name"] == f["name"] and g["learned"] is not None:
                f["values"][g["grade"]] = g["learned"]
    doc["code"] = code + "-LEARNED"
    return doc


def test_learn_api_page_and_cli(db: Database, geo: Geography, clock: Clock, settings: Settings) -> None:
    code = _world(db, geo)
    client = TestClient(create_app())

    def state() -> tuple[int, int]:
        with db.transaction(readonly=True) as s:
            return current_size(s), s.scalar(select(func.count()).select_from(LearnRun)) or 0

    url = f"/api/v1/valuation/benchmark/{code}/learn"
    for user, status in ((None, 401), ("member", 403), ("bank", 403), ("supervisor", 403), ("admin", 403),
                         ("guixi_nr", 403)):
        before = state()
        r = client.post(url, json={"until": "2026-03-01"}, headers=auth(client, user))
        assert r.status_code == status, (user, r.text)
        assert state() == before
    nr = auth(client, "nr")
    for body, status, error in (({"since": "2026-01-01", "until": "2025-01-01"}, 422, "valuation.learn_bad_window"),
                                ({"since": "yesterday"}, 422, "request.invalid"),
                                ({"window": 3}, 422, "request.invalid")):
        before = state()
        r = client.post(url, json=body, headers=nr)
        assert r.status_code == status and r.json()["code"] == error, r.text
        assert state() == before
    assert client.post("/api/v1/valuation/benchmark/NOPE/learn", headers=nr).json()["code"] == \
        "valuation.benchmark_not_found"
    r = client.post(url, headers=nr)  # no body: the default window
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["benchmark"] == code and run["sale_count"] > 1000 and run["until"] == "2026-03-02"
    assert {b["zone_code"] for b in run["base_prices"]} and all(Decimal(b["official_cny"]) > 0
                                                                for b in run["base_prices"])
    got = f"/api/v1/valuation/learned/{run['id']}"
    for user, status in ((None, 401), ("member", 403), ("bank", 403), ("guixi_sup", 403), ("supervisor", 200),
                         ("nr", 200)):
        r = client.get(got, headers=auth(client, user))
        assert r.status_code == status, (user, r.text)
    assert client.get(got, headers=nr).json() == run
    assert client.get("/api/v1/valuation/learned/999999", headers=nr).json()["code"] == "valuation.learn_run_not_found"

    # the page: official next to learned, differences highlighted, n per cell
    page = TestClient(create_app())
    assert login(page, "nr").status_code == 303
    html = page.get(f"/valuation/benchmark/{code}/learned")
    assert html.status_code == 200 and "差别化地价修正测算" in html.text and "公布值" in html.text
    flagged = sum(b["flagged"] for b in run["base_prices"]) + sum(g["flagged"] for g in run["factors"])
    assert html.text.count('class="flagged"') == flagged > 0 and "超出阈值" in html.text
    # every use is a GB/T 21010 class shown with its name in the page's language, never a bare code
    uses = {b["use"] for b in run["base_prices"]} | {g["use"] for g in run["factors"]}
    assert {"0101", "0702"} <= uses and all(f'<td class="use">{u}</td>' not in html.text for u in uses)
    assert '<td class="use">0702 农村宅基地</td>' in html.text and '<td class="use">0101 水田</td>' in html.text
    assert "0702 农村宅基地 ·" in html.text or "0702 农村宅基地</div>" in html.text  # a factor table's use
    english = page.get(f"/valuation/benchmark/{code}/learned?lang=en").text
    assert "Learned benchmark tables" in english and '<td class="use">0702 Rural homestead</td>' in english
    assert "农村宅基地" not in english
    posted = page.post(f"/valuation/benchmark/{code}/learned", data={"csrf": csrf_of(html.text), "since": "2024-01-01"},
                       follow_redirects=False)
    assert posted.status_code == 303 and "run_id=" in posted.headers["location"]
    assert "已测算" in page.get(posted.headers["location"] + "&lang=zh_CN").text
    assert page.get(f"/valuation/benchmark/{code}/learned?run_id=999999").status_code == 404
    assert page.get("/valuation/benchmark/NOPE/learned").status_code == 404
    for user, status in (("member", 403), ("bank", 403), ("guixi_sup", 403), ("supervisor", 200)):
        other = TestClient(create_app())
        assert login(other, user).status_code == 303
        assert other.get(f"/valuation/benchmark/{code}/learned").status_code == status, user
    assert TestClient(create_app()).get(f"/valuation/benchmark/{code}/learned",
                                        follow_redirects=False).status_code == 303

    # the CLI stores a run as well and prints it
    runner = CliRunner()
    out = runner.invoke(valuation_cli, ["learn-coefficients", "--system", code, "--since", "2024-01-01", "--json",
                                        "--database", settings.database_url])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    assert printed["since"] == "2024-01-01" and printed["sale_count"] > 500
    text = runner.invoke(valuation_cli, ["learn-coefficients", "--system", code, "--database", settings.database_url])
    assert text.exit_code == 0 and "official" in text.output and "anchor" in text.output
    bad = runner.invoke(valuation_cli, ["learn-coefficients", "--system", "NOPE", "--database", settings.database_url])
    assert bad.exit_code == 2 and "valuation.benchmark_not_found" in bad.output
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(LearnRun)) == 4 and verify_ledger(s).ok

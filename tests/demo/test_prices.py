"""The demo price model (pure) and the stored truth (database): monotone, plausible, deterministic (issue #3 item 6)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.demo.models import SaleTruth, TrueValue
from landbridge.demo.prices import (
    NON_MARKET_KINDS,
    ParcelFeatures,
    PriceModel,
    generate_sales,
    month_numbers,
    to_fen,
)
from landbridge.demo.truth import record_generated_sales, sale_rows, store_model_values, store_true_values
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from landbridge.registry.bulk import ParcelBatch, import_parcels
from landbridge.registry.models import Parcel
from landbridge.valuation import verify_sale_batch
from landbridge.valuation.sales.models import Sale

COUNTIES = ("360602", "360603", "360681")
RESIDENTIAL_COMMERCIAL = ("0702", "0701", "0501")
CONSTRUCTION = ("0702", "0701", "0501", "0601", "0809")


@pytest.fixture(scope="module")
def model() -> PriceModel:
    return PriceModel.from_profile(get_profile())


def features(n: int, *, land_use: str | np.ndarray = "0702", county: str | np.ndarray = "360603", seed: int = 0,
             first_id: int = 1, **overrides: np.ndarray | float) -> ParcelFeatures:
    """Parcels at the reference features (3 km from a town, 20 km from the city ...), ``overrides`` applied."""
    rng = np.random.default_rng(seed)
    extent = get_profile().extent
    cols: dict[str, np.ndarray] = {
        "parcel_id": np.arange(first_id, first_id + n), "county_code": np.broadcast_to(np.asarray(county), n).copy(),
        "land_use_class": np.broadcast_to(np.asarray(land_use), n).copy(), "area_m2": np.full(n, 0.0),
        "plot_ratio": np.full(n, 1.0), "dist_town_centre_m": np.full(n, 3000.0),
        "dist_city_centre_m": np.full(n, 20000.0), "dist_road_m": np.full(n, 300.0),
        "dist_major_road_m": np.full(n, 3000.0), "lon": rng.uniform(extent[0], extent[2], n),
        "lat": rng.uniform(extent[1], extent[3], n)}
    for name, value in overrides.items():
        cols[name] = np.broadcast_to(np.asarray(value, dtype=np.float64), n).copy()
    return ParcelFeatures(**cols)


def with_ref_area(model: PriceModel, f: ParcelFeatures) -> ParcelFeatures:
    areas = np.array([model.use(c).ref_area_m2 for c in f.land_use_class.tolist()])
    return ParcelFeatures(**{**f.__dict__, "area_m2": areas})


def random_world(n: int, seed: int) -> ParcelFeatures:
    rng = np.random.default_rng(seed)
    codes = np.array(["0702", "0101", "0103", "0201", "1104", "0301", "0501", "0601", "0701", "0809", "0810"])
    extent = get_profile().extent
    return ParcelFeatures(
        parcel_id=np.arange(1, n + 1), county_code=np.array(COUNTIES)[rng.integers(0, 3, n)],
        land_use_class=codes[rng.integers(0, len(codes), n)], area_m2=rng.uniform(100, 20_000, n),
        plot_ratio=rng.uniform(0.3, 3.0, n), dist_town_centre_m=rng.uniform(0, 12_000, n),
        dist_city_centre_m=rng.uniform(0, 60_000, n), dist_road_m=rng.uniform(0, 2_000, n),
        dist_major_road_m=rng.uniform(0, 10_000, n), lon=rng.uniform(extent[0], extent[2], n),
        lat=rng.uniform(extent[1], extent[3], n))


# --- the model -----------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(use=st.sampled_from(RESIDENTIAL_COMMERCIAL), county=st.sampled_from(COUNTIES),
       near=st.floats(0, 30_000), further=st.floats(1, 30_000), pid=st.integers(1, 10**9),
       area=st.floats(50, 100_000), month=st.sampled_from(["2019-03", "2022-07", "2026-12"]))
def test_value_falls_with_distance_to_town_centre(model: PriceModel, use: str, county: str, near: float,
                                                  further: float, pid: int, area: float, month: str) -> None:
    f = features(2, land_use=use, county=county, first_id=pid, area_m2=area,
                 dist_town_centre_m=np.array([near, near + further]))
    f = ParcelFeatures(**{**f.__dict__, "parcel_id": np.array([pid, pid]), "lon": f.lon[:1].repeat(2),
                          "lat": f.lat[:1].repeat(2)})
    v = model.value_per_m2_at(f, np.array([np.datetime64(month, "M")] * 2))
    assert v[0] > v[1]


@settings(max_examples=60, deadline=None)
@given(use=st.sampled_from(CONSTRUCTION), low=st.floats(0.1, 8), step=st.floats(0.01, 5), pid=st.integers(1, 10**9))
def test_construction_land_value_rises_with_plot_ratio(model: PriceModel, use: str, low: float, step: float,
                                                       pid: int) -> None:
    f = features(2, land_use=use, area_m2=3000.0, plot_ratio=np.array([low, low + step]))
    f = ParcelFeatures(**{**f.__dict__, "parcel_id": np.array([pid, pid]), "lon": f.lon[:1].repeat(2),
                          "lat": f.lat[:1].repeat(2)})
    v = model.true_value_per_m2(f, date(2024, 6, 1))
    assert v[1] > v[0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), year=st.integers(2010, 2035), month=st.integers(1, 12))
def test_values_are_positive_and_finite(model: PriceModel, seed: int, year: int, month: int) -> None:
    f = random_world(2_000, seed)
    v = model.true_value_per_m2(f, date(year, month, 1))
    assert np.isfinite(v).all() and (v > 0).all()


def test_date_index_is_one_at_the_base_month(model: PriceModel) -> None:
    base = np.array([np.datetime64("2024-01", "M")])
    assert model.date_index(base)[0] == pytest.approx(1.0, abs=1e-12)
    for county in COUNTIES:
        for use in model.uses:
            value = model.date_index(base, county_code=np.array([county]), land_use_class=np.array([use.code]))
            assert value[0] == pytest.approx(1.0, abs=1e-12)
    months = np.arange(np.datetime64("2019-01"), np.datetime64("2027-01"))
    index = model.date_index(months)
    assert np.all(np.abs(np.diff(np.log(index))) < 0.01)  # smooth: no month moves by 1 % or more
    peak = months[int(np.argmax(index))]
    assert np.datetime64("2021-06") <= peak <= np.datetime64("2022-06")  # the documented cycle peaks around 2022
    assert model.date_index(np.array([np.datetime64("2030-05", "M")]))[0] == pytest.approx(index[-1])  # held flat
    assert (month_numbers(np.array(["2024-01-31"], dtype="datetime64[D]")) == model.base_month).all()


def test_values_in_the_documented_ranges_at_reference_features(model: PriceModel) -> None:
    """Per use and county, the median over locations (spatial field, parcel term) lies in the toml's range."""
    for use in model.uses:
        for county in COUNTIES:
            f = with_ref_area(model, features(4_000, land_use=use.code, county=county, seed=len(use.code)))
            v = model.to_basis(f.land_use_class, model.true_value_per_m2(f, date(2024, 1, 15)))
            low, high = use.value_range
            assert low <= float(np.median(v)) <= high, (use.code, county, float(np.median(v)))
            spread = np.percentile(v, [5, 95])
            assert spread[0] > low * 0.5 and spread[1] < high * 2, (use.code, county, spread)


def test_value_of_a_parcel_does_not_depend_on_the_others(model: PriceModel) -> None:
    world = random_world(5_000, 3)
    all_values = model.true_value_per_m2(world, date(2025, 3, 1))
    pick = np.array([17, 4_321, 2])
    assert np.array_equal(model.true_value_per_m2(world.take(pick), date(2025, 3, 1)), all_values[pick])
    again = PriceModel.from_profile(get_profile())
    assert np.array_equal(again.true_value_per_m2(world, date(2025, 3, 1)), all_values)
    other_seed = PriceModel.from_profile(get_profile(), seed=1)
    assert not np.allclose(other_seed.true_value_per_m2(world, date(2025, 3, 1)), all_values)


def test_term_factor_and_aliases(model: PriceModel) -> None:
    uses = np.array(["0601", "0601", "0601", "0101", "0702"])
    ky = model.term_factor(uses, np.array([50, 30, 0, 15, 0]))
    assert ky[0] == pytest.approx(1.0) and ky[1] < 1.0 and ky[2] == 1.0 and ky[3] > 1.0 and ky[4] == 1.0
    assert model.use("0102").code == "0101" and model.use("1006").code == "0809"  # by code, by first-level prefix
    with pytest.raises(ValueError, match="land-use class"):
        model.use_index(np.array(["9999"]))
    with pytest.raises(ValueError, match="county"):
        model.true_value_per_m2(features(1, county="110101"), date(2024, 1, 1))


@given(st.integers(0, 10**11))
def test_to_fen_rounds_half_up(thousandths: int) -> None:
    value = Decimal(thousandths) / 1000
    expected = int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    assert to_fen(np.array([float(value)]))[0] == expected


# --- the sales generator -----------------------------------------------------------------------

def test_generate_sales_history(model: PriceModel) -> None:
    world = random_world(50_000, 5)
    start, end = date(2020, 1, 1), date(2025, 12, 31)
    sales = generate_sales(model, world, start=start, end=end, count=20_000, seed=11)
    assert len(sales) == 20_000
    dates = sales.sale_date
    assert dates.min() >= np.datetime64(start) and dates.max() <= np.datetime64(end)
    assert (dates.max() - dates.min()).astype(int) >= 5 * 365 and (np.diff(dates.astype(int)) >= 0).all()
    traded = {u.code for u in model.uses if u.sale_weight > 0}
    assert set(sales.land_use_class.tolist()) == traded
    share = {c: float(np.mean(sales.land_use_class == c)) for c in traded}
    total_weight = sum(model.use(c).sale_weight for c in traded)
    for code in traded:
        assert share[code] == pytest.approx(model.use(code).sale_weight / total_weight, abs=0.015)
    nm = model.non_market
    non_market = ~sales.market
    assert nm.share_band[0] <= non_market.mean() <= nm.share_band[1]
    assert abs(non_market.sum() - 20_000 * nm.total_share) <= 2
    assert set(sales.reason[non_market].tolist()) == set(NON_MARKET_KINDS)
    assert all(r is None for r in sales.reason[sales.market].tolist())
    ratio = sales.price_fen / sales.true_price_fen
    assert np.median(ratio[sales.market]) == pytest.approx(1.0, abs=0.01)
    related = sales.reason == "related_party"
    assert ((ratio[related] > 0.39) & (ratio[related] < 0.71)).all()
    forced = sales.reason == "forced_sale"
    assert ((ratio[forced] > 0.59) & (ratio[forced] < 0.86)).all()
    assert np.median(ratio[sales.reason == "entry_error_x10"]) > 5
    assert np.median(ratio[sales.reason == "entry_error_div10"]) < 0.2
    declared = sales.related_parties[related]
    assert any(d is True for d in declared) and all(d in (True, None) for d in declared)
    assert not any(d is True for d in sales.related_parties[~related])
    assert (sales.parcel_id == world.parcel_id[sales.parcel_index]).all()
    homestead = sales.land_use_class == "0702"
    assert (sales.term_years[homestead] == 0).all() and set(sales.right_type[homestead]) == {"homestead_use_right"}
    assert np.isnan(sales.plot_ratio[sales.land_use_class == "0101"]).all()


def test_generate_sales_is_deterministic(model: PriceModel) -> None:
    world = random_world(10_000, 2)
    a = generate_sales(model, world, start=date(2019, 1, 1), end=date(2025, 6, 30), count=3_000, seed=4)
    b = generate_sales(model, world, start=date(2019, 1, 1), end=date(2025, 6, 30), count=3_000, seed=4)
    c = generate_sales(model, world, start=date(2019, 1, 1), end=date(2025, 6, 30), count=3_000, seed=5)
    for name in ("parcel_id", "sale_date", "price_fen", "true_price_fen", "term_years"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert a.method.tolist() == b.method.tolist() and a.reason.tolist() == b.reason.tolist()
    assert not np.array_equal(a.price_fen, c.price_fen)


def test_generate_sales_refuses_bad_input(model: PriceModel) -> None:
    world = features(10, land_use="0810")  # parks never trade
    with pytest.raises(ValueError, match="trades"):
        generate_sales(model, world, start=date(2020, 1, 1), end=date(2025, 1, 1), count=5, seed=1)
    with pytest.raises(ValueError, match="count"):
        generate_sales(model, random_world(10, 1), start=date(2020, 1, 1), end=date(2025, 1, 1), count=0, seed=1)


def test_large_draw_keeps_its_count(model: PriceModel) -> None:
    """A draw of 10⁴ sales from 10⁵ parcels returns exactly the count (speed: bench/demo_prices.py)."""
    world = random_world(100_000, 9)
    sales = generate_sales(model, world, start=date(2020, 1, 1), end=date(2025, 12, 31), count=10_000, seed=1)
    assert len(sales) == 10_000


# --- storing the truth -------------------------------------------------------------------------

def _registered_parcels(db: Database, n: int, land_use: str) -> tuple[np.ndarray, np.ndarray]:
    village = get_profile().villages()[0].code
    geoms = generate_parcels(n, (116.95, 28.15, 116.96, 28.16), seed=3)
    with db.transaction() as s:
        import_parcels(s, ParcelBatch(geoms=geoms, region_codes=[village] * n, land_use_classes=[land_use] * n),
                       actor="test", file_sha256="0" * 64)
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Parcel.id, Parcel.area_m2).order_by(Parcel.id)).all()
    return np.array([r[0] for r in rows]), np.array([float(r[1]) for r in rows])


def test_store_true_values_and_generated_sales(db: Database, clock: Clock, model: PriceModel) -> None:
    ids, areas = _registered_parcels(db, 40, "0601")
    village = get_profile().villages()[0].code
    f = features(len(ids), land_use="0601", county=village[:6], area_m2=areas, plot_ratio=1.2)
    f = ParcelFeatures(**{**f.__dict__, "parcel_id": ids, "region_code": np.array([village] * len(ids))})
    as_of = date(2026, 1, 1)
    with db.transaction() as s:
        assert store_model_values(s, model, f, as_of, chunk=15) == len(ids)
    per_m2 = model.true_value_per_m2(f, as_of)
    with db.transaction(readonly=True) as s:
        stored = s.execute(select(TrueValue.parcel_id, TrueValue.value_per_m2_cny, TrueValue.value_cny,
                                  TrueValue.model_version, TrueValue.as_of).order_by(TrueValue.parcel_id)).all()
    assert [t[0] for t in stored] == ids.tolist()
    assert [int(t[1] * 100) for t in stored] == to_fen(per_m2).tolist()
    assert [int(t[2] * 100) for t in stored] == to_fen(per_m2 * areas).tolist()
    assert {t[3] for t in stored} == {model.version} and {t[4] for t in stored} == {as_of}
    with pytest.raises(ValueError, match="positive"), db.transaction() as s:
        store_true_values(s, ids[:1], np.array([-1.0]), date(2026, 2, 1), "x", area_m2=areas[:1])

    sales = generate_sales(model, f, start=date(2020, 1, 1), end=date(2025, 12, 31), count=400, seed=8)
    with db.transaction() as s:
        batch = record_generated_sales(s, sales, actor="system:demo")
    assert batch.count == 400 and len(batch.sale_ids) == 400
    with db.transaction(readonly=True) as s:
        assert verify_sale_batch(s, batch.batch_no) and verify_ledger(s).ok
        events = [e for e in list_events(s, module="valuation", limit=1000) if e.event_type == "sales_recorded"]
        assert len(events) == 1
        truth = dict(s.execute(select(SaleTruth.sale_id, SaleTruth.reason)).all())
        assert set(truth) == set(batch.sale_ids)
        assert sum(r is not None for r in truth.values()) == int((~sales.market).sum())
        recorded = s.execute(select(Sale.id, Sale.price_cny, Sale.parcel_id, Sale.region_code).order_by(Sale.id)).all()
        assert [int(r[1] * 100) for r in recorded] == sales.price_fen.tolist()
        assert [r[2] for r in recorded] == sales.parcel_id.tolist() and {r[3] for r in recorded} == {village}
        assert s.scalar(select(func.count()).select_from(SaleTruth)) == 400


def test_sale_rows_carry_no_truth(model: PriceModel) -> None:
    sales = generate_sales(model, random_world(2_000, 1), start=date(2020, 1, 1), end=date(2025, 1, 1), count=50,
                           seed=2)
    rows = sale_rows(sales)
    assert len(rows) == 50 and not any(hasattr(r, "reason") or hasattr(r, "market") for r in rows)
    assert [int(r.price_cny * 100) for r in rows] == sales.price_fen.tolist()
    assert all(r.term_years is None for r, t in zip(rows, sales.term_years.tolist(), strict=True) if t == 0)

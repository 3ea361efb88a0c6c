"""Mass appraisal models (issue #4 item 5): term adjustment, features, hedonic and LightGBM fits, explanations."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.valuation.mass import engine as mass
from landbridge.valuation.mass import places as mass_places
from landbridge.valuation.mass.engine import MassError, MassModel, MassSettings

SETTINGS = mass.mass_settings()
FAST = MassSettings(**{**SETTINGS.__dict__, "gbm": {**SETTINGS.gbm, "num_boost_round": 60.0}})
USES = np.array(["0101", "0301", "0702", "0701"])
BASE = {"0101": 8.0, "0301": 2.0, "0702": 650.0, "0701": 2000.0}


def synthetic(n: int, seed: int = 3) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A small market with known effects: level per use and district, distance, plot ratio, a monthly trend."""
    rng = np.random.default_rng(seed)
    use = USES[rng.integers(0, len(USES), n)]
    district = np.where(rng.random(n) < 0.5, "360602", "360603")
    region = np.array([d + "100001" for d in district])
    dist = rng.uniform(100, 20_000, n)
    plot = np.where(np.isin(use, ["0701"]), rng.uniform(1, 3, n), np.nan)
    area = rng.uniform(100, 5000, n)
    month = rng.integers(mass.month_of(date(2021, 1, 1)), mass.month_of(date(2025, 12, 1)) + 1, n)
    log_v = (np.log([BASE[u] for u in use]) + np.where(district == "360602", 0.2, 0.0)
             - 0.25 * np.log1p(dist / 1000) + 0.3 * np.nan_to_num(plot - 1) - 0.05 * np.log(area / 1000)
             + 0.004 * (month - month.min()) + rng.normal(0, 0.08, n))
    table = {"land_use_class": use, "region_code": region, "area_m2": area, "plot_ratio": plot,
             "dist_town_centre_m": dist, "lon": rng.uniform(116.9, 117.2, n), "lat": rng.uniform(28.1, 28.3, n)}
    return table, month, log_v


def fitted(n: int = 1500, seed: int = 1) -> tuple[MassModel, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    table, month, y = synthetic(n)
    features, spec = mass.land_features(table)
    return mass.fit_mass_model(features, spec, month, y, settings=FAST, seed=seed), features, month, y


def test_term_factor_golden_and_without_term() -> None:
    # rules.md golden example: r 6.75 %, m 63.97, n 70 -> Ky 0.9950 (residential 07: n 70, r 6.75 % in the profile)
    ky = mass.term_factor(SETTINGS, np.array(["0701", "0702", "0701"]), np.array([63.97, 30.0, np.nan]))
    assert round(float(ky[0]), 4) == 0.9950
    assert ky[1] == 1.0 and ky[2] == 1.0  # homesteads have no term; a sale without a term is not adjusted


@given(st.floats(1, 69), st.floats(0.01, 0.12))
@settings(max_examples=50, deadline=None)
def test_term_factor_increases_with_the_term(m: float, r: float) -> None:
    s = MassSettings(**{**SETTINGS.__dict__, "capitalisation_rate": {"07": r}})
    ky = mass.term_factor(s, np.array(["0701", "0701", "0701"]), np.array([m, m + 1, 70]))
    assert 0 < ky[0] < ky[1] <= ky[2] + 1e-12 and abs(ky[2] - 1) < 1e-12


def test_land_features_and_prefix_lookup() -> None:
    table, _, _ = synthetic(10)
    features, spec = mass.land_features(table)
    assert spec.categorical == ("use", "district") and spec.group == "use"
    assert spec.numeric == ("log_area", "plot_ratio", "lon", "lat", "log_dist_town_centre")
    assert spec.names[-1] == "month"
    assert set(features["district"].tolist()) <= {"360602", "360603"}
    assert np.allclose(features["log_dist_town_centre"], np.log1p(table["dist_town_centre_m"] / 1000))
    assert mass.by_prefix({"07": 70, "0702": 0}, np.array(["0701", "0702", "01"]), -1).tolist() == [70, 0, -1]
    with pytest.raises(MassError):
        mass.land_features({"price": np.ones(3)})


def test_log_unit_price_refuses_bad_prices() -> None:
    with pytest.raises(MassError):
        mass.log_unit_price(SETTINGS, np.array([100.0, 0.0]), np.array([1.0, 1.0]))
    y = mass.log_unit_price(SETTINGS, np.array([1000.0]), np.array([2.0]), np.array(["0702"]), np.array([np.nan]))
    assert y[0] == pytest.approx(np.log(500.0))


def test_fit_recovers_the_market_and_both_methods_predict_it() -> None:
    model, features, month, y = fitted()
    for method in mass.METHODS:
        err = model.predict_log(features, month, method) - y
        assert abs(float(np.median(err))) < 0.03 and float(np.median(np.abs(err))) < 0.12, method
    # the hedonic slope on log distance is close to the true -0.25 for every use
    slopes = [model.hedonic.slope(u, "log_dist_town_centre") for u in USES.tolist()]
    assert all(abs(s + 0.25) < 0.03 for s in slopes), slopes
    assert abs(model.hedonic.slope("0701", "plot_ratio") - 0.3) < 0.05
    index = dict(model.hedonic.month_index())
    assert index[model.month0] == 1.0 and index[model.month1] > 1.1  # the market rose 0.4 %/month


def test_monotone_in_distance_and_plot_ratio() -> None:
    model, features, month, _ = fitted()
    row = {k: np.repeat(v[:1], 50) for k, v in features.items()}
    row["use"] = np.full(50, "0701")
    row["plot_ratio"] = np.full(50, 2.0)
    row["log_dist_town_centre"] = np.linspace(0, 3, 50)
    values = model.predict(row, np.full(50, month.max()))
    assert np.all(np.diff(values) <= 1e-9)
    row["log_dist_town_centre"] = np.full(50, 1.0)
    row["plot_ratio"] = np.linspace(1, 3, 50)
    assert np.all(np.diff(model.predict(row, np.full(50, month.max()))) >= -1e-9)


def test_deterministic_for_a_seed_and_serialisable() -> None:
    a, features, month, _ = fitted(seed=5)
    b, _, _, _ = fitted(seed=5)
    assert np.array_equal(a.predict(features, month), b.predict(features, month))
    again = MassModel.from_json(a.to_json())
    for method in mass.METHODS:
        assert np.allclose(again.predict(features, month, method), a.predict(features, month, method), rtol=1e-12)


@pytest.mark.parametrize("method", mass.METHODS)
def test_explanation_sums_to_the_prediction(method: str) -> None:
    model, features, month, _ = fitted()
    part = {k: v[:40] for k, v in features.items()}
    values = model.predict(part, month[:40], method)
    explanations = model.explain(part, month[:40], method, top=3)
    for value, ex in zip(values, explanations, strict=True):
        total = ex.base + sum(c for _, c in ex.contributions) + ex.rest
        assert np.exp(total) == pytest.approx(value, rel=1e-9) and ex.value == pytest.approx(value, rel=1e-9)
        assert len(ex.contributions) == 3
        assert abs(ex.contributions[0][1]) >= abs(ex.contributions[-1][1])
        d = ex.as_dict()
        factors = d["base_factor"] * d["rest_factor"] * np.prod([c["factor"] for c in d["contributions"]])
        assert factors == pytest.approx(value, rel=1e-9)


def test_unseen_levels_and_months_are_valued() -> None:
    model, features, month, _ = fitted()
    part = {k: v[:5].copy() for k, v in features.items()}
    part["district"] = np.full(5, "999999")
    later = np.full(5, month.max() + 30)
    for method in mass.METHODS:
        v = model.predict(part, later, method)
        assert np.all(np.isfinite(v) & (v > 0))
        # a month after the last sale is valued at the last sale month (no extrapolation)
        assert np.allclose(v, model.predict(part, np.full(5, month.max()), method))


def test_screen_sets_aside_gross_outliers() -> None:
    table, month, y = synthetic(1200)
    y = y.copy()
    y[:30] += np.log(10)  # data-entry errors: ×10
    features, spec = mass.land_features(table)
    model = mass.fit_mass_model(features, spec, month, y, settings=FAST, seed=1)
    assert 30 <= model.n_screened <= 60


def test_refusals() -> None:
    table, month, y = synthetic(20)
    features, spec = mass.land_features(table)
    with pytest.raises(MassError, match="at least"):
        mass.fit_mass_model(features, spec, month, y, settings=FAST, seed=1)
    with pytest.raises(MassError):
        mass.holdout_split(10, 1.0, 1)
    model, features, month, _ = fitted()
    with pytest.raises(MassError):
        model.predict(features, month, "oracle")


def test_holdout_split_is_seeded_and_disjoint() -> None:
    a = mass.holdout_split(1000, 0.2, 7)
    b = mass.holdout_split(1000, 0.2, 7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and len(a[1]) == 200
    assert not set(a[0].tolist()) & set(a[1].tolist())
    assert not np.array_equal(a[1], mass.holdout_split(1000, 0.2, 8)[1])


def test_predict_in_chunks_matches_one_pass() -> None:
    model, features, month, _ = fitted()
    assert np.allclose(mass.predict_in_chunks(model, features, month, chunk=97), model.predict(features, month))


def test_distances_to_points_and_lines() -> None:
    layers = {"town_centre": ("town_centre", ()), "major_road": ("road", ("national",))}
    features = [("town_centre", "town", shapely.Point(117.0, 28.2)),
                ("road", "national", shapely.LineString([(116.9, 28.3), (117.1, 28.3)])),
                ("road", "village", shapely.LineString([(117.0, 28.2), (117.0, 28.21)])),
                ("river", "river", shapely.LineString([(116.9, 28.0), (117.1, 28.0)]))]
    places = mass_places.build_places(features, layers, 4548)
    assert places.names == ("town_centre", "major_road")
    d = mass_places.distances(places, np.array([117.0, 117.0]), np.array([28.2, 28.25]))
    assert d["dist_town_centre_m"][0] == pytest.approx(0, abs=1e-6)
    assert d["dist_town_centre_m"][1] == pytest.approx(5545, rel=0.01)  # 0.05° of latitude
    assert d["dist_major_road_m"][1] == pytest.approx(5545, rel=0.01)  # the village road does not count
    assert mass_places.distances(places, np.array([]), np.array([]))["dist_major_road_m"].shape == (0,)

"""Pure planning rules: permitted uses, condition checks and merging, transitions, overlap ranking (hypothesis)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.cityprofile import get_profile
from landbridge.errors import Conflict, RuleViolation
from landbridge.planning import rules
from landbridge.planning.queries import operating_use_classes, zone_kind_defaults
from landbridge.planning.rules import Conditions, ZoneKind, ZoneStatus

first_levels = st.integers(1, 12).map(lambda n: f"{n:02d}")
classes = st.builds(lambda a, b: a + b, first_levels, st.integers(1, 99).map(lambda n: f"{n:02d}"))
codes = st.one_of(first_levels, classes)
indicator = st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=3))
ratio = st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=4))
conditions = st.builds(Conditions, indicator, indicator, ratio, st.one_of(st.none(), st.decimals(0, 300, places=2)),
                       ratio)


@given(st.lists(codes, max_size=8), classes)
def test_use_permitted_is_equality_or_first_level_prefix(permitted: list[str], land_use: str) -> None:
    expected = land_use in permitted or land_use[:2] in permitted
    assert rules.use_permitted(permitted, land_use) is expected
    assert rules.use_permitted([*permitted, land_use[:2]], land_use)
    assert not rules.use_permitted([], land_use)


def test_use_permitted_examples() -> None:
    assert rules.use_permitted(["01"], "0103")
    assert rules.use_permitted(["0702"], "0702")
    assert not rules.use_permitted(["0702"], "0701")
    assert not rules.use_permitted(["0601"], "06")  # a sub-class does not permit its whole first level
    assert not rules.use_permitted(["1"], "1001")


@given(st.lists(codes, max_size=6), st.lists(codes, min_size=1, max_size=4))
def test_operating_use_is_symmetric_prefix_overlap(permitted: list[str], operating: list[str]) -> None:
    got = rules.operating_use_permitted(permitted, operating)
    # brute force over every concrete second-level class: some class is permitted and operating
    witnesses = [f"{a:02d}{b:02d}" for a in range(1, 13) for b in range(1, 100)]
    expected = any(rules.use_permitted(permitted, c) and rules.use_permitted(operating, c) for c in witnesses) or \
        any(p == o for p in permitted for o in operating)
    assert got is expected


@given(codes)
def test_land_use_codes_validate(code: str) -> None:
    assert rules.is_land_use_code(code)
    assert rules.check_land_use_codes([code, code]) == (code,)


@pytest.mark.parametrize("bad", ["", "00", "13", "1", "060", "06011", "ab", "0a01"])
def test_bad_land_use_codes(bad: str) -> None:
    assert not rules.is_land_use_code(bad)
    with pytest.raises(RuleViolation) as exc:
        rules.check_land_use_codes(["0101", bad])
    assert exc.value.code == "planning.invalid_land_use_class"


@given(conditions, conditions)
def test_merge_takes_own_values_else_defaults(own: Conditions, defaults: Conditions) -> None:
    merged = rules.merge_conditions(own, defaults)
    for name in rules.CONDITION_FIELDS:
        mine = getattr(own, name)
        assert getattr(merged, name) == (mine if mine is not None else getattr(defaults, name))
    assert rules.merge_conditions(Conditions(), defaults) == defaults
    assert rules.merge_conditions(own, Conditions()) == own


@given(conditions)
def test_check_conditions_accepts_exactly_the_consistent_ones(c: Conditions) -> None:
    inverted = c.min_plot_ratio is not None and c.max_plot_ratio is not None and c.min_plot_ratio > c.max_plot_ratio
    if inverted:
        with pytest.raises(RuleViolation) as exc:
            rules.check_conditions(c)
        assert exc.value.code == "planning.invalid_conditions"
    else:
        assert rules.check_conditions(c) == c


@pytest.mark.parametrize(("name", "value"), [("max_building_density", "1.01"), ("min_green_ratio", "2"),
                                             ("max_height_m", "-0.5"), ("max_plot_ratio", "-1")])
def test_check_conditions_bounds(name: str, value: str) -> None:
    with pytest.raises(RuleViolation):
        rules.check_conditions(Conditions(**{name: Decimal(value)}))


@pytest.mark.parametrize(("value", "ok"), [("1.5", True), (2, True), (Decimal("0.125"), True), ("1.2345", False),
                                           (1.5, False), (True, False), ("x", False), ("NaN", False), ("1e9", False)])
def test_indicator_values_are_exact_decimals(value: object, ok: bool) -> None:
    if ok:
        assert rules.to_decimal(value, "max_plot_ratio") == Decimal(str(value))
    else:
        with pytest.raises(RuleViolation):
            rules.to_decimal(value, "max_plot_ratio")


def test_merge_permitted_uses_replaces_only_when_given() -> None:
    assert rules.merge_permitted_uses([], ("01", "02")) == ("01", "02")
    assert rules.merge_permitted_uses(["0601"], ("01", "02")) == ("0601",)


def test_transitions() -> None:
    assert rules.transition("draft", ZoneStatus.approved) is ZoneStatus.approved
    assert rules.transition("approved", ZoneStatus.superseded) is ZoneStatus.superseded
    for current, target in (("draft", ZoneStatus.superseded), ("approved", ZoneStatus.approved),
                            ("superseded", ZoneStatus.approved), ("superseded", ZoneStatus.draft)):
        with pytest.raises(Conflict) as exc:
            rules.transition(current, target)
        assert exc.value.code == "planning.invalid_transition"


@given(st.lists(st.tuples(st.integers(1, 50), st.floats(0, 1e6, allow_nan=False)), max_size=10,
                unique_by=lambda t: t[0]))
def test_rank_overlaps_largest_first_ties_to_lower_id(overlaps: list[tuple[int, float]]) -> None:
    ranked = rules.rank_overlaps(overlaps)
    assert all(area > 0 for _, area in ranked)
    assert len(ranked) == sum(1 for _, a in overlaps if a > 0)
    for (id_a, a), (id_b, b) in itertools.pairwise(ranked):
        assert a > b or (a == b and id_a < id_b)


@given(st.floats(0, 1e7, allow_nan=False), st.floats(1e-3, 1e7, allow_nan=False))
def test_overlap_share_is_a_fraction_to_four_places(overlap: float, total: float) -> None:
    share = rules.overlap_share(overlap, total)
    assert Decimal(0) <= share <= Decimal(1)
    assert share == share.quantize(Decimal("0.0001"))
    assert abs(float(share) - min(overlap / total, 1.0)) <= 0.00005 + 1e-12
    assert rules.overlap_share(overlap, 0) == 0


def test_city_profile_defaults_cover_every_kind_and_are_marked_unverified() -> None:
    defaults = zone_kind_defaults()
    assert set(defaults) == set(ZoneKind)
    operating = operating_use_classes()
    for kind, d in defaults.items():
        assert d.permitted_uses and not d.verified and d.source
        rules.check_conditions(d.conditions)
        allows_operating = rules.operating_use_permitted(d.permitted_uses, operating)
        assert allows_operating is (kind in {ZoneKind.urban_construction, ZoneKind.town_construction,
                                             ZoneKind.village_construction, ZoneKind.industrial, ZoneKind.mineral})
    assert defaults[ZoneKind.permanent_basic_farmland].conditions.max_plot_ratio == 0
    assert get_profile().rules("planning").rule("zone_overlap_tolerance_m2").unit == "m2"
    assert set(rules.ZONE_KIND_NAMES) == set(ZoneKind)


def test_unknown_kinds() -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.parse_zone_kind("farm")
    assert exc.value.code == "planning.invalid_zone_kind"
    with pytest.raises(RuleViolation) as exc:
        rules.parse_feature_kind("railway")
    assert exc.value.code == "planning.invalid_feature_kind"
    with pytest.raises(RuleViolation):
        rules.conditions_from({"max_floor_area": "1"})

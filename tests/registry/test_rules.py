"""Pure registry rules: unit codes, shares, transfer blocks, ranks, terms (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.errors import Conflict, RuleViolation
from landbridge.registry import rules
from landbridge.registry.rules import RestrictionFact

villages = st.builds(lambda county, district, sub: f"3606{county:02d}{district:03d}{sub:03d}",
                     st.integers(1, 99), st.integers(0, 999), st.integers(1, 999))
features = st.sampled_from(sorted(set(rules.FEATURE_BY_RIGHT_TYPE.values())))
sequences = st.integers(1, rules.SEQUENCE_MAX)
AT = datetime(2026, 3, 2, tzinfo=UTC)


@given(villages, features, sequences)
def test_pure_land_unit_code_roundtrip(region: str, feature: str, seq: int) -> None:
    code = rules.make_unit_code(rules.make_parcel_code(region, feature, seq))
    assert len(code) == 28 and code.endswith(rules.PURE_LAND_SUFFIX)
    parsed = rules.parse_unit_code(code)
    assert parsed is not None
    assert (parsed.region_code, parsed.feature, parsed.sequence) == (region, feature, seq)
    assert parsed.county == region[:6] and parsed.cadastral_district == region[6:9]
    assert parsed.sub_district == region[9:]


@given(villages, features, sequences, st.sampled_from("FLQ"), st.integers(1, 9999), st.integers(1, 9999))
def test_unit_code_with_attachment(region: str, feature: str, seq: int, att: str, building: int, unit: int) -> None:
    code = rules.make_unit_code(rules.make_parcel_code(region, feature, seq), att, building, unit)
    parsed = rules.parse_unit_code(code)
    assert parsed is not None and (parsed.attachment, parsed.building, parsed.unit) == (att, building, unit)
    assert parsed.parcel_code == code[:19]


def test_example_from_rules_md() -> None:
    parsed = rules.parse_unit_code("360603101002JC00058F00010001")
    assert parsed is not None and parsed.feature == "JC" and parsed.sequence == 58 and parsed.building == 1


@pytest.mark.parametrize("code", [
    "360603101002JC00058F0001000",      # 27 characters
    "360603101002JC00000W00000000",     # sequence 0
    "360603101002JC00058W00010001",     # pure land with a building number
    "360603101002JC00058F00000000",     # house without building/unit
    "360603101002XC00058W00000000",     # ownership letter not J/G/Z
    "360603101000JC00058W00000000",     # sub-district 000 (a township, not a village)
    "360600101002JC00058W00000000",     # a city code, not a county
    "360603101002JC00058K00000000",     # unknown attachment
    "360603101002jc00058W00000000",     # lower case
])
def test_invalid_unit_codes(code: str) -> None:
    assert not rules.valid_unit_code(code)


@given(st.text(max_size=40))
def test_parser_never_crashes(text: str) -> None:
    assert rules.valid_unit_code(text) in (True, False)


def test_make_unit_code_refuses_inconsistent_parts() -> None:
    parcel = rules.make_parcel_code("360603101002", "JC", 1)
    with pytest.raises(ValueError):
        rules.make_unit_code(parcel, "W", 1, 1)
    with pytest.raises(ValueError):
        rules.make_unit_code(parcel, "F", 0, 0)
    with pytest.raises(ValueError):
        rules.make_parcel_code("360603101002", "JC", 100_000)


def test_feature_codes_by_right_type() -> None:
    assert rules.feature_code("homestead_use_right") == "JC"
    assert rules.feature_code("collective_land_ownership") == "JA"
    assert rules.feature_code("collective_construction_land_use_right") == "JB"
    assert rules.feature_code("land_contract_right") == "JD"
    assert rules.feature_code("forest_right") == "JE"
    assert rules.feature_code("state_construction_land_use_right") == "GB"
    with pytest.raises(RuleViolation):
        rules.feature_code("collective_asset_share")


@given(st.lists(st.integers(1, 12), min_size=1, max_size=8))
def test_shares_that_sum_to_one_pass(parts: list[int]) -> None:
    total = sum(parts)
    rules.check_shares([(i, Fraction(p, total)) for i, p in enumerate(parts)])


@given(st.lists(st.integers(1, 12), min_size=1, max_size=8), st.integers(1, 12))
def test_shares_that_do_not_sum_to_one_fail(parts: list[int], extra: int) -> None:
    total = sum(parts) + extra  # the shares sum to less than 1
    with pytest.raises(RuleViolation) as exc:
        rules.check_shares([(i, Fraction(p, total)) for i, p in enumerate(parts)])
    assert exc.value.code == "registry.shares_not_one"


def test_share_parsing() -> None:
    assert rules.parse_share("1/3") == Fraction(1, 3)
    for bad in ("0", "3/2", "abc", "1/0", "-1/2"):
        with pytest.raises(RuleViolation):
            rules.parse_share(bad)
    with pytest.raises(RuleViolation):
        rules.check_shares([(1, Fraction(1, 2)), (1, Fraction(1, 2))])
    with pytest.raises(RuleViolation):
        rules.check_shares([])


def test_house_and_land_same_holders() -> None:
    rules.check_same_holders([(1, Fraction(1))], [(1, Fraction(1))])
    with pytest.raises(RuleViolation) as exc:
        rules.check_same_holders([(1, Fraction(1, 2)), (2, Fraction(1, 2))], [(1, Fraction(1))])
    assert exc.value.code == "registry.house_land_holder_mismatch"


def _fact(kind: str, holder: int | None = None, expires: datetime | None = None, nta: bool = False) -> RestrictionFact:
    return RestrictionFact(1, kind, holder, expires, nta)


@given(st.booleans(), st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_seizure_always_blocks(consent: bool, buyers: list[int]) -> None:
    assert rules.transfer_blocks([_fact("seizure")], transferees=buyers, at=AT, mortgagee_consent=consent)


@given(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=1, max_size=3), st.integers(-100, 100))
def test_advance_notice_blocks_others_until_expiry(holder: int, buyers: list[int], days: int) -> None:
    fact = _fact("advance_notice", holder, AT + timedelta(days=days))
    blocked = bool(rules.transfer_blocks([fact], transferees=buyers, at=AT, mortgagee_consent=False))
    assert blocked == (days > 0 and holder not in buyers)


@given(st.booleans(), st.booleans(), st.booleans())
def test_mortgage_blocks_only_with_agreement_and_no_consent(nta: bool, consent: bool, rule_on: bool) -> None:
    blocked = bool(rules.transfer_blocks([_fact("mortgage", 9, nta=nta)], transferees=[1], at=AT,
                                         mortgagee_consent=consent, no_transfer_rule=rule_on))
    assert blocked == (nta and not consent and rule_on)


def test_objection_does_not_block_and_block_is_named() -> None:
    assert rules.transfer_blocks([_fact("objection", 2)], transferees=[1], at=AT, mortgagee_consent=False) == []
    with pytest.raises(Conflict) as exc:
        rules.raise_if_blocked([RestrictionFact(42, "seizure", None, None, False)])
    assert exc.value.code == "registry.transfer_blocked" and exc.value.details["restriction_id"] == 42
    rules.raise_if_blocked([])


@given(st.lists(st.one_of(st.none(), st.integers(1, 50)), max_size=10))
def test_next_mortgage_rank_follows_the_last(ranks: list[int | None]) -> None:
    rank = rules.next_mortgage_rank(ranks)
    assert rank == max([r for r in ranks if r is not None], default=0) + 1


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), st.integers(0, 30))
def test_management_term_minimum(start: date, years: int) -> None:
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = date(start.year + years, 3, 1)
    if years >= 5:
        rules.check_management_term(start, end, 5)
    else:
        with pytest.raises(RuleViolation):
            rules.check_management_term(start, end, 5)
    with pytest.raises(RuleViolation):
        rules.check_management_term(start, end - timedelta(days=1), years) if years else \
            rules.check_management_term(start, None, 5)


def test_lapse_at() -> None:
    assert rules.lapse_at(AT, 15) == AT + timedelta(days=15)


@given(st.text(max_size=3))
def test_attachment_is_one_of_four_letters(attachment: str) -> None:
    if attachment in {"F", "L", "Q", "W"}:
        rules.check_attachment(attachment)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_attachment(attachment)
        assert exc.value.code == "registry.invalid_attachment"


@given(st.sampled_from(sorted(rules.FEATURE_BY_RIGHT_TYPE)), st.sampled_from(["F", "L", "Q", "W"]))
def test_a_house_goes_only_with_its_homestead(right_type: str, attachment: str) -> None:
    if right_type == "homestead_use_right" and attachment == "F":
        rules.check_house_on_homestead(right_type, attachment)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_house_on_homestead(right_type, attachment)
        assert exc.value.code == "registry.house_needs_homestead"

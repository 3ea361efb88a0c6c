"""Pure market-entry rules (issue #15): transitions as data, the guards, the term cap, the floor with the
industrial exception and the proceeds split to the fen (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge import exchange
from landbridge.errors import DomainError
from landbridge.exchange.entry_terms import MAX_GRADE  # the one bound, the exchange's
from landbridge.market_entry import rules
from landbridge.market_entry.queries import entry_rules
from landbridge.market_entry.rules import CaseState

R = entry_rules(date(2026, 3, 2))  # with the exchange's methods, caps and use categories
FEN = Decimal("0.01")
fen = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n) * FEN)
share = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 10_000)


def plan(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "boundary": "东至村道，南至河，西至林地，北至厂房", "area_m2": "1200.00", "land_use": "0601",
        "conditions": {"max_plot_ratio": "1.2"}, "industry_requirements": "无污染加工业",
        "environment_requirements": "环评备案", "term_years": 50, "method": "grant", "transaction_method": "listing",
        "floor_price": "600000.00", "revenue_arrangement": {"retained_share": "0.30"}}
    base.update(kw)
    return base


def code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


@given(proceeds=fen, retained=share)
def test_split_sums_to_the_fen(proceeds: Decimal, retained: Decimal) -> None:
    s = rules.split_proceeds(proceeds, retained)
    assert s.retained + s.members == proceeds
    assert s.retained == s.retained.quantize(FEN) and s.members == s.members.quantize(FEN)
    assert 0 <= proceeds * retained - s.retained < FEN
    assert s.retained >= 0 and s.members >= 0


def test_split_refuses_bad_share_and_sub_fen_amounts() -> None:
    for p, r in ((Decimal("1.001"), Decimal("0.3")), (Decimal("10"), Decimal("1.1")), (Decimal("-1"), Decimal(0))):
        with pytest.raises(DomainError) as e:
            rules.split_proceeds(p, r)
        assert code(e) == "market_entry.invalid_plan"
    assert rules.split_proceeds(Decimal("1000000.01"), Decimal("0.30")) == rules.Split(
        Decimal("1000000.01"), Decimal("300000.00"), Decimal("700000.01"))


@given(appraised=fen.filter(lambda d: d > 0), land_use=st.sampled_from(["0601", "0602", "05", "0508", "0701", "08"]),
       delta=st.integers(-10_000, 10_000))
def test_floor_check_is_the_ratio_rounded_up(appraised: Decimal, land_use: str, delta: int) -> None:
    ratio = R.industrial_floor_ratio if land_use.startswith("06") else R.floor_ratio
    floor = rules.floor_price(appraised, land_use, R)
    assert floor >= appraised * ratio > floor - FEN
    start = floor + delta * FEN
    if start >= floor:
        assert rules.check_floor(start, appraised, land_use, R) == floor
    else:
        with pytest.raises(DomainError) as e:
            rules.check_floor(start, appraised, land_use, R)
        assert code(e) == "market_entry.price_below_floor"


def test_industrial_exception_from_rule_data() -> None:
    assert rules.floor_ratio("0601", R) == Decimal("0.70") < rules.floor_ratio("05", R) == Decimal("1.0")
    rules.check_floor(Decimal("70000.00"), Decimal("100000.00"), "0601", R)
    with pytest.raises(DomainError):
        rules.check_floor(Decimal("70000.00"), Decimal("100000.00"), "0508", R)


@pytest.mark.parametrize(("use", "cap"), [("0701", 70), ("05", 40), ("0508", 40), ("0601", 50), ("08", 50)])
def test_term_caps_by_use(use: str, cap: int) -> None:
    assert rules.check_term(cap, use, R) == cap
    with pytest.raises(DomainError) as e:
        rules.check_term(cap + 1, use, R)
    assert code(e) == "market_entry.term_over_cap"
    with pytest.raises(DomainError):
        rules.check_term(0, use, R)


@given(drop=st.sampled_from(R.plan_mandatory_fields), blank=st.sampled_from([None, "", "  ", [], {}]))
def test_each_mandatory_field_is_required(drop: str, blank: object) -> None:
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(**{drop: blank}), R)
    assert code(e) == "market_entry.plan_field_missing"
    assert drop in e.value.details["missing"]


def test_valid_plan_and_bad_method_or_share() -> None:
    rules.check_plan(plan(), R)
    for bad in (plan(method="sale"), plan(revenue_arrangement={"retained_share": "1.5"}),
                plan(term_years=51)):
        with pytest.raises(DomainError):
            rules.check_plan(bad, R)


def test_a_plan_with_a_term_or_share_that_is_not_a_number_is_refused_not_a_crash() -> None:
    for bad, field in ((plan(term_years="五十"), "term_years"), (plan(term_years=[50]), "term_years"),
                       (plan(revenue_arrangement={"retained_share": "abc"}), "revenue_arrangement.retained_share"),
                       (plan(revenue_arrangement={"retained_share": "NaN"}), "revenue_arrangement.retained_share")):
        with pytest.raises(DomainError) as e:
            rules.check_plan(bad, R)
        assert code(e) == "market_entry.invalid_plan" and e.value.details["field"] == field


def test_transitions_are_data_and_refuse_with_the_state() -> None:
    assert rules.transition("opened", "issue_conditions") is CaseState.conditions_issued
    assert rules.transition("revenue_distributed", "register") is CaseState.registered
    with pytest.raises(DomainError) as e:
        rules.transition("paid", "register")
    assert code(e) == "market_entry.invalid_transition"
    # every state but the terminal ones has a way forward, and the terminal ones none
    sources = {s for starts, _ in rules.TRANSITIONS.values() for s in starts}
    assert sources == set(CaseState) - {CaseState.in_use, CaseState.withdrawn, CaseState.terminated}
    assert all(s in rules.NEXT_ACTOR for s in rules.OPEN_STATES)


@given(start=st.dates(date(2026, 1, 1), date(2026, 12, 1)), gap=st.integers(0, 40))
def test_filing_lead_in_working_days(start: date, gap: int) -> None:
    from landbridge.kernel.workdays import add_workdays, workdays_between

    tx = start + timedelta(days=gap)
    if workdays_between(start, tx) >= R.filing_lead_workdays:
        rules.check_filing(start, tx, R, add_workdays)
    else:
        with pytest.raises(DomainError) as e:
            rules.check_filing(start, tx, R, add_workdays)
        assert code(e) == "market_entry.filing_too_late"


# --- entry purposes (L8): the rule set's 2026-06-01 version ------------------------------------------

R6 = entry_rules(date(2026, 6, 15))  # with the exchange's methods, caps and use categories
CLASSES = ["0601", "0602", "05", "0508", "0701", "0702", "08", "0901", "12"]


def test_before_the_l8_version_only_the_operating_purpose_exists_with_no_extra_rule() -> None:
    assert R.purpose("operating").methods == R.methods and not R.grant_forbidden_categories
    for name in ("rental_housing", "urban_village_phase", "villas"):
        with pytest.raises(DomainError) as e:
            R.purpose(name)
        assert code(e) == "market_entry.purpose_unknown"
    assert set(R6.purposes) == {"operating", "rental_housing", "urban_village_phase"}
    assert R6.purpose("rental_housing").methods < R6.methods  # rent-only: a narrower set than the operating one
    with pytest.raises(DomainError) as e:
        R6.purpose("villas")
    assert code(e) == "market_entry.purpose_unknown"


@given(purpose=st.sampled_from(["operating", "rental_housing", "urban_village_phase"]),
       land_use=st.sampled_from(CLASSES), method=st.sampled_from(["grant", "lease", "equity"]),
       term=st.integers(1, 90))
def test_a_purpose_admits_exactly_its_uses_methods_and_terms_in_order(purpose: str, land_use: str, method: str,
                                                                      term: int) -> None:
    p = R6.purpose(purpose)
    category = rules.use_category(land_use, R6.use_categories)
    expected = None
    if p.land_use_prefixes and not any(land_use.startswith(x) for x in p.land_use_prefixes):
        expected = "market_entry.use_not_for_purpose"
    elif method == "grant" and category in R6.grant_forbidden_categories:
        expected = "market_entry.residential_grant_refused"
    elif method not in p.methods:
        expected = "market_entry.method_not_for_purpose"
    elif method in p.max_term_years and term > p.max_term_years[method]:
        expected = "market_entry.purpose_term_over_cap"
    if expected is None:
        rules.check_purpose(land_use, method, term, p, R6)
    else:
        with pytest.raises(DomainError) as e:
            rules.check_purpose(land_use, method, term, p, R6)
        assert code(e) == expected


def test_rental_housing_is_rent_only_and_capped_per_method() -> None:
    p = R6.purpose("rental_housing")
    for land_use, method, term, want in (("0701", "grant", 20, "market_entry.residential_grant_refused"),
                                         ("0601", "grant", 20, "market_entry.method_not_for_purpose"),
                                         ("05", "lease", 20, "market_entry.use_not_for_purpose"),
                                         ("0701", "lease", p.max_term_years["lease"] + 1,
                                          "market_entry.purpose_term_over_cap")):
        with pytest.raises(DomainError) as e:
            rules.check_purpose(land_use, method, term, p, R6)
        assert code(e) == want, (land_use, method, term)
    rules.check_purpose("0701", "lease", p.max_term_years["lease"], p, R6)
    rules.check_purpose("0601", "equity", 50, p, R6)
    # the category cap still applies under the purpose's: industrial land caps an equity term at 50
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(method="equity", equity_share="1/2", term_years=51, operator="某公司", dwelling_units=10,
                              rent_plan="只租不售"), R6, "rental_housing")
    assert code(e) == "market_entry.term_over_cap"


def test_a_purposes_plan_fields_are_mandatory_on_top_of_the_general_ones() -> None:
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(method="lease", term_years=20, operator="某公司"), R6, "rental_housing")
    assert code(e) == "market_entry.plan_field_missing"
    assert e.value.details["missing"] == ["dwelling_units", "rent_plan"]
    rules.check_plan(plan(method="lease", term_years=20, operator="某公司", dwelling_units=10, rent_plan="只租不售"),
                     R6, "rental_housing")
    rules.check_plan(plan(), R6, "operating")
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(), R6, "urban_village_phase")
    assert e.value.details["missing"] == ["programme_plan", "resettlement_arrangement"]


def test_programme_and_conversion_guards() -> None:
    phased, plain = R6.purpose("urban_village_phase"), R6.purpose("rental_housing")
    rules.check_programme(phased, "JJ-1", 1)
    rules.check_programme(plain, None, None)
    for p, ref, phase, want in ((phased, None, 1, "programme_required"), (phased, "JJ-1", None, "programme_required"),
                                (phased, " ", 2, "programme_required"), (plain, "JJ-1", None,
                                                                         "programme_not_for_purpose"),
                                (plain, None, 1, "programme_not_for_purpose"), (phased, "JJ-1", 0, "invalid_plan")):
        with pytest.raises(DomainError) as e:
            rules.check_programme(p, ref, phase)
        assert code(e) == f"market_entry.{want}", (p.name, ref, phase)
    rules.check_conversion(phased, converted=True, converting=False)
    rules.check_conversion(phased, converted=False, converting=True)
    rules.check_conversion(plain, converted=False, converting=False)
    with pytest.raises(DomainError) as e:
        rules.check_conversion(phased, converted=False, converting=False)
    assert code(e) == "market_entry.collective_not_converted"


@given(phase=st.integers(1, 50), states=st.lists(st.sampled_from([s.value for s in CaseState]), max_size=4))
def test_a_phase_is_filed_only_after_a_previous_phase_is_cleared(phase: int, states: list[str]) -> None:
    cleared_or_later = {"cleared", "listed", "result_confirmed", "contract_signed", "paid", "fees_settled",
                        "revenue_distributed", "registered", "in_use"}
    assert cleared_or_later <= R6.phase_cleared_states
    assert not R6.phase_cleared_states & {"opened", "plan_drafted", "vote_passed", "filed", "revision_required",
                                          "withdrawn", "terminated"}
    ok = phase == 1 or any(s in R6.phase_cleared_states for s in states)
    if ok:
        rules.check_phase_order("JJ-1", phase, states, R6)
    else:
        with pytest.raises(DomainError) as e:
            rules.check_phase_order("JJ-1", phase, states, R6)
        assert code(e) == "market_entry.phase_out_of_order"
        assert e.value.details["previous"] == phase - 1


# --- one check of each entry term, the exchange's (issue #15 review item 1) ------------------------------------

@pytest.mark.parametrize(("value", "ok"), [("3/10", True), ("0.3", True), (1, True), ("1", True), ("0", False),
                                           ("3/2", False), ("-1/2", False), (True, False), (0.3, False),
                                           (None, False), ("1/1000001", False), ("abc", False), ("1/0", False),
                                           ("0.5" + "0" * 22, False)])
def test_equity_share_is_the_exchanges_check(value: object, ok: bool) -> None:
    if ok:
        rules.check_equity_share(value, "equity")
        assert exchange.check_entry_equity_share("equity", value) is not None
        return
    with pytest.raises(DomainError) as plan_err:
        rules.check_equity_share(value, "equity")
    assert code(plan_err) == "market_entry.invalid_plan" and plan_err.value.details["field"] == "equity_share"
    with pytest.raises(DomainError) as lot_err:
        exchange.check_entry_equity_share("equity", value)
    assert lot_err.value.code == "exchange.invalid_equity_share"


@pytest.mark.parametrize(("grade", "ok"), [(None, True), (1, True), (MAX_GRADE, True), (0, False),
                                           (MAX_GRADE + 1, False), (True, False), ("2", False)])
def test_land_grade_is_the_exchanges_check(grade: object, ok: bool) -> None:
    body = plan(land_grade=grade)
    if ok:
        rules.check_plan(body, R)
        assert exchange.check_land_grade(grade) == grade  # type: ignore[arg-type]
        return
    with pytest.raises(DomainError) as e:
        rules.check_plan(body, R)
    assert code(e) == "market_entry.invalid_plan" and e.value.details["field"] == "land_grade"


def test_use_category_is_the_exchanges_longest_prefix() -> None:
    classes = {"mining": ["06"], "factory": ["0601"]}
    assert [rules.use_category(c, classes) for c in ("0601", "0602", "05", "")] == [
        exchange.land_use_category(c, classes) for c in ("0601", "0602", "05", "")] == [
        "factory", "mining", "other", "other"]


# --- the exchange owns the entry methods, the term caps and the use categories (issue #15 review item 2) -------

def test_methods_caps_and_use_categories_are_the_exchanges(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace
    day = date(2026, 3, 2)
    owned = exchange.entry_term_rules(day)
    assert owned is not None
    r = entry_rules(day)
    assert (r.max_term_years, r.methods, r.use_categories) == (owned.term_caps, frozenset(owned.methods),
                                                               owned.land_uses)
    rules.check_plan(plan(term_years=40), r)
    # the exchange's numbers rule the plan: a tighter cap or fewer methods there refuse what market_entry.toml's
    # own (unread) entries would allow
    tighter = replace(owned, term_caps={**owned.term_caps, "industrial": 30}, methods=("grant", "lease"))
    monkeypatch.setattr(exchange, "entry_term_rules", lambda day=None: tighter)
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(term_years=40), entry_rules(day))
    assert code(e) == "market_entry.term_over_cap" and e.value.details["cap"] == 30
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(method="equity", equity_share="3/10"), entry_rules(day))
    assert code(e) == "market_entry.invalid_plan" and e.value.details["field"] == "method"


def test_no_entry_before_the_exchange_states_its_rules() -> None:
    assert exchange.entry_term_rules(date(2025, 12, 31)) is None
    with pytest.raises(DomainError) as e:
        entry_rules(date(2025, 12, 31))
    assert code(e) == "market_entry.no_rule_set"

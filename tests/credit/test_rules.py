"""The indicator grade and the designations against hand-computed fixtures (issue #18; rules.md Credit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from landbridge.credit import rules
from landbridge.credit.rules import Facts, HouseholdStanding, Scale, Thresholds
from landbridge.credit.service import scale
from landbridge.errors import DomainError

D = Decimal
DAY = date(2026, 12, 7)


@pytest.fixture
def s() -> Scale:
    return scale(DAY)


def test_the_rule_set_is_what_rules_md_says(s: Scale) -> None:
    assert sum(s.weights.values()) == 100
    assert s.bands == {"AAA": 80, "AA": 70, "A": 60}


@pytest.mark.parametrize(("facts", "points", "grade"), [
    # clean file, one right: 35×0.6 + 20×0.5 + 20 + 15 + 10 = 21 + 10 + 45 = 76 → AA
    (Facts(rights_held=1), "76.00", "AA"),
    # nothing held, no loan: 21 + 0 + 20 + 15 + 10 = 66 → A
    (Facts(), "66.00", "A"),
    # repaid a loan, three rights: 35 + 20 + 20 + 15 + 10 = 100 → AAA
    (Facts(loans=1, loans_repaid=1, rights_held=3), "100.00", "AAA"),
    # two rights (0.75 → 15), one overdue (0.4 → 14), one forfeited deposit (0.3 → 4.5): 14+15+20+4.5+10 = 63.5 → A
    (Facts(loans=1, loans_overdue=1, rights_held=2, exchange_defaults=1), "63.50", "A"),
    # court listed and defaulted, one seized right: 0 + 10 + 0 + 15 + 0 = 25 → none
    (Facts(loans=1, loans_defaulted=1, rights_held=1, seizures=1, listed=True), "25.00", "none"),
    # band edges: 80 is AAA (repaid 35 + one right 10 + 20 + 15 + 0 seized) = 80
    (Facts(loans=1, loans_repaid=1, rights_held=1, seizures=1), "80.00", "AAA"),
    # no history 21, two rights 15, not listed 20, two forfeits 0, two seizures 0 = 56 → none
    (Facts(rights_held=2, exchange_defaults=2, seizures=2), "56.00", "none"),
])
def test_grade_by_hand(s: Scale, facts: Facts, points: str, grade: str) -> None:
    g = rules.grade(facts, s)
    assert (g.points, g.grade) == (D(points), grade)
    assert sum(line.points for line in g.lines) == g.points
    assert [line.indicator for line in g.lines] == list(rules.INDICATORS)


def test_explanation_and_what_would_raise_it(s: Scale) -> None:
    g = rules.grade(Facts(loans=1, loans_overdue=1, rights_held=2, exchange_defaults=1), s)  # 63.50, A
    lines = {line.indicator: (line.value, line.points, line.weight) for line in g.lines}
    assert lines["repayment"] == ("overdue", D("14.00"), 35)
    assert lines["assets"] == ("2", D("15.00"), 20)
    assert lines["exchange_conduct"] == ("1", D("4.50"), 15)
    raises = [(r.indicator, r.gain, r.grade) for r in g.raises]
    # repaying gives +21 → 84.5 AAA; keeping bids clean +10.5 → 74 AA; a third right +5 → 68.5 A
    assert raises == [("repayment", D("21.00"), "AAA"), ("exchange_conduct", D("10.50"), "AA"),
                      ("assets", D("5.00"), "A")]
    assert rules.grade(Facts(loans=1, loans_repaid=1, rights_held=3), s).raises == ()


def test_a_correction_changes_the_facts_and_an_unknown_fact_is_refused() -> None:
    assert Facts(loans_overdue=1).corrected({"loans_overdue": 0}).repayment is rules.Repayment.no_history
    with pytest.raises(DomainError) as info:
        Facts().corrected({"income": 5})
    assert info.value.code == "credit.unknown_fact"


def test_bad_weights_are_refused(s: Scale) -> None:
    with pytest.raises(DomainError) as info:
        Scale({**s.weights, "assets": 25}, s.repayment, s.holdings, s.exchange_defaults, s.seizures, s.bands)
    assert info.value.code == "credit.bad_rules"


VILLAGE = Thresholds(D("0.50"), D("0.90"), D("0.03"))


def households(credit: int, plain: int, borrowers_late: int = 0, borrowers_ok: int = 0,
               out: str = "0", bad: str = "0") -> list[HouseholdStanding]:
    rows = [HouseholdStanding(True, False, True) for _ in range(credit)]
    rows += [HouseholdStanding(False, False, True) for _ in range(plain)]
    rows += [HouseholdStanding(True, True, False) for _ in range(borrowers_late)]
    rows += [HouseholdStanding(True, True, True) for _ in range(borrowers_ok)]
    if rows:
        rows[0] = HouseholdStanding(rows[0].credit_household, rows[0].borrowing, rows[0].on_time, D(out), D(bad))
    return rows


def test_village_designation_by_hand() -> None:
    # the worked village of finance.md b.4: 736 credit households of 1,110 = 66.31 %
    village = households(736 - 100, 1110 - 736, borrowers_late=4, borrowers_ok=96, out="1000000", bad="7900")
    d = rules.designate_village(village, VILLAGE)
    assert (d.designated, d.share, d.on_time, d.npl) == (True, D("0.6631"), D("0.9600"), D("0.0079"))
    # 11 of 100 borrowers late: 0.89 < 0.90
    d = rules.designate_village(households(500, 400, borrowers_late=11, borrowers_ok=89), VILLAGE)
    assert d.failed == ("on_time",) and not d.designated
    # NPL exactly 3 % passes, 3.01 % fails; 49.99 % credit households fails
    assert rules.designate_village(households(60, 40, out="10000", bad="300"), VILLAGE).designated
    assert rules.designate_village(households(60, 40, out="10000", bad="301"), VILLAGE).failed == ("npl",)
    assert rules.designate_village(households(4999, 5001), VILLAGE).failed == ("share",)
    assert rules.designate_village([], VILLAGE).failed == ("no_households",)


def test_township_designation_by_hand() -> None:
    good = households(8, 2)
    bad = households(2, 8)
    township = Thresholds(D("0.50"), D("0.90"), D("0.03"))
    d = rules.designate_township([(True, good), (False, bad)], township)
    assert (d.designated, d.share) == (True, D("0.5000"))
    d = rules.designate_township([(True, good), (False, bad), (False, bad)], township)
    assert d.failed == ("share",) and d.share == D("0.3333")


def test_listing_dates_and_extension() -> None:
    assert rules.add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert rules.check_extension(3, 1, 3) == 3
    for wrong in (0, 4, True):
        with pytest.raises(DomainError) as info:
            rules.check_extension(wrong, 1, 3)  # type: ignore[arg-type]
        assert info.value.code == "credit.bad_extension"

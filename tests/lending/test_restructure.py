"""Restructuring (重组, issue #17): new terms within the product's ranges rebuild what is still owed with the same
schedule function, the loan is classified at least 次级 from then on; each refusal changes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events, subjects
from landbridge.lending import rules, servicing
from landbridge.lending.models import Instalment
from landbridge.lending.restructure import restructure_loan
from tests.lending.conftest import World
from tests.lending.test_service import BANK, apply, snapshot, to_disbursed

D = Decimal
DAY = date(2026, 5, 1)


def terms(**kw: object) -> dict[str, object]:
    return {"months": 24, "annual_rate": "0.05", "method": "equal_principal", "day": DAY, "actor": BANK} | kw


def state(db: Database, loan_id: int) -> tuple[object, ...]:
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Instalment.n, Instalment.principal_cny, Instalment.interest_cny)
                         .where(Instalment.loan_id == loan_id).order_by(Instalment.n)).all()
        return (*snapshot(db), tuple(rows), s.scalar(select(func.count()).select_from(Instalment)))


def overdue_loan(db: Database, world: World) -> int:
    """120,000 over 12 months (annuity) from 2026-03-15; the first instalment (due 04-15) unpaid on 05-01."""
    loan_id = apply(db, world, principal="120000", months=12, method="annuity")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        servicing.run_cob(s, day=DAY, actor="system:cli")
        loan = servicing.get_loan(s, loan_id)
        assert (loan.tier, loan.days_past_due) == ("special_mention", 16)
    return loan_id


def test_restructuring_rebuilds_the_schedule_and_floors_the_class(db: Database, world: World) -> None:
    loan_id = overdue_loan(db, world)
    with db.transaction() as s:
        first = s.scalar(select(Instalment).where(Instalment.loan_id == loan_id, Instalment.n == 1))
        assert first is not None and first.interest_cny == D("435.00")  # 120,000 × 4.35 % ÷ 12
        loan = restructure_loan(s, loan_id=loan_id, bank_organisation_id=world.bank_org, **terms())  # type: ignore[arg-type]
        assert (loan.months, loan.annual_rate, loan.method, loan.maturity) == (24, D("0.05"), "equal_principal",
                                                                              date(2028, 5, 1))
        assert loan.restructured_on == DAY and loan.tier == "substandard" and loan.outstanding_cny == D("120000.00")
        rows = list(s.scalars(select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.n)))
        expected = rules.schedule(D("120000.00"), D("0.05"), 24, "equal_principal", DAY)
        assert [r.n for r in rows] == list(range(13, 37))  # the unpaid old instalments are gone
        assert [(r.due_date, r.principal_cny) for r in rows] == [(e.due_date, e.principal) for e in expected]
        # the interest that fell due unpaid (435.00) is carried into the first new instalment, not capitalised
        assert rows[0].interest_cny == expected[0].interest + D("435.00") == D("935.00")
        assert [r.interest_cny for r in rows[1:]] == [e.interest for e in expected[1:]]
        assert sum(r.principal_cny for r in rows) == D("120000.00")
        event = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.module == "lending"][-1]
        facts = json.loads(event.private_body or "{}")["payload"]
        assert event.event_type == "loan.restructured" and loan.ledger_seq == event.seq
        assert facts["before"]["months"] == 12 and facts["after"]["months"] == 24
        assert facts["arrears_interest_cny"] == "435.00"
    with db.transaction() as s:  # nothing overdue any more, but the class stays at least 次级
        servicing.run_cob(s, day=date(2026, 5, 2), actor="system:cli")
        loan = servicing.get_loan(s, loan_id)
        assert (loan.days_past_due, loan.tier) == (0, "substandard")
        penalty = loan.penalty_cny  # accrued on the overdue instalment before the restructuring: still owed
        assert penalty > 0
        paid = servicing.repay(s, loan_id=loan_id, amount="5935.00", paid_on=date(2026, 6, 1), actor=BANK)
        assert (paid.to_interest_cny, paid.to_penalty_cny, paid.to_principal_cny) == (
            D("935.00"), penalty, D("5000.00") - penalty)


def test_restructuring_keeps_what_was_paid(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="120000", months=12, method="annuity")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        servicing.repay(s, loan_id=loan_id, amount="1000", paid_on=date(2026, 4, 15), actor=BANK)  # part of one
        loan = restructure_loan(s, loan_id=loan_id, bank_organisation_id=world.bank_org,
                                **terms(day=date(2026, 4, 20)))  # type: ignore[arg-type]
        rows = list(s.scalars(select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.n)))
        assert (rows[0].n, rows[0].interest_cny, rows[0].principal_cny) == (1, D("435.00"), D("565.00"))
        assert rows[1].n == 13 and loan.outstanding_cny == D("119435.00")
        assert sum(r.principal_cny - r.paid_principal_cny for r in rows) == loan.outstanding_cny


@pytest.mark.parametrize(("kw", "code"), [
    ({"months": 3}, "lending.term_out_of_range"),
    ({"months": 61}, "lending.term_out_of_range"),
    ({"annual_rate": "0.09"}, "lending.rate_out_of_range"),
    ({"method": "balloon"}, "lending.invalid_method"),
    ({"months": 0}, "lending.invalid_term"),
    ({"bank_organisation_id": 999}, "lending.wrong_organisation"),
    ({"method": "seasonal", "grace_months": 24}, "lending.invalid_grace"),
])
def test_restructuring_refusals_change_nothing(db: Database, world: World, kw: dict[str, object], code: str) -> None:
    loan_id = overdue_loan(db, world)
    before = state(db, loan_id)
    args = terms(bank_organisation_id=world.bank_org) | kw
    with db.transaction() as s, pytest.raises(DomainError) as info:
        restructure_loan(s, loan_id=loan_id, **args)  # type: ignore[arg-type]
    assert info.value.code == code
    assert state(db, loan_id) == before


def test_only_a_disbursed_loan_is_restructured(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="120000", months=12)
    before = state(db, loan_id)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        restructure_loan(s, loan_id=loan_id, bank_organisation_id=world.bank_org, **terms())  # type: ignore[arg-type]
    assert info.value.code == "lending.invalid_transition"
    assert state(db, loan_id) == before
    loan_id = apply(db, world, principal="100000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli")  # defaulted: claims lodged, no restructure
    with db.transaction() as s, pytest.raises(DomainError) as info:
        restructure_loan(s, loan_id=loan_id, bank_organisation_id=world.bank_org, **terms())  # type: ignore[arg-type]
    assert info.value.code == "lending.invalid_transition"

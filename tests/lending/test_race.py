"""Races on money and liens (issue #17): two disbursements, two repayments that together overpay, two lien lodgings
and two closes of business at once; exactly one wins where one may, and nothing is written twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events, subjects
from landbridge.lending import service, servicing
from landbridge.lending.models import Instalment, Payment
from tests.lending.conftest import World
from tests.lending.test_service import BANK, apply, to_disbursed
from tests.registry.test_race import race


def test_two_disbursements_one_wins(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="12000", months=6)
    to_disbursed(db, world, loan_id)  # the first disbursement ran; now two more race against it
    results = race(db, [lambda s: service.disburse(s, loan_id=loan_id, actor=BANK)] * 2)
    assert all(isinstance(r, DomainError) and r.code == "lending.invalid_transition" for r in results)
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Instalment).where(Instalment.loan_id == loan_id)) == 6


def test_two_lien_lodgings_one_wins(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="12000", months=6)
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
    results = race(db, [lambda s: service.lodge_lien(s, loan_id=loan_id, actor=BANK).lien_application_id] * 2)
    won = [r for r in results if isinstance(r, int)]
    assert len(won) == 1, results
    assert all(isinstance(r, DomainError) for r in results if not isinstance(r, int))


def test_two_repayments_cannot_overpay(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="12000", months=6)
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        rows = servicing._instalments(s, loan_id)
        owed, later = servicing.owed_on(service.get_loan(s, loan_id), rows, date(2026, 4, 15))
        everything = owed.total + later
    part = (everything / 2 + Decimal("1.00")).quantize(Decimal("0.01"))
    results = race(db, [lambda s: servicing.repay(s, loan_id=loan_id, amount=str(part), paid_on=date(2026, 4, 15),
                                                  actor=BANK).id] * 2)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, DomainError)] == ["lending.overpayment"]
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1


def test_two_closes_of_business_do_nothing_twice(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="12000", months=6)
    to_disbursed(db, world, loan_id)
    day = date(2026, 5, 1)
    results = race(db, [lambda s: servicing.run_cob(s, day=day, actor="system:cli").status] * 2)
    assert "done" in results, results
    with db.transaction() as s:
        assert servicing.run_cob(s, day=day, actor="system:cli").status == "done"
        reclassified = [e for e in list_events(s, subject=subjects.loan(loan_id))
                        if e.event_type == "loan.reclassified"]
        assert len(reclassified) == 1

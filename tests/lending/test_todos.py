"""Lending's to-dos in the service hall (issue #20 item 1): the bank officer's applications to decide and the
borrower's next unpaid instalment, with its date and amount; nobody else's."""

from __future__ import annotations

from datetime import timedelta

from landbridge.auth import Principal, Role
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.kernel.hall import due_at_end_of
from landbridge.lending.models import Instalment, Loan
from landbridge.lending.search import search
from landbridge.lending.todos import todos
from tests.lending.conftest import World
from tests.lending.test_service import apply, to_disbursed


def who(role: Role, *, organisation_id: int = 1, party_id: int | None = None) -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role,
                     organisation_id=organisation_id, organisation_name="x", region_code="360600000000",
                     party_id=party_id)


def test_the_bank_decides_the_application_and_the_borrower_repays_the_next_instalment(
        db: Database, world: World, clock: Clock) -> None:
    loan_id = apply(db, world)
    with db.transaction(readonly=True) as s:
        bank = list(todos(s, who(Role.bank_officer, organisation_id=world.bank_org)))
        assert [(t.kind, t.href, t.due) for t in bank] == [("lending.decision", f"/lending/loans/{loan_id}", None)]
        assert "¥500,000.00" in bank[0].title_zh
        assert list(todos(s, who(Role.bank_officer, organisation_id=world.bank_org + 999))) == []  # another bank
        assert list(todos(s, who(Role.member, party_id=world.borrower))) == []  # nothing to repay yet
    to_disbursed(db, world, loan_id)
    with db.transaction(readonly=True) as s:
        first = s.query(Instalment).filter_by(loan_id=loan_id, n=1).one()
        owed, due_date = first.principal_cny + first.interest_cny, first.due_date
        mine = list(todos(s, who(Role.member, party_id=world.borrower)))
        assert len(mine) == 1 and mine[0].due == due_at_end_of(due_date) and not mine[0].urgent
        assert f"第1期还款 ¥{owed:,.2f}" in mine[0].title_zh
        assert list(todos(s, who(Role.member, party_id=world.other))) == []
        assert list(todos(s, who(Role.bank_officer, organisation_id=world.bank_org))) == []  # decided
        assert list(todos(s, who(Role.supervisor))) == []
    clock.advance(due_at_end_of(due_date) + timedelta(days=1) - clock.now())
    with db.transaction(readonly=True) as s:
        assert [t.urgent for t in todos(s, who(Role.member, party_id=world.borrower))] == [True]  # overdue


def test_search_finds_a_loan_by_number_for_those_who_may_read_it(db: Database, world: World) -> None:
    """Issue #20 item 1 (search): the borrower and the loan's bank find it by its number; another bank, another
    member and anonymous visitors do not."""
    loan_id = apply(db, world)
    with db.transaction(readonly=True) as s:
        number = s.get_one(Loan, loan_id).loan_no
        mine = list(search(s, who(Role.member, party_id=world.borrower), number))
        assert [(h.label, h.href) for h in mine] == [(number, f"/lending/loans/{loan_id}")]
        assert mine[0].detail_en == "Applied" and mine[0].detail_zh != "Applied"
        assert [h.href for h in search(s, who(Role.bank_officer, organisation_id=world.bank_org), number[:6])] \
            == [f"/lending/loans/{loan_id}"]
        assert list(search(s, who(Role.bank_officer, organisation_id=world.bank_org + 999), number)) == []
        assert list(search(s, who(Role.member, party_id=world.other), number)) == []
        assert list(search(s, None, number)) == []

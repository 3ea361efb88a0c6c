"""Guarantees refuse barred parties (issue #18 scope 5): a person or an organisation with a court listing in force
(recorded by credit, on the exchange's one bar list) may not guarantee a loan; the refusal is typed
(``lending.guarantor_barred``), names the listing and its end date, and changes nothing. Lending reads the bar list
and never imports credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from landbridge import credit, lending, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.lending.models import Guarantee, Loan
from tests.credit.conftest import World
from tests.credit.test_service import apply_loan
from tests.registry.conftest import ACTOR, org_uscc

OFFICER = "user:7:bank_officer"


def state(db: Database, loan_id: int) -> tuple[int, int, int, str]:
    """(guarantees, ledger size, loan version, loan status): what a refusal must leave as it was."""
    with db.transaction(readonly=True) as s:
        loan = s.get(Loan, loan_id)
        assert loan is not None
        return (int(s.scalar(select(func.count()).select_from(Guarantee)) or 0), current_size(s), loan.version,
                loan.status)


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_a_court_listed_guarantor_is_refused_naming_the_listing_and_nothing_changes(
        db: Database, world: World, clock: Clock, kind: str) -> None:
    loan_id = apply_loan(db, world)
    with db.transaction() as s:
        if kind == "person":
            guarantor = world.other
        else:  # a guarantee company is a registry party too, and courts list companies
            guarantor = registry.create_party(s, kind="organisation", name="鹰潭某融资担保有限公司", actor=ACTOR,
                                              id_number=org_uscc(41), region_code="360602000000").id
        listing = credit.list_defaulter(s, party_id=guarantor, court="余江区人民法院", case_no="(2026)赣0622执7号",
                                        listed_on=date(2026, 2, 1), actor=ACTOR)
        ends = listing.ends_on
    before = state(db, loan_id)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        lending.add_guarantee(s, loan_id=loan_id, guarantor_party_id=guarantor, amount="50000", actor=OFFICER)
    err = info.value
    assert err.code == "lending.guarantor_barred" and err.http_status == 409
    assert "(2026)赣0622执7号" in err.message and ends.isoformat() in err.message
    assert "(2026)赣0622执7号" in err.message_en and ends.isoformat() in err.message_en
    assert err.details["listed_until"] == ends.isoformat() == "2028-02-01"
    assert state(db, loan_id) == before


def test_an_unlisted_guarantor_is_accepted_and_a_lifted_listing_no_longer_bars(db: Database, world: World,
                                                                               clock: Clock) -> None:
    loan_id = apply_loan(db, world)
    with db.transaction() as s:
        listing = credit.list_defaulter(s, party_id=world.other, court="余江区人民法院", case_no="(2026)赣0622执8号",
                                        listed_on=date(2026, 2, 1), actor=ACTOR)
        company = registry.create_party(s, kind="organisation", name="鹰潭融资担保公司", actor=ACTOR,
                                        id_number=org_uscc(42), region_code="360602000000").id
        row = lending.add_guarantee(s, loan_id=loan_id, guarantor_party_id=company, amount="60000", actor=OFFICER)
        assert (row.guarantor_kind, row.amount_cny, row.status) == ("organisation", Decimal("60000"), "in_force")
        credit.lift_listing(s, listing_id=listing.id, note="已履行", actor=ACTOR)
        again = lending.add_guarantee(s, loan_id=loan_id, guarantor_party_id=world.other, amount="10000",
                                      actor=OFFICER)
        assert [g.id for g in lending.guarantees_of(s, loan_id)] == [row.id, again.id]


def test_the_borrower_a_bad_amount_and_a_disbursed_loan_are_refused(db: Database, world: World,
                                                                   clock: Clock) -> None:
    loan_id = apply_loan(db, world)
    before = state(db, loan_id)
    for party, amount, code in ((world.borrower, "1000", "lending.guarantor_is_borrower"),
                                (world.other, "100000.01", "lending.invalid_amount"),
                                (world.other, "-5", "lending.invalid_amount")):
        with db.transaction() as s, pytest.raises(DomainError) as info:
            lending.add_guarantee(s, loan_id=loan_id, guarantor_party_id=party, amount=amount, actor=OFFICER)
        assert info.value.code == code
    assert state(db, loan_id) == before
    with db.transaction() as s:
        s.get(Loan, loan_id).status = "disbursed"  # type: ignore[union-attr]
    with db.transaction() as s, pytest.raises(DomainError) as info:
        lending.add_guarantee(s, loan_id=loan_id, guarantor_party_id=world.other, amount="1000", actor=OFFICER)
    assert info.value.code == "lending.invalid_transition"

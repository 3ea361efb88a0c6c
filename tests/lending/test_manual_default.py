"""The bank's hand declaration of a default (issue #17) classifies the loan on the day declared, as the close of
business would: the page then shows 次级 at 92 days past due, not the class of the last close (关注 at 76)."""

from __future__ import annotations

from datetime import date

import pytest

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events, subjects
from landbridge.lending import service, servicing
from tests.lending.conftest import World
from tests.lending.test_service import BANK, apply, to_disbursed


def test_a_default_declared_by_hand_reclassifies_the_loan_first(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="600000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 6, 30), actor="system:cli").defaulted == 0
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        assert (loan.tier, loan.days_past_due) == ("special_mention", 76)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # 89 days: before the trigger
        servicing.default_loan(s, loan_id=loan_id, day=date(2026, 7, 13), actor=BANK)
    assert info.value.code == "lending.not_defaulted"
    with db.transaction() as s:
        loan = servicing.default_loan(s, loan_id=loan_id, day=date(2026, 7, 16), actor=BANK)
        assert (loan.status, loan.tier, loan.days_past_due) == ("defaulted", "substandard", 92)
        types = [e.event_type for e in list_events(s, subject=subjects.loan(loan_id))]
        assert types[-2:] == ["loan.reclassified", "loan.defaulted"]
        assert types.count("loan.reclassified") == 2  # the close of 06-30 (normal → 关注), the declaration (→ 次级)

"""Market-entry service (issue #15): the whole case from eligibility to the land in use with the real
collective, planning and exchange services, and each gate refused with its own code, changing nothing."""

from __future__ import annotations

from decimal import Decimal

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import EntryWorld, to_state


def test_a_case_goes_from_eligibility_to_the_land_in_use(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "in_use")
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "in_use"
        assert case.price_cny == Decimal("101000.00")
        assert case.proceeds_cny is not None and case.retained_cny is not None and case.members_cny is not None
        assert case.retained_cny + case.members_cny == case.proceeds_cny
        assert case.adjustment_fee_cny == Decimal("20200.00")  # industrial 20 % of the price (exchange rules)

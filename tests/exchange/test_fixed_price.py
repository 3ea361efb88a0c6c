"""A lot's own price cap and an auction's own end (issue #17: the fixed-price sale 变卖 after failed collateral
auctions): a cap equal to the start price admits only the start price; a cap below it, an own end on a listing or
an end before the rule set's are refused with typed errors, nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from landbridge import exchange
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from tests.exchange.conftest import World, bid, enrol, new_lot, start_in, to


def test_a_fixed_price_auction_admits_only_its_price_until_its_own_end(db: Database, clock: Clock,
                                                                       world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, kind="collateral", start_price="560000.00", price_cap="560000.00",
                      appraised_value="1000000.00", publish=False, attempt=3)  # after two failed auctions
        exchange.publish_lot(s, lot_id=lot.id, actor="user:7:exchange", ends_at=lot.starts_at + timedelta(days=60))
        assert lot.price_cap_cny == Decimal("560000.00") and lot.ends_at - lot.starts_at == timedelta(days=60)
        bidders = [enrol(s, lot, world, p) for p in world.bidders[:2]]
    to(clock, lot.starts_at, timedelta(seconds=1))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        current = exchange.get_lot(s, lot.id)
        assert bid(s, current, bidders[0], "560000.00").accepted
        over = bid(s, current, bidders[1], Decimal("560000.00") + current.increment_cny)
        assert not over.accepted
    to(clock, lot.starts_at, timedelta(days=59))
    with db.transaction() as s:
        exchange.run_due(s)
        assert exchange.get_lot(s, lot.id).phase == "live_auction"  # the window is still open on day 59


def test_a_cap_below_the_start_or_a_bad_own_end_is_refused(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s, pytest.raises(DomainError) as info:
        new_lot(s, world, kind="collateral", start_price="560000.00", price_cap="500000.00",
                appraised_value="1000000.00", publish=False)
    assert info.value.code == "exchange.invalid_start_price"
    with db.transaction() as s:
        listing = new_lot(s, world, publish=False).id
        auction = new_lot(s, world, kind="collateral", start_price="700000.00", appraised_value="1000000.00",
                          publish=False).id
    for lot_id, end in ((listing, start_in(70)), (auction, start_in(8))):
        with db.transaction() as s, pytest.raises(DomainError) as info:
            exchange.publish_lot(s, lot_id=lot_id, actor="user:7:exchange", ends_at=end)
        assert info.value.code == "exchange.sale_window_invalid"
        with db.transaction(readonly=True) as s:
            assert exchange.get_lot(s, lot_id).phase == "draft"

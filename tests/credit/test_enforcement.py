"""A court listing recorded by credit refuses the party on the exchange (apply and bid), through the exchange's own
bar list, not a copy of it (issue #18 item 5)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from landbridge import credit, exchange
from landbridge.db import Database
from landbridge.errors import Conflict
from landbridge.exchange.models import BarredParty
from landbridge.kernel.clock import Clock
from tests.exchange.conftest import OPERATOR, World, new_lot, world

__all__ = ["world"]  # the exchange's test world (a fixture), not the lending one of tests/credit/conftest


def test_a_listed_party_may_not_apply_for_a_lot(db: Database, clock: Clock, world: World) -> None:
    a, c = world.bidders[0], world.bidders[2]
    with db.transaction() as s:
        listing = credit.list_defaulter(s, party_id=c, court="余江区人民法院", case_no="(2026)赣0622执5号",
                                        listed_on=date(2026, 2, 1), actor=OPERATOR)
        assert s.scalar(select(func.count()).select_from(BarredParty)) == 1  # one entry, in the exchange's list
        lot = new_lot(s, world)
        with pytest.raises(Conflict) as err:
            exchange.apply_for_lot(s, lot_id=lot.id, party_id=c, actor="x")
        assert err.value.code == "exchange.bidder_barred"
        exchange.apply_for_lot(s, lot_id=lot.id, party_id=a, actor="x")  # an unlisted party is not refused
        entry = exchange.bar_entry(s, c)
        assert entry is not None and entry.listed_until == listing.ends_on == date(2028, 2, 1)
        assert "(2026)赣0622执5号" in entry.reason

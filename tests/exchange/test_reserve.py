"""Sealed reserve price (F4, rules.md Exchange): designated officer, window, encrypted at rest, write-once,
revealed at close, every access a ledger event; a best bid below the reserve fails the lot."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.errors import Conflict, Forbidden
from landbridge.exchange import rules, sealing
from landbridge.exchange.models import Lot, LotResult, SealedReserve
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, to


def user_id(s: Session, username: str) -> int:
    return int(s.execute(text("SELECT id FROM auth_user WHERE username = :u"), {"u": username}).scalar_one())


def events(s: Session, lot_id: int, event_type: str) -> list[dict[str, object]]:
    return [json.loads(e.body)["payload"] for e in list_events(s, subject=f"exchange.lot:{lot_id}", limit=500)
            if e.event_type == event_type]


def test_reserve_sealed_write_once_revealed_and_fails_a_low_lot(db: Database, clock: Clock, world: World) -> None:
    a, b = world.bidders[:2]
    with db.transaction() as s:
        create_demo_accounts(s)
        officer, other = user_id(s, "nr"), user_id(s, "exchange")
        lot = new_lot(s, world)
        exchange.designate_reserve_officer(s, lot_id=lot.id, officer_user_id=officer, actor=OPERATOR)
        with pytest.raises(Forbidden) as f:
            exchange.seal_reserve(s, lot_id=lot.id, amount="120000", user_id=other, actor="user:x")
        assert f.value.code == "exchange.not_reserve_officer"
        row = exchange.seal_reserve(s, lot_id=lot.id, amount="120000.00", user_id=officer, actor="user:nr")
        assert row.ciphertext and "120000" not in row.ciphertext
        assert row.key_id == sealing.key_id(sealing.DEV_RESERVE_KEY)
        with pytest.raises(Conflict) as c:
            exchange.seal_reserve(s, lot_id=lot.id, amount="90000", user_id=officer, actor="user:nr")
        assert c.value.code == "exchange.reserve_already_sealed"
        with pytest.raises(Conflict):
            exchange.designate_reserve_officer(s, lot_id=lot.id, officer_user_id=other, actor=OPERATOR)
        assert exchange.read_reserve(s, lot_id=lot.id, user_id=officer, actor="user:nr", insider=False) \
            == Decimal("120000.00")
        with pytest.raises(Forbidden) as f:
            exchange.read_reserve(s, lot_id=lot.id, user_id=other, actor=OPERATOR, insider=True)
        assert f.value.code == "exchange.reserve_sealed"
        assert [e["key_id"] for e in events(s, lot.id, "reserve_sealed")] == [row.key_id]
        assert all("120000" not in str(e) for e in events(s, lot.id, "reserve_sealed"))
        assert len(events(s, lot.id, "reserve_accessed")) == 1
        ba, bb = enrol(s, lot, world, a), enrol(s, lot, world, b)
        late = new_lot(s, world)
        exchange.designate_reserve_officer(s, lot_id=late.id, officer_user_id=officer, actor=OPERATOR)
        lot_id, late_id = lot.id, late.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        with pytest.raises(Conflict) as c:  # bidding has opened: the window is closed
            exchange.seal_reserve(s, lot_id=late_id, amount="120000", user_id=officer, actor="user:nr")
        assert c.value.code == "exchange.reserve_window_closed"
        live = s.get(Lot, lot_id)
        assert live is not None
        assert bid(s, live, ba, "100000.00").accepted and bid(s, live, bb, "110000.00").accepted
        countdown_end = live.ends_at
    to(clock, countdown_end, timedelta(hours=1))
    with db.transaction() as s:
        exchange.run_due(s)
        result = s.execute(select(LotResult).where(LotResult.lot_id == lot_id)).scalar_one()
        assert (result.outcome, result.reason) == ("unsuccessful", "below_reserve")
        assert [e["reserve_cny"] for e in events(s, lot_id, "reserve_revealed")] == ["120000.00"]
        assert exchange.read_reserve(s, lot_id=lot_id, user_id=other, actor=OPERATOR, insider=True) \
            == Decimal("120000.00")
        assert len(events(s, lot_id, "reserve_accessed")) == 2


def test_reserve_met_awards_and_ciphertext_is_bound_to_its_lot(db: Database, clock: Clock, world: World) -> None:
    a, b = world.bidders[:2]
    with db.transaction() as s:
        create_demo_accounts(s)
        officer = user_id(s, "nr")
        lot = new_lot(s, world)
        exchange.designate_reserve_officer(s, lot_id=lot.id, officer_user_id=officer, actor=OPERATOR)
        exchange.seal_reserve(s, lot_id=lot.id, amount="105000", user_id=officer, actor="user:nr")
        token = s.execute(select(SealedReserve.ciphertext).where(SealedReserve.lot_id == lot.id)).scalar_one()
        assert token is not None
        with pytest.raises(Conflict) as c:
            sealing.unseal(token, lot.id + 1, sealing.DEV_RESERVE_KEY)
        assert c.value.code == "exchange.reserve_unreadable"
        with pytest.raises(Conflict):
            sealing.unseal(token, lot.id, bytes(32))
        ba, bb = enrol(s, lot, world, a), enrol(s, lot, world, b)
        lot_id = lot.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        live = s.get(Lot, lot_id)
        assert live is not None
        assert bid(s, live, ba, "100000.00").accepted and bid(s, lot, bb, "105000.00").accepted
    to(clock, lot.ends_at, timedelta(hours=1))
    with db.transaction() as s:
        exchange.run_due(s)
        result = s.execute(select(LotResult).where(LotResult.lot_id == lot_id)).scalar_one()
        assert (result.outcome, result.price_cny) == ("award", Decimal("105000.00"))



@given(top=st.integers(1, 10**6), reserve=st.one_of(st.none(), st.integers(1, 10**6)))
def test_decide_awards_exactly_when_the_reserve_is_met(top: int, reserve: int | None) -> None:
    lr = _rules()
    d = rules.decide(lr, qualified_bidders=3, top=(7, Decimal(top)), distinct_bidders=2,
                     reserve=None if reserve is None else Decimal(reserve))
    met = reserve is None or top >= reserve
    assert (d.winner_bidder_id == 7) is met
    assert d.reason == ("highest_bid" if met else "below_reserve")


def _rules() -> rules.LotRules:
    from datetime import date

    from landbridge.cityprofile import get_profile

    version = get_profile().rules("exchange").version_at(date(2026, 3, 2))
    return rules.LotRules.resolve("land_management_right", version.effective_from,
                                  {n: r.value for n, r in version.rules.items()})

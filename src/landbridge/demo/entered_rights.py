"""Demo granted rights (集体经营性建设用地入市, issue #15): a few villages' operating collective construction land
entered the market through the exchange in the past months: a grant (出让), a lease (出租) and a contribution
as equity (作价入股), each with entry terms (use, grade, term within the cap), a listing with bidders, the award,
the price paid, the adjustment fee to the treasury, the hand-over, the buyer's NEW termed right registered (the
collective keeps its ownership), and the price recorded in the sales record through valuation's feed. Everything
goes through the public services, on a frozen clock set to the days it happened.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.demo.exchange_lots import _enrol, _frozen_at, _raise, companies
from landbridge.exchange import reconcile
from landbridge.exchange.entry import set_entry_terms
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import SHANGHAI
from landbridge.market_entry.models import EntryCase
from landbridge.registry.models import Party, PropertyUnit, RecordStatus, Right, RightHolder
from landbridge.valuation.sales.feed import feed_exchange_sales

ENTRIES = (("grant", 2, 40), ("lease", 3, 20), ("equity", 2, 30))  # (method, land grade, years)
TITLES = {"grant": "集体经营性建设用地使用权出让", "lease": "集体经营性建设用地出租",
          "equity": "集体经营性建设用地作价入股"}


def _candidates(session: Session) -> list[Right]:
    """Operating collective construction land held by its collective, not yet on the exchange or entered, nor
    the subject of a market-entry case (``market_entry_cases``)."""
    on_exchange = select(Lot.right_id).where(Lot.right_id.is_not(None))
    with_case = select(EntryCase.unit_id)
    rows = session.execute(
        select(Right).join(PropertyUnit, PropertyUnit.id == Right.unit_id).join(Party, Party.id == select(
            RightHolder.party_id).where(RightHolder.right_id == Right.id).limit(1).scalar_subquery())
        .where(Right.right_type == "collective_construction_land_use_right", Right.status == RecordStatus.current,
               Party.kind == "organisation", Right.id.not_in(on_exchange),
               Right.unit_id.not_in(with_case))
        .order_by(Right.id).limit(400)).scalars().all()
    return [r for r in rows if not registry.is_entered_right(r)
            and (registry.get_unit(session, r.unit_id or 0).attrs or {}).get("operating")
            and not registry.current_restrictions(session, r.unit_id or 0)]


def _enter(session: Session, right: Right, method: str, grade: int, years: int, bidders: list[Party],
           start: datetime, actor: str) -> Lot:
    """One entry from the listing to the registered right, on a frozen clock from ``start``."""
    collective = registry.holders_of(session, right.id)[0][0]
    with _frozen_at(start) as clock:
        notice = exchange.rules_for("collective_construction_land", start.date()).announcement_days + 1
        price = Decimal(600_000 + 50_000 * grade)
        lot = exchange.create_lot(session, actor=actor, kind="collective_construction_land",
                                  title=f"{TITLES[method]}（单元 {right.unit_id}）", region_code=right.region_code,
                                  starts_at=clock.now() + timedelta(days=notice), start_price=price,
                                  appraised_value=price, unit_id=right.unit_id, right_id=right.id,
                                  seller_party_id=collective, description="演示入市：由演示世界的集体建设用地生成")
        set_entry_terms(session, lot_id=lot.id, method=method, term_years=years, grade=grade, actor=actor,
                        equity_share="3/10" if method == "equity" else None,
                        plan_ref=f"入市方案（演示）{lot.number}")
        exchange.publish_lot(session, lot_id=lot.id, actor=actor)
        pair = [_enrol(session, lot, p, f"party:{p.id}") for p in bidders]
        clock.set(lot.starts_at + timedelta(hours=1))
        exchange.run_due(session)
        for i, bidder in enumerate(pair):
            _raise(session, lot, bidder, i, f"party:{bidder.party_id}")
        assert lot.ends_at is not None
        clock.set(lot.ends_at + timedelta(seconds=30))
        exchange.run_due(session)
        session.refresh(lot)
        if lot.countdown_end is not None and lot.phase == "countdown":
            clock.set(lot.countdown_end + timedelta(seconds=1))
            exchange.run_due(session)
        exchange.confirm_award(session, lot_id=lot.id, actor=actor)
        clock.set(clock.now() + timedelta(days=3))
        due = exchange.get_settlement(session, lot.id)
        winner = session.get(Party, due.party_id)
        assert winner is not None
        if due.status == exchange.SettlementStatus.in_kind_due:  # 作价入股: settled in kind, no price paid
            exchange.settle_in_kind(session, lot_id=lot.id, actor=actor)
        else:
            credit: dict[str, Any] = {"sub_account": due.sub_account, "amount": due.balance_cny,
                                      "payer_name": winner.name, "bank_ref": f"DEMO-{due.sub_account}"}
            exchange.pay_balance(session, **credit, actor="bank:demo")
            reconcile.record_bank_credit(session, **credit, outcome=reconcile.MATCHED, actor="bank:demo")
        exchange.run_due(session)
        clock.set(clock.now() + timedelta(days=1))
        result = exchange.hand_over(session, lot_id=lot.id, actor=actor)
        assert result.registry_application_id is not None
        registry.approve_application(session, application_id=result.registry_application_id, actor=actor)
    return lot


def seed_entered_rights(session: Session, *, today: date, seed: int, actor: str) -> tuple[int, int]:
    """Enter up to three parcels of operating collective construction land through the exchange (grant, lease,
    equity) over the past months, and feed the completed lots to the sales record; returns the entries made and
    the sales the feed recorded."""
    rng = random.Random(seed * 15 + 1)
    candidates = _candidates(session)
    people = list(session.execute(select(Party).where(Party.kind == "person").order_by(Party.id.desc())
                                  .limit(200)).scalars())
    firms = companies(session)  # an equity lot admits only organisations
    picks = rng.sample(candidates, min(len(ENTRIES), len(candidates))) if len(people) >= 2 else []
    morning = datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)
    stated = get_profile().rules("exchange").history("collective_construction_land.entry_methods")
    first = datetime.combine(stated[0].effective_from or today, time(9, 30), tzinfo=SHANGHAI) if stated else morning
    made = 0
    for i, (right, (method, grade, years)) in enumerate(zip(picks, ENTRIES, strict=False)):
        start = max(morning - timedelta(days=150 - 30 * i), first + timedelta(days=15 * i))
        if start + timedelta(days=60) > morning:  # too near today for a whole entry (listing days, holidays)
            break
        if method == "equity" and len(firms) < 2:
            break
        _enter(session, right, method, grade, years, rng.sample(firms if method == "equity" else people, 2), start,
               actor)
        made += 1
    fed = feed_exchange_sales(session)  # every completed lot's price reaches the sales record (read from the ledger)
    session.flush()
    return made, fed

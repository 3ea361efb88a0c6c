"""Demo exchange lots (issue #6): a handful of lots over rights the demo world registered (land management
rights from land contract rights, forest rights, operating collective construction land, a foreclosed
collateral), with bidders who applied and paid deposits through the simulated bank, some bids, and one lot
finished: award signed, the balance of the price paid (settled) and handed over to the registry. Everything
goes through the exchange's public services.

The exchange's deadlines are driven by the platform clock, so the lots' histories are replayed on a frozen
clock set to days before ``today`` (the ledger records them at those instants); the clock is restored after.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.exchange import reconcile
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.rules import minimum_next_bid
from landbridge.kernel.clock import SHANGHAI, Clock, get_clock, set_clock
from landbridge.registry.models import Party, RecordStatus, Restriction, Right, RightHolder

# lot kind -> the right type its subject must be (the collateral is any mortgaged right)
SUBJECTS = {"land_management_right": "land_contract_right", "forest_right": "forest_right",
            "collective_construction_land": "collective_construction_land_use_right"}
TITLES = {"land_management_right": "耕地经营权流转", "forest_right": "林权转让",
          "collective_construction_land": "集体经营性建设用地使用权出让", "collateral": "抵押物处置（司法拍卖）"}
PRICE_RANGE = {"land_management_right": (20, 200), "forest_right": (30, 300),
               "collective_construction_land": (500, 2000), "collateral": (300, 800)}  # thousands of yuan


@contextmanager
def _frozen_at(when: datetime) -> Iterator[Clock]:
    previous = get_clock()
    clock = Clock(when, speed=0)
    set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def _subjects(session: Session, rng: random.Random) -> dict[str, tuple[Right, list[int]]]:
    """One current right per lot kind (with its holders), drawn from the registry."""
    out: dict[str, tuple[Right, list[int]]] = {}
    for kind, right_type in SUBJECTS.items():
        rights = session.execute(select(Right).where(Right.right_type == right_type, Right.unit_id.is_not(None),
                                                     Right.status == RecordStatus.current)
                                 .order_by(Right.id).limit(200)).scalars().all()
        if rights:
            right = rng.choice(list(rights))
            out[kind] = (right, _holders(session, right.id))
    mortgaged = session.execute(select(Right).join(Restriction, Restriction.right_id == Right.id).where(
        Restriction.kind == "mortgage", Restriction.status == RecordStatus.current,
        Right.status == RecordStatus.current, Right.unit_id.is_not(None)).order_by(Right.id).limit(100)
    ).scalars().all()
    taken = {r.id for r, _ in out.values()}
    mortgaged = [r for r in mortgaged if r.id not in taken]
    if mortgaged:
        right = rng.choice(mortgaged)
        out["collateral"] = (right, _holders(session, right.id))
    return out


def _holders(session: Session, right_id: int) -> list[int]:
    return list(session.execute(select(RightHolder.party_id).where(RightHolder.right_id == right_id)
                                .order_by(RightHolder.party_id)).scalars())


def _price(rng: random.Random, kind: str) -> Decimal:
    low, high = PRICE_RANGE[kind]
    return Decimal(rng.randint(low, high) * 1000)


def companies(session: Session, limit: int = 300) -> list[Party]:
    """The towns' companies (``village.company_name``: "…有限公司（n）", not the banks): the bidders of a lot of land
    contributed as equity (作价入股), which the exchange admits only organisations to."""
    return list(session.execute(select(Party).where(Party.kind == "organisation", Party.name.like("%有限公司（%"),
                                                    Party.name.not_like("%银行%")).order_by(Party.id)
                                .limit(limit)).scalars())


def _enrol(session: Session, lot: Lot, party: Party, actor: str) -> Bidder:
    """Apply for the lot and have the simulated bank confirm the deposit paid in the bidder's own name."""
    bidder = exchange.apply_for_lot(session, lot_id=lot.id, party_id=party.id, actor=actor)
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == bidder.id)).scalar_one()
    credit: dict[str, Any] = {"sub_account": deposit.sub_account, "amount": deposit.amount_cny,
                              "payer_name": party.name, "bank_ref": f"DEMO-{deposit.sub_account}"}
    exchange.confirm_deposit(session, **credit, actor="bank:demo")
    reconcile.record_bank_credit(session, **credit, outcome=reconcile.MATCHED, actor="bank:demo")  # as the callback
    return bidder


def _raise(session: Session, lot: Lot, bidder: Bidder, steps: int, actor: str) -> None:
    """Bid the next admissible price plus ``steps`` increments."""
    amount = minimum_next_bid(start_price=lot.start_price_cny, increment=lot.increment_cny,
                              current=lot.current_price_cny) + lot.increment_cny * steps
    outcome = exchange.place_bid(session, lot_id=lot.id, bidder_id=bidder.id, amount=amount,
                                 idempotency_key=f"demo-{lot.id}-{amount}", actor=actor,
                                 device_id=f"demo-device-{bidder.party_id}")
    assert outcome.accepted, outcome.bid.reject_code


def _create(session: Session, kind: str, subject: tuple[Right, list[int]], rng: random.Random, starts_at: datetime,
            actor: str, *, method: str | None = None) -> Lot:
    """Draft and publish a lot of ``kind`` over the subject right (by ``method`` where the kind allows it)."""
    right, holders = subject
    price = _price(rng, kind)
    extra: dict[str, object] = {}
    if kind == "land_management_right":
        begin = (starts_at.date() + timedelta(days=60)).replace(day=1)  # whole years: registrable (≥ 5 years)
        extra = {"term_start": begin, "term_end": date(begin.year + rng.choice((5, 8, 10)), begin.month, 1)}
    if kind == "collateral":
        extra = {"appraised_value": price, "start_price": (price * Decimal("0.7")).quantize(Decimal("1"))}
    else:
        extra["appraised_value"] = price
    args: dict[str, object] = {"start_price": price, **extra}
    lot = exchange.create_lot(session, actor=actor, kind=kind, title=f"{TITLES[kind]}（单元 {right.unit_id}）",
                              region_code=right.region_code, starts_at=starts_at, unit_id=right.unit_id,
                              right_id=right.id, seller_party_id=holders[0] if holders and kind != "collateral"
                              else None, description="演示标的：由演示世界的登记权利生成", method=method,
                              **args)  # type: ignore[arg-type]
    exchange.publish_lot(session, lot_id=lot.id, actor=actor)
    return lot


def seed_exchange(session: Session, *, today: date, seed: int, actor: str) -> int:
    """Publish demo lots over registered rights, with bidders, deposits, bids and one awarded lot; returns
    the number of lots published (issue #6, demo)."""
    rng = random.Random(seed)
    subjects = _subjects(session, rng)
    if not subjects:
        return 0
    held = {p for _, holders in subjects.values() for p in holders}
    people = [p for p in session.execute(select(Party).where(Party.kind == "person").order_by(Party.id)
                                         .limit(400)).scalars() if p.id not in held]
    if len(people) < 3:
        return 0
    morning = datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)
    kinds = sorted(subjects)
    finished_kind = "land_management_right" if "land_management_right" in subjects else kinds[0]
    published = 0

    # one lot run to the end, from 60 days ago: listing, countdown, award, confirmation, settlement, handover
    with _frozen_at(morning - timedelta(days=60)) as clock:
        notice = exchange.rules_for(finished_kind, today).announcement_days + 1
        lot = _create(session, finished_kind, subjects[finished_kind], rng, clock.now() + timedelta(days=notice),
                      actor)
        trio = [_enrol(session, lot, p, f"party:{p.id}") for p in rng.sample(people, 3)]
        clock.set(lot.starts_at + timedelta(hours=1))
        exchange.run_due(session)
        for i, bidder in enumerate(trio):
            _raise(session, lot, bidder, i % 2, f"party:{bidder.party_id}")
        assert lot.ends_at is not None
        clock.set(lot.ends_at + timedelta(seconds=30))
        exchange.run_due(session)
        _raise(session, lot, trio[0], 0, f"party:{trio[0].party_id}")
        assert lot.countdown_end is not None
        clock.set(lot.countdown_end + timedelta(seconds=1))
        exchange.run_due(session)
        exchange.confirm_award(session, lot_id=lot.id, actor=actor)
        clock.set(clock.now() + timedelta(days=3))  # the winner pays the balance of the price (价款结算)
        due = exchange.get_settlement(session, lot.id)
        winner = session.get(Party, due.party_id)
        assert winner is not None
        credit: dict[str, Any] = {"sub_account": due.sub_account, "amount": due.balance_cny,
                                  "payer_name": winner.name, "bank_ref": f"DEMO-{due.sub_account}"}
        exchange.pay_balance(session, **credit, actor="bank:demo")
        reconcile.record_bank_credit(session, **credit, outcome=reconcile.MATCHED, actor="bank:demo")
        exchange.run_due(session)  # the runner-up's deposit is refunded
        clock.set(clock.now() + timedelta(days=1))  # settled, the lot is handed over to the registry
        exchange.hand_over(session, lot_id=lot.id, actor=actor)
        published += 1

    # the others open for bidding today: announced 12 days ago, listings open since 2 days ago, the collateral
    # auction since an hour ago; some bids this morning
    open_kinds = [k for k in kinds if k != finished_kind]
    lots: list[Lot] = []
    enrolled: dict[int, list[Bidder]] = {}
    for kind in open_kinds:
        notice = exchange.rules_for(kind, today).announcement_days + 3
        with _frozen_at(morning - timedelta(days=notice)):
            start = morning - (timedelta(hours=1) if kind == "collateral" else timedelta(days=2))
            lot = _create(session, kind, subjects[kind], rng, start, actor)
            enrolled[lot.id] = [_enrol(session, lot, p, f"party:{p.id}") for p in rng.sample(people, 2)]
            lots.append(lot)
    with _frozen_at(morning):
        exchange.run_due(session)
        for lot in lots:
            session.refresh(lot)
            if lot.phase in ("listing", "live_auction"):
                for step, bidder in enumerate(enrolled[lot.id][: rng.randint(1, 2)]):
                    _raise(session, lot, bidder, step, f"party:{bidder.party_id}")
        published += len(lots)
    session.flush()
    return published


def link_demo_bidder(session: Session, *, actor: str) -> int | None:
    """Make the profile's demo ``bidder`` account a person enrolled on a lot open today (issue #20 item 2: the
    demo bidder can do its role's work, and its service hall shows the lot it bid on); returns the party, or None
    when the world has no open lot or no bidder account."""
    from landbridge.auth import Role, link_user_party
    from landbridge.auth.service import demo_accounts

    username = next((a[1] for a in demo_accounts() if a[0] is Role.bidder), None)
    enrolled = session.execute(
        select(Bidder.party_id, Party.name).join(Lot, Lot.id == Bidder.lot_id).join(Party, Party.id == Bidder.party_id)
        .where(Lot.phase.in_(("listing", "live_auction")), Party.kind == "person")
        .order_by(Lot.id, Bidder.id).limit(1)).first()
    if username is None or enrolled is None:
        return None
    party_id, name = enrolled
    link_user_party(session, username=username, party_id=party_id, display_name=f"竞买人 {name}", actor=actor)
    return int(party_id)

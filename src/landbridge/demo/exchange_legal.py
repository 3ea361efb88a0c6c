"""Demo of the exchange's remaining legal rules (issue #24): a land management right lot won by a member of the
collective's pre-emption (优先购买权) over the best outside offer, its award confirmed and its results notice
(成交公示) published, with an objection filed and dismissed. Everything goes through the exchange's public
services on a frozen clock days before ``today`` (as ``exchange_lots`` does)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.collective.models import Collective, Member
from landbridge.demo.exchange_lots import _enrol, _frozen_at
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import minimum_next_bid
from landbridge.kernel.clock import SHANGHAI
from landbridge.registry.models import Party, RecordStatus, Right, RightHolder

TITLE = "耕地经营权流转·本集体成员优先"


def _subject(session: Session, rng: random.Random) -> tuple[Right, list[int]] | None:
    """A current land contract right not yet on the exchange, with its holders."""
    listed = select(Lot.right_id).where(Lot.right_id.is_not(None))
    rights = list(session.scalars(select(Right).where(Right.right_type == "land_contract_right",
                                                      Right.unit_id.is_not(None), Right.status == RecordStatus.current,
                                                      Right.id.not_in(listed)).order_by(Right.id).limit(200)))
    if not rights:
        return None
    right = rng.choice(rights)
    holders = list(session.scalars(select(RightHolder.party_id).where(RightHolder.right_id == right.id)))
    return right, holders


def seed_exchange_legal(session: Session, *, today: date, seed: int, actor: str) -> int:
    """Run one lot to a member's pre-emption and its results notice; returns the lots published (0 or 1)."""
    rng = random.Random(seed + 24)
    found = _subject(session, rng)
    if found is None:
        return 0
    right, holders = found
    person = select(Party).where(Party.kind == "person", Party.id.not_in(holders)).order_by(Party.id).limit(400)
    on_roll = (select(Member.party_id).join(Collective, Collective.id == Member.collective_id)
               .where(Collective.region_code == right.region_code, Member.ended_on.is_(None)))
    members = list(session.scalars(person.where(Party.id.in_(on_roll))))  # the collective's roll (ADR 0016)
    outsiders = list(session.scalars(person.where(Party.region_code.is_not(None),
                                                  Party.region_code != right.region_code)))
    if not members or len(outsiders) < 2:
        return 0
    member, rivals = rng.choice(members), rng.sample(outsiders, 2)
    morning = datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)
    with _frozen_at(morning - timedelta(days=26)) as clock:
        starts = clock.now() + timedelta(days=exchange.rules_for("land_management_right", today).announcement_days + 1)
        begin = (starts.date() + timedelta(days=60)).replace(day=1)
        price = Decimal(rng.randint(30, 150) * 1000)
        lot = exchange.create_lot(session, actor=actor, kind="land_management_right",
                                  title=f"{TITLE}（单元 {right.unit_id}）",
                                  region_code=right.region_code, starts_at=starts, unit_id=right.unit_id,
                                  right_id=right.id, seller_party_id=holders[0] if holders else None,
                                  term_start=begin, term_end=date(begin.year + 5, begin.month, 1), start_price=price,
                                  appraised_value=price,
                                  description="演示标的：本集体经济组织成员以同等条件行使优先购买权")
        exchange.publish_lot(session, lot_id=lot.id, actor=actor)
        bidders = [_enrol(session, lot, p, f"party:{p.id}") for p in rivals]
        mine = _enrol(session, lot, member, f"party:{member.id}")
        exchange.register_preemption(session, lot_id=lot.id, bidder_id=mine.id, ground="member",
                                     actor=f"party:{member.id}", evidence="村民委员会出具的集体经济组织成员证明")
        clock.set(lot.starts_at + timedelta(hours=1))
        exchange.run_due(session)
        for step, bidder in enumerate(bidders):
            amount = minimum_next_bid(start_price=lot.start_price_cny, increment=lot.increment_cny,
                                      current=lot.current_price_cny) + lot.increment_cny * step
            exchange.place_bid(session, lot_id=lot.id, bidder_id=bidder.id, amount=amount,
                               idempotency_key=f"demo-legal-{lot.id}-{amount}", actor=f"party:{bidder.party_id}")
        assert lot.ends_at is not None
        clock.set(lot.ends_at + timedelta(seconds=30))
        exchange.run_due(session)  # the listing ends: countdown
        if lot.countdown_end is not None:
            clock.set(lot.countdown_end + timedelta(seconds=1))
            exchange.run_due(session)  # decided: the best outside offer is awarded, the pre-emption period opens
        if lot.phase != "award_pending":
            return 1
        clock.set(clock.now() + timedelta(hours=3))
        exchange.match_best_offer(session, lot_id=lot.id, bidder_id=mine.id, actor=f"party:{member.id}")
        exchange.confirm_award(session, lot_id=lot.id, actor=actor)
        clock.set(clock.now() + timedelta(days=1))
        objection = exchange.file_objection(session, lot_id=lot.id, party_id=rivals[0].id,
                                            grounds="认为成员身份证明不充分", actor=f"party:{rivals[0].id}")
        clock.set(clock.now() + timedelta(hours=4))
        exchange.rule_result_objection(session, lot_id=lot.id, objection_id=objection.id, upheld=False,
                                       ruling="经核查，村民委员会证明与登记簿户籍地一致，异议不成立", actor=actor)
    session.flush()
    return 1

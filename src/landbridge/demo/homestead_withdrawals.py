"""The demo world's homestead withdrawals (宅基地自愿有偿退出, the Yujiang reform; issue #16 part 5, requirements S18,
S30): households of 余江区 villages holding more than one homestead give one up, the cases standing in several
states — applied, approved by the collective, compensation valued, paid, cancellation lodged, one refused by the
members' vote — and at least one completed: the registry cancellation registered and the land handed over to a
planned homestead reclamation project.

Every step goes through ``landbridge.land_quota.withdrawal`` (and the collective's council and sealed vote through
``landbridge.collective``, the cancellation's registration through ``landbridge.registry``), so the cases, the
registry and the ledger are what the platform itself would have written. The collective's vote is the
representatives' assembly (a members' assembly of a whole village is too big for the demo), so only collectives
with seated representatives take part. The generated villages give every household one homestead; the demo's
households of two homesteads come the way most of Yujiang's did, by inheritance (继承): a neighbour household's
homestead is transferred to them through ``registry.lodge_transfer`` and registered. A case a step refuses (an
ineligible homestead, a boundary overlapping an earlier reclamation project) is rolled back and the next household
tried.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.collective.models import Collective, Seat
from landbridge.collective.queries import roster_of
from landbridge.demo.exchange_lots import _frozen_at
from landbridge.errors import DomainError
from landbridge.kernel.clock import SHANGHAI, Clock, now, to_local
from landbridge.land_quota import withdrawal
from landbridge.land_quota.errors import QuotaError
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus, Right, RightHolder

log = logging.getLogger(__name__)

COUNTY = "360603"  # 余江区, the homestead reform's pilot county
REPRESENTATIVES = "representatives_assembly"
CLERK_ACTOR = "system:demo:clerk"
TOWNSHIP_ACTOR = "system:demo:township"
REGISTRAR_ACTOR = "system:demo:registrar"
NR_ACTOR = "system:demo:nr"
# the states the demo shows, the completed one first (it is the one most likely to meet a refusal)
TARGETS = ("handed_over", "handed_over", "cancelling", "paid", "valued", "approved", "applied", "refused")
ORDER = ("applied", "approved", "valued", "paid", "cancelling", "handed_over")
ATTEMPTS = 40  # households tried at most (a refused case rolls back and the next is tried)


@dataclass
class WithdrawalReport:
    cases: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def _households(session: Session, county: str, limit: int) -> list[tuple[int, int, list[int]]]:
    """(household party, its village's collective, its homestead rights) of households holding two or more
    homesteads in one village of ``county`` whose collective has seated representatives."""
    seated = set(session.execute(select(Seat.collective_id).where(Seat.body == REPRESENTATIVES,
                                                                  Seat.status == "active")).scalars())
    by_region = {c.region_code: c.id for c in session.scalars(select(Collective).where(
        Collective.region_code.startswith(county))) if c.id in seated}
    rows = session.execute(
        select(RightHolder.party_id, Parcel.region_code, Right.id)
        .join(Right, Right.id == RightHolder.right_id).join(PropertyUnit, PropertyUnit.id == Right.unit_id)
        .join(Parcel, Parcel.id == PropertyUnit.parcel_id)
        .where(Right.right_type == withdrawal.HOMESTEAD, Right.status == RecordStatus.current,
               Parcel.status == RecordStatus.current, Parcel.region_code.in_(list(by_region) or [""]))
        .order_by(Parcel.region_code, RightHolder.party_id, Right.id)).all()
    held: dict[tuple[int, str], list[int]] = {}
    for party_id, region, right_id in rows:
        held.setdefault((int(party_id), str(region)), []).append(int(right_id))
    found = [(party, by_region[region], rights) for (party, region), rights in held.items() if len(rights) >= 2]
    # spread over the villages: the first household of each village, then the second …
    villages: dict[int, list[tuple[int, int, list[int]]]] = {}
    for h in found:
        villages.setdefault(h[1], []).append(h)
    spread: list[tuple[int, int, list[int]]] = []
    while any(villages.values()) and len(spread) < limit:
        for key in list(villages):
            if villages[key]:
                spread.append(villages[key].pop(0))
    return spread[:limit]


def _inherit(session: Session, county: str, pairs: int) -> int:
    """Give ``pairs`` households of seated collectives' villages a second homestead by inheritance (a registered
    transfer from the next household of the village), spread over the villages; how many were registered."""
    seated = set(session.execute(select(Seat.collective_id).where(Seat.body == REPRESENTATIVES,
                                                                  Seat.status == "active")).scalars())
    regions = sorted(c.region_code for c in session.scalars(select(Collective).where(
        Collective.region_code.startswith(county))) if c.id in seated)
    by_village: dict[str, list[tuple[int, int, int]]] = {}
    for region in regions:
        by_village[region] = [(int(r), int(u or 0), int(p)) for r, u, p in session.execute(
            select(Right.id, Right.unit_id, RightHolder.party_id).join(RightHolder, RightHolder.right_id == Right.id)
            .join(PropertyUnit, PropertyUnit.id == Right.unit_id).join(Parcel, Parcel.id == PropertyUnit.parcel_id)
            .where(Right.right_type == withdrawal.HOMESTEAD, Right.status == RecordStatus.current,
                   Parcel.region_code == region).order_by(Right.id).limit(4 * pairs)).all()]
    done, k = 0, 0
    while done < pairs and any(len(v) >= 2 * (k + 1) for v in by_village.values()):
        for rows in by_village.values():
            if done >= pairs or len(rows) < 2 * (k + 1):
                continue
            (_, _, heir), (right_id, unit_id, _) = rows[2 * k], rows[2 * k + 1]
            try:
                with session.begin_nested():
                    app = registry.lodge_transfer(session, actor=REGISTRAR_ACTOR, unit_id=unit_id, right_id=right_id,
                                                  holders=[(heir, "1")], reason="继承（原户主去世，由其子女户继承）")
                    registry.approve_application(session, application_id=app.id, actor=REGISTRAR_ACTOR)
                done += 1
            except DomainError as exc:
                log.info("demo inheritance of homestead right %s refused: %s", right_id, exc)
        k += 1
    return done


def _unit_of(session: Session, right_id: int) -> int:
    right = registry.find_current_right(session, right_id)
    return int(right.unit_id) if right is not None and right.unit_id is not None else 0


def _vote(session: Session, collective_id: int, number: str, yes: bool) -> int:
    """The representatives' sealed vote on the case (all yes, or all no)."""
    meeting = collective.convene_meeting(session, collective_id=collective_id, body=REPRESENTATIVES,
                                         title=f"宅基地退出表决 {number}", scheduled_at=now(), actor=CLERK_ACTOR)
    motion = collective.create_motion(session, meeting_id=meeting.id, title=f"同意 {number} 宅基地自愿有偿退出",
                                      text="退出申请、理事会意见见附件", kind=withdrawal.MOTION_KIND,
                                      subject_ref=number, actor=CLERK_ACTOR)
    collective.open_vote(session, motion_id=motion.id, actor=CLERK_ACTOR)
    for row in roster_of(session, motion.id):
        collective.cast_ballot(session, motion_id=motion.id, member_id=row.member_id,
                               choice="yes" if yes else "no", channel="in_person", actor=CLERK_ACTOR)
    collective.seal_vote(session, motion_id=motion.id, actor=CLERK_ACTOR)
    return int(motion.id)


def _drive(session: Session, clock: Clock, household: tuple[int, int, list[int]], target: str, n: int,
           rng: random.Random) -> None:
    """Apply for the household's last homestead and take the case to ``target``, a day between steps."""
    party, collective_id, rights = household

    def next_day() -> None:
        clock.set(clock.now() + timedelta(days=1))

    free = [r for r in rights if not registry.current_restrictions(session, _unit_of(session, r))]
    if not free:
        raise QuotaError.HOMESTEAD_SEIZED.error(unit_id=_unit_of(session, rights[-1]))
    case = withdrawal.apply(session, actor=f"party:{party}", applicant_party_id=party, right_id=free[-1],
                            collective_id=collective_id, household_size=rng.randint(3, 6))
    if target == "applied":
        return
    next_day()
    meeting = collective.consult_affairs_council(session, collective_id=collective_id, subject_ref=case.number,
                                                 held_at=now(), attendees=7, actor=CLERK_ACTOR,
                                                 opinion="理事会核实该户另有宅基地一处，同意提交成员代表大会表决")
    motion = _vote(session, collective_id, case.number, yes=target != "refused")
    withdrawal.decide(session, case.id, actor=CLERK_ACTOR, council_meeting_id=meeting.id, motion_id=motion,
                      reason=None if target != "refused" else "成员代表大会未通过：该户另一处宅基地尚未确权")
    if target in ("refused", "approved"):
        return
    next_day()
    case = withdrawal.value(session, case.id, actor=TOWNSHIP_ACTOR,
                            house_structure=rng.choice(("brick_concrete", "brick_wood", "earth_wood", "simple")),
                            house_floor_m2=Decimal(rng.randint(40, 160)))
    if target == "valued":
        return
    next_day()
    paid_on = to_local(now()).date()
    withdrawal.record_payment(session, case.id, actor=CLERK_ACTOR, amount=Decimal(case.total_fen or 0) / 100,
                              payment_ref=f"农商行转账 {paid_on:%Y%m%d}-{n:03d}", paid_on=paid_on)
    if target == "paid":
        return
    next_day()
    case = withdrawal.lodge_cancellation(session, case.id, actor=TOWNSHIP_ACTOR)
    if target == "cancelling":
        return
    next_day()
    for app_id in case.cancellation_application_ids or []:
        registry.approve_application(session, application_id=int(app_id), actor=REGISTRAR_ACTOR)
    next_day()
    year = to_local(now()).year
    withdrawal.hand_over(session, case.id, actor=NR_ACTOR, plan_ref=f"余江区宅基地复垦方案〔{year}〕{n + 11}号")


def seed_withdrawals(session: Session, *, today: date, seed: int) -> WithdrawalReport:
    """Withdrawal cases in several states in 余江区 villages, one or more completed (S30)."""
    report = WithdrawalReport()
    rng = random.Random(seed * 31 + 16)
    with _frozen_at(datetime.combine(today - timedelta(days=120), time(9, 30), tzinfo=SHANGHAI)):
        _inherit(session, COUNTY, 3 * len(TARGETS))
    households = _households(session, COUNTY, ATTEMPTS)
    log.info("demo homestead withdrawals: %d households with two or more homesteads", len(households))
    targets = list(TARGETS)
    for n, household in enumerate(households):
        if not targets:
            break
        target = targets[0]
        steps = ORDER.index(target) + 2 if target in ORDER else 2
        start = datetime.combine(today - timedelta(days=3 * steps + n), time(9, 30), tzinfo=SHANGHAI)
        try:
            with session.begin_nested(), _frozen_at(start) as clock:
                _drive(session, clock, household, target, n, rng)
        except DomainError as exc:
            log.info("demo withdrawal to %s for household %s refused: %s", target, household[0], exc)
            continue
        report.cases[target] = report.cases.get(target, 0) + 1
        targets.pop(0)
    session.flush()
    return report

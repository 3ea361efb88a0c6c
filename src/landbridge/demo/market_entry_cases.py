"""Demo market-entry cases (集体经营性建设用地入市, issue #15): entry cases of the demo collectives' operating
construction land in several villages, one in each state of the case machine (trading.md c.1), so that every
party's queue has work in it and the case files show each step: opened, conditions issued, plan drafted,
council consulted, consented, filed (one with an objection pending), sent back for revision (objection upheld),
cleared, listed, suspended, unsuccessful (no bidder), result confirmed, contract signed, paid, fees settled,
revenue distributed, registered and in use, withdrawn and terminated; then, as far as the units go, more cases
in use, so that a grant, a lease and a contribution as equity may each be seen in use.

Each case goes only through the market-entry services (``service``, ``deal``) and, for its lot, the exchange's
public functions (enrolment with the simulated bank's deposit, bids, the award, the balance paid), on a frozen
clock that starts far enough before ``today`` for its steps' waiting times (the objection window, the filing's
lead working days, the exchange's announcement and listing days, holidays) and only moves forward. A case whose
last step would fall after ``today`` (a profile whose today is early, holidays), or that the rules refuse (a
unit not in an operating zone, seized, the exchange's entry rules not yet in force), is skipped in a savepoint,
leaving nothing behind. The completed cases' prices reach the valuation sales record through its feed.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import zip_longest
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, planning, registry
from landbridge.cityprofile import get_profile
from landbridge.collective.models import Book, Seat
from landbridge.collective.queries import roster_of
from landbridge.demo.exchange_lots import _enrol, _frozen_at, _raise, companies
from landbridge.errors import DomainError
from landbridge.exchange import reconcile
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import SHANGHAI, Clock, ensure_utc, to_local
from landbridge.market_entry import deal, service
from landbridge.market_entry.models import EntryCase
from landbridge.registry.models import Party, PropertyUnit, RecordStatus, Right, RightHolder
from landbridge.valuation.sales.feed import feed_exchange_sales

log = logging.getLogger(__name__)
NR_ACTOR = "system:demo:nr"
COUNTY_ACTOR = "system:demo:county"
EXCHANGE_ACTOR = "system:demo:exchange"
REGISTRAR_ACTOR = "system:demo:registrar"
RIGHT_TYPE = "collective_construction_land_use_right"
REPRESENTATIVES = "representatives_assembly"
LOT_LEAD_DAYS = 15  # days from the case's first step to its listing (the steps, the objection window), about

# The main line of the case machine, in order (rules.TRANSITIONS); the side states branch off it.
LINE = ("opened", "conditions_issued", "plan_drafted", "council_consulted", "vote_passed", "filed", "cleared",
        "listed", "result_confirmed", "contract_signed", "paid", "fees_settled", "revenue_distributed",
        "registered", "in_use")
# (what the case shows, the state on the main line it is driven to first, entry method, days before today it
# starts), in the order they are made: one of each state first, then an equity and a lease entry in use too, as far
# as the represented collectives' units go (the small world has room for the equity one: its contribution is
# recorded in the collective's books at the confirmed result). The
# deal states start ~60-80 days back (filing, 5 working days' objection window, 20 days' announcement, 10 working
# days' listing, payment), the unpaid ones close enough to today that no instalment is overdue. A withdrawn or
# terminated case closes early enough for its unit to carry a later case (re-applied after a withdrawal).
CASES: tuple[tuple[str, str, str, int], ...] = (
    ("withdrawn", "plan_drafted", "equity", 100), ("in_use", "in_use", "grant", 80),
    ("registered", "registered", "lease", 74), ("revenue_distributed", "revenue_distributed", "equity", 72),
    ("fees_settled", "fees_settled", "grant", 70), ("paid", "paid", "lease", 68),
    ("contract_signed", "contract_signed", "equity", 64), ("result_confirmed", "result_confirmed", "grant", 62),
    ("unsuccessful", "listed", "lease", 62), ("terminated", "listed", "grant", 30), ("listed", "listed", "grant", 30),
    ("suspended", "listed", "equity", 30), ("cleared", "cleared", "lease", 20),
    ("revision_required", "filed", "equity", 9), ("objection_pending", "filed", "grant", 8),
    ("filed", "filed", "lease", 7), ("vote_passed", "vote_passed", "equity", 6),
    ("council_consulted", "council_consulted", "grant", 5), ("plan_drafted", "plan_drafted", "lease", 4),
    ("conditions_issued", "conditions_issued", "equity", 3), ("opened", "opened", "grant", 2),
    ("in_use", "in_use", "equity", 78), ("in_use", "in_use", "lease", 76),
)
CLOSED = frozenset({"withdrawn", "terminated"})
REFUSALS = 3  # a case refused after opening on this many units is skipped (the profile's rules refuse it)
TERMS = {"grant": (40, 2), "lease": (20, 3), "equity": (30, 1)}  # method -> (years, land grade)


class _TooLate(Exception):
    """The case's next step would fall after today: the case is skipped (rolled back)."""


@dataclass
class Seeded:
    """What the demo seeding made: cases by the state they show, and the sales the feed recorded."""

    cases: dict[str, int]
    sales: int

    @property
    def total(self) -> int:
        return sum(self.cases.values())


@dataclass
class _Unit:
    """A candidate unit: its collective, whether the collective has representatives (to vote on the plan) and
    the instant from which it is free for a new case (after a withdrawn or terminated one)."""

    collective_id: int
    unit_id: int
    represented: bool
    free_after: datetime | None = None


def _candidates(session: Session) -> list[_Unit]:
    """Collectives' current operating construction land units not on the exchange and without an entry case,
    taken in turn from each collective (so the cases spread over the villages)."""
    on_exchange = select(Lot.unit_id).where(Lot.unit_id.is_not(None))
    with_case = select(EntryCase.unit_id)
    rows = session.execute(
        select(RightHolder.party_id, Right.unit_id).join(Right, Right.id == RightHolder.right_id)
        .join(PropertyUnit, PropertyUnit.id == Right.unit_id)
        .where(Right.right_type == RIGHT_TYPE, Right.status == RecordStatus.current,
               Right.unit_id.not_in(on_exchange), Right.unit_id.not_in(with_case))
        .order_by(Right.unit_id).limit(2000)).all()
    by_collective: dict[int, list[int]] = {}
    seen: set[int] = set()
    collectives: dict[int, int | None] = {}
    for party_id, unit_id in rows:
        if party_id not in collectives:
            found = collective.find_collective_by_party(session, party_id)
            collectives[party_id] = found.id if found is not None else None
        cid = collectives[party_id]
        if cid is None or unit_id is None or unit_id in seen or \
                not (registry.get_unit(session, unit_id).attrs or {}).get("operating"):
            continue
        seen.add(unit_id)
        by_collective.setdefault(cid, []).append(int(unit_id))
    seated = set(session.execute(select(Seat.collective_id).where(Seat.body == REPRESENTATIVES,
                                                                  Seat.status == "active")).scalars())
    out: list[_Unit] = []
    for turn in zip_longest(*([_Unit(c, u, c in seated) for u in units] for c, units in sorted(by_collective.items()))):
        out.extend(x for x in turn if x is not None)
    return out


def _operating_use(session: Session, parcel_id: int) -> str:
    """The use the conditions set: the parcel's own class where the plan permits it, else the first of the plan's
    permitted uses that is an operating use (the profile's ``operating_use_classes``), the more specific of the
    two codes, a first-level class taken as its first sub-class."""
    parcel = registry.get_parcel(session, parcel_id)
    permitted = planning.planning_conditions_for(session, parcel.geom).permitted_uses
    own = str(parcel.land_use_class)
    if any(own == p or (len(p) == 2 and own.startswith(p)) for p in permitted):
        return own
    for p in permitted:
        for op in planning.operating_use_classes():
            if p.startswith(op) or op.startswith(p):
                code = max(p, op, key=len)
                return f"{code}01" if len(code) == 2 else code
    return own


class _Driver:
    """Drives one case on a frozen clock that only moves forward and never past ``limit``."""

    def __init__(self, session: Session, clock: Clock, limit: datetime, first_listing: datetime, actor: str,
                 people: list[Party], rng: random.Random, companies: list[Party] | None = None) -> None:
        self.s, self.clock, self.limit, self.actor, self.people, self.rng = session, clock, limit, actor, people, rng
        self.first_listing = first_listing
        self.companies = companies or []

    def at(self, when: datetime) -> None:
        """Move the clock forward to ``when`` (never back); refuse a step after today."""
        when = ensure_utc(when)
        if when > self.limit:
            raise _TooLate
        if when > self.clock.now():
            self.clock.set(when)

    def later(self, **delta: float) -> None:
        self.at(self.clock.now() + timedelta(**delta))

    def next_morning(self) -> None:
        day = to_local(self.clock.now()).date() + timedelta(days=1)
        self.at(datetime.combine(day, time(9, 30), tzinfo=SHANGHAI))

    # --- the collective's part --------------------------------------------------------------------

    def prepare(self, case: EntryCase, upto: int, method: str) -> None:
        s, cid = self.s, case.id
        if upto >= LINE.index("conditions_issued"):
            self.next_morning()
            land_use = _operating_use(s, case.parcel_id)
            service.issue_conditions(s, case_id=cid, land_use=land_use, indicators={"max_plot_ratio": "1.2"},
                                     industry_requirements="农产品加工、仓储物流；不得引入高污染项目",
                                     environment_requirements="环境影响登记表备案；雨污分流", actor=NR_ACTOR)
        if upto >= LINE.index("plan_drafted"):
            self.next_morning()
            self.draft(case, method)
        if upto >= LINE.index("council_consulted"):
            self.next_morning()
            service.consult_council(s, case_id=cid, held_at=self.clock.now(), attendees=7,
                                    opinion="理事会讨论同意入市方案，提请成员（代表）大会表决", actor=self.actor)
        if upto >= LINE.index("vote_passed"):
            self.next_morning()
            self.vote(case)
        if upto >= LINE.index("filed"):
            self.next_morning()
            service.file_with_county(s, case_id=cid, transaction_on=to_local(self.clock.now()).date()
                                     + timedelta(days=40), actor=self.actor)

    def draft(self, case: EntryCase, method: str) -> None:
        assert case.conditions is not None
        years, grade = TERMS[method]
        plan: dict[str, Any] = {
            "boundary": "以不动产单元界址为准", "area_m2": "以登记面积为准", "land_use": case.conditions["land_use"],
            "conditions": case.conditions["number"], "industry_requirements": case.conditions["industry_requirements"],
            "environment_requirements": case.conditions["environment_requirements"], "term_years": years,
            "method": method, "transaction_method": "listing", "floor_price": str(self.price(grade)),
            "revenue_arrangement": {"retained_share": "0.30"}, "land_grade": grade}
        if method == "equity":
            plan["equity_share"] = "3/10"
        service.draft_plan(self.s, case_id=case.id, actor=self.actor, plan=plan)

    @staticmethod
    def price(grade: int) -> Decimal:
        return Decimal(800_000 - 100_000 * grade)

    def vote(self, case: EntryCase) -> None:
        """The representatives consent to the plan; for a contribution as equity (作价入股) they also pass the
        equity contribution motion on the case, which the collective's books cite at the confirmed result."""
        s, actor = self.s, self.actor
        meeting = collective.convene_meeting(s, collective_id=case.collective_id, body=REPRESENTATIVES,
                                             title=f"入市表决 {case.number}", scheduled_at=self.clock.now(),
                                             actor=actor)
        motion = self.motion(meeting.id, case, "market_entry_consent", f"同意 {case.number} 入市方案")
        equity = None
        if case.plan is not None and case.plan.get("method") == "equity":
            equity = self.motion(meeting.id, case, "equity_contribution",
                                 f"同意以 {case.number} 地块作价入股（集体股权 {case.plan.get('equity_share')}）")
        service.record_vote(s, case_id=case.id, motion_id=motion, equity_motion_id=equity, actor=actor)

    def motion(self, meeting_id: int, case: EntryCase, kind: str, title: str) -> int:
        """A motion on the case, every representative voting yes, sealed."""
        s, actor = self.s, self.actor
        motion = collective.create_motion(s, meeting_id=meeting_id, title=title, text="入市方案全文见附件",
                                          kind=kind, subject_ref=case.number, actor=actor)
        collective.open_vote(s, motion_id=motion.id, actor=actor)
        for row in roster_of(s, motion.id):
            collective.cast_ballot(s, motion_id=motion.id, member_id=row.member_id, choice="yes",
                                   channel="in_person", actor=actor)
        collective.seal_vote(s, motion_id=motion.id, actor=actor)
        return motion.id

    # --- the county and the exchange ------------------------------------------------------------------

    def clear(self, case: EntryCase) -> None:
        assert case.objection_closes_on is not None
        self.at(datetime.combine(case.objection_closes_on + timedelta(days=1), time(10, 0), tzinfo=SHANGHAI))
        service.clear(self.s, case_id=case.id, actor=COUNTY_ACTOR)

    def list(self, case: EntryCase, *, open_after: datetime | None = None) -> Lot:
        """List the case's lot, announced the exchange's days ahead (or to open after ``open_after``)."""
        self.next_morning()
        self.at(max(self.clock.now(), self.first_listing))
        assert case.plan is not None
        notice = exchange.rules_for("collective_construction_land").announcement_days + 1
        starts = self.clock.now() + timedelta(days=notice)
        if open_after is not None and starts <= open_after:
            starts = datetime.combine(to_local(open_after).date() + timedelta(days=2), time(9, 30), tzinfo=SHANGHAI)
        price = self.price(int(case.plan["land_grade"]))
        service.list_on_exchange(self.s, case_id=case.id, start_price=price, appraised_value=price,
                                 appraisal_ref=f"估价报告（演示）{case.number}", starts_at=starts,
                                 actor=EXCHANGE_ACTOR)
        lot = self.s.get(Lot, case.lot_id)
        assert lot is not None
        return lot

    def auction(self, lot: Lot, bidders: int, *, companies: bool = False) -> None:
        """``bidders`` people (companies for a contribution as equity: the exchange admits only organisations)
        enrol and bid during the listing; the listing ends (and its countdown, if any)."""
        pool = self.companies if companies else self.people
        pair = [_enrol(self.s, lot, p, f"party:{p.id}") for p in self.rng.sample(pool, min(bidders, len(pool)))]
        self.at(lot.starts_at + timedelta(hours=1))
        exchange.run_due(self.s)
        for i, bidder in enumerate(pair):
            _raise(self.s, lot, bidder, i, f"party:{bidder.party_id}")
        assert lot.ends_at is not None
        self.at(lot.ends_at + timedelta(seconds=30))
        exchange.run_due(self.s)
        self.s.refresh(lot)
        if lot.countdown_end is not None and lot.phase == "countdown":
            self.at(lot.countdown_end + timedelta(seconds=1))
            exchange.run_due(self.s)
            self.s.refresh(lot)

    def pay(self, lot: Lot) -> None:
        """The winner pays the balance of the price through the simulated bank; a lot contributed as equity
        (作价入股) is settled in kind: nothing is paid (the case's payment step settles it at the exchange)."""
        self.later(days=3)
        due = exchange.get_settlement(self.s, lot.id)
        if due.status == exchange.SettlementStatus.in_kind_due:
            return
        winner = self.s.get(Party, due.party_id)
        assert winner is not None
        credit: dict[str, Any] = {"sub_account": due.sub_account, "amount": due.balance_cny,
                                  "payer_name": winner.name, "bank_ref": f"DEMO-{due.sub_account}"}
        exchange.pay_balance(self.s, **credit, actor="bank:demo")
        reconcile.record_bank_credit(self.s, **credit, outcome=reconcile.MATCHED, actor="bank:demo")
        exchange.run_due(self.s)  # the runner-up's deposit is refunded

    def fund_fees(self, case: EntryCase, lot: Lot) -> None:
        """Settled in kind, the collective pays the adjustment and service fees from its own book: the demo
        collective first books the operating income (集体资产经营收入) it pays them from, where its book holds less."""
        due = exchange.get_settlement(self.s, lot.id)
        if due.status != exchange.SettlementStatus.in_kind:
            return
        book = self.s.get(Book, collective.collective_book_id(self.s, case.collective_id))
        assert book is not None
        owed = due.fee_cny + (due.adjustment_fee_cny or Decimal("0.00"))
        if book.balance_cny < owed:
            collective.record_book_entry(
                self.s, book_id=book.id, direction="income", amount=owed - book.balance_cny,
                category="operating_income", memo=f"集体资产经营收入（缴纳 {case.number} 调节金）", actor=self.actor,
                occurred_on=to_local(self.clock.now()).date())

    # --- one case -------------------------------------------------------------------------------

    def drive(self, case: EntryCase, shows: str, upto: str, method: str, today_at: datetime) -> None:
        s, cid, line = self.s, case.id, LINE.index(upto)
        self.prepare(case, min(line, LINE.index("filed")), method)
        if shows == "withdrawn":
            self.next_morning()
            service.withdraw(s, case_id=cid, reason="集体经济组织决定暂缓入市，撤回申请", actor=self.actor)
            return
        if shows in ("objection_pending", "revision_required"):
            self.later(hours=2)
            service.lodge_objection(s, case_id=cid, text="相邻权利人对入市地块界址提出异议", actor="system:demo:public")
            if shows == "revision_required":
                self.next_morning()
                service.rule_objection(s, case_id=cid, uphold=True, reason="界址与登记不符，退回修改入市方案",
                                       actor=COUNTY_ACTOR)
            return
        if line < LINE.index("cleared"):
            return
        self.clear(case)
        if line < LINE.index("listed"):
            return
        waits = shows in ("listed", "suspended", "terminated")  # announced lots that open after today
        lot = self.list(case, open_after=today_at if waits else None)
        if shows in ("suspended", "terminated"):
            self.next_morning()
            service.suspend(s, case_id=cid, reason="司法机关协助执行通知，暂停入市", actor=EXCHANGE_ACTOR)
            if shows == "terminated":
                self.next_morning()
                service.terminate(s, case_id=cid, reason="司法查封未解除，终止入市", actor=EXCHANGE_ACTOR)
            return
        if waits:
            return
        if shows == "unsuccessful":
            self.auction(lot, 0)
            service.mark_unsuccessful(s, case_id=cid, actor=EXCHANGE_ACTOR)
            return
        self.auction(lot, 2, companies=method == "equity")
        exchange.confirm_award(s, lot_id=lot.id, actor=EXCHANGE_ACTOR)
        deal.confirm_result(s, case_id=cid, actor=EXCHANGE_ACTOR)
        steps: list[tuple[str, Callable[..., EntryCase], str]] = [
            ("contract_signed", deal.sign_contract, self.actor), ("paid", deal.record_payment, EXCHANGE_ACTOR),
            ("fees_settled", deal.settle_fees, EXCHANGE_ACTOR),
            ("revenue_distributed", deal.distribute_revenue, self.actor),
            ("registered", deal.register, EXCHANGE_ACTOR)]
        for name, step, actor in steps:
            if line < LINE.index(name):
                return
            if name == "paid":
                self.pay(lot)
            elif name == "fees_settled":
                self.later(hours=1)
                self.fund_fees(case, lot)
            elif name == "registered":
                self.later(days=1)
            else:
                self.later(hours=1)
            step(s, case_id=cid, actor=actor)
        if line >= LINE.index("in_use"):
            self.later(days=1)
            assert case.registry_application_id is not None
            registry.approve_application(s, application_id=case.registry_application_id, actor=REGISTRAR_ACTOR)
            deal.put_in_use(s, case_id=cid, actor=REGISTRAR_ACTOR)


def _entry_day(today: date) -> date:
    """The first day of the exchange's entry rules (a lot of a case can be listed from then on)."""
    stated = get_profile().rules("exchange").history("collective_construction_land.entry_methods")
    return stated[0].effective_from or today if stated else today


def seed_entry_cases(session: Session, *, today: date, seed: int, actor: str) -> Seeded:
    """Open demo cases and drive each to the state it shows (``CASES``), in several villages; then feed the
    completed lots' prices to the sales record. Returns the cases made by state and the sales fed."""
    rng = random.Random(seed * 15 + 6)
    people = list(session.execute(select(Party).where(Party.kind == "person").order_by(Party.id)
                                  .limit(300)).scalars())
    firms = companies(session)  # an equity lot's bidders (organisations only)
    morning = datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)
    first_listing = datetime.combine(_entry_day(today), time(9, 30), tzinfo=SHANGHAI)
    made: dict[str, int] = {}
    pool = _candidates(session)
    log.info("demo entry cases: %d candidate units", len(pool))
    for shows, upto, method, days in CASES:
        start = morning - timedelta(days=days)
        if LINE.index(upto) >= LINE.index("listed"):  # its lot is listed once the exchange's entry rules apply
            start = max(start, first_listing - timedelta(days=LOT_LEAD_DAYS))
        voted = LINE.index(upto) >= LINE.index("vote_passed")  # the representatives vote (a members' assembly
        refused = 0                                               # of a whole village is too big for the demo)
        for unit in list(pool):
            if (unit.free_after is not None and unit.free_after >= start) or (voted and not unit.represented):
                continue
            opened = False
            try:
                with session.begin_nested(), _frozen_at(start) as clock:
                    case = service.open_case(session, collective_id=unit.collective_id, unit_id=unit.unit_id,
                                             actor=actor)
                    opened = True
                    _Driver(session, clock, morning, first_listing, actor, people, rng, firms).drive(
                        case, shows, upto, method, morning)
                    ended = clock.now()
            except _TooLate:
                log.info("demo entry case %s: not reachable before %s, skipped", shows, today)
                break  # not reachable before today on this profile: skip the state, keep the unit
            except DomainError as exc:
                log.info("demo entry case %s on unit %s refused: %s", shows, unit.unit_id, exc)
                pool.remove(unit)  # an ineligible unit (not in an operating zone, seized, a use not permitted)
                refused += opened
                if refused >= REFUSALS:  # the same later step refused again and again: skip the state
                    break
                continue
            made[shows] = made.get(shows, 0) + 1
            if shows in CLOSED:
                unit.free_after = ended  # the unit may carry a later case
            else:
                pool.remove(unit)
            break
    fed = feed_exchange_sales(session)  # the completed cases' prices reach the sales record
    session.flush()
    return Seeded(made, fed)

"""A year of exchange business behind the demo world (issue #15 item 6): hundreds of lots of every kind the
demo world's rights allow (land management rights out of contract rights, forest rights, collective assets,
foreclosed collateral) and every method each kind's rule set allows (listing, auction, tender, negotiated), with
their results: most awarded, paid and handed over; some winners default (悔拍: the deposit forfeited, the
runner-up promoted or the lot failed and re-listed); some lots fail for want of bidders (流拍) and are re-listed at
the rule set's re-listing price, some of those then selling; a few still open today. Collective construction land
goes through market entry (``entered_rights``) and is left out here.

The year is replayed on one frozen clock that only moves forward: each case (a subject and its lots) is a script
that yields the instant of its next step; the scripts' steps run in time order and the exchange's worker
(``exchange.run_due``) runs before each, so the deadlines of every lot fire as they would have. A step after
``today`` is not taken: those lots are still open. Everything goes through the exchange's public services; the
handed-over prices reach the sales record through valuation's feed. Deterministic for a seed (lot numbers,
kinds, methods, prices and outcomes; the bank's sub-accounts and bidder codes are random by design).
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.auth import DEMO_PASSWORD, OrgKind, Role, create_organisation, create_user
from landbridge.auth.models import Organisation, User
from landbridge.cityprofile import get_profile
from landbridge.demo.exchange_lots import _create, _enrol, _frozen_at, _raise
from landbridge.errors import DomainError
from landbridge.exchange import reconcile, tender_rules
from landbridge.exchange.models import Bidder, Lot
from landbridge.kernel.clock import SHANGHAI, Clock, ensure_utc, to_local
from landbridge.registry.models import Application, Party, RecordStatus, Restriction, Right, RightHolder
from landbridge.valuation.sales.feed import feed_exchange_sales

KINDS = ("land_management_right", "forest_right", "collective_asset", "collateral")
KIND_WEIGHTS = {"land_management_right": 45, "forest_right": 15, "collective_asset": 25, "collateral": 15}
METHOD_WEIGHTS = {"listing": 60, "auction": 60, "tender": 15, "negotiated": 25}
# story -> weight: sold; the winner defaults; no bidders, re-listed (then sold, or failing again)
STORIES = {"sold": 70, "default": 10, "relisted": 15, "relisted_failed": 5}
ASSET_PRICES = (10, 150)  # thousands of yuan: a lease of a collective asset
ASSETS = ("闲置村小学校舍出租", "集体鱼塘承包经营", "村集体仓储用房出租", "集体果园经营权出租", "村集体农机具转让",
          "集体养殖小区出租", "村集体门面房出租", "集体林下经济项目经营权")
EVALUATORS = "评标专家库（演示）"
NIGHTLY = time(1, 0)  # local time of the exchange worker's nightly run in the replay
DEFAULT_REASON = "竞得人未按期签署成交确认书（悔拍）"
PLANS = ("稻虾共养，三年投入 50 万元", "规模化种植，配套烘干设备", "林下套种中药材，五年分期投入",
         "生态养殖，带动本村就业 10 人")


@dataclass
class YearReport:
    """What the year made: lots by kind, method and final phase; cases, defaults and re-listings."""

    lots: int = 0
    cases: int = 0
    defaults: int = 0
    relisted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # cases a service refused part-way, by error code
    sales: int = 0  # sales the hand-overs fed to the sales record
    by_kind: Counter[str] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)


@dataclass
class Case:
    """One subject's year: its kind, method, story and start; the lots it made."""

    kind: str
    method: str
    story: str
    start: datetime
    right: Right | None  # the subject right with its holders, or a collective's asset (seller, village code)
    holders: list[int]
    collective: tuple[Party, str] | None
    lots: list[Lot] = field(default_factory=list)


# --- subjects -----------------------------------------------------------------------------------


def _free_rights(session: Session, right_type: str | None, *, mortgaged: bool) -> list[Right]:
    """Current rights on units with nothing in the way: not on the exchange, no application lodged, no seizure,
    objection or mortgage forbidding a transfer; mortgaged (for collateral) or free of any restriction."""
    listed = select(Lot.right_id).where(Lot.right_id.is_not(None))
    lodged = select(Application.unit_id).where(Application.status == "lodged", Application.unit_id.is_not(None))
    current = (Restriction.status == RecordStatus.current)
    # a seizure, an objection or a mortgage whose contract forbids a transfer (the registry would refuse the
    # hand-over without the mortgagee's consent)
    blocked = select(Restriction.unit_id).where(current, (Restriction.kind != "mortgage")
                                                | Restriction.no_transfer_agreement.is_(True))
    mortgages = select(Restriction.right_id).where(current, Restriction.kind == "mortgage")
    stmt = select(Right).where(Right.status == RecordStatus.current, Right.unit_id.is_not(None),
                               Right.id.not_in(listed), Right.unit_id.not_in(lodged), Right.unit_id.not_in(blocked))
    if right_type is not None:
        stmt = stmt.where(Right.right_type == right_type)
    if mortgaged:
        stmt = stmt.where(Right.id.in_(mortgages))
    else:
        stmt = stmt.where(Right.unit_id.not_in(select(Restriction.unit_id).where(current)))
    return list(session.scalars(stmt.order_by(Right.id)))


def _holders(session: Session, right_id: int) -> list[int]:
    return list(session.scalars(select(RightHolder.party_id).where(RightHolder.right_id == right_id)
                                .order_by(RightHolder.party_id)))


def _collectives(session: Session) -> list[tuple[Party, str]]:
    """The collectives (holders of a village's collective land ownership) with their village code."""
    rows = session.execute(select(Party, Right.region_code).join(RightHolder, RightHolder.party_id == Party.id)
                           .join(Right, Right.id == RightHolder.right_id)
                           .where(Right.right_type == "collective_land_ownership",
                                  Right.status == RecordStatus.current).order_by(Party.id)).all()
    seen: dict[int, tuple[Party, str]] = {}
    for party, region in rows:
        seen.setdefault(party.id, (party, str(region)))
    return list(seen.values())


def _bidder_pool(session: Session) -> list[Party]:
    """People and companies who may bid: demo persons and organisations that are not banks, courts or collectives
    (``Year.bidders_for`` leaves out the barred)."""
    collectives = {p.id for p, _ in _collectives(session)}
    people = list(session.scalars(select(Party).where(Party.kind == "person").order_by(Party.id).limit(1500)))
    orgs = [p for p in session.scalars(select(Party).where(Party.kind == "organisation").order_by(Party.id))
            if p.id not in collectives and not any(w in p.name for w in ("银行", "法院"))]
    return people + orgs


# --- the panel of a tender ------------------------------------------------------------------------


def _panel(session: Session, size: int) -> list[int]:
    """The demo's evaluation panel (评标专家库): ``size`` supervisor accounts, made once."""
    org = session.scalar(select(Organisation).where(Organisation.name == EVALUATORS))
    if org is None:
        org = create_organisation(session, name=EVALUATORS, kind=OrgKind.exchange, region_code=get_profile().city_code)
    ids = list(session.scalars(select(User.id).where(User.organisation_id == org.id).order_by(User.id)))
    for n in range(len(ids), size):
        ids.append(create_user(session, username=f"evaluator{n + 1}", password=DEMO_PASSWORD,
                               display_name=f"评标专家{n + 1}", role=Role.supervisor, organisation_id=org.id,
                               is_demo=True).id)
    return ids[:size]


# --- the year -------------------------------------------------------------------------------------


class Year:
    """The replay: the cases, the shared clock and what was made."""

    def __init__(self, session: Session, *, today: date, seed: int, actor: str, clock: Clock) -> None:
        self.session = session
        self.today = today
        self.rng = random.Random(f"{seed}:exchange-year")
        self.actor = actor
        self.clock = clock
        self.end = datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)
        self.report = YearReport()
        self.pool = _bidder_pool(session)
        self.panel: list[int] = []

    # --- helpers ----------------------------------------------------------------------------------

    def later(self, days: float, *, hour: int | None = None) -> datetime:
        """An instant ``days`` after now, at ``hour`` (local) when given, never before now."""
        at = self.clock.now() + timedelta(days=days)
        if hour is not None:
            local = to_local(at)
            at = datetime.combine(local.date(), time(hour, self.rng.randrange(0, 60, 5)), tzinfo=SHANGHAI)
        return max(ensure_utc(at), self.clock.now() + timedelta(seconds=1))

    def bidders_for(self, lot: Lot, count: int, exclude: set[int]) -> list[Party]:
        barred = exclude | set(lot.excluded_party_ids or []) | ({lot.seller_party_id} if lot.seller_party_id else set())
        taken = set(self.session.scalars(select(Bidder.party_id).where(Bidder.lot_id == lot.id)))
        day = to_local(self.clock.now()).date()
        chosen: list[Party] = []
        for party in self.rng.sample(self.pool, min(len(self.pool), count + 12)):
            if len(chosen) < count and party.id not in barred | taken \
                    and not exchange.party_is_barred(self.session, party.id, day):
                chosen.append(party)
        return chosen

    def starts_for(self, kind: str) -> datetime:
        days = exchange.rules_for(kind, to_local(self.clock.now()).date()).announcement_days + self.rng.randint(1, 4)
        return datetime.combine(to_local(self.clock.now()).date() + timedelta(days=days), time(9, 30), tzinfo=SHANGHAI)

    def pay(self, lot: Lot) -> None:
        due = exchange.get_settlement(self.session, lot.id)
        payer = self.session.get(Party, due.party_id)
        assert payer is not None
        credit: dict[str, Any] = {"sub_account": due.sub_account, "amount": due.balance_cny - (due.paid_cny or 0),
                                  "payer_name": payer.name, "bank_ref": f"DEMO-{due.sub_account}"}
        exchange.pay_balance(self.session, **credit, actor="bank:demo")
        reconcile.record_bank_credit(self.session, **credit, outcome=reconcile.MATCHED, actor="bank:demo")

    # --- lots -------------------------------------------------------------------------------------

    def create(self, case: Case) -> Lot:
        """The case's first lot, published now."""
        starts = self.starts_for(case.kind)
        if case.kind == "collective_asset":
            assert case.collective is not None
            party, region = case.collective
            price = Decimal(self.rng.randint(*ASSET_PRICES) * 1000)
            begin = (starts.date() + timedelta(days=45)).replace(day=1)
            lot = exchange.create_lot(self.session, actor=self.actor, kind="collective_asset",
                                      title=f"{self.rng.choice(ASSETS)}（{party.name}）", region_code=str(region),
                                      starts_at=starts, start_price=price, appraised_value=price,
                                      seller_party_id=party.id, term_start=begin,
                                      term_end=date(begin.year + self.rng.choice((3, 5, 10)), begin.month, 1),
                                      description="演示标的：村集体资产出租（由演示世界的集体经济组织生成）",
                                      method=case.method)
            exchange.publish_lot(self.session, lot_id=lot.id, actor=self.actor)
        else:
            assert case.right is not None
            lot = _create(self.session, case.kind, (case.right, case.holders), self.rng, starts, self.actor,
                          method=case.method)
        if lot.method == "tender":
            exchange.designate_evaluators(self.session, lot_id=lot.id, user_ids=self.panel, actor=self.actor)
        return lot

    def relist(self, case: Case, lot: Lot) -> Lot:
        new = exchange.relist_lot(self.session, lot_id=lot.id, actor=self.actor, starts_at=self.starts_for(lot.kind))
        exchange.publish_lot(self.session, lot_id=new.id, actor=self.actor)
        if new.method == "tender":
            exchange.designate_evaluators(self.session, lot_id=new.id, user_ids=self.panel, actor=self.actor)
        self.report.relisted += 1
        return new

    def run_lot(self, case: Case, lot: Lot, *, bidders: int, default: bool, objection: bool = False,
                ) -> Iterator[datetime]:
        """One lot from its publication to its hand-over (or failure): applications, bidding, decision, award,
        the balance paid, the hand-over; ``default``: the first winner defaults before the confirmation."""
        s, rng = self.session, self.rng
        yield self.later(rng.uniform(0.1, 2.5), hour=rng.randint(9, 16))  # applications and deposits
        parties = self.bidders_for(lot, bidders, set(case.holders))
        enrolled = [_enrol(s, lot, p, f"party:{p.id}") for p in parties]
        yield max(ensure_utc(lot.starts_at), self.clock.now()) + timedelta(hours=rng.randint(1, 5))
        s.refresh(lot)
        if lot.method in ("listing", "auction"):
            order = rng.sample(enrolled, len(enrolled))
            for step, bidder in enumerate(order):
                if lot.phase in ("listing", "live_auction"):
                    _raise(s, lot, bidder, step % 3, f"party:{bidder.party_id}")
            assert lot.ends_at is not None
            yield ensure_utc(lot.ends_at) + timedelta(seconds=30)
            s.refresh(lot)
            if lot.phase == "countdown" and len(order) > 1:
                rival = next(b for b in order if b.id != lot.leader_bidder_id)
                _raise(s, lot, rival, 0, f"party:{rival.party_id}")
            if lot.phase in ("countdown", "live_auction"):
                assert lot.countdown_end is not None
                yield ensure_utc(lot.countdown_end) + timedelta(seconds=1)
        elif lot.method == "tender":
            for bidder in enrolled:
                price = lot.start_price_cny * (1 + Decimal(rng.randint(0, 25)) / 100)
                exchange.submit_tender(s, lot_id=lot.id, bidder_id=bidder.id, price=price.quantize(Decimal("100")),
                                       plan_summary=rng.choice(PLANS),
                                       documents=["营业执照.pdf", "经营方案.pdf"], actor=f"party:{bidder.party_id}")
            assert lot.ends_at is not None
            opening = tender_rules.opening_at(exchange.LotRules.from_snapshot(lot.rules), lot.ends_at)
            yield opening + timedelta(minutes=5)
            s.refresh(lot)
            if lot.phase == "evaluation":
                for tender, _code in exchange.list_tenders(s, lot.id):
                    for user_id in self.panel:
                        exchange.score_tender(s, lot_id=lot.id, tender_id=tender.id, user_id=user_id,
                                              plan_score=Decimal(rng.randint(60, 95)),
                                              credentials_score=Decimal(rng.randint(60, 95)),
                                              actor=f"user:{user_id}")
        else:  # negotiated: publicity, perhaps an objection, then the agreement
            if objection:  # a villager objects during publicity (公示)
                objector = rng.choice(self.pool)
                row = exchange.lodge_objection(s, lot_id=lot.id, text="转让事项未经村民代表会议表决",
                                               actor=f"party:{objector.id}")
                yield self.later(1, hour=10)
                exchange.rule_objection(s, lot_id=lot.id, objection_id=row.id, upheld=default,
                                        ruling="经核查异议属实，本次转让终止" if default
                                        else "经核查，村民代表会议已于公示前表决同意，异议不成立", actor=self.actor)
            assert lot.ends_at is not None
            yield ensure_utc(lot.ends_at) + timedelta(hours=18)
            s.refresh(lot)
            if lot.phase == "negotiation" and enrolled:
                price = lot.start_price_cny * (1 + Decimal(rng.randint(0, 10)) / 100)
                exchange.record_agreement(s, lot_id=lot.id, party_id=enrolled[0].party_id,
                                          price=price.quantize(Decimal("100")), actor=self.actor)
        s.refresh(lot)
        if lot.phase != "award_pending":
            return
        yield self.later(rng.uniform(0.5, 2), hour=10)
        if default:
            exchange.record_default(s, lot_id=lot.id, actor=self.actor, reason=DEFAULT_REASON)
            self.report.defaults += 1
            s.refresh(lot)
            if lot.phase != "award_pending":  # no runner-up to promote: the lot failed
                return
            yield self.later(rng.uniform(1, 3), hour=10)
        exchange.confirm_award(s, lot_id=lot.id, actor=self.actor)
        yield self.later(rng.uniform(2, 12), hour=rng.randint(9, 16))  # the winner pays the balance (价款结算)
        self.pay(lot)
        yield self.later(rng.uniform(1, 6), hour=10)
        exchange.hand_over(s, lot_id=lot.id, actor=self.actor)

    def run_case(self, case: Case) -> Iterator[datetime]:
        """A case's lots: the first, and a re-listing where it failed."""
        yield case.start
        lot = self.create(case)
        case.lots.append(lot)
        negotiated = lot.method == "negotiated"
        first_fails = case.story in ("relisted", "relisted_failed")
        many = exchange.LotRules.from_snapshot(lot.rules).tender_min_tenders if lot.method == "tender" \
            else 1 if negotiated else 2
        bidders = 0 if first_fails and not negotiated else self.rng.randint(many, many + 1)
        default = case.story == "default" or (negotiated and first_fails)  # a negotiated lot fails by objection
        yield from self.run_lot(case, lot, bidders=bidders, default=default,
                                objection=negotiated and (first_fails or self.rng.random() < 0.3))
        self.session.refresh(lot)
        if lot.phase != "unsuccessful" or case.story == "sold":
            return
        if lot.attempt >= exchange.LotRules.from_snapshot(lot.rules).relist_max_attempts:
            return
        yield self.later(self.rng.uniform(2, 8), hour=10)
        new = self.relist(case, lot)
        case.lots.append(new)
        again = 0 if case.story == "relisted_failed" and not negotiated else self.rng.randint(many, many + 1)
        yield from self.run_lot(case, new, bidders=again, default=False,
                                objection=negotiated and case.story == "relisted_failed")

    # --- the replay ---------------------------------------------------------------------------------

    def replay(self, cases: list[Case]) -> None:
        """Run every case's steps in time order; steps after today are not taken. The exchange's worker
        (``run_due``: deadlines, refunds) runs nightly, and each step first fires its own lot's due deadlines, as
        any action on a lot does (the build is the lots' only writer)."""
        queue: list[tuple[datetime, int, Iterator[datetime]]] = []
        for n, case in enumerate(cases):
            script = self.run_case(case)
            queue.append((next(script), n, script))
        heapq.heapify(queue)
        worked = to_local(self.clock.now()).date()
        while queue:
            at, n, script = heapq.heappop(queue)
            if at > self.end:
                continue  # still open today
            day = to_local(at).date()
            if day > worked:  # the nightly worker
                self.clock.set(max(self.clock.now(), datetime.combine(day, NIGHTLY, tzinfo=SHANGHAI)))
                exchange.run_due(self.session)
                worked = day
            if at > self.clock.now():
                self.clock.set(at)
            try:
                with self.session.begin_nested():
                    if cases[n].lots:
                        exchange.advance_lot(self.session, cases[n].lots[-1])
                    following = next(script, None)
            except DomainError as refused:
                self.report.dropped[refused.code] += 1  # refused part-way: the case stops where it was
                continue
            if following is None:
                continue
            heapq.heappush(queue, (max(ensure_utc(following), self.clock.now()), n, script))
        self.clock.set(max(self.end, self.clock.now()))
        exchange.run_due(self.session)


def _cases(session: Session, year: Year, lots: int) -> list[Case]:
    """The year's cases: first one of each kind and method (and of each story), then drawn by weight; each over
    its own subject (a right, or a collective's asset), started on a day of the year."""
    rng = year.rng
    rights = {"land_management_right": _free_rights(session, "land_contract_right", mortgaged=False),
              "forest_right": _free_rights(session, "forest_right", mortgaged=False),
              "collateral": _free_rights(session, None, mortgaged=True)}
    for pile in rights.values():
        rng.shuffle(pile)
    collectives = _collectives(session)
    available = {k: len(v) for k, v in rights.items()} | {"collective_asset": len(collectives) * 1000}
    methods = {k: exchange.rules_for(k, year.today).allowed_methods() for k in KINDS}
    deck: list[tuple[str, str, str]] = [(k, m, "sold") for k in KINDS for m in methods[k]]
    deck += [("land_management_right", "listing", "default"), ("collateral", "auction", "default"),
             ("forest_right", "listing", "relisted"), ("collective_asset", "negotiated", "relisted"),
             ("land_management_right", "tender", "default"), ("collateral", "auction", "relisted"),
             ("collective_asset", "listing", "relisted_failed"), ("land_management_right", "listing", "open")]
    cases: list[Case] = []
    used = Counter[str]()
    draws = 0
    while len(cases) < lots and draws < lots * 20:
        draws += 1
        if deck:
            kind, method, story = deck.pop(0)
        else:
            kind = rng.choices(KINDS, weights=[KIND_WEIGHTS[k] for k in KINDS])[0]
            method = rng.choices(methods[kind], weights=[METHOD_WEIGHTS[m] for m in methods[kind]])[0]
            story = rng.choices(list(STORIES), weights=list(STORIES.values()))[0]
        if used[kind] >= available[kind]:
            continue
        if story == "open":
            back = rng.randint(3, 12)
        elif story == "sold":
            back = rng.randint(5, 358)
        else:
            back = rng.randint(120, 358)
        start = datetime.combine(year.today - timedelta(days=back), time(rng.randint(9, 11), rng.randrange(0, 60, 5)),
                                 tzinfo=SHANGHAI)
        story = "sold" if story == "open" else story
        if kind == "collective_asset":
            cases.append(Case(kind, method, story, start, None, [], rng.choice(collectives)))
        else:
            right = rights[kind][used[kind]]
            cases.append(Case(kind, method, story, start, right, _holders(session, right.id), None))
        used[kind] += 1
    return cases


def seed_exchange_year(session: Session, *, today: date, seed: int, actor: str, lots: int) -> YearReport:
    """Replay a year of exchange business over about ``lots`` cases (a re-listing adds a lot to its case) in the
    365 days before ``today`` (issue #15 item 6); returns what was made."""
    first = datetime.combine(today - timedelta(days=366), time(9, 0), tzinfo=SHANGHAI)
    if lots <= 0:
        return YearReport()
    with _frozen_at(first) as clock:
        year = Year(session, today=today, seed=seed, actor=actor, clock=clock)
        cases = _cases(session, year, lots)
        if not cases or len(year.pool) < 8:
            return year.report
        if any(c.method == "tender" for c in cases):
            year.panel = _panel(session, exchange.rules_for("land_management_right", today).tender_panel_size)
        year.replay(cases)
        year.report.sales = feed_exchange_sales(session)  # the handed-over prices reach the sales record
    report = year.report
    report.cases = len(cases)
    for case in cases:
        for lot in case.lots:
            session.refresh(lot)
            report.lots += 1
            report.by_kind[lot.kind] += 1
            report.by_method[lot.method] += 1
            report.by_outcome[str(lot.phase)] += 1
    session.flush()
    return report

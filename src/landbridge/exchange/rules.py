"""Pure exchange rules: rule sets per lot kind, the lot state machine, bid validation, deposits, deadlines
and the decision (F3, F4; trading.md c.2). No database, no web framework.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Any

from landbridge.exchange.errors import ExchangeError
from landbridge.kernel.clock import SHANGHAI, ensure_utc, to_local
from landbridge.kernel.money import round_fen
from landbridge.kernel.workdays import add_workdays


class LotKind(StrEnum):
    """Kinds of lot (标的): each has its own rule set."""

    land_management_right = "land_management_right"
    forest_right = "forest_right"
    collective_asset = "collective_asset"
    collective_construction_land = "collective_construction_land"
    construction_quota = "construction_quota"
    collateral = "collateral"


class Method(StrEnum):
    """挂牌 + 限时竞价 (listing), online English auction (auction, judicial style), sealed tender with
    evaluation (招标, tender) or negotiated transfer after publicity (协议转让, negotiated)."""

    listing = "listing"
    auction = "auction"
    tender = "tender"
    negotiated = "negotiated"


class LotPhase(StrEnum):
    """Procedure states of trading.md c.2.1 (DECIDING is instantaneous and not stored)."""

    draft = "draft"
    announced = "announced"
    listing = "listing"
    listing_frozen = "listing_frozen"
    countdown = "countdown"
    registration_closed = "registration_closed"
    live_auction = "live_auction"
    tendering = "tendering"
    evaluation = "evaluation"
    publicity = "publicity"
    negotiation = "negotiation"
    award_pending = "award_pending"
    confirmed = "confirmed"
    settled = "settled"
    handed_over = "handed_over"
    unsuccessful = "unsuccessful"
    cancelled = "cancelled"


class DepositStatus(StrEnum):
    """Deposit sub-machine per bidder and lot (trading.md c.2.3)."""

    pending = "pending"
    confirmed = "confirmed"
    refund_due = "refund_due"
    refunded = "refunded"
    converted = "converted"
    forfeited = "forfeited"


class BidStatus(StrEnum):
    accepted = "accepted"
    rejected = "rejected"
    standby = "standby"  # a fixed-price sale's later offer at the same price: behind the first, a runner-up


class Channel(StrEnum):
    """Online (the bidder) or offline (a clerk at the service desk, with evidence)."""

    online = "online"
    offline = "offline"


class Handover(StrEnum):
    """What the registry records after the award: a transfer, a new right, or nothing."""

    transfer = "transfer"
    new_right = "new_right"
    none = "none"


class Publication(StrEnum):
    """How the published result (成交公示) names the transferee (受让方): by name, by a masked name, or by the
    bidder code alone (rule data: ``publish_transferee_organisation`` / ``publish_transferee_person``)."""

    name = "name"
    masked_name = "masked_name"
    code = "code"


SURNAME_MASK = "**"  # a fixed mask: the published name does not even show the given name's length


def published_transferee_name(name: str, *, organisation: bool, organisation_rule: str, person_rule: str,
                              ) -> str | None:
    """The transferee's name as the result publication (成交公示) shows it, or None when the rule publishes the
    bidder code alone (F4; the rule's source is in exchange.toml). A person's masked name keeps the surname
    (its first character) only: 张三丰 -> 张**."""
    rule = Publication(organisation_rule if organisation else person_rule)
    text = name.strip()
    if rule is Publication.code or not text:
        return None
    if rule is Publication.name:
        return text
    return text[0] + SURNAME_MASK


# Named transitions: name -> (phases it may start from, phase it leads to). Each service transition checks
# its own current phase against this table (rule of thumb 5).
TRANSITIONS: dict[str, tuple[frozenset[LotPhase], LotPhase]] = {
    "publish": (frozenset({LotPhase.draft}), LotPhase.announced),
    "open_listing": (frozenset({LotPhase.announced}), LotPhase.listing),
    "freeze_listing": (frozenset({LotPhase.listing}), LotPhase.listing_frozen),
    "start_countdown": (frozenset({LotPhase.listing, LotPhase.listing_frozen}), LotPhase.countdown),
    "close_registration": (frozenset({LotPhase.announced}), LotPhase.registration_closed),
    "open_auction": (frozenset({LotPhase.registration_closed}), LotPhase.live_auction),
    "award": (frozenset({LotPhase.listing, LotPhase.listing_frozen, LotPhase.countdown, LotPhase.live_auction,
                         LotPhase.award_pending, LotPhase.evaluation, LotPhase.confirmed}), LotPhase.award_pending),
    "fail": (frozenset({LotPhase.listing, LotPhase.listing_frozen, LotPhase.countdown, LotPhase.live_auction,
                        LotPhase.award_pending, LotPhase.registration_closed, LotPhase.tendering,
                        LotPhase.evaluation, LotPhase.confirmed}), LotPhase.unsuccessful),
    "confirm_award": (frozenset({LotPhase.award_pending}), LotPhase.confirmed),
    # a default before the confirmation, or after it when the balance is not paid in time (价款结算)
    "record_default": (frozenset({LotPhase.award_pending, LotPhase.confirmed}), LotPhase.award_pending),
    "settle": (frozenset({LotPhase.confirmed}), LotPhase.settled),
    # a lot contributed as equity (作价入股) is paid in kind: no balance, the deposit refunded (issue #15)
    "settle_in_kind": (frozenset({LotPhase.confirmed}), LotPhase.settled),
    "hand_over": (frozenset({LotPhase.settled}), LotPhase.handed_over),
    "cancel": (frozenset({LotPhase.draft, LotPhase.announced}), LotPhase.cancelled),
    # sealed tender (招标): the window opens, then the tenders are opened for evaluation
    "open_tendering": (frozenset({LotPhase.announced}), LotPhase.tendering),
    "open_tenders": (frozenset({LotPhase.tendering}), LotPhase.evaluation),
    # negotiated transfer (协议转让): publicity (公示), then the agreement with the counterparty
    "open_publicity": (frozenset({LotPhase.announced}), LotPhase.publicity),
    "end_publicity": (frozenset({LotPhase.publicity}), LotPhase.negotiation),
    "record_agreement": (frozenset({LotPhase.negotiation}), LotPhase.award_pending),
    "uphold_objection": (frozenset({LotPhase.announced, LotPhase.publicity, LotPhase.negotiation}),
                         LotPhase.unsuccessful),
}
BIDDING_PHASES = frozenset({LotPhase.listing, LotPhase.countdown, LotPhase.live_auction})
# The designated officer may seal the reserve price only before bidding opens.
RESERVE_WINDOW = frozenset({LotPhase.draft, LotPhase.announced, LotPhase.registration_closed})


def check_transition(name: str, phase: str) -> LotPhase:
    """The phase ``name`` leads to from ``phase``, or 409 exchange.invalid_transition."""
    sources, target = TRANSITIONS[name]
    if phase not in sources:
        raise ExchangeError.INVALID_TRANSITION.error({"name": name}, phase=phase, transition=name)
    return target


@dataclass(frozen=True)
class LotRules:
    """The resolved rule set of one lot kind in one version; snapshotted on the lot at creation."""

    kind: str
    version: str
    method: str
    announcement_days: int
    listing_working_days: int
    listing_end_local_time: str
    application_deadline_days: int
    deposit_basis: str
    deposit_percent: Decimal
    deposit_fixed_cny: Decimal
    increment_ratio: Decimal
    increment_min_cny: Decimal
    countdown_seconds: int
    countdown_min_bidders: int
    freeze_minutes: int
    sole_bidder_policy: str
    min_bidders: int
    price_cap_ratio: Decimal
    bar_court_defaulters: bool
    exclude_related_parties: bool
    member_priority: bool
    relist_price_ratio: Decimal
    relist_max_attempts: int
    refund_working_days: int
    result_publication_working_days: int
    promote_next: bool
    start_price_min_appraisal_ratio: Decimal
    auction_hours: int
    extension_window_seconds: int
    extension_seconds: int
    application_close_days_before_start: int
    handover: str
    # Tender and negotiated parameters (issue #6 item 2). The defaults only fill snapshots taken before these
    # rules existed; such lots are listing or auction lots that never read them.
    tender_allowed: bool = False
    negotiated_allowed: bool = False
    tender_working_days: int = 0
    tender_opening_minutes: int = 0
    tender_min_tenders: int = 0
    tender_panel_size: int = 0
    tender_score_max: int = 0
    tender_weight_price: Decimal = Decimal(0)
    tender_weight_plan: Decimal = Decimal(0)
    tender_weight_credentials: Decimal = Decimal(0)
    publicity_working_days: int = 0

    @classmethod
    def resolve(cls, kind: str, version: date, values: dict[str, Any]) -> LotRules:
        """Parameters of ``kind``: its own rule where it has one, else the default (rule set as data)."""
        kinds = values.get("default.kinds", [])
        if kind not in kinds:
            raise ExchangeError.INVALID_KIND.error({"kind": kind}, kinds=list(kinds))

        def get(name: str) -> Any:
            if f"{kind}.{name}" in values:
                return values[f"{kind}.{name}"]
            return values[f"default.{name}"]

        fields: dict[str, Any] = {"kind": kind, "version": version.isoformat()}
        for name, ftype in cls.__annotations__.items():
            if name in fields:
                continue
            raw = get(name)
            fields[name] = (Decimal(str(raw)) if ftype == "Decimal" else int(raw) if ftype == "int"
                            else bool(raw) if ftype == "bool" else str(raw))
        out = cls(**fields)
        out.check()
        return out

    def check(self) -> None:
        """A rule set that cannot work is a configuration error, found at load time."""
        assert self.method in set(Method), self.method
        assert self.deposit_basis in ("percent", "fixed"), self.deposit_basis
        assert self.sole_bidder_policy in ("award", "unsuccessful"), self.sole_bidder_policy
        assert self.handover in set(Handover), self.handover
        assert self.countdown_seconds > 0 and self.listing_working_days > 0 and self.min_bidders >= 1
        weights = (self.tender_weight_price, self.tender_weight_plan, self.tender_weight_credentials)
        assert all(w >= 0 for w in weights) and sum(weights) == 1, weights
        assert self.tender_working_days > 0 and self.tender_opening_minutes >= 0 and self.tender_min_tenders >= 1
        assert self.tender_panel_size >= 1 and self.tender_score_max > 0 and self.publicity_working_days > 0

    def snapshot(self) -> dict[str, Any]:
        """JSON-able parameters, stored on the lot so later rule changes never alter a running lot."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> LotRules:
        fields: dict[str, Any] = {name: (Decimal(data[name]) if ftype == "Decimal" else data[name])
                  for name, ftype in cls.__annotations__.items() if name in data}
        return cls(**fields)

    def allowed_methods(self) -> tuple[str, ...]:
        """The methods a lot of this kind may use: the rule set's own, plus tender / negotiated where allowed."""
        options = ((Method.tender, self.tender_allowed), (Method.negotiated, self.negotiated_allowed))
        extra = [m.value for m, ok in options if ok and m != self.method]
        return (self.method, *extra)

    def with_method(self, method: str) -> LotRules:
        """This rule set for a lot that uses ``method``, or 422 exchange.method_not_allowed."""
        if method not in self.allowed_methods():
            raise ExchangeError.METHOD_NOT_ALLOWED.error({"self": self, "method": method},
                                                         allowed=list(self.allowed_methods()))
        return replace(self, method=method)


# --- money --------------------------------------------------------------------------------------

def deposit_amount(rules: LotRules, start_price: Decimal) -> Decimal:
    """The deposit a bidder pays for a lot: a fixed sum or a share of the start price (rules.md)."""
    if rules.deposit_basis == "fixed":
        return rules.deposit_fixed_cny
    return round_fen(start_price * rules.deposit_percent)


def default_increment(rules: LotRules, start_price: Decimal) -> Decimal:
    """The increment when the operator sets none: a share of the start price, whole yuan, at least the minimum."""
    step = (start_price * rules.increment_ratio).to_integral_value(rounding=ROUND_CEILING)
    return max(step.quantize(Decimal("0.01")), rules.increment_min_cny)


def price_cap(rules: LotRules, start_price: Decimal) -> Decimal | None:
    """The highest admissible bid (限价), or None."""
    return None if rules.price_cap_ratio <= 0 else round_fen(start_price * rules.price_cap_ratio)


def relist_price(rules: LotRules, start_price: Decimal) -> Decimal:
    """The next attempt's start price (re-listing price policy)."""
    return round_fen(start_price * rules.relist_price_ratio)


BID_BELOW_INCREMENT = "exchange.bid_below_increment"
BID_NOT_MULTIPLE = "exchange.bid_not_multiple_of_increment"
BID_ABOVE_CAP = "exchange.bid_above_cap"
BID_NOT_POSITIVE = "exchange.invalid_amount"
OFFER_ALREADY_MADE = "exchange.offer_already_made"  # a fixed-price sale takes one offer per bidder


def bid_rejection(amount: Decimal, *, start_price: Decimal, increment: Decimal, current: Decimal | None,
                  cap: Decimal | None = None) -> str | None:
    """Why a bid is refused, or None: first ≥ start + k·increment (k ≥ 0); later = current + k·increment (k ≥ 1)."""
    if amount <= 0:
        return BID_NOT_POSITIVE
    base, minimum = (start_price, start_price) if current is None else (current, current + increment)
    if amount < minimum:
        return BID_BELOW_INCREMENT
    if (amount - base) % increment != 0:
        return BID_NOT_MULTIPLE
    if cap is not None and amount > cap:
        return BID_ABOVE_CAP
    return None


def minimum_next_bid(*, start_price: Decimal, increment: Decimal, current: Decimal | None) -> Decimal:
    """The lowest acceptable next bid."""
    return start_price if current is None else current + increment


# --- time ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """The deadlines of one lot, fixed at publication."""

    starts_at: datetime
    ends_at: datetime
    application_deadline: datetime
    freeze_at: datetime | None


def schedule(rules: LotRules, starts_at: datetime) -> Schedule:
    """Listing end after N working days at the closing hour; applications close before (39号令 art. 11, 18)."""
    starts_at = ensure_utc(starts_at)
    if rules.method == Method.auction:
        ends_at = starts_at + timedelta(hours=rules.auction_hours)
        deadline = starts_at - timedelta(days=rules.application_close_days_before_start)
        return Schedule(starts_at, ends_at, deadline, None)
    if rules.method == Method.negotiated:  # publicity (公示): counterparties register until it ends
        ends_at = _closing(rules, starts_at, rules.publicity_working_days)
        return Schedule(starts_at, ends_at, ends_at, None)
    if rules.method == Method.tender:  # the tender window; opening follows (tender_rules.opening_at)
        ends_at = _closing(rules, starts_at, rules.tender_working_days)
        return Schedule(starts_at, ends_at, ends_at - timedelta(days=rules.application_deadline_days), None)
    ends_at = _closing(rules, starts_at, rules.listing_working_days)
    deadline = ends_at - timedelta(days=rules.application_deadline_days)
    freeze = ends_at - timedelta(minutes=rules.freeze_minutes) if rules.freeze_minutes > 0 else None
    return Schedule(starts_at, ends_at, deadline, freeze)


def _closing(rules: LotRules, starts_at: datetime, working_days: int) -> datetime:
    """The closing hour of the last of ``working_days`` working days from the start."""
    last_day = add_workdays(to_local(starts_at).date(), working_days)
    hour, minute = (int(p) for p in rules.listing_end_local_time.split(":"))
    return datetime.combine(last_day, time(hour, minute), tzinfo=SHANGHAI).astimezone(starts_at.tzinfo)


def earliest_start(rules: LotRules, announced_at: datetime) -> datetime:
    """The announcement must precede the start by the rule set's days (39号令 art. 8; 拍卖法 art. 45)."""
    return ensure_utc(announced_at) + timedelta(days=rules.announcement_days)


def refund_due_on(rules: LotRules, decided_on: date) -> date:
    """Losers' deposits are refunded within N working days (39号令 art. 21)."""
    return add_workdays(decided_on, rules.refund_working_days)


def end_after_bid(rules: LotRules, phase: str, current_end: datetime | None, at: datetime) -> datetime | None:
    """The running end after an accepted bid: a countdown restarts; an auction extends if the bid came late."""
    if phase == LotPhase.countdown:
        return at + timedelta(seconds=rules.countdown_seconds)
    if phase == LotPhase.live_auction and current_end is not None:
        current_end = ensure_utc(current_end)
        if current_end - at <= timedelta(seconds=rules.extension_window_seconds):
            return max(current_end, at + timedelta(seconds=rules.extension_seconds))
    return current_end


# --- decision -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """The outcome at close: the winning bidder or the reason the lot is unsuccessful."""

    winner_bidder_id: int | None
    price: Decimal | None
    reason: str


def decide(rules: LotRules, *, qualified_bidders: int, top: tuple[int, Decimal] | None,
           distinct_bidders: int, reserve: Decimal | None = None) -> Decision:
    """Award to the highest accepted bid unless too few bidders, a best bid below the sealed reserve, or the
    sole-bidder policy forbids it (art. 19; rules.md: top < reserve → unsuccessful)."""
    if top is None:
        return Decision(None, None, "no_bids")
    if qualified_bidders < rules.min_bidders:
        return Decision(None, None, "too_few_bidders")
    if reserve is not None and top[1] < reserve:
        return Decision(None, None, "below_reserve")
    if distinct_bidders == 1 and qualified_bidders == 1 and rules.sole_bidder_policy == "unsuccessful":
        return Decision(None, None, "sole_bidder")
    return Decision(top[0], top[1], "highest_bid")

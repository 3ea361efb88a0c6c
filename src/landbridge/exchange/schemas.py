"""Exchange API schemas: typed request and response bodies (amounts are strings of yuan)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from landbridge.exchange.rules import LotKind, Method


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LotCreate(BaseModel):
    kind: LotKind
    title: str = Field(min_length=1, max_length=200)
    region_code: str = Field(pattern=r"^\d{12}$")
    starts_at: datetime
    start_price_cny: str = Field(max_length=20)
    increment_cny: str | None = Field(default=None, max_length=20)
    unit_id: int | None = None
    right_id: int | None = None
    seller_party_id: int | None = None
    term_start: date | None = None
    term_end: date | None = None
    appraised_value_cny: str | None = Field(default=None, max_length=20)
    excluded_party_ids: list[int] = Field(default_factory=list, max_length=100)
    description: str | None = Field(default=None, max_length=4000)
    method: Method | None = None  # the kind's own method unless its rule set allows tender / negotiated


class LotRead(Orm):
    id: int
    number: str
    kind: str
    method: str
    title: str
    description: str | None
    region_code: str
    unit_id: int | None
    right_id: int | None
    term_start: date | None
    term_end: date | None
    rule_version: str
    attempt: int
    phase: str
    start_price_cny: Decimal
    increment_cny: Decimal
    deposit_cny: Decimal
    price_cap_cny: Decimal | None
    current_price_cny: Decimal | None
    next_min_bid_cny: Decimal | None = None
    leader_code: str | None = None
    accepted_bids: int
    starts_at: datetime
    ends_at: datetime | None
    application_deadline: datetime | None
    freeze_at: datetime | None
    countdown_end: datetime | None
    announced_at: datetime | None
    decided_at: datetime | None
    server_time: datetime | None = None
    version: int


class LotPage(BaseModel):
    items: list[LotRead]
    total: int
    limit: int
    offset: int


class ApplicationIn(BaseModel):
    party_id: int | None = None  # the operator registers a walk-in bidder (offline); bidders apply for themselves


class BidderRead(BaseModel):
    """A bidder registration. The identity (party id, name, kind, account) and the deposit sub-account only go to
    the bidder itself, the lot's exchange operator and supervisors (issue #12 item 3)."""

    id: int
    lot_id: int
    bidder_code: str
    channel: str
    party_id: int | None = None
    party_name: str | None = None
    party_kind: str | None = None
    user_id: int | None = None
    sub_account: str | None = None
    deposit_cny: Decimal | None = None
    deposit_status: str | None = None


class BidIn(BaseModel):
    amount_cny: str = Field(max_length=20)
    idempotency_key: str = Field(min_length=1, max_length=64)


class OfflineBidIn(BidIn):
    bidder_code: str = Field(min_length=1, max_length=12)
    evidence: str = Field(min_length=1, max_length=300)


class BidRead(BaseModel):
    id: int
    lot_id: int
    bidder_code: str
    amount_cny: Decimal
    status: str
    reject_code: str | None
    phase: str
    channel: str
    placed_at: datetime
    replay: bool = False
    current_price_cny: Decimal | None = None
    countdown_end: datetime | None = None
    server_time: datetime | None = None


class ResultRead(Orm):
    lot_id: int
    outcome: str
    reason: str
    winner_code: str | None = None
    winner_name: str | None = None  # the transferee as the published result (成交公示) names it, once confirmed
    price_cny: Decimal | None
    decided_at: datetime
    publish_by: date | None
    confirmation_no: str | None
    confirmed_at: datetime | None
    registry_application_id: int | None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class RelistIn(BaseModel):
    starts_at: datetime


class BarIn(BaseModel):
    party_id: int
    reason: str = Field(min_length=1, max_length=200)
    listed_until: date | None = None


class BankCallback(BaseModel):
    sub_account: str = Field(min_length=1, max_length=32)
    amount_cny: str = Field(max_length=20)
    payer_name: str = Field(min_length=1, max_length=200)
    bank_ref: str = Field(min_length=1, max_length=64)


class DepositRead(BaseModel):
    sub_account: str
    amount_cny: Decimal
    status: str
    confirmed_at: datetime | None


class InstalmentRead(BaseModel):
    """One instalment (分期付款) of a settlement: amount, due day, whether paid, and whether overdue now."""

    seq: int
    amount_cny: Decimal
    due_on: date
    status: str
    paid_at: datetime | None
    overdue: bool


class ProceedsShareRead(BaseModel):
    """One payee's part of a collateral lot's proceeds: a mortgagee (by rank, up to its secured amount) or the
    owner."""

    party_id: int
    amount_cny: Decimal
    basis: str
    rank: int | None
    restriction_id: int | None


class SettlementRead(BaseModel):
    """A lot's price settlement (价款结算): what the winner owes by when (``due_on``: the next unpaid instalment's
    due day; ``instalments``: the whole schedule), into which sub-account, what is paid so far, and the payout:
    price = service fee + adjustment fee (调节金, collective construction land only, with its rule's basis) + payout
    to the seller."""

    lot_id: int
    confirmation_no: str
    status: str
    price_cny: Decimal
    earnest_cny: Decimal
    balance_cny: Decimal
    sub_account: str
    due_on: date
    overdue: bool
    paid_cny: Decimal | None
    paid_at: datetime | None
    fee_rate: Decimal
    fee_cny: Decimal
    payout_cny: Decimal
    payout_at: datetime | None
    defaulted_at: datetime | None
    instalments: list[InstalmentRead] = []
    schedule_source: str | None = None
    adjustment_land_use: str | None = None
    adjustment_rate: Decimal | None = None
    adjustment_base_type: str | None = None
    adjustment_base_cny: Decimal | None = None
    adjustment_fee_cny: Decimal | None = None
    adjustment_source: str | None = None
    distribution: list[ProceedsShareRead] | None = None


class TimeRead(BaseModel):
    server_time: datetime
    server_time_ms: int


class OfficerIn(BaseModel):
    """Designate the reserve officer (an account id)."""

    model_config = ConfigDict(extra="forbid")

    officer_user_id: int = Field(gt=0)


class ReserveIn(BaseModel):
    """The sealed reserve price, entered once by the designated officer."""

    model_config = ConfigDict(extra="forbid")

    amount_cny: str = Field(max_length=20)


class ReserveRead(BaseModel):
    """The state of a lot's reserve; the amount only for an audited read."""

    lot_id: int
    officer_user_id: int
    sealed: bool
    sealed_at: datetime | None = None
    revealed_at: datetime | None = None
    amount_cny: Decimal | None = None


class FlagRead(BaseModel):
    """A supervision flag on a lot."""

    id: int
    lot_id: int
    lot_number: str
    lot_title: str
    kind: str
    key: str
    details: dict[str, Any]
    raised_at: datetime


class FlagPage(BaseModel):
    items: list[FlagRead]
    total: int
    limit: int
    offset: int

"""Collective economy tables (C1, C2, L3, L5, L8): organisations, members, seats, shares, meetings,
motions, participation and the ballot box, books of account, dividend runs, company conversion and land equity.

The collective module owns these tables. They reference registry parties (``registry_party``) and
auth organisations by foreign key only; there are no ORM relationships across modules.
Shares are ``Decimal`` with two places in code and integer hundredths of a share in the database
(``*_shares`` columns); money is integer fen (``*_cny`` columns via ``kernel.money``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from landbridge.db import Base
from landbridge.kernel.columns import Actor, BigLedgerSeq, CreatedAt, CreatedBy, IdPk, RegionCode, RowVersion, Status
from landbridge.kernel.money import MoneyColumn

SHARE_QUANTUM = Decimal("0.01")


class SharesColumn(TypeDecorator[Decimal]):
    """A ``*_shares`` column: Decimal shares (two places) in Python, BIGINT hundredths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        amount = Decimal(value)
        if amount != amount.quantize(SHARE_QUANTUM):
            raise ValueError(f"shares have at most two decimal places: {value!r}")
        return int(amount * 100)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(SHARE_QUANTUM)


def _active_only(status: str = "active") -> Any:
    return {"sqlite_where": text(f"status = '{status}'"), "postgresql_where": text(f"status = '{status}'")}


class CollectiveStatus(StrEnum):
    """农村集体经济组织 status: operating, or converted into a company (撤村改制, L8)."""

    active = "active"
    converted = "converted"


class Collective(IdPk, RegionCode, CreatedAt, RowVersion, Base):
    """农村集体经济组织: a registry organisation party (USCC "93…") with its village, clerk organisation and books."""

    __tablename__ = "collective_organisation"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("auth_organisation.id"), index=True)
    village_committee_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    status: Mapped[str] = mapped_column(String(16))
    company_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    total_shares: Mapped[Decimal] = mapped_column(SharesColumn())


class MemberStatus(StrEnum):
    """集体经济组织成员 status on the roll."""

    active = "active"
    lost = "lost"
    transferred = "transferred"


class AdmissionGround(StrEnum):
    """Grounds of admission to the roll (成员身份确认)."""

    original = "original"            # 原始成员 at the founding roll
    birth = "birth"
    marriage = "marriage"
    adoption = "adoption"
    transfer_in = "transfer_in"      # from another collective
    resettlement = "resettlement"    # 政策性移民
    other = "other"                  # by decision of the members' assembly


class LossGround(StrEnum):
    """Grounds of loss of membership (成员身份丧失)."""

    death = "death"
    settled_elsewhere = "settled_elsewhere"
    public_employment = "public_employment"
    renounced = "renounced"
    transferred = "transferred"
    other = "other"


class Member(IdPk, RegionCode, Status, CreatedAt, RowVersion, Base):
    """集体经济组织成员: a person party on one collective's roll, with grounds and evidence (C1, C2)."""

    __tablename__ = "collective_member"
    __table_args__ = (
        # One person belongs to one collective's roll at a time: the database refuses a second active row.
        Index("uq_collective_member_active_party", "party_id", unique=True, **_active_only()),
    )

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    household_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    farm_since: Mapped[date | None] = mapped_column(Date)
    admitted_on: Mapped[date] = mapped_column(Date)
    admission_ground: Mapped[str] = mapped_column(String(24))
    admission_evidence: Mapped[str | None] = mapped_column(String(300))
    admission_motion_id: Mapped[int | None] = mapped_column(Integer)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_ground: Mapped[str | None] = mapped_column(String(24))
    end_evidence: Mapped[str | None] = mapped_column(String(300))
    successor_member_id: Mapped[int | None] = mapped_column(Integer)


class Body(StrEnum):
    """The "three meetings" (三会) and the representatives' assembly (C1, L3)."""

    members_assembly = "members_assembly"
    representatives_assembly = "representatives_assembly"
    board = "board"
    supervisory_board = "supervisory_board"
    affairs_council = "affairs_council"  # 村民事务理事会: consulted (issue #15), never votes on motions


class SeatRole(StrEnum):
    chair = "chair"
    vice_chair = "vice_chair"
    member = "member"


class Seat(IdPk, Status, CreatedAt, Base):
    """A member's seat among the representatives (成员代表), on the board (理事会) or supervisory board (监事会)."""

    __tablename__ = "collective_seat"
    __table_args__ = (
        Index("uq_collective_seat_active", "body", "member_id", unique=True, **_active_only()),
    )

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("collective_member.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class Asset(IdPk, CreatedAt, BigLedgerSeq, Base):
    """经营性资产 of the collective, including those formed by fiscal agricultural funds (C2)."""

    __tablename__ = "collective_asset"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    value_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    from_fiscal_funds: Mapped[bool] = mapped_column(Boolean, default=False)
    fund_source: Mapped[str | None] = mapped_column(String(200))
    acquired_on: Mapped[date] = mapped_column(Date)


class Quantification(IdPk, BigLedgerSeq, CreatedAt, CreatedBy, Base):
    """折股量化: the one-off quantification of operating assets into shares held by members (C2)."""

    __tablename__ = "collective_quantification"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), unique=True)
    base_date: Mapped[date] = mapped_column(Date)
    asset_value_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    fiscal_asset_value_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    total_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    member_count: Mapped[int] = mapped_column(Integer)
    account_count: Mapped[int] = mapped_column(Integer)
    rule_version: Mapped[str] = mapped_column(String(10))
    motion_id: Mapped[int | None] = mapped_column(Integer)
    resolution_ref: Mapped[str | None] = mapped_column(String(200))
    rows_sha256: Mapped[str] = mapped_column(String(64))


class ShareAccount(IdPk, CreatedAt, RowVersion, Base):
    """A share account (股权账户) of a holder (household or member) in one collective (C2)."""

    __tablename__ = "collective_share_account"
    __table_args__ = (
        Index("uq_collective_share_account_holder", "collective_id", "holder_party_id", unique=True),
        CheckConstraint("balance_shares >= 0", name="balance_non_negative"),
        CheckConstraint("pledged_shares >= 0 AND pledged_shares <= balance_shares", name="pledged_within_balance"),
    )

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    holder_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    balance_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    pledged_shares: Mapped[Decimal] = mapped_column(SharesColumn())


class ShareEntryKind(StrEnum):
    """Share ledger entries (股权台账): issue, inheritance, transfer inside the collective, pledge, release."""

    issue = "issue"
    inherit_out = "inherit_out"
    inherit_in = "inherit_in"
    transfer_out = "transfer_out"
    transfer_in = "transfer_in"
    pledge = "pledge"
    release = "release"


class ShareEntry(IdPk, CreatedAt, Actor, BigLedgerSeq, Base):
    """One line of an account's share ledger; balances are the sums of these lines."""

    __tablename__ = "collective_share_entry"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("collective_share_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    delta_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    pledged_delta_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    counterpart_account_id: Mapped[int | None] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(Integer)
    quantification_id: Mapped[int | None] = mapped_column(Integer, index=True)
    pledge_id: Mapped[int | None] = mapped_column(Integer)
    ground: Mapped[str | None] = mapped_column(String(300))


class PledgeStatus(StrEnum):
    active = "active"
    released = "released"


class SharePledge(IdPk, Status, CreatedAt, BigLedgerSeq, Base):
    """股权质押: shares of an account pledged to a lender for a loan (F2); pledged shares cannot be transferred."""

    __tablename__ = "collective_share_pledge"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("collective_share_account.id"), index=True)
    quantity_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    pledgee_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    reference: Mapped[str] = mapped_column(String(120))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MeetingStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"


class Meeting(IdPk, CreatedAt, CreatedBy, Base):
    """A meeting of one of the three bodies (成员(代表)大会 / 理事会 / 监事会) with its minutes (C1)."""

    __tablename__ = "collective_meeting"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    minutes_ledger_seq: Mapped[int | None] = mapped_column(BigInteger)


class Secrecy(StrEnum):
    """How a motion is voted: by secret ballot (the default), or by name where the kind's rule says so."""

    secret = "secret"  # noqa: S105  (a kind of ballot, not a password)
    named = "named"


class MotionStatus(StrEnum):
    draft = "draft"
    open = "open"
    sealed = "sealed"


class Motion(IdPk, Status, CreatedAt, CreatedBy, RowVersion, Base):
    """表决事项: a motion voted on with a roster frozen when the vote opens, sealed with the ledger (L3, C1)."""

    __tablename__ = "collective_motion"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("collective_meeting.id"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    threshold: Mapped[str] = mapped_column(String(32))
    subject_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    roster_size: Mapped[int | None] = mapped_column(Integer)
    roster_sha256: Mapped[str | None] = mapped_column(String(64))
    yes_count: Mapped[int | None] = mapped_column(Integer)
    no_count: Mapped[int | None] = mapped_column(Integer)
    abstain_count: Mapped[int | None] = mapped_column(Integer)
    quorum_met: Mapped[bool | None] = mapped_column(Boolean)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    ballots_sha256: Mapped[str | None] = mapped_column(String(64))
    open_ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    seal_ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    secrecy: Mapped[str] = mapped_column(String(8), default=Secrecy.secret.value,
                                         server_default=Secrecy.secret.value)
    rule_version: Mapped[str | None] = mapped_column(String(10))
    rule_digest: Mapped[str | None] = mapped_column(String(64))  # the collective rules it used (issue #13)


class RosterEntry(IdPk, Base):
    """One voter on a motion's roster, frozen when the vote opened, and their participation (参与投票).

    ``channel`` is null until the voter takes part, then says how (online, or in person entered by the clerk).
    Participation is an update of a row that exists since the vote opened, so neither the order of rows nor an id
    tells when anyone voted, and the conditional update (only while ``channel`` is null) refuses a second vote
    in the database. What the voter chose is never stored here for a secret vote (issue #12 item 2).
    """

    __tablename__ = "collective_roster_entry"
    __table_args__ = (Index("uq_collective_roster_entry", "motion_id", "member_id", unique=True),)

    motion_id: Mapped[int] = mapped_column(ForeignKey("collective_motion.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("collective_member.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    named_choice: Mapped[str | None] = mapped_column(String(8))


class Choice(StrEnum):
    yes = "yes"
    no = "no"
    abstain = "abstain"


class Channel(StrEnum):
    online = "online"
    in_person = "in_person"


class BallotBoxEntry(Base):
    """A ballot in the ballot box (票箱): a random id, the digest of the voter's receipt and the choice, never the
    voter, the channel or a time (issue #12 item 2, L3).

    While the vote is open the choice is sealed (AES-256-GCM under the deployment's data key, bound to the motion
    and the entry) and ``choice`` is null; sealing the vote decrypts the box, shuffles it with a cryptographic
    random permutation, and writes it anew as the published ballot list: ``position`` in the shuffled order,
    ``choice`` in clear, no ciphertext. ``legacy`` marks ballots migrated from the old linked table, whose
    published receipt is the old receipt itself.
    """

    __tablename__ = "collective_ballot_box"
    __table_args__ = (Index("uq_collective_ballot_box_position", "motion_id", "position", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("collective_motion.id"), index=True)
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_choice: Mapped[str | None] = mapped_column(Text)
    choice: Mapped[str | None] = mapped_column(String(8))
    position: Mapped[int | None] = mapped_column(Integer)
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)


class BookOwner(StrEnum):
    """Whose book: the collective's, or the village committee's, kept apart (村集体与村委会账目分设, C1)."""

    collective = "collective"
    village_committee = "village_committee"


class Book(IdPk, CreatedAt, RowVersion, Base):
    """A book of income and outgo of one organisation, with its balance in fen (never negative)."""

    __tablename__ = "collective_book"
    __table_args__ = (
        Index("uq_collective_book_owner", "collective_id", "owner", unique=True),
        CheckConstraint("balance_cny >= 0", name="balance_non_negative"),
    )

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    owner: Mapped[str] = mapped_column(String(24))
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    balance_cny: Mapped[Decimal] = mapped_column(MoneyColumn())


class Direction(StrEnum):
    income = "income"
    outgo = "outgo"


class BookEntry(IdPk, CreatedAt, Actor, BigLedgerSeq, Base):
    """One income or outgo entry of a book (收入 / 支出)."""

    __tablename__ = "collective_book_entry"
    __table_args__ = (CheckConstraint("amount_cny > 0", name="amount_positive"),)

    book_id: Mapped[int] = mapped_column(ForeignKey("collective_book.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(32))
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    memo: Mapped[str] = mapped_column(String(300))
    occurred_on: Mapped[date] = mapped_column(Date)
    dividend_run_id: Mapped[int | None] = mapped_column(Integer)


class DividendRun(IdPk, BigLedgerSeq, CreatedAt, CreatedBy, Base):
    """分红: an amount of the collective's income distributed by shares, once per period (C2, L5)."""

    __tablename__ = "collective_dividend_run"
    __table_args__ = (Index("uq_collective_dividend_period", "collective_id", "period", unique=True),)

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    total_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    account_count: Mapped[int] = mapped_column(Integer)
    motion_id: Mapped[int | None] = mapped_column(Integer)
    resolution_ref: Mapped[str | None] = mapped_column(String(200))
    rows_sha256: Mapped[str] = mapped_column(String(64))


class DividendLine(IdPk, Base):
    """One account's dividend in a run: its shares on the record date and the fen it receives."""

    __tablename__ = "collective_dividend_line"

    run_id: Mapped[int] = mapped_column(ForeignKey("collective_dividend_run.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("collective_share_account.id"), index=True)
    holder_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    shares: Mapped[Decimal] = mapped_column(SharesColumn())
    pledged_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())


class Conversion(IdPk, BigLedgerSeq, Base):
    """撤村改制: the collective converted into a company, its shares carried over as equity (L8)."""

    __tablename__ = "collective_conversion"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), unique=True)
    company_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    motion_id: Mapped[int] = mapped_column(ForeignKey("collective_motion.id"))
    total_shares: Mapped[Decimal] = mapped_column(SharesColumn())
    holder_count: Mapped[int] = mapped_column(Integer)
    cap_table_sha256: Mapped[str] = mapped_column(String(64))
    converted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EquityContribution(IdPk, CreatedAt, CreatedBy, BigLedgerSeq, Base):
    """作价入股: the collective's land right contributed to a project for an equity share (L8)."""

    __tablename__ = "collective_equity_contribution"
    __table_args__ = (
        CheckConstraint("equity_num > 0 AND equity_den > 0 AND equity_num <= equity_den", name="equity_fraction"),
    )

    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_organisation.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("registry_property_unit.id"), index=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_right.id"))
    project_name: Mapped[str] = mapped_column(String(200))
    project_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    valuation_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    equity_num: Mapped[int] = mapped_column(Integer)
    equity_den: Mapped[int] = mapped_column(Integer)
    motion_id: Mapped[int] = mapped_column(ForeignKey("collective_motion.id"))
    # a project won by a consortium (联合体): every member with its share, the lead (``project_party_id``) first;
    # None for a single company
    partners: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # reversed when the exchange's result it was made on is annulled (an upheld objection to the result)
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reversed_by: Mapped[str | None] = mapped_column(String(120))
    reversal_reason: Mapped[str | None] = mapped_column(String(300))

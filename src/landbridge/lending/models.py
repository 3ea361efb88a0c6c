"""Lending tables: loans with their snapshotted risk share, instalments, payments, claims, the fund's ledger and
the close-of-business runs (issue #17). Money is integer fen (``*_cny`` MoneyColumn), times UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.money import MoneyColumn
from landbridge.lending.errors import LendingError

ZERO = Decimal("0.00")


class Loan(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """贷款: one loan against one right (a registry mortgage) or one share pledge (股权质押 of collective asset
    shares in the collective's share register), from application to closing; its risk share is a snapshot."""

    __tablename__ = "lending_loan"
    __table_args__ = (
        Index("ix_lending_loan_status_cob", "status", "cob_date"),
        # the collateral is exactly one kind: a registry right, or a share pledge
        CheckConstraint(
            "(right_id IS NOT NULL AND unit_id IS NOT NULL AND parcel_id IS NOT NULL AND collective_id IS NULL"
            " AND share_account_id IS NULL AND pledged_shares IS NULL)"
            " OR (right_id IS NULL AND unit_id IS NULL AND parcel_id IS NULL AND collective_id IS NOT NULL"
            " AND share_account_id IS NOT NULL AND pledged_shares IS NOT NULL)", name="one_collateral_kind"),
    )

    loan_no: Mapped[str] = mapped_column(String(24), unique=True)
    product_code: Mapped[str] = mapped_column(String(40))
    rules_digest: Mapped[str] = mapped_column(String(64))
    borrower_party_id: Mapped[int] = mapped_column(Integer, index=True)
    applicant_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    bank_organisation_id: Mapped[int] = mapped_column(ForeignKey("auth_organisation.id"), index=True)
    right_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parcel_id: Mapped[int | None] = mapped_column(Integer)
    collective_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a share pledge: whose register
    share_account_id: Mapped[int | None] = mapped_column(Integer)
    pledged_shares: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    share_pledge_id: Mapped[int | None] = mapped_column(Integer)  # the pledge once recorded in the register
    right_type: Mapped[str] = mapped_column(String(48))
    principal_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    grace_months: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[date] = mapped_column(Date)
    maturity: Mapped[date] = mapped_column(Date)
    consent_document: Mapped[str | None] = mapped_column(String(120))
    appraised_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    valuation_run_no: Mapped[str | None] = mapped_column(String(24))
    grade: Mapped[str | None] = mapped_column(String(8))
    sharers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the snapshot at approval
    mortgagee_party_id: Mapped[int | None] = mapped_column(Integer)
    lien_application_id: Mapped[int | None] = mapped_column(Integer)
    restriction_id: Mapped[int | None] = mapped_column(Integer, index=True)
    lien_rank: Mapped[int | None] = mapped_column(Integer)
    release_application_id: Mapped[int | None] = mapped_column(Integer)
    lot_id: Mapped[int | None] = mapped_column(Integer)  # the exchange's collateral lot of a disposal
    disbursed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outstanding_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)
    penalty_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)  # penalty interest owed
    costs_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)    # enforcement costs owed
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    tier: Mapped[str] = mapped_column(String(16), default="normal")
    cob_date: Mapped[date | None] = mapped_column(Date)  # its last close that changed it (cob.closed_through)
    defaulted_on: Mapped[date | None] = mapped_column(Date)
    restructured_on: Mapped[date | None] = mapped_column(Date)  # 重组: classified at least 次级 from then on
    loss_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)
    note: Mapped[str | None] = mapped_column(String(500))


class Instalment(IdPk, Base):
    """期供: one instalment of a disbursed loan's schedule and what has been paid of it."""

    __tablename__ = "lending_instalment"
    __table_args__ = (Index("uq_lending_instalment", "loan_id", "n", unique=True),
                      Index("ix_lending_instalment_due", "loan_id", "due_date"))

    loan_id: Mapped[int] = mapped_column(ForeignKey("lending_loan.id"))
    n: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    principal_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    interest_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    paid_principal_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)
    paid_interest_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)


class Payment(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """还款: one repayment, recovery or disposal proceeds applied to a loan, and how it was allocated."""

    __tablename__ = "lending_payment"

    loan_id: Mapped[int] = mapped_column(ForeignKey("lending_loan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # repayment | disposal | recovery
    paid_on: Mapped[date] = mapped_column(Date)
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    to_costs_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    to_interest_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    to_penalty_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    to_principal_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Claim(IdPk, Status, CreatedAt, Base):
    """代偿请求: a risk sharer's part of a defaulted loan: lodged, advanced, settled (true-up), recoveries."""

    __tablename__ = "lending_claim"
    __table_args__ = (Index("uq_lending_claim_party", "loan_id", "party", unique=True),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("lending_loan.id"), index=True)
    party: Mapped[str] = mapped_column(String(16))  # fund | guarantor | insurer | bank
    share: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    deadline: Mapped[date] = mapped_column(Date)
    claimed_cny: Mapped[Decimal] = mapped_column(MoneyColumn())   # share of the exposure at default
    advanced_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)
    loss_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)  # final loss borne (after true-up)
    recovered_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=ZERO)


class FundEntry(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """风险补偿基金 ledger: contributions (+), advances and losses (−), recoveries and true-up refunds (+)."""

    __tablename__ = "lending_fund_entry"

    kind: Mapped[str] = mapped_column(String(16))  # contribution | advance | true_up | recovery
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())  # signed: + into the fund
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("lending_loan.id"), index=True)
    entry_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))


class CobRun(IdPk, Status, Actor, Base):
    """日终批处理: one close of business; a rerun of the same day resumes and does nothing twice."""

    __tablename__ = "lending_cob_run"

    cob_date: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed: Mapped[int] = mapped_column(Integer, default=0)
    reclassified: Mapped[int] = mapped_column(Integer, default=0)
    defaulted: Mapped[int] = mapped_column(Integer, default=0)
    lien_mismatches: Mapped[list[int]] = mapped_column(JSON, default=list)
    # the committed cursor: every performing loan up to this id was closed (chunks go by id; a resumed run reads on)
    last_loan_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fund_leverage: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))


class LoanContract(IdPk, LedgerSeq, Base):
    """借款抵押合同: the loan contract issued at approval: its number, the printed content with its SHA-256, and the
    PDF's SHA-256 and size once the worker has rendered it (``rendered_at``; ``render_seq`` its ledger event)."""

    __tablename__ = "lending_contract"

    loan_id: Mapped[int] = mapped_column(ForeignKey("lending_loan.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(120))
    rendered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    render_seq: Mapped[int | None] = mapped_column(Integer)


def _mortgaged(loan: Loan, value: int | None) -> int:
    if value is None:
        raise LendingError.NOT_A_MORTGAGE.error(loan_no=loan.loan_no)
    return value


def right_of(loan: Loan) -> int:
    """The mortgaged right of a right-based loan; 409 ``lending.not_a_mortgage`` for a share-pledge loan."""
    return _mortgaged(loan, loan.right_id)


def unit_of(loan: Loan) -> int:
    """The mortgaged right's registry unit; 409 ``lending.not_a_mortgage`` for a share-pledge loan."""
    return _mortgaged(loan, loan.unit_id)


def parcel_of(loan: Loan) -> int:
    """The mortgaged right's parcel; 409 ``lending.not_a_mortgage`` for a share-pledge loan."""
    return _mortgaged(loan, loan.parcel_id)


class Guarantee(IdPk, Status, Actor, CreatedAt, Base):
    """保证担保: a party (a person, or an organisation such as a guarantee company) guarantees a loan for an amount,
    taken before the money moves. A party on the bar list (失信被执行人, which credit feeds) may not guarantee."""

    __tablename__ = "lending_guarantee"

    loan_id: Mapped[int] = mapped_column(ForeignKey("lending_loan.id"), index=True)
    guarantor_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    guarantor_kind: Mapped[str] = mapped_column(String(16))  # the registry party's kind: person | organisation | group
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())

"""Loan outcomes per borrower, set-based (issue #18: credit reads them through lending's public functions), and
the bar-list refusal that names the listing and its end date."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.lending.errors import LendingError
from landbridge.lending.models import ZERO, Loan
from landbridge.lending.rules import LoanStatus

REPAID = frozenset({LoanStatus.repaid, LoanStatus.closed})
DEFAULTED = frozenset({LoanStatus.defaulted, LoanStatus.in_disposal, LoanStatus.settled, LoanStatus.written_off})
OUT = frozenset({LoanStatus.disbursed}) | DEFAULTED  # money still owed (or lost): counted in the NPL ratio
SEEN = REPAID | OUT


@dataclass
class Outcome:
    """A borrower's loans on the platform: how many were disbursed, repaid, are overdue now, defaulted; what is
    outstanding, and of it what is non-performing (in one of ``npl_tiers``)."""

    loans: int = 0
    repaid: int = 0
    overdue: int = 0
    defaulted: int = 0
    outstanding_cny: Decimal = ZERO
    non_performing_cny: Decimal = ZERO


def _chunks(ids: Iterable[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    unique = sorted(set(ids))
    for first in range(0, len(unique), 1000):
        yield unique[first:first + 1000]


def outcomes_by_party(session: Session, party_ids: Iterable[int] | None = None,
                      npl_tiers: Iterable[str] = ("substandard", "doubtful", "loss")) -> dict[int, Outcome]:
    """Per borrower (of ``party_ids``, or every borrower): its loans' outcomes, one read per thousand parties (or
    one for all), never one per party. A party that never had a loan disbursed is absent."""
    bad = frozenset(npl_tiers)
    out: dict[int, Outcome] = {}
    for chunk in _chunks(party_ids):
        stmt = select(Loan.borrower_party_id, Loan.status, Loan.days_past_due, Loan.tier, Loan.outstanding_cny,
                      Loan.penalty_cny).where(Loan.status.in_([s.value for s in SEEN]))
        if chunk is not None:
            stmt = stmt.where(Loan.borrower_party_id.in_(chunk))
        for party_id, status, dpd, tier, outstanding, penalty in session.execute(stmt):
            o = out.setdefault(int(party_id), Outcome())
            o.loans += 1
            o.repaid += status in REPAID
            o.defaulted += status in DEFAULTED
            o.overdue += status == LoanStatus.disbursed and (dpd or 0) > 0
            if status in OUT:
                owed = (outstanding or ZERO) + (penalty or ZERO)
                o.outstanding_cny += owed
                if tier in bad or status in DEFAULTED:
                    o.non_performing_cny += owed
    return out


def refuse_barred(session: Session, party_id: int, on: date | None = None, *, guarantor: bool = False) -> None:
    """Refuse a party on the exchange's bar list (失信被执行人, fed by credit) with the listing and its end date: as a
    borrower (``lending.borrower_barred``) or as a guarantor (``lending.guarantor_barred``)."""
    entry = exchange.bar_entry(session, party_id, on)
    if entry is not None:
        until = entry.listed_until.isoformat() if entry.listed_until else None
        error = LendingError.GUARANTOR_BARRED if guarantor else LendingError.BORROWER_BARRED
        raise error.error({"until_text": until or "无期限", "until_en": until or "open-ended"},
                          party_id=party_id, listing=entry.reason, listed_until=until)

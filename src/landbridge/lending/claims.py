"""Claims to the risk sharers (代偿请求, issue #17; research/finance.md c.5): advances, deadlines, the true-up at
settlement for every sharer, and the shadow ledger per participant with its reconciliation to the loans.

At default (``servicing.declare_default``) each sharer the loan's snapshot binds gets a claim: its share of the
principal outstanding (capped) and its deadline (the product's ``claim_deadline_days``). A sharer whose snapshot
says ``advance`` pays at once; any sharer's officer may pay an advance (代偿) through ``advance_claim``, up to what
is left of its share. A claim not paid in full by its deadline is flagged ``overdue`` by the daily job
``flag_overdue_claims``. At settlement ``true_up`` compares each sharer's advances with its final loss: the
difference is refunded to it (advanced more) or paid in by it (advanced less); the fund's side is booked in its
ledger (``FundEntry``). Ledger payloads name parties by kind and amounts only (no personal data).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import subjects
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Claim, FundEntry, Loan
from landbridge.lending.rules import LoanStatus
from landbridge.lending.service import _event, get_loan

ZERO = Decimal("0.00")
ADVANCEABLE = (LoanStatus.defaulted.value, LoanStatus.in_disposal.value)
OPEN = ("lodged", "overdue")  # a claim still waiting for (the rest of) its advance
PARTICIPANTS = ("bank", *rules.SHARER_PARTIES)


def claim_subject(claim_id: int) -> str:
    return subjects.subject("claim", claim_id)


def get_claim(session: Session, claim_id: int, *, lock: bool = False) -> Claim:
    """Load a claim (404 ``lending.claim_not_found``); ``lock`` re-reads it under a row lock."""
    stmt = select(Claim).where(Claim.id == claim_id)
    if lock:
        stmt = stmt.execution_options(populate_existing=True)
        if for_update(session):
            stmt = stmt.with_for_update()
    claim = session.execute(stmt).scalar_one_or_none()
    if claim is None:
        raise LendingError.CLAIM_NOT_FOUND.error(claim_id=claim_id)
    return claim


def advance_claim(session: Session, *, claim_id: int, party: str, amount: Any, day: date, actor: str) -> Claim:
    """代偿: the sharer ``party`` (its officer's kind) pays an advance on its claim, at most what is left of its share;
    refused for another party's claim, a settled claim or a loan no longer in default. The fund's advance is
    booked in the fund's ledger. Paid in full, the claim is ``advanced`` (``late`` in the event after its deadline)."""
    value = rules.parse_money(amount, "amount")
    claim = get_claim(session, claim_id)
    if claim.party != party:
        raise LendingError.CLAIM_NOT_YOURS.error(party=claim.party)
    loan = get_loan(session, claim.loan_id, lock=True)  # the loan's lock serialises the claims of one loan
    claim = get_claim(session, claim_id, lock=True)
    if claim.status not in OPEN or loan.status not in ADVANCEABLE:
        raise LendingError.CLAIM_CLOSED.error(status=claim.status if claim.status not in OPEN else loan.status)
    left = claim.claimed_cny - claim.advanced_cny
    if value > left:
        raise LendingError.ADVANCE_EXCEEDS_SHARE.error(left_cny=str(left))
    claim.advanced_cny += value
    if claim.advanced_cny == claim.claimed_cny:
        claim.status = "advanced"
    if claim.party == "fund":
        session.add(FundEntry(kind="advance", amount_cny=-value, loan_id=loan.id, entry_date=day, actor=actor,
                              created_at=now(), note=loan.loan_no))
    loan.version += 1
    _event(session, loan, "claim.advanced", actor, {
        "claim_id": claim.id, "party": claim.party, "amount_cny": str(value),
        "advanced_cny": str(claim.advanced_cny), "claimed_cny": str(claim.claimed_cny),
        "claim_status": claim.status, "paid_on": day.isoformat(), "late": day > claim.deadline},
        also=[claim_subject(claim.id)])
    session.flush()
    return claim


def flag_overdue_claims(session: Session, *, day: date, actor: str, limit: int = 500) -> int:
    """The daily job: claims of loans still in default whose deadline passed before ``day`` without the advance paid
    in full become ``overdue`` (one ledger event each); idempotent (a flagged claim is not flagged again)."""
    ids = list(session.scalars(
        select(Claim.id).join(Loan, Loan.id == Claim.loan_id)
        .where(Claim.status == "lodged", Claim.deadline < day, Claim.advanced_cny < Claim.claimed_cny,
               Loan.status.in_(ADVANCEABLE)).order_by(Claim.id).limit(limit)))
    done = 0
    for claim_id in ids:
        claim = get_claim(session, claim_id)
        loan = get_loan(session, claim.loan_id, lock=True)
        claim = get_claim(session, claim_id, lock=True)
        if claim.status != "lodged" or loan.status not in ADVANCEABLE:
            continue  # changed meanwhile
        claim.status = "overdue"
        loan.version += 1
        _event(session, loan, "claim.overdue", actor, {
            "claim_id": claim.id, "party": claim.party, "deadline": claim.deadline.isoformat(),
            "claimed_cny": str(claim.claimed_cny), "advanced_cny": str(claim.advanced_cny),
            "as_of": day.isoformat()}, also=[claim_subject(claim.id)])
        done += 1
    session.flush()
    return done


def true_up(session: Session, loan: Loan, claims: dict[str, Claim], *, day: date, actor: str) -> dict[str, str]:
    """补差 at settlement, for every sharer (the bank excluded: it is the lender): advances − final loss, refunded to
    the sharer when positive, paid in by it when negative. The fund's side goes to its ledger. Returns
    {party: signed amount} for the settlement's event (only the sharers whose true-up is not zero)."""
    out: dict[str, str] = {}
    for party, c in sorted(claims.items()):
        if party not in rules.SHARER_PARTIES:
            continue
        diff = c.advanced_cny - c.loss_cny
        if diff == 0:
            continue
        out[party] = str(diff)
        if party == "fund":
            session.add(FundEntry(kind="true_up", amount_cny=diff, loan_id=loan.id, entry_date=day, actor=actor,
                                  created_at=now(), note=loan.loan_no))
    return out


# --- shadow ledger per participant and its reconciliation ------------------------------------------------


@dataclass
class Position:
    """One participant's shadow ledger (research/finance.md c.5): exposure on loans still out, advances paid,
    subrogation receivable (advances on unsettled claims; loss borne not yet recovered once settled), final loss,
    recoveries, and the net of its true-ups (+ refunded to it, − paid in)."""

    party: str
    exposure: Decimal = ZERO
    advances: Decimal = ZERO
    subrogation: Decimal = ZERO
    losses: Decimal = ZERO
    recoveries: Decimal = ZERO
    true_up: Decimal = ZERO
    claims: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "exposure_cny": str(self.exposure), "advances_cny": str(self.advances),
                "subrogation_cny": str(self.subrogation), "losses_cny": str(self.losses),
                "recoveries_cny": str(self.recoveries), "true_up_cny": str(self.true_up), "claims": self.claims}


def exposure_split(outstanding: Decimal, sharers: list[dict[str, Any]]) -> dict[str, Decimal]:
    """A loan's principal outstanding split by its snapshot as a loss would be (``rules.share_loss``: each sharer
    its share, half up, capped; the bank the rest)."""
    return rules.share_loss(outstanding, rules.sharers_from(sharers))


@dataclass
class Shadow:
    positions: dict[str, Position] = field(default_factory=dict)

    def of(self, party: str) -> Position:
        if party not in self.positions:
            self.positions[party] = Position(party)
        return self.positions[party]


def shadow_ledger(session: Session) -> dict[str, Position]:
    """The shadow ledger of every participant (bank, fund, guarantor, insurer): exposure from the loans still out
    (their snapshot's split of the principal outstanding), the rest from the claims, added up by the database."""
    shadow = Shadow({p: Position(p) for p in PARTICIPANTS})
    rows = session.execute(select(Loan.outstanding_cny, Loan.sharers).where(
        Loan.status.in_([s.value for s in rules.PERFORMING]), Loan.outstanding_cny > 0))
    for outstanding, sharers in rows:
        for party, part in exposure_split(outstanding, sharers or []).items():
            shadow.of(party).exposure += part
    for party, n, advanced, loss, recovered, settled_adv in session.execute(select(
            Claim.party, func.count(), func.sum(Claim.advanced_cny), func.sum(Claim.loss_cny),
            func.sum(Claim.recovered_cny), func.sum(Claim.advanced_cny).filter(Claim.status == "settled"))
            .group_by(Claim.party)):
        pos = shadow.of(party)
        pos.claims = int(n)
        pos.advances = Decimal(advanced or 0)
        pos.losses = Decimal(loss or 0)  # a loss is set only at settlement
        pos.recoveries = Decimal(recovered or 0)
        settled = Decimal(settled_adv or 0)
        # advances on unsettled claims, and the loss borne not yet recovered on settled ones
        pos.subrogation = pos.advances - settled + pos.losses - pos.recoveries
        pos.true_up = settled - pos.losses if party in rules.SHARER_PARTIES else ZERO
    return shadow.positions


def _fund_sum(session: Session, kind: str) -> Decimal:
    return Decimal(session.scalar(select(func.sum(FundEntry.amount_cny)).where(FundEntry.kind == kind)) or 0)


def reconcile(session: Session, ledger: dict[str, Position] | None = None) -> list[str]:
    """Check the shadow ledger against the loans and the fund's ledger; returns the mismatches (empty: reconciled).

    - the participants' exposures add up to the principal outstanding of the loans still out;
    - the participants' losses add up to the loans' principal losses, loan by loan;
    - no claim is advanced beyond its amount, and no loan's recoveries exceed its losses;
    - the fund's advances, true-ups and recoveries in its ledger equal the fund's claims.
    """
    problems: list[str] = []
    ledger = shadow_ledger(session) if ledger is None else ledger  # a caller that shows it passes it in
    out = Decimal(session.scalar(select(func.sum(Loan.outstanding_cny)).where(
        Loan.status.in_([s.value for s in rules.PERFORMING]), Loan.outstanding_cny > 0)) or 0)
    exposure = sum((p.exposure for p in ledger.values()), ZERO)
    if exposure != out:
        problems.append(f"exposure {exposure} != outstanding {out}")
    by_loan: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for loan_id, status, claimed, advanced, loss, recovered in session.execute(select(
            Claim.loan_id, Claim.status, Claim.claimed_cny, Claim.advanced_cny, Claim.loss_cny, Claim.recovered_cny)):
        if advanced > claimed:
            problems.append(f"loan {loan_id}: a claim advanced {advanced} beyond its {claimed}")
        by_loan[loan_id]["loss"] += loss
        by_loan[loan_id]["recovered"] += recovered
        by_loan[loan_id]["settled"] += status == "settled"
    for loan_id, loss_cny in session.execute(select(Loan.id, Loan.loss_cny).where(Loan.loss_cny > 0)):
        if by_loan[loan_id]["loss"] != loss_cny:
            problems.append(f"loan {loan_id}: losses shared {by_loan[loan_id]['loss']} != loan loss {loss_cny}")
    for loan_id, sums in by_loan.items():
        if sums["recovered"] > sums["loss"]:
            problems.append(f"loan {loan_id}: recoveries {sums['recovered']} exceed losses {sums['loss']}")
    fund = ledger["fund"]
    checks = (("advance", -fund.advances), ("true_up", fund.true_up), ("recovery", fund.recoveries))
    for kind, expected in checks:
        booked = _fund_sum(session, kind)
        if booked != expected:
            problems.append(f"fund {kind}: ledger {booked} != claims {expected}")
    return problems

"""Demo loans (普惠金融, issue #17): loans against the demo villages' rights in every state of the loan machine
(finance.md c.1) and the risk-compensation fund with a history, so that every portal view has something in it.

States: applied, refused, withdrawn, approved, mortgage lodged, mortgage registered; disbursed and repaying
(normal) and one instalment behind (关注); past the default trigger in each non-performing class (次级, 可疑, 损失:
defaulted, claims lodged with the sharers, the fund's advance in its ledger); in disposal with its collateral lot
on the exchange; settled with the loss shared, then a recovery split; written off; repaid; closed (mortgage
released). The fund's contributions are dated before the first loan and sized to the loans (after the advances
the banks lend about twelve times what it holds), so that its leverage, measured by the close of business, is above
the floor.

Every loan goes only through the lending services (``service``, ``servicing``) and the registry's approval of the
mortgage (登簿), as a bank, the registrar and the close of business would. Collateral values come from a mass
valuation run (``valuation.mass``) made here if the world has none. A loan the rules refuse (a right expiring,
the exchange's collateral rules not yet in force) is skipped in a savepoint, leaving nothing behind. The numbers
(how many loans of each scenario) are rule data (``demo_world`` rule ``demo_loans``, ``loan_counts``). One
scenario, ``insured``, takes the product that binds an insurer (两权抵押保证保险贷款) and is disbursed on the build
day: that product is in force from 2026-12-07, so a world built for an earlier day skips it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import OrgKind, organisations_of_kind
from landbridge.cityprofile import CityProfile
from landbridge.errors import DomainError
from landbridge.lending import contribute_to_fund, rules, service, servicing
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Instalment, Loan
from landbridge.registry.models import Party, RecordStatus, Right, RightHolder
from landbridge.valuation import collateral_value
from landbridge.valuation.mass.service import latest_run, revalue_parcels

log = logging.getLogger(__name__)
BANK_ACTOR = "system:demo:bank"
REGISTRAR_ACTOR = "system:demo:registrar"
COB_ACTOR = "system:demo:cob"
FUND_ACTOR = "system:demo:fund"
RIGHT_TYPES = ("forest_right", "land_management_right")  # accepted by the two-rights product, no consent needed
PRODUCT = "two_rights"
INSURED_PRODUCT = "two_rights_insured"  # binds the fund and an insurer (lending rule data from 2026-12-07)
RULE_SET = "demo_world"
RATE = "0.0435"
MONTHS = 24
TRIES = 5  # rights tried for one loan before it is given up

# (the state the loan shows, months before today its first day falls, instalments the borrower pays on time)
SCENARIOS: tuple[tuple[str, int, int], ...] = (
    ("applied", 0, 0), ("refused", 0, 0), ("withdrawn", 0, 0), ("approved", 0, 0), ("lien_lodged", 0, 0),
    ("lien_registered", 0, 0), ("normal", 6, 6), ("special_mention", 6, 4), ("substandard", 7, 2),
    ("doubtful", 13, 2), ("loss", 16, 2), ("in_disposal", 10, 3), ("settled", 10, 3), ("written_off", 10, 3),
    ("repaid", 4, 4), ("closed", 4, 4), ("insured", 0, 0))


def loan_counts(profile: CityProfile, day: date | None = None) -> dict[str, int]:
    """How many loans the demo builds in each scenario: the ``demo_world`` rule ``demo_loans`` in force on ``day``
    (today by default); before the rule set first stated it, its first value."""
    rs = profile.rules(RULE_SET)
    try:
        value = rs.value("demo_loans", day)
    except KeyError:
        value = rs.history("demo_loans")[0].value
    return {str(k): int(v) for k, v in dict(value).items()}


@dataclass
class LoanSeed:
    """What the demo loans came to: loans by status, the fund's entries, the scenarios skipped."""

    by_status: Counter[str] = field(default_factory=Counter)
    fund_entries: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _months_before(day: date, months: int) -> date:
    return rules.add_months(date(day.year, day.month, min(day.day, 28)), -months) if months else day


def _collateral(session: Session, limit: int) -> list[tuple[int, int]]:
    """(right, a holder of it) for current rights of the accepted types without any restriction, one per right,
    persons first (a farmer; then cooperatives and companies)."""
    rows = session.execute(
        select(Right.id, Right.unit_id, RightHolder.party_id, Party.kind)
        .join(RightHolder, RightHolder.right_id == Right.id).join(Party, Party.id == RightHolder.party_id)
        .where(Right.status == RecordStatus.current, Right.right_type.in_(RIGHT_TYPES), Right.unit_id.is_not(None))
        .order_by(Right.id).limit(limit * 20)).all()
    restricted = registry.current_restrictions_of(session, {unit for _, unit, _, _ in rows if unit is not None})
    taken: set[int] = set()
    out: list[tuple[int, int, bool]] = []
    for right_id, unit_id, party_id, kind in rows:
        if right_id in taken or any(r.right_id == right_id for r in restricted.get(unit_id or 0, [])):
            continue
        taken.add(right_id)
        out.append((right_id, party_id, str(kind) != "person"))
    out.sort(key=lambda t: t[2])
    return [(right_id, party_id) for right_id, party_id, _ in out[:limit]]


def _pay_instalments(session: Session, loan: Loan, count: int) -> None:
    """The borrower pays the first ``count`` instalments on their due dates."""
    rows = session.execute(select(Instalment).where(Instalment.loan_id == loan.id).order_by(Instalment.n)
                           .limit(count)).scalars().all()
    for row in rows:
        servicing.repay(session, loan_id=loan.id, amount=row.principal_cny + row.interest_cny, paid_on=row.due_date,
                        actor=f"party:{loan.borrower_party_id}")


def _drive(session: Session, *, state: str, right_id: int, party_id: int, start: date, paid: int, today: date,
           bank_org: int, mortgagee: int) -> Loan:
    """One loan from its application to ``state`` through the services (``insured``: the insurer-binding product,
    disbursed)."""
    product = INSURED_PRODUCT if state == "insured" else PRODUCT
    loan = service.apply_for_loan(session, borrower_party_id=party_id, right_id=right_id, product_code=product,
                                  principal=_principal(session, right_id), annual_rate=RATE, months=MONTHS,
                                  method="equal_principal", start=start, bank_organisation_id=bank_org,
                                  actor=f"party:{party_id}")
    if state == "applied":
        return loan
    if state == "withdrawn":
        return service.withdraw_loan(session, loan_id=loan.id, actor=f"party:{party_id}")
    if state == "refused":
        return service.decide_loan(session, loan_id=loan.id, approve=False, actor=BANK_ACTOR,
                                   reason="经营收入证明不足（演示）")
    service.decide_loan(session, loan_id=loan.id, approve=True, actor=BANK_ACTOR, mortgagee_party_id=mortgagee)
    if state == "approved":
        return loan
    service.lodge_lien(session, loan_id=loan.id, actor=BANK_ACTOR)
    if state == "lien_lodged":
        return loan
    assert loan.lien_application_id is not None
    registry.approve_application(session, application_id=loan.lien_application_id, actor=REGISTRAR_ACTOR)
    service.confirm_lien(session, loan_id=loan.id, actor=BANK_ACTOR)
    if state == "lien_registered":
        return loan
    service.disburse(session, loan_id=loan.id, actor=BANK_ACTOR)
    _pay_instalments(session, loan, paid)
    if state in ("repaid", "closed"):
        owed = loan.outstanding_cny + _interest_due(session, loan, today)
        servicing.repay(session, loan_id=loan.id, amount=owed, paid_on=today, actor=f"party:{party_id}")
        if state == "closed":
            servicing.release_lien(session, loan_id=loan.id, actor=BANK_ACTOR)
        return loan
    if state in ("normal", "special_mention", "substandard", "doubtful", "loss", "insured"):
        return loan  # the close of business classifies it (and defaults it past the trigger)
    default_day = today - timedelta(days=45)
    servicing.default_loan(session, loan_id=loan.id, day=default_day, actor=BANK_ACTOR)
    servicing.start_disposal(session, loan_id=loan.id, actor=BANK_ACTOR, costs="3000")
    if state == "in_disposal":
        return loan
    proceeds = (loan.outstanding_cny * Decimal("0.6")).quantize(Decimal("0.01"))
    servicing.settle_disposal(session, loan_id=loan.id, proceeds=proceeds, sale_costs="2000",
                              day=today - timedelta(days=10), actor=BANK_ACTOR)
    servicing.record_recovery(session, loan_id=loan.id, amount="5000", day=today - timedelta(days=3),
                              actor=BANK_ACTOR)
    if state == "written_off":
        servicing.release_lien(session, loan_id=loan.id, actor=BANK_ACTOR, write_off=True)
    return loan


def _interest_due(session: Session, loan: Loan, day: date) -> Decimal:
    rows = session.execute(select(Instalment).where(Instalment.loan_id == loan.id,
                                                    Instalment.due_date <= day)).scalars()
    return sum((r.interest_cny - r.paid_interest_cny for r in rows), Decimal("0.00"))


def _principal(session: Session, right_id: int) -> Decimal:
    """Nine tenths of what the LTV cap allows on the collateral's value, in whole thousands of yuan, at most
    500,000 (a right worth too little for a loan of 5,000 is passed over: ``lending.ltv_exceeded``)."""
    right = registry.find_current_right(session, right_id)
    unit = registry.get_unit(session, right.unit_id) if right is not None and right.unit_id else None
    value = collateral_value(session, unit.parcel_id) if unit is not None else None
    if right is None or value is None:
        raise LendingError.NO_VALUATION.error(parcel_id=0 if unit is None else unit.parcel_id)
    cap = Decimal(str(service.rule_set().value("ltv_caps").get(right.right_type, "0")))
    most = min(Decimal("500000"), (rules.ltv_cap(value.value_cny, cap) * Decimal("0.9") // 1000) * 1000)
    if most < 5000:
        raise LendingError.LTV_EXCEEDED.error(max_cny=str(most), ltv_cap=str(cap))
    return most


def _fund(session: Session, today: date, out: LoanSeed) -> None:
    """The fund's contributions, dated before the first loan (18, 12 and 6 months ago), sized so that after the
    advances and recoveries the banks lend about twelve times what the fund holds (above the leverage floor)."""
    exposure = session.scalar(select(func.sum(Loan.outstanding_cny)).where(
        Loan.status.in_([x.value for x in rules.PERFORMING]), service.shared_with(session, "fund"))) or Decimal(0)
    total = max(Decimal("10000"), ((exposure / 12 - servicing.fund_balance(session)) // 100) * 100)
    for months, part in ((18, Decimal("0.5")), (12, Decimal("0.3")), (6, Decimal("0.2"))):
        contribute_to_fund(session, amount=(total * part).quantize(Decimal("0.01")), day=_months_before(today, months),
                           actor=FUND_ACTOR, note="财政注资（演示）")
        out.fund_entries += 1


def seed_loans(session: Session, *, today: date, seed: int, actor: str, mortgagee_party_id: int,
               counts: Mapping[str, int], progress: Callable[[str], Any] | None = None) -> LoanSeed:
    """The demo loans and the fund's history (see the module docstring); ``counts`` per scenario (the rule data
    ``demo_loans``: ``loan_counts``), a scenario not named builds none."""
    out = LoanSeed()
    banks = organisations_of_kind(session, OrgKind.bank)
    if not banks:
        out.skipped.append("no bank organisation")
        return out
    bank_org = banks[0][0]
    if latest_run(session) is None:  # the banks value collateral from the newest mass valuation run
        try:
            with session.begin_nested():
                revalue_parcels(session, valuation_date=today, actor=actor, seed=seed, method="hedonic")
        except Exception as exc:
            log.warning("demo loans: no valuation run (%s)", exc)
    plan = [(state, months, paid) for state, months, paid in SCENARIOS for _ in range(counts.get(state, 0))]
    pool = iter(_collateral(session, len(plan) * TRIES))
    for state, months, paid in plan:
        for _ in range(TRIES):  # a right worth too little or expiring too soon: the next one
            right_id, party_id = next(pool, (0, 0))
            if not right_id:
                break
            try:
                with session.begin_nested():
                    loan = _drive(session, state=state, right_id=right_id, party_id=party_id,
                                  start=_months_before(today, months), paid=paid, today=today, bank_org=bank_org,
                                  mortgagee=mortgagee_party_id)
            except DomainError as exc:
                log.info("demo loan %s on right %s skipped: %s", state, right_id, exc.code)
                continue
            if progress is not None:
                progress(loan.status)
            break
        else:
            out.skipped.append(state)
    # yesterday's close classifies the overdue loans and defaults those past the trigger (the fund's advances);
    # the fund's contributions are then sized to what is left, and today's close measures its leverage
    servicing.run_cob(session, day=today - timedelta(days=1), actor=COB_ACTOR)
    _fund(session, today, out)
    servicing.run_cob(session, day=today, actor=COB_ACTOR)
    out.by_status = Counter(session.execute(select(Loan.status)).scalars())
    return out

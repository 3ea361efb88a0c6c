"""Lending origination (issue #17): application with the registry checks, the credit decision (valuation, LTV,
grade, bar list, risk-share snapshot), the lien lodged and confirmed in the registry, disbursement.

Every function loads and locks the loan, checks its state with ``rules.transition``, applies the change and writes
a ledger event in the caller's transaction; it flushes and never commits. A refusal raises a typed
``LendingError`` before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import String, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge import exchange, registry, valuation
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects
from landbridge.lending import rules, share_pledge
from landbridge.lending.contract import issue_contract
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Instalment, Loan, parcel_of, right_of, unit_of
from landbridge.lending.rules import LoanStatus

MODULE = "lending"
SHARE_TYPE = "collective_asset_share"  # the right type a share-pledge product names
ZERO = Decimal("0")


def rule_set() -> Any:
    return get_profile().rules("lending")


def rule_on(name: str, day: date) -> Any:
    """A lending rule in force on ``day``; before the rule set first stated it, its first value (the basis the
    code applied until then)."""
    rs = rule_set()
    try:
        return rs.value(name, day)
    except KeyError:
        return rs.history(name)[0].value


@dataclass(frozen=True)
class Product:
    """A loan product from the rule set in force."""

    code: str
    name: str
    right_types: tuple[str, ...]
    min_rate: Decimal
    max_rate: Decimal
    min_months: int
    max_months: int
    methods: tuple[str, ...]
    min_grade: str
    claim_deadline_days: int
    sharers: tuple[rules.Sharer, ...]
    raw: dict[str, Any]


def products(day: date | None = None) -> dict[str, Product]:
    """The loan products in force on ``day`` (rule data with its source)."""
    out: dict[str, Product] = {}
    for row in rule_set().value("products", day):
        out[row["code"]] = Product(
            row["code"], row["name"], tuple(row["right_types"]), Decimal(row["min_rate"]), Decimal(row["max_rate"]),
            int(row["min_months"]), int(row["max_months"]), tuple(row["methods"]), row["min_grade"],
            int(row["claim_deadline_days"]), rules.sharers_from(row.get("sharers", [])), dict(row))
    return out


def get_loan(session: Session, loan_id: int, *, lock: bool = False) -> Loan:
    """Load a loan (404 ``lending.loan_not_found``); ``lock`` re-reads it under a row lock."""
    stmt = select(Loan).where(Loan.id == loan_id)
    if lock:
        stmt = stmt.execution_options(populate_existing=True)
        if for_update(session):
            stmt = stmt.with_for_update()
    loan = session.execute(stmt).scalar_one_or_none()
    if loan is None:
        raise LendingError.LOAN_NOT_FOUND.error(loan_id=loan_id)
    return loan


def loan_number(created_at: datetime, loan_id: int) -> str:
    """贷款编号: LN, the year applied, the loan's id (unique by construction: concurrent applications and deleted
    rows cannot make two loans share a number, as a count of rows could)."""
    return f"LN{created_at.year}{loan_id:08d}"


def shared_with(session: Session, kind: str) -> ColumnElement[bool]:
    """SQL: the loan's risk-share snapshot binds a sharer of ``kind`` (a JSON array of objects with ``party``)."""
    if session.get_bind().dialect.name == "postgresql":
        parts = func.json_array_elements(Loan.sharers).table_valued("value").alias("sharer")
        party: ColumnElement[Any] = parts.c.value.op("->>", return_type=String())("party")
    else:
        parts = func.json_each(Loan.sharers).table_valued("value").alias("sharer")
        party = func.json_extract(parts.c.value, "$.party")
    return exists(select(1).select_from(parts).where(party == kind))


def _text(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > max_length:
        raise LendingError.INVALID_TEXT.error(field=field, max_length=max_length)
    return value


def loan_subjects(loan: Loan) -> list[str]:
    """The records a loan's events concern besides the loan itself."""
    out = [subjects.party(loan.borrower_party_id), subjects.organisation(loan.bank_organisation_id)]
    if loan.right_id is not None and loan.unit_id is not None and loan.parcel_id is not None:
        out = [subjects.right(loan.right_id), subjects.unit(loan.unit_id), subjects.parcel(loan.parcel_id), *out]
    if loan.share_account_id is not None:
        out.append(subjects.share_account(loan.share_account_id))
    if loan.restriction_id is not None:
        out.append(subjects.restriction(loan.restriction_id))
    return out


def _event(session: Session, loan: Loan, event_type: str, actor: str, payload: dict[str, Any],
           also: list[str] | None = None) -> None:
    event = append_event(session, module=MODULE, event_type=event_type, subject=subjects.loan(loan.id), actor=actor,
                         payload={"loan_no": loan.loan_no, "status": loan.status, **payload},
                         also=loan_subjects(loan) + (also or []))
    loan.ledger_seq = event.seq


def _move(loan: Loan, target: LoanStatus) -> None:
    loan.status = rules.transition(loan.status, target).value
    loan.version += 1


def check_collateral(session: Session, *, right: Any, product: Product, maturity: date,
                     consent_document: str | None, own_restriction_id: int | None = None) -> None:
    """The registry checks: no seizure or objection, no prior lien beyond the rules, the right outlives the loan,
    the collective's consent on file where the rules need it (each a typed refusal)."""
    rs = rule_set()
    current = registry.current_restrictions(session, right.unit_id)
    kinds = [r.kind for r in current if r.right_id == right.id]
    if "seizure" in kinds:
        raise LendingError.COLLATERAL_SEIZED.error(right_id=right.id)
    if "objection" in kinds:
        raise LendingError.COLLATERAL_OBJECTION.error(right_id=right.id)
    prior = [r for r in current if r.right_id == right.id and r.kind == "mortgage" and r.id != own_restriction_id]
    allowed = rs.int("max_prior_liens")
    if len(prior) > allowed:
        raise LendingError.PRIOR_LIEN.error(count=len(prior), allowed=allowed)
    if right.term_end is not None and right.term_end < maturity:
        raise LendingError.RIGHT_EXPIRES.error(term_end=right.term_end.isoformat(), maturity=maturity.isoformat())
    if right.right_type in rs.value("consent_required") and not consent_document:
        raise LendingError.CONSENT_MISSING.error(right_type=right.right_type)


def _current_right(session: Session, right_id: int) -> Any:
    right = registry.find_current_right(session, right_id)
    if right is None or right.unit_id is None:
        raise LendingError.RIGHT_NOT_FOUND.error(right_id=right_id)
    return right


@dataclass(frozen=True)
class Terms:
    """An application's terms, parsed and checked against the product."""

    product: Product
    principal: Decimal
    rate: Decimal
    months: int
    method: str
    grace_months: int
    maturity: date


def within_product(product: Product, how: rules.Method, months: int, rate: Decimal) -> None:
    """The repayment method, term and rate within the product's ranges (each a typed refusal): at application and
    at restructuring."""
    if how.value not in product.methods:
        raise LendingError.METHOD_NOT_OFFERED.error(product=product.code, method=how.value)
    if not product.min_months <= months <= product.max_months:
        raise LendingError.TERM_OUT_OF_RANGE.error(min_months=product.min_months, max_months=product.max_months)
    if not product.min_rate <= rate <= product.max_rate:
        raise LendingError.RATE_OUT_OF_RANGE.error(min_rate=str(product.min_rate), max_rate=str(product.max_rate))


def check_terms(product_code: str, principal: Any, annual_rate: Any, months: int, method: str, start: date,
                grace_months: int) -> Terms:
    """The product in force and the amount, rate, term and method within its bounds (each a typed refusal)."""
    product = products(start).get(product_code)
    if product is None:
        raise LendingError.PRODUCT_NOT_FOUND.error(product=product_code[:40])
    amount = rules.parse_money(principal, "principal")
    rate = rules.parse_rate(annual_rate)
    n = rules.parse_months(months)
    how = rules.parse_method(method)
    if amount > rule_set().decimal("max_principal", start):
        raise LendingError.PRINCIPAL_TOO_LARGE.error(max_cny=str(rule_set().decimal("max_principal", start)))
    within_product(product, how, n, rate)
    rows = rules.schedule(amount, rate, n, how.value, start, grace_months)  # checks the grace too
    return Terms(product, amount, rate, n, how.value, grace_months if how.value == "seasonal" else 0,
                 rows[-1].due_date)


def apply_for_loan(session: Session, *, borrower_party_id: int, right_id: int, product_code: str,
                   principal: Any, annual_rate: Any, months: int, method: str, start: date,
                   bank_organisation_id: int, actor: str, grace_months: int = 0,
                   consent_document: str | None = None, applicant_user_id: int | None = None) -> Loan:
    """申请: a borrower applies for a loan against a right they hold (issue #17 item 2)."""
    terms = check_terms(product_code, principal, annual_rate, months, method, start, grace_months)
    product, amount, rate, n = terms.product, terms.principal, terms.rate, terms.months
    consent = _text(consent_document, "consent_document", 120)
    right = _current_right(session, right_id)
    if right.right_type not in product.right_types:
        raise LendingError.RIGHT_TYPE_NOT_ACCEPTED.error(product=product.code, right_type=right.right_type)
    if borrower_party_id not in {pid for pid, _ in registry.holders_of(session, right.id)}:
        raise LendingError.NOT_HOLDER.error(right_id=right.id)
    if exchange.party_is_barred(session, borrower_party_id, start):
        raise LendingError.BORROWER_BARRED.error(party_id=borrower_party_id)
    maturity = terms.maturity
    check_collateral(session, right=right, product=product, maturity=maturity, consent_document=consent)
    unit = registry.get_unit(session, right.unit_id)
    loan = Loan(loan_no=f"LN-{uuid4().hex[:21]}", product_code=product.code,  # placeholder until the id is known
                rules_digest=rule_set().version_at(start).digest, borrower_party_id=borrower_party_id,
                applicant_user_id=applicant_user_id, bank_organisation_id=bank_organisation_id, right_id=right.id,
                unit_id=unit.id, parcel_id=unit.parcel_id, right_type=right.right_type, principal_cny=amount,
                annual_rate=rate, months=n, method=terms.method, grace_months=terms.grace_months, start_date=start,
                maturity=maturity, consent_document=consent, status=LoanStatus.applied,
                region_code=unit.region_code, created_at=now(), sharers=[])
    session.add(loan)
    session.flush()
    loan.loan_no = loan_number(loan.created_at, loan.id)
    _event(session, loan, "loan.applied", actor, {"principal_cny": str(amount), "product": product.code,
                                                    "months": n, "method": terms.method})
    return loan


def apply_for_share_loan(session: Session, *, borrower_party_id: int, collective_id: int, shares: Any,
                         product_code: str, principal: Any, annual_rate: Any, months: int, method: str, start: date,
                         bank_organisation_id: int, actor: str, grace_months: int = 0,
                         consent_document: str | None = None, applicant_user_id: int | None = None) -> Loan:
    """申请 a share-pledge loan (股权质押): a member pledges ``shares`` of their collective asset shares, at most
    what their account holds neither pledged nor reserved by another open application (the shares are reserved
    from now until the application is refused or withdrawn, or its pledge recorded), under a product that takes
    them; shares held by the household need its other members' consent on file (``consent_document``)."""
    terms = check_terms(product_code, principal, annual_rate, months, method, start, grace_months)
    if SHARE_TYPE not in terms.product.right_types:
        raise LendingError.PRODUCT_NOT_FOR_SHARES.error(product=terms.product.code)
    qty = share_pledge.parse_shares(shares)
    consent = _text(consent_document, "consent_document", 120)
    found = share_pledge.pledgeable(session, party_id=borrower_party_id, collective_id=collective_id, shares=qty)
    co_holders = share_pledge.co_holders_consent(session, found, borrower_party_id, consent)
    if exchange.party_is_barred(session, borrower_party_id, start):
        raise LendingError.BORROWER_BARRED.error(party_id=borrower_party_id)
    loan = Loan(loan_no=f"LN-{uuid4().hex[:21]}", product_code=terms.product.code,
                rules_digest=rule_set().version_at(start).digest, borrower_party_id=borrower_party_id,
                applicant_user_id=applicant_user_id, bank_organisation_id=bank_organisation_id, right_id=None,
                unit_id=None, parcel_id=None, collective_id=found.collective_id, share_account_id=found.account_id,
                pledged_shares=qty, right_type=SHARE_TYPE, principal_cny=terms.principal, annual_rate=terms.rate,
                months=terms.months, method=terms.method, grace_months=terms.grace_months, start_date=start,
                maturity=terms.maturity, consent_document=consent, status=LoanStatus.applied,
                region_code=found.region_code, created_at=now(), sharers=[])
    session.add(loan)
    session.flush()
    loan.loan_no = loan_number(loan.created_at, loan.id)
    _event(session, loan, "loan.applied", actor, {"principal_cny": str(terms.principal), "product": terms.product.code,
                                                    "months": terms.months, "method": terms.method,
                                                    "collective_id": collective_id, "pledged_shares": str(qty),
                                                    "co_holders": len(co_holders), "consent_document": consent})
    return loan


def decide_loan(session: Session, *, loan_id: int, approve: bool, actor: str, mortgagee_party_id: int | None = None,
                grade: str | None = None, reason: str | None = None) -> Loan:
    """The bank's credit decision: re-checks the collateral, values it through valuation, applies the LTV cap,
    the product's minimum grade and the bar list, and snapshots the risk share on approval."""
    loan = get_loan(session, loan_id, lock=True)
    note = _text(reason, "reason", 500)
    if not approve:
        _move(loan, LoanStatus.refused)
        loan.note = note
        _event(session, loan, "loan.refused", actor, {"reason": note})
        return loan
    rules.transition(loan.status, LoanStatus.approved)
    product = products(loan.start_date).get(loan.product_code)
    if product is None:
        raise LendingError.PRODUCT_NOT_FOUND.error(product=loan.product_code)
    value = _appraise(session, loan, product)
    cap = Decimal(str(rule_set().value("ltv_caps", loan.start_date).get(loan.right_type, "0")))
    most = rules.ltv_cap(value.value_cny, cap)
    if loan.principal_cny > most:
        raise LendingError.LTV_EXCEEDED.error(max_cny=str(most), ltv_cap=str(cap))
    used = grade or str(rule_set().value("default_grade", loan.start_date))
    if not rules.grade_allows(used, product.min_grade):
        raise LendingError.GRADE_TOO_LOW.error(grade=used, min_grade=product.min_grade)
    if exchange.party_is_barred(session, loan.borrower_party_id):
        raise LendingError.BORROWER_BARRED.error(party_id=loan.borrower_party_id)
    # 守信激励: a grade the bank assessed earns its rate discount; the placeholder default grade only admits
    discount = Decimal(str(rule_set().value("grade_discounts", loan.start_date).get(grade, "0"))) if grade else ZERO
    applied_rate = loan.annual_rate
    _move(loan, LoanStatus.approved)
    loan.annual_rate = rules.discounted_rate(applied_rate, discount, product.min_rate)
    loan.appraised_cny = value.value_cny
    loan.valuation_run_no = value.run_no or None
    loan.grade = used
    loan.mortgagee_party_id = mortgagee_party_id
    loan.sharers = [s.as_dict() | {"claim_deadline_days": product.claim_deadline_days} for s in product.sharers]
    _event(session, loan, "loan.approved", actor, {"appraised_cny": str(value.value_cny), "ltv_cap": str(cap),
                                                     "grade": used, "sharers": loan.sharers,
                                                     "applied_rate": str(applied_rate),
                                                     "annual_rate": str(loan.annual_rate),
                                                     "valuation_run_no": value.run_no or None,
                                                     **value.basis})
    issue_contract(session, loan, actor=actor)  # 借款抵押合同: content and digest now, the PDF by the worker
    return loan


def _appraise(session: Session, loan: Loan, product: Product) -> share_pledge.Appraisal:
    """Re-check the collateral and value it: a right through valuation's mass appraisal of its parcel; a share
    pledge as shares × the collective's book value per share (``share_pledge.value_pledge``)."""
    if loan.collective_id is not None:
        return share_pledge.value_pledge(session, loan)
    right = _current_right(session, right_of(loan))
    check_collateral(session, right=right, product=product, maturity=loan.maturity,
                     consent_document=loan.consent_document)
    value = valuation.collateral_value(session, parcel_of(loan))
    if value is None:
        raise LendingError.NO_VALUATION.error(parcel_id=loan.parcel_id)
    return share_pledge.Appraisal(value.value_cny, value.run_no, {})


def lodge_lien(session: Session, *, loan_id: int, actor: str) -> Loan:
    """Lodge the mortgage (抵押权登记) in the registry for the principal; the registrar approves it there."""
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.lien_lodged)
    if loan.mortgagee_party_id is None:  # checked before anything moves: a refusal leaves the loan as it was
        raise LendingError.MORTGAGEE_MISSING.error()
    if loan.collective_id is not None:
        return _record_share_pledge(session, loan, actor=actor)
    _move(loan, LoanStatus.lien_lodged)
    app = registry.lodge_mortgage(session, actor=actor, unit_id=unit_of(loan),
                                  mortgagee_party_id=loan.mortgagee_party_id, secured_amount=loan.principal_cny,
                                  right_id=right_of(loan), document_no=loan.loan_no)
    loan.lien_application_id = app.id
    _event(session, loan, "loan.lien_lodged", actor, {"application_id": app.id},
           also=[subjects.application(app.id)])
    return loan


def _record_share_pledge(session: Session, loan: Loan, *, actor: str) -> Loan:
    """股权出质登记: the pledge is recorded in the collective's share register at once (民法典 art. 443: the pledge
    exists from its recording), so the loan passes lien_lodged and lien_registered in one step."""
    pledge_id = share_pledge.record_pledge(session, loan, actor=actor)
    _move(loan, LoanStatus.lien_lodged)
    loan.share_pledge_id = pledge_id
    _event(session, loan, "loan.lien_lodged", actor, {"share_pledge_id": pledge_id,
                                                       "pledged_shares": str(loan.pledged_shares)})
    _move(loan, LoanStatus.lien_registered)
    _event(session, loan, "loan.lien_registered", actor, {"share_pledge_id": pledge_id})
    return loan


def confirm_lien(session: Session, *, loan_id: int, actor: str) -> Loan:
    """The mortgage is current in the registry (登簿): the loan may be disbursed. Refused while it is not."""
    loan = get_loan(session, loan_id, lock=True)
    return register_lien(session, loan, registry.current_restrictions(session, unit_of(loan)), actor=actor)


def lien_of(loan: Loan, current: Sequence[Any]) -> Any | None:
    """The loan's mortgage among its unit's current restrictions (the one its lien application made), if any."""
    return next((r for r in current if r.kind == "mortgage" and r.application_id == loan.lien_application_id), None)


def register_lien(session: Session, loan: Loan, current: Sequence[Any], *, actor: str) -> Loan:
    """Confirm a locked loan's lien from its unit's current restrictions (read by the caller, for one loan or a
    batch); refused while its mortgage is not among them."""
    rules.transition(loan.status, LoanStatus.lien_registered)
    mortgage = lien_of(loan, current)
    if mortgage is None:
        raise LendingError.LIEN_NOT_LODGED.error(application_id=loan.lien_application_id)
    _move(loan, LoanStatus.lien_registered)
    loan.restriction_id = mortgage.id
    loan.lien_rank = mortgage.rank
    _event(session, loan, "loan.lien_registered", actor, {"restriction_id": mortgage.id, "rank": mortgage.rank})
    return loan


def may_disburse_before_registration(right_type: str, day: date | None = None) -> bool:
    """Whether money may move while a mortgage on ``right_type`` waits for 登簿: never where registration creates
    the mortgage (民法典 art. 402: buildings, construction land, forest; rule ``constitutive_registration``); only
    where the rule set names it as registered against third parties alone (农村土地承包法 art. 47: the land
    management right; rule ``opposable_registration``, stated from 2026-06-01: before it, no type)."""
    rs = rule_set()
    if right_type in rs.value("constitutive_registration", day):
        return False
    try:
        return right_type in rs.value("opposable_registration", day)
    except KeyError:
        return False


def _lien_pending(session: Session, loan: Loan) -> bool:
    """The loan's mortgage application is lodged with the registry and not yet decided."""
    if loan.lien_application_id is None:
        return False
    return bool(registry.get_application(session, loan.lien_application_id).status == "lodged")


def disburse(session: Session, *, loan_id: int, actor: str) -> Loan:
    """放款: once the mortgage is registered and still current; where the rule set lets money move before (the
    land management right, ``may_disburse_before_registration``), also while the lodged mortgage waits for 登簿,
    the event saying so (registration_pending) and the close of business listing the loan until the registry
    registers it. Builds the instalments."""
    loan = get_loan(session, loan_id, lock=True)
    if loan.status == LoanStatus.approved:
        raise LendingError.LIEN_NOT_REGISTERED.error(status=loan.status)
    rules.transition(loan.status, LoanStatus.disbursed)
    pending = False
    if loan.collective_id is not None:  # a share pledge: recorded and still active in the share register
        if loan.status != LoanStatus.lien_registered or not share_pledge.pledge_recorded(session, loan):
            raise LendingError.PLEDGE_NOT_RECORDED.error()
        return _pay_out(session, loan, actor=actor, pending=False)
    current = registry.current_restrictions(session, unit_of(loan))
    if loan.status == LoanStatus.lien_lodged:
        if lien_of(loan, current) is not None:
            register_lien(session, loan, current, actor=actor)  # registered meanwhile: confirmed first
        elif not may_disburse_before_registration(loan.right_type) or not _lien_pending(session, loan):
            raise LendingError.LIEN_NOT_REGISTERED.error(status=loan.status)
        else:
            pending = True
    if not pending and loan.restriction_id not in {r.id for r in current}:
        raise LendingError.LIEN_NOT_REGISTERED.error(status=loan.status)
    return _pay_out(session, loan, actor=actor, pending=pending)


def _pay_out(session: Session, loan: Loan, *, actor: str, pending: bool) -> Loan:
    """Build the instalments and move the money (the loan is locked and its collateral checked)."""
    rows = rules.schedule(loan.principal_cny, loan.annual_rate, loan.months, loan.method, loan.start_date,
                          loan.grace_months)
    session.add_all(Instalment(loan_id=loan.id, n=r.n, due_date=r.due_date, principal_cny=r.principal,
                               interest_cny=r.interest, paid_principal_cny=Decimal("0.00"),
                               paid_interest_cny=Decimal("0.00")) for r in rows)
    _move(loan, LoanStatus.disbursed)
    loan.disbursed_at = now()
    loan.outstanding_cny = loan.principal_cny
    _event(session, loan, "loan.disbursed", actor, {"principal_cny": str(loan.principal_cny),
                                                      "maturity": loan.maturity.isoformat(),
                                                      "registration_pending": pending})
    session.flush()
    return loan


def record_late_registration(session: Session, loan: Loan, current: Sequence[Any], *, actor: str) -> bool:
    """A loan disbursed while its (non-constitutive) mortgage was pending: once the registry has registered it,
    record the restriction and its rank (no change of state). Returns whether it did."""
    mortgage = lien_of(loan, current)
    if loan.restriction_id is not None or loan.status not in rules.PERFORMING or mortgage is None:
        return False
    loan.restriction_id = mortgage.id
    loan.lien_rank = mortgage.rank
    loan.version += 1
    _event(session, loan, "loan.lien_registered", actor, {"restriction_id": mortgage.id, "rank": mortgage.rank,
                                                            "after_disbursement": True})
    return True


def withdraw_loan(session: Session, *, loan_id: int, actor: str) -> Loan:
    """The borrower withdraws before the lien is lodged."""
    loan = get_loan(session, loan_id, lock=True)
    _move(loan, LoanStatus.withdrawn)
    _event(session, loan, "loan.withdrawn", actor, {})
    return loan

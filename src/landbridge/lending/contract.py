"""The loan contract (借款抵押合同) of an approved loan as PDF, zh-CN (issue #17 item 2), the way the exchange issues
its documents (exchange/documents.py).

``contract_content`` gathers what the contract prints as plain strings: the parties from the registry (the
borrower and the mortgagee bank; ID numbers masked, rule of thumb 11), the collateral (unit, parcel, right), the
terms (principal in figures and in capital numerals, rate, term, repayment method), the repayment schedule from
``rules.schedule`` (the same function as the CLI, the API and disbursement), the risk share bound at approval and
the rule set's digest. Issuing is part of the approval's transaction: the content, its SHA-256 and
``loan.contract_issued`` in the ledger (number and digest only: no personal data in the event). Rendering the PDF
takes about a second (WeasyPrint with Chinese fonts), so the worker renders issued contracts after the commit
(``render_pending``, a long job), records the PDF's SHA-256 and size and writes ``loan.contract_rendered``. A
download renders the stored content again: its digest must be the recorded one, and once rendered, so must the
PDF's (``lending.contract_tampered`` otherwise).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.kernel.capital_numerals import rmb_capital
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.documents import content_digest, html_to_pdf, print_templates
from landbridge.kernel.ids import mask_id
from landbridge.ledger import append_event, subjects
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Loan, LoanContract
from landbridge.registry import RIGHT_TYPE_LABELS, land_use_label
from landbridge.web.i18n import translator

MODULE = "lending"
TEMPLATES = Path(__file__).parent / "templates"
_env = print_templates(TEMPLATES)
TITLE = "借款抵押合同"
METHOD_NAMES = {"annuity": "等额本息", "equal_principal": "等额本金", "bullet": "按月付息、到期一次还本",
                "seasonal": "宽限期内按月付息、其后等额本息"}
SHARER_NAMES = {"fund": "风险补偿基金", "guarantor": "融资担保机构", "insurer": "保险机构"}
RENDER_BATCH = 8  # contracts one job transaction renders (about a second each): the rest wait for the next tick


def _day(value: Any) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _party(session: Session, party_id: int | None) -> dict[str, str]:
    """A party as printed: name, kind of ID and the ID number masked."""
    if party_id is None:
        return {"name": "—", "id_label": "证件号码", "id_number": "—"}
    party = registry.get_party(session, party_id)
    label = "统一社会信用代码" if party.id_type == "uscc" else "身份证号码"
    return {"name": party.name, "id_label": label, "id_number": mask_id(party.id_number) or "—"}


def _collateral(session: Session, loan: Loan) -> dict[str, str]:
    zh = translator("zh_CN")
    if loan.unit_id is None or loan.right_id is None:  # a share pledge (股权质押): no unit or parcel to print
        return {"unit_code": "—", "parcel_code": "—", "location": "—", "area_m2": "—", "land_use": "—",
                "right_type": zh(RIGHT_TYPE_LABELS.get(loan.right_type, loan.right_type)), "term_end": "—",
                "collective_id": str(loan.collective_id), "share_account_id": str(loan.share_account_id),
                "pledged_shares": f"{loan.pledged_shares}"}
    unit = registry.get_unit(session, loan.unit_id)
    parcel = registry.get_parcel(session, unit.parcel_id)
    right = registry.find_current_right(session, loan.right_id)
    return {"unit_code": unit.unit_code, "parcel_code": parcel.parcel_code, "location": parcel.location or "—",
            "area_m2": f"{parcel.area_m2:,.2f}", "land_use": land_use_label(parcel.land_use_class, zh),
            "right_type": zh(RIGHT_TYPE_LABELS.get(loan.right_type, loan.right_type)),
            "term_end": "长期" if right is None or right.term_end is None else _day(right.term_end)}


def contract_number(loan: Loan) -> str:
    return f"JK-{loan.loan_no}"


def contract_content(session: Session, loan: Loan) -> dict[str, Any]:
    """Everything the contract prints, as JSON-able strings, from an approved loan."""
    rows = rules.schedule(loan.principal_cny, loan.annual_rate, loan.months, loan.method, loan.start_date,
                          loan.grace_months)
    region = get_profile().region(loan.region_code)
    interest = sum((r.interest for r in rows), Decimal("0.00"))
    return {
        "title": TITLE, "number": contract_number(loan), "loan_no": loan.loan_no, "product": loan.product_code,
        "region": region.name if region else loan.region_code, "rules_digest": loan.rules_digest,
        "borrower": _party(session, loan.borrower_party_id), "lender": _party(session, loan.mortgagee_party_id),
        "collateral": _collateral(session, loan), "consent_document": loan.consent_document or "—",
        "appraised": "—" if loan.appraised_cny is None else _money(loan.appraised_cny),
        "valuation_run_no": loan.valuation_run_no or "—", "grade": loan.grade or "—",
        "principal": _money(loan.principal_cny), "principal_capital": rmb_capital(loan.principal_cny),
        "annual_rate": f"{loan.annual_rate * 100:.4f}%", "months": loan.months,
        "method": METHOD_NAMES.get(loan.method, loan.method), "grace_months": loan.grace_months,
        "start": _day(loan.start_date), "maturity": _day(loan.maturity), "total_interest": _money(interest),
        "schedule": [{"n": r.n, "due_date": _day(r.due_date), "principal": _money(r.principal),
                      "interest": _money(r.interest), "payment": _money(r.payment), "balance": _money(r.balance)}
                     for r in rows],
        "sharers": [{"name": SHARER_NAMES.get(str(s["party"]), str(s["party"])),
                     "share": f"{Decimal(str(s['share'])) * 100:.2f}%",
                     "cap": "—" if s.get("cap") in (None, "") else _money(Decimal(str(s["cap"]))),
                     "deadline_days": str(s.get("claim_deadline_days", "—")),
                     "advance": "违约时先行代偿" if s.get("advance") else "处置后按比例分担"}
                    for s in loan.sharers or []],
        "issued_on": _day(to_local(now()).date()), "issuer": f"{get_profile().name}农村产权抵押融资服务平台",
    }



def _record(session: Session, loan: Loan, event_type: str, actor: str, payload: dict[str, Any]) -> int:
    event = append_event(session, module=MODULE, event_type=event_type, subject=subjects.loan(loan.id), actor=actor,
                         payload={"loan_no": loan.loan_no, **payload},
                         also=[subjects.party(loan.borrower_party_id),
                               subjects.organisation(loan.bank_organisation_id)])
    return int(event.seq)


def issue_contract(session: Session, loan: Loan, *, actor: str) -> LoanContract:
    """Issue the approved (locked) loan's contract once: its content and digest in the caller's transaction, the
    ledger event with the number and the digest; the PDF is the worker's (``render_pending``)."""
    found = session.execute(select(LoanContract).where(LoanContract.loan_id == loan.id)).scalar_one_or_none()
    if found is not None:
        return found
    content = contract_content(session, loan)
    doc = LoanContract(loan_id=loan.id, number=content["number"], content=content,
                       content_sha256=content_digest(content), issued_at=now(), issued_by=actor)
    session.add(doc)
    session.flush()
    doc.ledger_seq = loan.ledger_seq = _record(session, loan, "loan.contract_issued", actor, {
        "number": doc.number, "content_sha256": doc.content_sha256})
    return doc


def contract_html(content: dict[str, Any]) -> str:
    """The contract as print HTML (A4), used for the PDF."""
    return _env.get_template("lending/contract_print.html").render(d=content)


def render_contract_pdf(content: dict[str, Any]) -> bytes:
    """Render a contract's stored content as an A4 PDF with Chinese text (same content, same bytes)."""
    return html_to_pdf(contract_html(content), TEMPLATES)


def render_pending(session: Session, *, limit: int = RENDER_BATCH) -> int:
    """The worker's long job: render issued contracts without a PDF, oldest first, record each PDF's SHA-256 and
    size and write ``loan.contract_rendered`` (a contract another worker holds is skipped; none is rendered twice).
    A contract whose content no longer has its recorded digest stops the batch (``lending.contract_tampered``)."""
    docs = session.execute(
        select(LoanContract).where(LoanContract.rendered_at.is_(None)).order_by(LoanContract.id)
        .limit(limit).with_for_update(skip_locked=True)).scalars().all()
    for doc in docs:
        if content_digest(doc.content) != doc.content_sha256:
            raise LendingError.CONTRACT_TAMPERED.error(number=doc.number)
        pdf = render_contract_pdf(doc.content)
        loan = session.get(Loan, doc.loan_id)
        assert loan is not None
        doc.sha256, doc.size_bytes, doc.rendered_at = hashlib.sha256(pdf).hexdigest(), len(pdf), now()
        doc.render_seq = _record(session, loan, "loan.contract_rendered", "system:worker", {
            "number": doc.number, "sha256": doc.sha256, "size_bytes": doc.size_bytes})
    session.flush()
    return len(docs)


def get_contract(session: Session, loan_id: int) -> LoanContract:
    doc = session.execute(select(LoanContract).where(LoanContract.loan_id == loan_id)).scalar_one_or_none()
    if doc is None:
        raise LendingError.CONTRACT_NOT_FOUND.error(loan_id=loan_id)
    return doc


def contract_pdf(session: Session, *, loan_id: int) -> tuple[LoanContract, bytes]:
    """A contract's PDF rendered again from its stored content: the content's digest must be the one recorded at
    issue and, once the worker has rendered it, the PDF's the one recorded then (nothing is written)."""
    doc = get_contract(session, loan_id)
    if content_digest(doc.content) != doc.content_sha256:
        raise LendingError.CONTRACT_TAMPERED.error(number=doc.number)
    pdf = render_contract_pdf(doc.content)
    if doc.sha256 is not None and hashlib.sha256(pdf).hexdigest() != doc.sha256:
        raise LendingError.CONTRACT_TAMPERED.error(number=doc.number)
    return doc, pdf

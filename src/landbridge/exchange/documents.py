"""Award confirmation (成交确认书) and contract (产权交易合同) of a lot as PDF, zh-CN (F4, L6; issue #6 item 6).

``document_content`` gathers what a document prints as plain strings (lot, result, parties from the registry,
the right and unit, the price in figures and in capital numerals, the deposit converted to earnest money,
payment terms and the lot kind's mandatory clauses from the rule set the lot was created under).

Issuing is part of the award's transaction: it stores that content with the document number and the content's
SHA-256 (``content_digest``) and writes ``document_issued`` to the ledger. Rendering the PDF takes about a second
(WeasyPrint with Chinese fonts), too long to hold the lot's lock and the award's transaction open, so the worker
renders issued documents after the commit (``render_pending``, a long job), records the PDF's SHA-256 and size
and writes ``document_rendered``. A download renders the stored content again: its content digest must be the
recorded one, and once rendered, so must the PDF's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from string import Formatter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile, rules_used
from landbridge.errors import DomainError
from landbridge.exchange.document_models import ExchangeDocument
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.lots import lock_lot
from landbridge.exchange.models import Bidder, Deposit, Lot, LotResult
from landbridge.exchange.rules import LotPhase
from landbridge.exchange.settlement_rules import payment_plan
from landbridge.kernel.capital_numerals import rmb_capital
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.documents import content_digest, html_to_pdf, print_templates
from landbridge.kernel.ids import mask_id
from landbridge.kernel.workdays import add_workdays
from landbridge.registry import RIGHT_TYPE_LABELS, land_use_label
from landbridge.web.i18n import translator

TEMPLATES = Path(__file__).parent / "templates"
_env = print_templates(TEMPLATES)
ISSUED_PHASES = (LotPhase.confirmed, LotPhase.settled, LotPhase.handed_over)
MISSING = "（未载明，签约前须补正）"
KIND_NAMES = {"land_management_right": "土地经营权", "forest_right": "林权", "collective_asset": "农村集体资产",
              "collective_construction_land": "集体经营性建设用地使用权", "construction_quota": "建设用地指标",
              "collateral": "抵押物处置"}
PLACEHOLDER_NAMES = {"term_start": "起始日期", "term_end": "终止日期", "source_term_end": "承包期限",
                     "resolution_ref": "集体决议文号", "land_use": "土地用途"}
METHOD_NAMES = {"listing": "挂牌（限时竞价）", "auction": "网络拍卖", "tender": "招标", "negotiated": "协议转让"}


class DocumentKind(StrEnum):
    """The documents of an awarded lot."""

    award_confirmation = "award_confirmation"
    contract = "contract"


TITLES = {DocumentKind.award_confirmation: "成交确认书", DocumentKind.contract: "农村产权交易合同"}


def _day(value: date | None) -> str:
    return MISSING if value is None else f"{value.year}年{value.month}月{value.day}日"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _party(session: Session, party_id: int | None) -> dict[str, str]:
    """A party as printed: name, kind of ID and the ID number masked (rule of thumb 11)."""
    if party_id is None:
        return {"name": MISSING, "id_label": "证件号码", "id_number": "—", "address": "—"}
    party = registry.get_party(session, party_id)
    label = "统一社会信用代码" if party.id_type == "uscc" else "身份证号码"
    return {"name": party.name, "id_label": label, "id_number": mask_id(party.id_number) or "—",
            "address": party.address or "—"}


def _rule(values: dict[str, Any], kind: str, name: str) -> Any:
    return values.get(f"{kind}.{name}", values.get(f"default.{name}"))


def contract_clauses(lot_kind: str, rule_version: date) -> list[dict[str, str]]:
    """The clauses every contract carries, then the lot kind's mandatory clauses (exchange.toml, with sources)."""
    rules = get_profile().rules("exchange").version_at(rule_version).rules
    out: list[dict[str, str]] = []
    for name in ("default.contract_clauses", f"{lot_kind}.contract_clauses"):
        if name in rules:
            out += [{"code": str(c["code"]), "text": str(c["text"]), "source": str(c["source"])}
                    for c in rules[name].value]
    return out


def _subject(session: Session, lot: Lot) -> dict[str, Any]:
    """The unit, parcel and right the lot transfers, from the registry (empty strings where a lot has none)."""
    zh = translator("zh_CN")
    out: dict[str, Any] = {"unit_code": "—", "parcel_code": "—", "location": "—", "area_m2": "—",
                           "land_use": MISSING, "right_type": "—", "source_term_end": MISSING,
                           "resolution_ref": MISSING}
    if lot.unit_id is None:
        return out
    unit = registry.get_unit(session, lot.unit_id)
    parcel = registry.get_parcel(session, unit.parcel_id)
    out.update(unit_code=unit.unit_code, parcel_code=parcel.parcel_code, location=parcel.location or "—",
               area_m2=f"{parcel.area_m2:,.2f}", land_use=land_use_label(parcel.land_use_class, zh))
    right = next((r for r in registry.current_rights(session, lot.unit_id) if r.id == lot.right_id), None)
    if right is not None:
        out["right_type"] = zh(RIGHT_TYPE_LABELS.get(right.right_type, right.right_type))
        out["source_term_end"] = _day(right.term_end) if right.term_end else "长期"
        out["resolution_ref"] = str((right.attrs or {}).get("resolution_ref") or MISSING)
    return out


def document_content(session: Session, lot: Lot, result: LotResult, kind: DocumentKind) -> dict[str, Any]:
    """Everything a document prints, as JSON-able strings (no database objects), from a confirmed award."""
    assert result.price_cny is not None and result.confirmed_at is not None and result.winner_bidder_id is not None
    version = rules_used("exchange", date.fromisoformat(lot.rule_version), lot.rule_digest)
    values = {name: r.value for name, r in version.rules.items()}
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == result.winner_bidder_id)).scalar_one()
    bidder = session.get(Bidder, result.winner_bidder_id)
    assert bidder is not None
    confirmed_on = to_local(result.confirmed_at).date()
    sign_days = int(_rule(values, lot.kind, "contract_signing_working_days"))
    pay_days = int(_rule(values, lot.kind, "balance_payment_working_days"))
    sign_by = add_workdays(confirmed_on, sign_days)
    balance = result.price_cny - deposit.amount_cny
    plan = payment_plan(result.price_cny, deposit.amount_cny, confirmed_on,
                        _rule(values, lot.kind, "instalments") or [], sign_days, pay_days)
    subject = _subject(session, lot)
    fill = {"term_start": _day(lot.term_start), "term_end": _day(lot.term_end), **subject}
    raw = contract_clauses(lot.kind, version.effective_from)
    used = {name for c in raw for _, name, _, _ in Formatter().parse(c["text"]) if name}
    clauses = [{**c, "text": c["text"].format_map(fill)} for c in raw]
    region = get_profile().region(lot.region_code)
    number = result.confirmation_no if kind == DocumentKind.award_confirmation else f"HT-{lot.number}"
    return {
        "kind": kind.value, "title": TITLES[kind], "number": number, "confirmation_no": result.confirmation_no,
        "lot_number": lot.number, "lot_title": lot.title, "lot_kind": KIND_NAMES.get(lot.kind, lot.kind),
        "method": METHOD_NAMES.get(lot.method, lot.method), "region": region.name if region else lot.region_code,
        "rule_version": lot.rule_version, "seller": _party(session, lot.seller_party_id),
        "buyer": _party(session, result.winner_party_id), "bidder_code": bidder.bidder_code,
        "subject": subject, "term": f"{_day(lot.term_start)}至{_day(lot.term_end)}" if lot.term_start else "—",
        "decided_on": _day(to_local(result.decided_at).date()), "confirmed_on": _day(confirmed_on),
        "price": _money(result.price_cny), "price_capital": rmb_capital(result.price_cny),
        "start_price": _money(lot.start_price_cny), "deposit": _money(deposit.amount_cny),
        "deposit_capital": rmb_capital(deposit.amount_cny), "balance": _money(balance),
        "balance_capital": rmb_capital(balance), "sign_days": sign_days, "sign_by": _day(sign_by),
        "pay_days": pay_days, "pay_by": _day(plan[-1].due_on), "clauses": clauses,
        "instalments": [{"seq": i.seq, "amount": _money(i.amount), "amount_capital": rmb_capital(i.amount),
                         "due_by": _day(i.due_on)} for i in plan],
        "issuer": f"{get_profile().name}农村产权交易中心",
        "missing": [PLACEHOLDER_NAMES.get(k, k) for k in sorted(used) if fill.get(k) == MISSING],
    }


def document_html(content: dict[str, Any]) -> str:
    """A document as print HTML (A4), used for the PDF."""
    return _env.get_template("exchange/document_print.html").render(d=content)


def render_document_pdf(content: dict[str, Any]) -> bytes:
    """Render a document's stored content as an A4 PDF with Chinese text (deterministic: same content, same bytes)."""
    return html_to_pdf(document_html(content), TEMPLATES)


def _confirmed_result(session: Session, lot: Lot) -> LotResult:
    result = session.execute(select(LotResult).where(LotResult.lot_id == lot.id)).scalar_one_or_none()
    if lot.phase not in ISSUED_PHASES or result is None or result.confirmed_at is None:
        raise documents_not_available(lot.id)
    return result


def documents_not_available(lot_id: int) -> DomainError:
    return ExchangeError.DOCUMENTS_NOT_AVAILABLE.error(lot_id=lot_id)



def issue_documents(session: Session, *, lot_id: int, actor: str) -> list[ExchangeDocument]:
    """Issue the award confirmation and the contract of a confirmed lot (once each; F4, L6): their content and
    its digest now, in the caller's transaction; the PDFs are the worker's (``render_pending``)."""
    lot = lock_lot(session, lot_id)
    result = _confirmed_result(session, lot)
    have = {d.kind: d for d in list_documents(session, lot.id)}
    for kind in DocumentKind:
        if kind in have:
            continue
        content = document_content(session, lot, result, kind)
        doc = ExchangeDocument(lot_id=lot.id, kind=kind.value, number=content["number"], content=content,
                               content_sha256=content_digest(content), issued_at=now(), issued_by=actor)
        session.add(doc)
        session.flush()
        doc.ledger_seq = record(session, lot, "document_issued", actor, {
            "kind": kind.value, "number": doc.number, "content_sha256": doc.content_sha256})
        have[kind] = doc
    return [have[k] for k in DocumentKind]


RENDER_BATCH = 8  # documents one job transaction renders (about a second each): the rest wait for the next tick


def render_pending(session: Session, *, limit: int = RENDER_BATCH) -> int:
    """Render issued documents that have no PDF yet, oldest first: record each PDF's SHA-256 and size and write
    ``document_rendered`` (the worker's long job; a document another worker holds is skipped, a rendered one is
    never rendered twice). Returns the documents rendered.

    A document whose stored content no longer has its recorded digest stops the batch with
    ``document_digest_mismatch``: the records were changed outside the platform, and rendering waits until
    someone has looked (the worker logs the refusal on every tick)."""
    docs = session.execute(
        select(ExchangeDocument).where(ExchangeDocument.rendered_at.is_(None)).order_by(ExchangeDocument.id)
        .limit(limit).with_for_update(skip_locked=True)).scalars().all()
    for doc in docs:
        if content_digest(doc.content) != doc.content_sha256:
            raise ExchangeError.DOCUMENT_DIGEST_MISMATCH.error(number=doc.number)
        pdf = render_document_pdf(doc.content)
        lot = session.get(Lot, doc.lot_id)
        assert lot is not None
        doc.sha256, doc.size_bytes, doc.rendered_at = hashlib.sha256(pdf).hexdigest(), len(pdf), now()
        doc.render_seq = record(session, lot, "document_rendered", "system:worker", {
            "kind": doc.kind, "number": doc.number, "sha256": doc.sha256, "size_bytes": doc.size_bytes})
    session.flush()
    return len(docs)


def list_documents(session: Session, lot_id: int) -> Sequence[ExchangeDocument]:
    """The documents issued for a lot, award confirmation first."""
    rows = session.execute(select(ExchangeDocument).where(ExchangeDocument.lot_id == lot_id)).scalars().all()
    order = list(DocumentKind)
    return sorted(rows, key=lambda d: order.index(DocumentKind(d.kind)))


def document_pdf(session: Session, *, lot_id: int, kind: DocumentKind) -> tuple[ExchangeDocument, bytes]:
    """An issued document's PDF, rendered again from its stored content: the content's digest must be the one
    recorded at issue and, once the worker has rendered it, the PDF's digest the one recorded then (a document
    not yet rendered is rendered for the reader; nothing is written)."""
    doc = session.execute(select(ExchangeDocument).where(ExchangeDocument.lot_id == lot_id,
                                                         ExchangeDocument.kind == kind.value)).scalar_one_or_none()
    if doc is None:
        raise documents_not_available(lot_id)
    if content_digest(doc.content) != doc.content_sha256:
        raise ExchangeError.DOCUMENT_DIGEST_MISMATCH.error(number=doc.number)
    pdf = render_document_pdf(doc.content)
    if doc.sha256 is not None and hashlib.sha256(pdf).hexdigest() != doc.sha256:
        raise ExchangeError.DOCUMENT_DIGEST_MISMATCH.error(number=doc.number)
    return doc, pdf

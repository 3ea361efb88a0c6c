"""Registry pages: parcel page, registrar's work queue, certificate verification and the certificate PDF (R1-R3, P2).

Reads go straight to the registry tables (this module is inside ``registry``); every state change
goes through the registry service, in the request's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from shapely.geometry import mapping
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from landbridge.auth import Role, check_region, optional_principal, organisation_names
from landbridge.auth.pages import page_caller
from landbridge.auth.service import Principal, region_prefix
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.kernel import modules
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.ids import mask_id
from landbridge.ledger import history_panel, subjects
from landbridge.privacy import list_reads
from landbridge.registry import personal
from landbridge.registry.certificate_pdf import CertificateData, CertificateHolder, render_certificate_pdf
from landbridge.registry.errors import RegistryError
from landbridge.registry.labels import RIGHT_TYPE_LABELS, land_use_label
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    Parcel,
    Party,
    PartyKind,
    PropertyUnit,
    RecordStatus,
    Restriction,
    Right,
    RightHolder,
)
from landbridge.registry.queries import holders_of
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale, translator
from landbridge.web.render import render, render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

KIND_LABELS = {"first": "First registration", "transfer": "Transfer", "change": "Change",
               "cancellation": "Cancellation", "correction": "Correction", "objection": "Objection",
               "advance_notice": "Advance notice", "seizure": "Seizure", "mortgage": "Mortgage"}
RESTRICTION_LABELS = {"mortgage": "Mortgage", "seizure": "Seizure", "objection": "Objection",
                      "advance_notice": "Advance notice"}
STATUS_LABELS = {"pending": "Pending", "current": "Current", "historic": "Historic", "cancelled": "Cancelled",
                 "lodged": "Lodged", "approved": "Approved", "rejected": "Rejected", "withdrawn": "Withdrawn",
                 "valid": "Valid", "void": "Void"}


@dataclass
class HolderView:
    """A holder as shown on a page: name, (masked) ID number, share."""

    name: str
    id_number: str | None
    share: str


@dataclass
class RightView:
    right: Right
    holders: list[HolderView]
    restrictions: list[Restriction] = field(default_factory=list)


_PAGE_NOT_FOUND = {"parcel": RegistryError.PARCEL_PAGE_NOT_FOUND,
                   "application": RegistryError.APPLICATION_PAGE_NOT_FOUND,
                   "certificate": RegistryError.CERTIFICATE_PAGE_NOT_FOUND}


def _not_found(what: str) -> DomainError:
    return _PAGE_NOT_FOUND[what].error()


def _sees_full_ids(principal: Principal | None, region_code: str) -> bool:
    """Registrars and supervisors of the region see full ID numbers; everyone else sees them masked."""
    return (principal is not None and principal.role in (Role.registrar, Role.supervisor)
            and principal.covers_region(region_code))


def _holders(session: Session, right_ids: list[int], full_ids: bool, principal: Principal | None = None,
             purpose: str | None = None) -> dict[int, list[HolderView]]:
    """Holders as shown: a person's or household's name whole only in the reader's scope (whole reads recorded
    under ``purpose``), ID numbers whole only with ``full_ids``; organisations in full (issue #12 item 4)."""
    rows = session.execute(select(RightHolder, Party).join(Party, Party.id == RightHolder.party_id)
                           .where(RightHolder.right_id.in_(right_ids)).order_by(RightHolder.id)).all()
    persons = {party.id for _, party in rows if party.kind != PartyKind.organisation}
    whole = persons if full_ids else personal.parties_in_scope(session, principal, persons)
    out: dict[int, list[HolderView]] = {rid: [] for rid in right_ids}
    for holder, party in rows:
        share = str(Fraction(holder.share_num, holder.share_den))
        name = personal.shown_name(party.kind, party.name, party.id in whole)
        out[holder.right_id].append(HolderView(name, party.id_number if full_ids else mask_id(party.id_number),
                                               share))
    if principal is not None and purpose is not None and whole:
        personal.record_party_reads(session, principal, whole, purpose=purpose)
    return out


def _labels(request: Request) -> dict[str, Any]:
    _ = translator(request_locale(request))
    return {"right_type": {k: _(v) for k, v in RIGHT_TYPE_LABELS.items()},
            "kind": {k: _(v) for k, v in KIND_LABELS.items()},
            "restriction": {k: _(v) for k, v in RESTRICTION_LABELS.items()},
            "status": {k: _(v) for k, v in STATUS_LABELS.items()}}


def _humaniser(labels: dict[str, Any]) -> Any:
    """Summaries written by the service name right types by their code; show their label instead."""
    names: dict[str, str] = labels["right_type"]

    def humanise(summary: str | None) -> str:
        text = summary or ""
        for code in sorted(names, key=len, reverse=True):
            text = text.replace(code, names[code])
        return text

    return humanise


KIND_ORDER = {"parcel": 0, "unit": 1, "right": 2, "restriction": 3}


@router.get("/parcels/{parcel_id}")
def parcel_page(request: Request, parcel_id: int, session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """A parcel's page: units, current rights and holders, restrictions and the full history (R1-R3)."""
    parcel = session.get(Parcel, parcel_id)
    full_ids = parcel is not None and _sees_full_ids(principal, parcel.region_code)
    # a parcel that is only lodged (or was refused) is not in the register yet: staff only
    if parcel is None or (parcel.status in (RecordStatus.pending, RecordStatus.cancelled) and not full_ids):
        return render_error(request, 404, _not_found("parcel").to_dict())
    versions = list(session.scalars(select(Parcel).where(Parcel.parcel_code == parcel.parcel_code)
                                    .order_by(Parcel.id)))
    version_ids = [p.id for p in versions]
    units = list(session.scalars(select(PropertyUnit).where(PropertyUnit.parcel_id.in_(version_ids))
                                 .order_by(PropertyUnit.unit_code, PropertyUnit.id)))
    unit_ids = [u.id for u in units]
    unit_codes = {u.id: u.unit_code for u in units}
    rights = list(session.scalars(select(Right).where(Right.unit_id.in_(unit_ids)).order_by(Right.id)))
    restrictions = list(session.scalars(select(Restriction).where(Restriction.unit_id.in_(unit_ids))
                                        .order_by(Restriction.rank, Restriction.id)))
    holders = _holders(session, [r.id for r in rights], full_ids, principal, "registry.parcel_page")
    current_rights = [RightView(r, holders[r.id], [x for x in restrictions if x.right_id == r.id
                                                   and x.status == RecordStatus.current])
                      for r in rights if r.status == RecordStatus.current]
    versioned: list[Parcel | PropertyUnit | Right | Restriction] = [*versions, *units, *rights, *restrictions]
    app_ids = {x.application_id for x in versioned if x.application_id}
    applications = list(session.scalars(
        select(Application).where(or_(Application.id.in_(app_ids), Application.unit_id.in_(unit_ids)))
        .order_by(Application.lodged_at, Application.id)))
    certificates = list(session.scalars(select(Certificate).where(Certificate.unit_id.in_(unit_ids))
                                        .order_by(Certificate.id)))
    history: list[dict[str, Any]] = []
    for kind, rows in (("parcel", versions), ("unit", units), ("right", rights), ("restriction", restrictions)):
        for row in rows:
            history.append({"kind": kind, "row": row, "start": row.begin_lifespan, "end": row.end_lifespan,
                            "unit_code": unit_codes.get(getattr(row, "unit_id", 0) or 0)
                            or getattr(row, "unit_code", None) or getattr(row, "parcel_code", "")})
    history.sort(key=lambda h: (h["start"] is None, ensure_utc(h["start"]).timestamp() if h["start"] else 0.0,
                                KIND_ORDER[h["kind"]], h["row"].id))
    profile = get_profile()
    labels = _labels(request)
    region = profile.region(parcel.region_code)
    shape = json.dumps({"type": "Feature", "geometry": mapping(parcel.geom), "properties": {}})
    return render(request, "registry/parcel.html", {
        "parcel": parcel, "region": region, "units": units, "current_units": [u for u in units
                                                                             if u.status == RecordStatus.current],
        "current_rights": current_rights, "restrictions": restrictions, "applications": applications,
        "certificates": certificates, "history": history, "unit_codes": unit_codes, "labels": labels,
        "humanise": _humaniser(labels),
        "land_use": land_use_label(parcel.land_use_class, translator(request_locale(request))),
        "shape": shape.replace("</", "<\\/"), "full_ids": full_ids,
        "price": _price_context(session, parcel),
        "ledger_history": history_panel(session, [*(subjects.parcel(v.id) for v in versions),
                                                  *(subjects.unit(u.id) for u in units)])})


def _price_context(session: Session, parcel: Parcel) -> dict[str, Any] | None:
    """The parcel's price context (issue #23): published benchmark zones, appraised value with its interval, recent
    nearby sales, the village's trend; asked of valuation as the fact ``valuation.price_context`` (ADR 0016), for
    current parcels only."""
    if parcel.status != RecordStatus.current:
        return None
    answer: dict[str, Any] = modules.fact("valuation.price_context")(session, parcel.id)
    return answer


def _queue_principal(request: Request, principal: Principal | None) -> Principal | Response:
    """The registrar, or a redirect to the login page (anonymous) or a 403 page (other roles)."""
    return page_caller(request, principal, (Role.registrar,))


QUEUE_PAGE_SIZE = 50


@router.get("/registrar/queue")
def registrar_queue(request: Request, session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal),
                    page: int = Query(1, ge=1, le=100_000)) -> Response:
    """The registrar's work queue: lodged applications of the registrar's region, oldest first, paged (R2)."""
    who = _queue_principal(request, principal)
    if isinstance(who, Response):
        return who
    prefix = region_prefix(who.region_code)
    lodged = (Application.status == ApplicationStatus.lodged,
              Application.region_code.startswith(prefix, autoescape=True))
    total = int(session.execute(select(func.count()).select_from(Application).where(*lodged)).scalar_one())
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    page = min(page, pages)
    applications = list(session.scalars(
        select(Application).where(*lodged).order_by(Application.lodged_at, Application.id)
        .limit(QUEUE_PAGE_SIZE).offset((page - 1) * QUEUE_PAGE_SIZE)))
    unit_ids = [a.unit_id for a in applications if a.unit_id]
    units = {u.id: u for u in session.scalars(select(PropertyUnit).where(PropertyUnit.id.in_(unit_ids)))}
    labels = _labels(request)
    flash = request.session.pop("flash", None)
    message = None
    if isinstance(flash, dict):
        message = {"kind": flash.get("kind"),
                   "text": flash.get("zh") if request_locale(request) == "zh_CN" else flash.get("en")}
    return render(request, "registry/queue.html", {
        "applications": applications, "units": units, "csrf": csrf_token(request), "labels": labels,
        "message": message, "humanise": _humaniser(labels), "page": page, "pages": pages, "total": total})


def _decide(request: Request, session: Session, principal: Principal | None, csrf: str, application_id: int,
            approve: bool, reason: str) -> Response:
    who = _queue_principal(request, principal)
    if isinstance(who, Response):
        return who
    from landbridge import registry  # the service's public functions

    try:
        check_csrf(request, csrf)
        application = session.get(Application, application_id)
        if application is None:
            raise _not_found("application")
        number = application.number
        check_region(who, application.region_code)
        if approve:
            registry.approve_application(session, application_id=application_id, actor=who.actor)
        else:
            registry.reject_application(session, application_id=application_id, actor=who.actor, reason=reason)
    except DomainError as exc:
        session.rollback()  # nothing of a refused decision is kept
        request.session["flash"] = {"kind": "error", "zh": exc.message, "en": exc.message_en}
        if exc.http_status == 403 and exc.code == "web.csrf_failed":
            return render_error(request, exc.http_status, exc.to_dict())
        return RedirectResponse("/registrar/queue", status_code=303)
    if approve:
        request.session["flash"] = {"kind": "ok", "zh": f"申请 {number} 已登簿", "en": f"application {number} approved"}
    else:
        request.session["flash"] = {"kind": "ok", "zh": f"申请 {number} 已不予登记",
                                    "en": f"application {number} rejected"}
    return RedirectResponse("/registrar/queue", status_code=303)


@router.post("/registrar/applications/{application_id}/approve")
def approve(request: Request, application_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> Response:
    """Approve (登簿) a lodged application from the work queue (R2)."""
    return _decide(request, session, principal, csrf, application_id, True, "")


@router.post("/registrar/applications/{application_id}/reject")
def reject(request: Request, application_id: int, csrf: str = Form(""), reason: str = Form(""),
           session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    """Reject (不予登记) a lodged application with a reason, from the work queue (R2)."""
    return _decide(request, session, principal, csrf, application_id, False, reason.strip())


def _certificate_context(session: Session, cert: Certificate, full_ids: bool, principal: Principal | None = None,
                         purpose: str | None = None) -> dict[str, Any]:
    unit = session.get(PropertyUnit, cert.unit_id)
    right = session.get(Right, cert.right_id) if cert.right_id else None
    parcel = session.get(Parcel, unit.parcel_id) if unit else None
    holders = _holders(session, [right.id], full_ids, principal, purpose)[right.id] if right else []
    restrictions: list[Restriction] = []
    if right is not None:
        restrictions = list(session.scalars(select(Restriction).where(
            Restriction.right_id == right.id, Restriction.status == RecordStatus.current)
            .order_by(Restriction.rank, Restriction.id)))
    return {"cert": cert, "unit": unit, "right": right, "parcel": parcel, "holders": holders,
            "restrictions": restrictions}


@router.get("/verify/{token}")
def verify_page(request: Request, token: str, session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Public certificate verification (the QR code's target): number, status, holders masked, ledger proof (P2)."""
    cert = session.execute(select(Certificate).where(Certificate.verify_token == token)).scalar_one_or_none()
    if cert is None:
        exc = RegistryError.CERTIFICATE_NOT_FOUND.error()
        return render_error(request, exc.http_status, exc.to_dict())
    ctx = _certificate_context(session, cert, full_ids=False, principal=principal,
                               purpose="registry.certificate_verify")
    ctx["labels"] = _labels(request)
    return render(request, "registry/verify.html", ctx)


def _term(right: Right | None) -> str:
    if right is None or (right.term_start is None and right.term_end is None):
        return "长期"
    start = right.term_start.isoformat() if right.term_start else ""
    end = right.term_end.isoformat() if right.term_end else "长期"
    return f"{start} 至 {end}"


def _restriction_text(r: Restriction) -> str:
    zh = translator("zh_CN")
    text = zh(RESTRICTION_LABELS.get(r.kind, r.kind))
    if r.rank is not None:
        text += f"（第{r.rank}顺位）"
    if r.expires_at is not None:
        text += f"，至 {to_local(r.expires_at).date().isoformat()}"
    if r.document_no:
        text += f"，文号 {r.document_no}"
    return text


def certificate_data(request: Request, session: Session, cert: Certificate) -> CertificateData:
    """Gather what a certificate prints, from the registry rows (R2)."""
    ctx = _certificate_context(session, cert, full_ids=True)
    unit: PropertyUnit | None = ctx["unit"]
    parcel: Parcel | None = ctx["parcel"]
    right: Right | None = ctx["right"]
    profile = get_profile()
    zh = translator("zh_CN")
    region = profile.region(cert.region_code)
    location = (parcel.location if parcel and parcel.location else None) or (region.name if region else "")
    issuer = get_profile().raw.get("registration_authority") or f"{profile.name}不动产登记中心"
    encumbrance = cert.kind == CertificateKind.encumbrance
    return CertificateData(
        number=cert.number, title="不动产登记证明" if encumbrance else "不动产权证书", status=cert.status,
        holders=[CertificateHolder(h.name, h.id_number, h.share) for h in ctx["holders"]],
        unit_code=unit.unit_code if unit else "", location=location,
        area_m2=str(parcel.area_m2) if parcel else "", right_type=zh(RIGHT_TYPE_LABELS.get(right.right_type, ""))
        if right else "", land_use=land_use_label(parcel.land_use_class, zh) if parcel else "", term=_term(right),
        issued_on=to_local(cert.issued_at).date() if cert.issued_at else to_local(now()).date(), issuer=str(issuer),
        verify_url=f"{str(request.base_url).rstrip('/')}/verify/{cert.verify_token}", ledger_seq=cert.ledger_seq,
        restrictions=[_restriction_text(r) for r in ctx["restrictions"]])


@router.get("/certificates/{certificate_id}.pdf")
def certificate_pdf(request: Request, certificate_id: int, session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Download a certificate as PDF: the registrar or supervisor of its region, or one of its holders (R2)."""
    if principal is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        return render_error(request, 404, _not_found("certificate").to_dict())
    allowed = _sees_full_ids(principal, cert.region_code)
    if not allowed and principal.party_id is not None and cert.right_id is not None:
        allowed = session.execute(select(RightHolder.id).where(
            RightHolder.right_id == cert.right_id, RightHolder.party_id == principal.party_id)).first() is not None
    if not allowed:
        exc = RegistryError.CERTIFICATE_FORBIDDEN.error()
        return render_error(request, exc.http_status, exc.to_dict())
    if cert.right_id is not None:  # the certificate prints its holders whole: a recorded read (issue #12)
        personal.record_party_reads(session, principal, personal.persons_among(
            session, (pid for pid, _ in holders_of(session, cert.right_id))), purpose="registry.certificate_pdf")
    pdf = render_certificate_pdf(certificate_data(request, session, cert))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{cert.id}.pdf"'})


# --- reads of personal records (issue #12 item 4) ---------------------------------------------------

READS_PAGE_SIZE = 50
PURPOSE_LABELS = {
    "registry.party_read": ("Party record", "查阅权利人信息"),
    "registry.party_create": ("Party registered", "登记权利人"),
    "registry.party_lookup": ("Look-up by ID number", "按证件号查询"),
    "collective.member_roll": ("Member roll", "成员名册"),
    "collective.share_accounts": ("Share accounts", "股权账户"),
    "collective.clerk_desk": ("Collective desk", "集体经济组织工作台"),
    "registry.parcel_detail": ("Parcel detail (API)", "宗地详情（接口）"),
    "registry.parcel_page": ("Parcel page", "宗地页面"),
    "registry.certificate_verify": ("Certificate verification", "证书核验"),
    "registry.certificate_pdf": ("Certificate PDF", "证书下载"),
    "collective.motion_roster": ("Vote roster", "表决名册"),
    "exchange.lot_bidders": ("Lot's bidders (API)", "标的竞买人名单（接口）"),
    "exchange.lot_page_bidders": ("Lot's bidders (page)", "标的竞买人名单"),
    "exchange.collateral_payees": ("Collateral proceeds' payees", "抵押物处置价款受领人"),
    "ledger.private_part": ("Ledger event's private part", "存证事件的非公开部分"),
}
ROLE_LABELS = {
    "registrar": "不动产登记中心", "supervisor": "监督", "admin": "平台管理", "collective_clerk": "集体经济组织经办人",
    "township_official": "乡镇政府", "member": "本人", "bidder": "本人", "exchange_operator": "农村产权交易中心",
    "nr_official": "自然资源局", "bank_officer": "银行", "guarantor_officer": "担保机构", "insurer_officer": "保险机构",
    "fund_manager": "风险补偿基金", "reserve_officer": "土地储备中心",
    "labour_inspector": "劳动保障监察",
    "employer": "用人单位", "employment_officer": "人社就业服务",
    "hotline_operator": "12345 热线",
}


def _purpose(request: Request, code: str) -> str:
    en, zh = PURPOSE_LABELS.get(code, (code, code))
    return zh if request_locale(request) == "zh_CN" else en


def _role(request: Request, role: str) -> str:
    return ROLE_LABELS.get(role, role) if request_locale(request) == "zh_CN" else role.replace("_", " ")


@router.get("/privacy/reads")
def personal_reads_page(request: Request, session: Session = Depends(get_session),
                        principal: Principal | None = Depends(optional_principal),
                        party_id: int | None = Query(None, ge=1, le=2**31 - 1),
                        reader: str | None = Query(None, max_length=120),
                        purpose: str | None = Query(None, max_length=80),
                        before_id: int | None = Query(None, ge=1, le=2**63 - 1)) -> Response:
    """Supervisors' page of reads of unmasked personal records, filterable and paged (P2; 个人信息保护法 art. 55)."""
    who = page_caller(request, principal, (Role.supervisor, Role.admin))
    if isinstance(who, Response):
        return who
    rows = list_reads(session, party_id=party_id, reader=reader or None, purpose=purpose or None,
                      before_id=before_id, limit=READS_PAGE_SIZE)
    older = rows[-1].id if len(rows) == READS_PAGE_SIZE else None
    query = {k: v for k, v in (("party_id", party_id), ("reader", reader), ("purpose", purpose)) if v}
    return render(request, "registry/reads.html", {
        "rows": rows, "older": older, "query": query, "audit": True,
        "purposes": {r.purpose: _purpose(request, r.purpose) for r in rows},
        "roles": {r.reader_role: _role(request, r.reader_role) for r in rows}, "linked": True,
        "orgs": organisation_names(session, {r.reader_organisation_id for r in rows if r.reader_organisation_id})})


@router.get("/me/record-reads")
def my_record_reads_page(request: Request, session: Session = Depends(get_session),
                         principal: Principal | None = Depends(optional_principal),
                         before_id: int | None = Query(None, ge=1, le=2**63 - 1)) -> Response:
    """A person's page of who read their record: role and organisation, when, why (个人信息保护法 art. 44-45)."""
    if principal is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    rows, orgs = personal.my_record_reads(session, principal, before_id=before_id, limit=READS_PAGE_SIZE)
    older = rows[-1].id if len(rows) == READS_PAGE_SIZE else None
    return render(request, "registry/reads.html", {
        "rows": rows, "older": older, "query": {}, "audit": False,
        "purposes": {r.purpose: _purpose(request, r.purpose) for r in rows},
        "roles": {r.reader_role: _role(request, r.reader_role) for r in rows},
        "linked": principal.party_id is not None, "orgs": orgs})

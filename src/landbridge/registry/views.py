"""Registry JSON API (/api/v1): parties, parcels, registrations, applications, certificates (R1-R3).

Permissions: registrars, township officials and collective clerks lodge in their region; only
registrars approve or reject; parcels and certificate verification are public; the supervisor reads.
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path as FsPath
from typing import Any, Literal

import shapely.geometry
from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi import Path as FastPath
from pydantic import BaseModel
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.auth import Principal, Role, check_region, current_principal, optional_principal, require_roles
from landbridge.auth.service import region_prefix
from landbridge.config import get_settings
from landbridge.kernel.clock import ensure_utc
from landbridge.kernel.geo import check_vertex_cap
from landbridge.kernel.ids import mask_id, mask_phone
from landbridge.privacy import list_reads, mask_name
from landbridge.registry import extracts, personal, queries, rules, service
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import Application, Certificate, PartyKind, Restriction, Right
from landbridge.registry.schemas import (
    AdvanceNoticeIn,
    ApplicationPage,
    ApplicationRead,
    CancellationIn,
    CertificateBrief,
    CertificateRead,
    CertificateVerify,
    DocumentRead,
    HolderIn,
    MortgageIn,
    MyRecordRead,
    MyRecordReadPage,
    ObjectionIn,
    ParcelDetail,
    ParcelFeatureCollection,
    ParcelFeatureIn,
    PartyCreate,
    PartyLookup,
    PartyRead,
    PersonalReadPage,
    PersonalReadRead,
    RejectIn,
    RestrictionRead,
    SeizureIn,
    SuitIn,
    TransferIn,
    WithdrawIn,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["registry"], route_class=TransactionalRoute)

LODGERS = (Role.registrar, Role.township_official, Role.collective_clerk)
READERS = (*LODGERS, Role.supervisor, Role.admin)
OFFICIALS = frozenset(READERS) | {Role.nr_official}

lodger = require_roles(*LODGERS)
reader = require_roles(*READERS)
party_reader = require_roles(*READERS, *personal.SELF_ONLY)
registrar = require_roles(Role.registrar)


def _holders(items: list[HolderIn]) -> list[tuple[int, str]]:
    return [(h.party_id, h.share) for h in items]


def _certificate_brief(cert: Certificate) -> CertificateBrief:
    return CertificateBrief(id=cert.id, number=cert.number, kind=cert.kind, status=cert.status, unit_id=cert.unit_id,
                            right_id=cert.right_id, restriction_id=cert.restriction_id, issued_at=cert.issued_at,
                            verify_token=cert.verify_token, ledger_seq=cert.ledger_seq)


def _application(session: Session, app: Application) -> ApplicationRead:
    payload = dict(app.payload or {})
    return ApplicationRead(
        id=app.id, number=app.number, kind=app.kind, status=app.status, region_code=app.region_code,
        unit_id=app.unit_id, summary=app.summary, lodged_by=app.lodged_by, lodged_at=app.lodged_at,
        decided_by=app.decided_by, decided_at=app.decided_at, decision_reason=app.decision_reason, payload=payload,
        warnings=list(payload.get("warnings", [])),
        certificates=[_certificate_brief(c) for c in queries.certificates_of_application(session, app.id)])


def _geometry(geometry: dict[str, Any]) -> BaseGeometry:
    check_vertex_cap(geometry, get_settings().max_polygon_vertices)
    try:
        return shapely.geometry.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, ShapelyError) as exc:
        raise RegistryError.INVALID_GEOMETRY_3.error({"exc": exc}, reason=str(exc)) from None


def _unit_region(session: Session, principal: Principal, unit_id: int) -> None:
    check_region(principal, queries.get_unit(session, unit_id).region_code)


def _app_region(session: Session, principal: Principal, application_id: int) -> Application:
    app = queries.get_application(session, application_id)
    check_region(principal, app.region_code)
    return app


# --- parties ------------------------------------------------------------------------------------

def _party_read(session: Session, party: Any, principal: Principal, *, purpose: str) -> PartyRead:
    """A party as its reader may see it; a whole read of a person's record is recorded (issue #12 item 4)."""
    full = personal.sees_full_ids(principal, party.id)
    if party.kind != PartyKind.organisation:
        personal.record_party_reads(session, principal, [party.id], purpose=purpose)
    return PartyRead(id=party.id, kind=party.kind, name=party.name, id_type=party.id_type,
                     id_number=party.id_number if full else mask_id(party.id_number),
                     phone=party.phone if full else mask_phone(party.phone), address=party.address if full else None,
                     region_code=party.region_code)


@router.post("/parties", response_model=PartyRead, status_code=201)
def create_party(body: PartyCreate, principal: Principal = Depends(lodger),
                 session: Session = Depends(get_session)) -> PartyRead:
    """Register a party (权利人) (R1); a clerk's or township's party is of its area unless a region is given."""
    region_code = body.region_code
    if region_code:
        check_region(principal, region_code)
    elif principal.role in personal.IN_AREA:
        region_code = principal.region_code
    party = service.create_party(session, kind=body.kind, name=body.name, id_type=body.id_type,
                                 id_number=body.id_number, phone=body.phone, address=body.address,
                                 region_code=region_code,
                                 members=[(m.party_id, m.relation, m.share) for m in body.members] or None,
                                 actor=principal.actor)
    return _party_read(session, party, principal, purpose="registry.party_create")


@router.get("/parties/{party_id}", response_model=PartyRead)
def read_party(party_id: int, principal: Principal = Depends(party_reader),
               session: Session = Depends(get_session)) -> PartyRead:
    """A party in the caller's scope (R1; issue #12 item 4): registrar, supervisor and admin all; a clerk its
    collective's people, a township official its township's; a member or bidder only their own record (403 for any
    other id). Out of scope reads as not found, exactly as a missing id (no existence oracle). ID numbers and
    phones are masked unless the caller is a registrar, the admin or the person; the read is recorded."""
    if principal.role in personal.SELF_ONLY and principal.party_id != party_id:
        raise RegistryError.PARTY_FORBIDDEN.error()
    if not personal.in_scope(session, principal, party_id):
        raise queries.party_not_found(party_id)
    return _party_read(session, queries.get_party(session, party_id), principal, purpose="registry.party_read")


@router.post("/parties/lookup", response_model=PartyRead)
def lookup_party(body: PartyLookup, principal: Principal = Depends(reader),
                 session: Session = Depends(get_session)) -> PartyRead:
    """Find a party by its exact ID number through the keyed blind index (R1; issue #12 item 4), within the
    caller's scope: a number that is not registered and one registered outside the scope read alike (404)."""
    party = queries.find_party_by_id_number(session, body.id_type, body.id_number)
    if party is None or not personal.in_scope(session, principal, party.id):
        raise RegistryError.PARTY_NOT_FOUND_4.error()
    return _party_read(session, party, principal, purpose="registry.party_lookup")


# --- reads of personal records (issue #12 item 4) ---------------------------------------------------

DB_INT = 2**31 - 1
auditor = require_roles(Role.supervisor, Role.admin)


@router.get("/privacy/reads", response_model=PersonalReadPage)
def list_personal_reads(party_id: int | None = Query(None, ge=1, le=DB_INT),
                        reader: str | None = Query(None, max_length=120),
                        reader_role: Role | None = None,
                        record: str | None = Query(None, max_length=200),
                        purpose: str | None = Query(None, max_length=80),
                        since: datetime | None = None, until: datetime | None = None,
                        before_id: int | None = Query(None, ge=1, le=2**63 - 1),
                        limit: int = Query(50, ge=1, le=500),
                        principal: Principal = Depends(auditor),
                        session: Session = Depends(get_session)) -> PersonalReadPage:
    """Reads of unmasked personal records, newest first, filterable and paged: supervisors and the admin
    (P2; 个人信息保护法 art. 55; MLPS 2.0 level 3 security audit)."""
    rows = list_reads(session, party_id=party_id, reader=reader, record=record,
                      since=ensure_utc(since) if since else None, until=ensure_utc(until) if until else None,
                      reader_role=reader_role.value if reader_role else None, purpose=purpose,
                      before_id=before_id, limit=limit)
    items = [PersonalReadRead(id=r.id, read_at=ensure_utc(r.read_at), reader=r.reader, reader_role=r.reader_role,
                              reader_organisation_id=r.reader_organisation_id, record=r.record, party_id=r.party_id,
                              purpose=r.purpose) for r in rows]
    return PersonalReadPage(items=items, next_before_id=rows[-1].id if len(rows) == limit else None)


@router.get("/me/record-reads", response_model=MyRecordReadPage)
def list_my_record_reads(before_id: int | None = Query(None, ge=1, le=2**63 - 1),
                         limit: int = Query(50, ge=1, le=500),
                         principal: Principal = Depends(current_principal),
                         session: Session = Depends(get_session)) -> MyRecordReadPage:
    """Who read my record: the reads of the caller's own party record, by role and organisation, when and why
    (个人信息保护法 art. 44-45: a person's right to know and to consult)."""
    rows, names = personal.my_record_reads(session, principal, before_id=before_id, limit=limit)
    items = [MyRecordRead(read_at=ensure_utc(r.read_at), reader_role=r.reader_role, purpose=r.purpose,
                          reader_organisation=names.get(r.reader_organisation_id or 0)) for r in rows]
    return MyRecordReadPage(items=items, next_before_id=rows[-1].id if len(rows) == limit else None)


# --- parcels ------------------------------------------------------------------------------------

@router.post("/parcels", response_model=ApplicationRead, status_code=201)
def lodge_parcel(body: ParcelFeatureIn, principal: Principal = Depends(lodger),
                 session: Session = Depends(get_session)) -> ApplicationRead:
    """Lodge a first registration of a new parcel from a GeoJSON Feature (EPSG:4490) (R1)."""
    props = body.properties
    check_region(principal, props.region_code)
    app = service.lodge_first_registration(
        session, actor=principal.actor, region_code=props.region_code, geometry=_geometry(body.geometry),
        land_use_class=props.land_use_class, location=props.location, right_type=props.right_type,
        holders=_holders(props.holders), feature_code=props.feature_code, attachment=props.attachment,
        term_start=props.term_start, term_end=props.term_end,
        house_holders=_holders(props.house_holders) if props.house_holders else None)
    return _application(session, app)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(x) for x in text.split(","))
    except ValueError:
        raise RegistryError.INVALID_BBOX_2.error() from None
    if not (minx <= maxx and miny <= maxy):
        raise RegistryError.INVALID_BBOX.error()
    return minx, miny, maxx, maxy


@router.get("/parcels", response_model=ParcelFeatureCollection)
def list_parcels(bbox: str = Query(..., description="minx,miny,maxx,maxy (EPSG:4490)"),
                 limit: int = Query(100, ge=1), offset: int = Query(0, ge=0),
                 layer: rules.Layer | None = Query(None, description="ownership (village territories) or use"),
                 session: Session = Depends(get_session)) -> ParcelFeatureCollection:
    """Current parcels in a viewport as GeoJSON (public, no personal data), of one cadastral layer or both (R1)."""
    limit = min(limit, get_settings().page_size_max)
    features, total = queries.list_parcels_in_bbox(session, _bbox(bbox), limit=limit, offset=offset, layer=layer)
    return ParcelFeatureCollection(features=features, total=total, limit=limit, offset=offset)


@router.get("/parcels/{parcel_id}", response_model=ParcelDetail)
def read_parcel(parcel_id: int, as_of: datetime | None = None,
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> ParcelDetail:
    """A parcel with its units, rights, restrictions and history; names masked for the public (R1, R2)."""
    detail = queries.parcel_detail(session, parcel_id, ensure_utc(as_of) if as_of else None)
    holders = [h for unit in detail["units"] for right in unit["rights"] for h in right["holders"]]
    holders += [h for item in detail["history"] for h in item.get("holders", [])]
    persons = personal.persons_among(session, (h["party_id"] for h in holders))
    whole = personal.parties_in_scope(session, principal, persons)
    for holder in holders:  # persons and households outside the reader's scope are shown masked (issue #12)
        if holder["party_id"] in persons and holder["party_id"] not in whole:
            holder["name"] = mask_name(holder["name"])
    if principal is not None and whole:
        personal.record_party_reads(session, principal, whole, purpose="registry.parcel_detail")
    return ParcelDetail(**detail)


@router.get("/parcels/{parcel_id}/extract.{fmt}", response_class=Response)
def parcel_extract(parcel_id: int = FastPath(..., ge=1, le=DB_INT), fmt: Literal["xlsx", "csv"] = FastPath(...),
                   principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> Response:
    """A register extract of the parcel (登记簿摘录; issue #21) for the officials of its area: rights, holders,
    restrictions, ID numbers masked, persons outside the reader's scope masked, each name shown whole recorded."""
    check_region(principal, queries.get_parcel(session, parcel_id).region_code or "")
    with tempfile.TemporaryDirectory() as folder:
        path = FsPath(folder) / f"extract.{fmt}"
        extracts.export_register_extract(session, path, reader=personal.reader_of(principal), parcel_id=parcel_id,
                                         scope=lambda ids: personal.parties_in_scope(session, principal, ids))
        data = path.read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="parcel-{parcel_id}-extract.{fmt}"'})


# --- registrations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lodging:
    """One kind of registration lodged on a unit: its path, endpoint name, body, who may lodge it and the
    service transition it runs. The body's fields are the transition's keyword arguments."""

    path: str
    name: str
    body: type[BaseModel]
    caller: Callable[..., Any]  # the route dependency that admits the caller (require_roles)
    transition: Callable[..., Application]
    doc: str


# the registrations lodged on a current unit (R2, R3): one table, one endpoint shape (issue #14 item 6)
LODGINGS = (
    Lodging("transfer", "lodge_transfer", TransferIn, lodger, service.lodge_transfer,
            "Lodge a transfer (转移登记) (R2, R3)."),
    Lodging("mortgage", "lodge_mortgage", MortgageIn, lodger, service.lodge_mortgage,
            "Lodge a mortgage (抵押权登记) (R3)."),
    Lodging("seizure", "lodge_seizure", SeizureIn, registrar, service.lodge_seizure,
            "Record a court's seizure (查封登记); registrars only (R3)."),
    Lodging("objection", "lodge_objection", ObjectionIn, lodger, service.lodge_objection,
            "Lodge an objection (异议登记) (R3)."),
    Lodging("advance-notice", "lodge_advance_notice", AdvanceNoticeIn, lodger, service.lodge_advance_notice,
            "Lodge an advance notice (预告登记) (R3)."),
    Lodging("cancellation", "lodge_cancellation", CancellationIn, lodger, service.lodge_cancellation,
            "Lodge a cancellation (注销登记) of a restriction or a right (R2, R3)."),
)


def lodging_endpoint(lodging: Lodging) -> Callable[..., ApplicationRead]:
    """The endpoint of one kind of registration: the caller's region holds the unit, then the transition runs
    with the body's fields (holders as (party id, share)) in the request's transaction."""

    def endpoint(body: Any, principal: Principal, session: Session) -> ApplicationRead:
        _unit_region(session, principal, body.unit_id)
        fields = {name: getattr(body, name) for name in type(body).model_fields}
        if "holders" in fields:
            fields["holders"] = _holders(body.holders)
        return _application(session, lodging.transition(session, actor=principal.actor, **fields))

    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("body", keyword, annotation=lodging.body),
        inspect.Parameter("principal", keyword, annotation=Principal, default=Depends(lodging.caller)),
        inspect.Parameter("session", keyword, annotation=Session, default=Depends(get_session)),
    ], return_annotation=ApplicationRead)
    endpoint.__annotations__ = {"body": lodging.body, "principal": Principal, "session": Session,
                                "return": ApplicationRead}
    endpoint.__name__ = endpoint.__qualname__ = lodging.name
    endpoint.__doc__ = lodging.doc
    return endpoint


for _lodging in LODGINGS:
    router.add_api_route(f"/registrations/{_lodging.path}", lodging_endpoint(_lodging), methods=["POST"],
                         response_model=ApplicationRead, status_code=201, name=_lodging.name)


@router.post("/restrictions/{restriction_id}/suit", response_model=RestrictionRead)
def record_suit(restriction_id: int, body: SuitIn, principal: Principal = Depends(registrar),
                session: Session = Depends(get_session)) -> RestrictionRead:
    """Record that the objector filed a suit in time (异议登记后起诉); registrars only (R3)."""
    restriction = session.get(Restriction, restriction_id)
    if restriction is not None:
        check_region(principal, restriction.region_code)
    r = service.record_suit_filed(session, restriction_id=restriction_id, actor=principal.actor, case_no=body.case_no)
    return RestrictionRead(id=r.id, kind=r.kind, status=r.status, unit_id=r.unit_id, right_id=r.right_id,
                           expires_at=r.expires_at, suit_filed_at=r.suit_filed_at)


# --- applications -------------------------------------------------------------------------------

@router.get("/applications", response_model=ApplicationPage)
def list_applications(status: str | None = None, limit: int = Query(50, ge=1), offset: int = Query(0, ge=0),
                      principal: Principal = Depends(reader),
                      session: Session = Depends(get_session)) -> ApplicationPage:
    """Applications in the caller's region, newest first (R1)."""
    limit = min(limit, get_settings().page_size_max)
    apps, total = queries.list_applications(session, status=status, region_prefix=region_prefix(principal.region_code),
                                            limit=limit, offset=offset)
    return ApplicationPage(items=[_application(session, a) for a in apps], total=total, limit=limit, offset=offset)


@router.get("/applications/{application_id}", response_model=ApplicationRead)
def read_application(application_id: int, principal: Principal = Depends(reader),
                     session: Session = Depends(get_session)) -> ApplicationRead:
    """One application with its warnings and certificates (R1)."""
    return _application(session, _app_region(session, principal, application_id))


@router.post("/applications/{application_id}/approve", response_model=ApplicationRead)
def approve(application_id: int, principal: Principal = Depends(registrar),
            session: Session = Depends(get_session)) -> ApplicationRead:
    """Approve (登簿) and issue certificates; registrars only (R1-R3)."""
    _app_region(session, principal, application_id)
    return _application(session, service.approve_application(session, application_id=application_id,
                                                              actor=principal.actor))


@router.post("/applications/{application_id}/reject", response_model=ApplicationRead)
def reject(application_id: int, body: RejectIn, principal: Principal = Depends(registrar),
           session: Session = Depends(get_session)) -> ApplicationRead:
    """Refuse registration (不予登记); registrars only (R1)."""
    _app_region(session, principal, application_id)
    return _application(session, service.reject_application(session, application_id=application_id,
                                                             actor=principal.actor, reason=body.reason))


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationRead)
def withdraw(application_id: int, body: WithdrawIn | None = None, principal: Principal = Depends(lodger),
             session: Session = Depends(get_session)) -> ApplicationRead:
    """Withdraw a lodged application (撤回) (R1)."""
    _app_region(session, principal, application_id)
    return _application(session, service.withdraw_application(session, application_id=application_id,
                                                               actor=principal.actor,
                                                               reason=body.reason if body else None))


@router.post("/applications/{application_id}/documents", response_model=DocumentRead, status_code=201)
async def upload_document(application_id: int, file: UploadFile = File(...), kind: str = Form("other"),
                          ref_no: str | None = Form(None), principal: Principal = Depends(lodger),
                          session: Session = Depends(get_session)) -> DocumentRead:
    """Attach a source document (来源文件) to an application (R1, P2)."""
    limit = get_settings().max_upload_bytes
    content = await file.read(limit + 1)

    def work() -> DocumentRead:
        _app_region(session, principal, application_id)
        doc = service.add_source_document(session, application_id=application_id, kind=kind,
                                          filename=file.filename or "document",
                                          content_type=file.content_type or "application/octet-stream",
                                          content=content, ref_no=ref_no, actor=principal.actor)
        return DocumentRead(id=doc.id, application_id=doc.application_id, kind=doc.kind, ref_no=doc.ref_no,
                            filename=doc.filename, content_type=doc.content_type, size=doc.size, sha256=doc.sha256,
                            uploaded_at=doc.uploaded_at)

    return await run_in_threadpool(work)


# --- certificates -------------------------------------------------------------------------------

def _cert_subject(session: Session, cert: Certificate) -> tuple[str, str | None, str | None, list[tuple[int, str]]]:
    unit = queries.get_unit(session, cert.unit_id)
    right_type: str | None = None
    holders: list[tuple[int, str]] = []
    if cert.right_id is not None:
        right = queries.right_dict(session, session.get_one(Right, cert.right_id))
        right_type = right["right_type"]
        holders = [(h["party_id"], h["name"]) for h in right["holders"]]
    restriction_kind: str | None = None
    if cert.restriction_id is not None:
        restriction = session.get_one(Restriction, cert.restriction_id)
        restriction_kind = restriction.kind
        if restriction.holder_party_id is not None:
            party = queries.get_party(session, restriction.holder_party_id)
            holders = [(party.id, party.name)]
    return unit.unit_code, right_type, restriction_kind, holders


@router.get("/certificates/verify/{token}", response_model=CertificateVerify)
def verify_certificate(token: str, session: Session = Depends(get_session)) -> CertificateVerify:
    """Public QR verification: number, status, unit, right, masked holders, ledger inclusion proof (R1, P2)."""
    cert = queries.get_certificate_by_token(session, token)
    unit_code, right_type, restriction_kind, holders = _cert_subject(session, cert)
    return CertificateVerify(number=cert.number, kind=cert.kind, status=cert.status, unit_code=unit_code,
                             right_type=right_type, restriction_kind=restriction_kind,
                             holders=[mask_name(name) for _, name in holders], issued_at=cert.issued_at,
                             ledger_seq=cert.ledger_seq,
                             inclusion_proof=f"/api/v1/ledger/proofs/inclusion/{cert.ledger_seq}"
                             if cert.ledger_seq else None)


@router.get("/certificates/{certificate_id}", response_model=CertificateRead)
def read_certificate(certificate_id: int, principal: Principal = Depends(reader),
                     session: Session = Depends(get_session)) -> CertificateRead:
    """A certificate with its unit, right and holders (R1)."""
    cert = queries.get_certificate(session, certificate_id)
    check_region(principal, cert.region_code)
    unit_code, right_type, _, holders = _cert_subject(session, cert)
    brief = _certificate_brief(cert)
    return CertificateRead(**brief.model_dump(), application_id=cert.application_id, region_code=cert.region_code,
                           unit_code=unit_code, right_type=right_type,
                           holders=[{"party_id": pid, "name": name} for pid, name in holders])

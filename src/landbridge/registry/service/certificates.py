"""Registry service, certificates and documents: issue the certificates of an approved application (发证) and
attach source documents sealed by their digest (R1, P2)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.config import get_settings
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    RecordStatus,
    Restriction,
    RestrictionKind,
    Right,
    RightType,
    SourceDocument,
)
from landbridge.registry.queries import (
    certificates_of_application,
    get_application,
)
from landbridge.registry.service.shared import MODULE, concerns, next_counter


def _new_certificate(session: Session, app: Application, actor: str, *, kind: CertificateKind, unit_id: int,
                     right_id: int | None, restriction_id: int | None) -> Certificate:
    at = now()
    year = to_local(at).year
    encumbrance = kind is CertificateKind.encumbrance
    serial = next_counter(session, f"{'encumbrance_certificate' if encumbrance else 'certificate'}:{year}")
    number = get_profile().certificate_number(year, serial, encumbrance=encumbrance)
    cert = Certificate(number=number, kind=kind, status=CertificateStatus.valid, unit_id=unit_id, right_id=right_id,
                       restriction_id=restriction_id, application_id=app.id, region_code=app.region_code,
                       issued_at=at, issued_by=actor, verify_token=secrets.token_urlsafe(24))
    session.add(cert)
    session.flush()
    event = append_event(session, module=MODULE, event_type="certificate_issued",
                         subject=subjects.certificate(cert.id), actor=actor,
                         also=[subjects.application(app.id), *concerns(session, app)],
                         payload={"number": number, "kind": kind.value, "unit_id": unit_id, "right_id": right_id,
                                  "restriction_id": restriction_id, "application_id": app.id})
    cert.ledger_seq = event.seq
    session.flush()
    return cert


def issue_for(session: Session, app: Application, actor: str) -> list[Certificate]:
    certs: list[Certificate] = []
    rights = list(session.execute(select(Right).where(Right.application_id == app.id,
                                                             Right.status == RecordStatus.current)
                                         .order_by(Right.id)).scalars())
    types = {r.right_type for r in rights}
    for r in rights:
        if r.right_type == RightType.house_ownership and RightType.homestead_use_right in types:
            continue  # 房地一体: one certificate for the homestead and its house
        certs.append(_new_certificate(session, app, actor, kind=CertificateKind.ownership, unit_id=r.unit_id or 0,
                                      right_id=r.id, restriction_id=None))
    for x in session.execute(select(Restriction).where(Restriction.application_id == app.id,
                                                       Restriction.status == RecordStatus.current,
                                                       Restriction.supersedes_id.is_(None))
                             .order_by(Restriction.id)).scalars():
        if x.kind in (RestrictionKind.mortgage, RestrictionKind.objection, RestrictionKind.advance_notice):
            certs.append(_new_certificate(session, app, actor, kind=CertificateKind.encumbrance, unit_id=x.unit_id,
                                          right_id=x.right_id, restriction_id=x.id))
    return certs


def issue_certificate(session: Session, *, application_id: int, actor: str) -> list[Certificate]:
    """The certificates of an approved application (issued on approval; issues any missing) (R1)."""
    app = get_application(session, application_id, lock=True)
    if app.status != ApplicationStatus.approved:
        raise RegistryError.APPLICATION_NOT_APPROVED.error(status=app.status)
    existing = certificates_of_application(session, app.id)
    return existing or issue_for(session, app, actor)


# --- documents ----------------------------------------------------------------------------------

def add_source_document(session: Session, *, application_id: int, kind: str, filename: str, content_type: str,
                        content: bytes, ref_no: str | None = None, actor: str) -> SourceDocument:
    """Attach a source document (来源文件) to an application, sealed by its SHA-256 in the ledger (R1, P2)."""
    app = get_application(session, application_id)
    limit = get_settings().max_upload_bytes
    if not content:
        raise RegistryError.EMPTY_DOCUMENT.error()
    if len(content) > limit:
        raise RegistryError.DOCUMENT_TOO_LARGE.error(limit=limit, size=len(content))
    digest = hashlib.sha256(content).hexdigest()
    doc = SourceDocument(application_id=app.id, kind=kind[:40], ref_no=ref_no, filename=filename[:200],
                         content_type=content_type[:100], size=len(content), sha256=digest, content=content,
                         uploaded_by=actor, uploaded_at=now())
    session.add(doc)
    session.flush()
    append_event(session, module=MODULE, event_type="document_added", subject=subjects.application(app.id), actor=actor,
                 payload={"document_id": doc.id, "kind": doc.kind, "filename": doc.filename, "size": doc.size,
                          "sha256": digest})
    return doc

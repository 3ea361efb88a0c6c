"""一次不跑 (issue #15 scope 2): uploads of each step (PDF or images, size- and type-checked, SHA-256 in the
ledger), the acting user's signed acknowledgement of a step, and 代办: a township service desk acts for a
collective only while the collective's authorisation is on file.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import township_desks
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import DeskAuthorisation, EntryCase, EntryDocument
from landbridge.market_entry.queries import entry_rules, get_case
from landbridge.market_entry.service import MODULE, _also, _text

MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
ACK_MAX = 500
FILENAME_MAX = 200


def sniff(content: bytes) -> str | None:
    """The media type the file's first bytes say, among PDF, PNG and JPEG; None for anything else."""
    return next((kind for magic, kind in MAGIC.items() if content.startswith(magic)), None)


def check_upload(content: bytes, declared: str) -> str:
    """Refuse an empty, oversized or mistyped file (the declared type must match the magic bytes)."""
    r = entry_rules()
    if not content:
        raise MarketEntryError.INVALID_UPLOAD.error(reason="empty")
    if len(content) > r.upload_max_bytes:
        raise MarketEntryError.INVALID_UPLOAD.error(reason=f"larger than {r.upload_max_bytes} bytes")
    kind = sniff(content)
    if kind is None or kind not in r.upload_types or kind != declared:
        raise MarketEntryError.INVALID_UPLOAD.error(reason=f"type {declared} not accepted or not what the file is")
    return kind


def signature(actor: str, case_number: str, step: str, acknowledgement: str, document_sha256: str = "") -> str:
    """The digest that binds the acting user, the case, the step, the document and the acknowledgement text."""
    return hashlib.sha256("|".join((actor, case_number, step, document_sha256, acknowledgement))
                          .encode("utf-8")).hexdigest()


def acknowledge(session: Session, *, case: EntryCase, step: str, acknowledgement: str, actor: str,
                on_behalf_of: int | None = None) -> str:
    """The acting user's signed acknowledgement of a step (no paper step); its digest goes in the ledger."""
    text = (acknowledgement or "").strip()
    if not text or len(text) > ACK_MAX:
        raise MarketEntryError.ACK_REQUIRED.error()
    digest = signature(actor, case.number, step, text)
    append_event(session, module=MODULE, event_type="step_acknowledged", subject=subjects.entry_case(case.id),
                 actor=actor, payload={"case": case.number, "step": step, "signature_sha256": digest,
                                       "on_behalf_of_collective": on_behalf_of}, also=_also(case))
    return digest


def attach_document(session: Session, *, case_id: int, step: str, filename: str, media_type: str, content: bytes,
                    acknowledgement: str, actor: str) -> EntryDocument:
    """Upload a document of a step (minutes, opinion, appraisal, contract scan …) with the uploader's signed
    acknowledgement; the file's SHA-256 is written to the ledger."""
    case = get_case(session, case_id, lock=True)
    kind = check_upload(content, media_type)
    name = _text(filename, "filename", FILENAME_MAX)
    label = _text(step, "step", 32)
    text = (acknowledgement or "").strip()
    if not text or len(text) > ACK_MAX:
        raise MarketEntryError.ACK_REQUIRED.error()
    sha = hashlib.sha256(content).hexdigest()
    doc = EntryDocument(case_id=case.id, step=label, filename=name, media_type=kind, size_bytes=len(content),
                        sha256=sha, content=content, acknowledgement=text, created_at=now(), created_by=actor)
    session.add(doc)
    session.flush()
    doc.ledger_seq = append_event(
        session, module=MODULE, event_type="document_attached", subject=subjects.entry_case(case.id), actor=actor,
        payload={"case": case.number, "document_id": doc.id, "step": label, "media_type": kind,
                 "size_bytes": len(content), "sha256": sha,
                 "signature_sha256": signature(actor, case.number, label, text, sha)}, also=_also(case)).seq
    session.flush()
    return doc


def authorise_desk(session: Session, *, collective_id: int, desk_organisation_id: int, document: bytes,
                   media_type: str, valid_until: date, actor: str) -> DeskAuthorisation:
    """Put the collective's signed authorisation (委托书) of a township desk on file, hashed in the ledger; the desk
    is a township organisation whose region contains the collective's (``auth.township_desks``)."""
    coll = collective.get_collective(session, collective_id)
    if desk_organisation_id not in dict(township_desks(session, coll.region_code)):
        raise MarketEntryError.NOT_A_TOWNSHIP_DESK.error(desk_organisation_id=desk_organisation_id)
    kind = check_upload(document, media_type)
    today = to_local(now()).date()
    if valid_until <= today:
        raise MarketEntryError.AUTHORISATION_EXPIRED.error(today=today.isoformat(), field="valid_until")
    sha = hashlib.sha256(document).hexdigest()
    row = DeskAuthorisation(collective_id=collective_id, desk_organisation_id=desk_organisation_id,
                            document_sha256=sha, valid_until=valid_until, status="active", created_at=now(),
                            created_by=actor)
    session.add(row)
    session.flush()
    row.ledger_seq = append_event(
        session, module=MODULE, event_type="desk_authorised", subject=subjects.collective(collective_id), actor=actor,
        payload={"authorisation_id": row.id, "desk_organisation_id": desk_organisation_id, "sha256": sha,
                 "media_type": kind, "valid_until": valid_until},
        also=[subjects.organisation(desk_organisation_id)]).seq
    session.flush()
    return row


def revoke_desk(session: Session, *, authorisation_id: int, actor: str,
                collective_id: int | None = None) -> DeskAuthorisation:
    """Revoke an active authorisation (of ``collective_id`` where given: another collective's is refused)."""
    row = session.get(DeskAuthorisation, authorisation_id)
    if row is None or row.status != "active" or (collective_id is not None and row.collective_id != collective_id):
        raise MarketEntryError.NO_AUTHORISATION.error()
    row.status = "revoked"
    session.flush()
    append_event(session, module=MODULE, event_type="desk_revoked", subject=subjects.collective(row.collective_id),
                 actor=actor, payload={"authorisation_id": row.id},
                 also=[subjects.organisation(row.desk_organisation_id)])
    return row


def desk_authorised(session: Session, collective_id: int, desk_organisation_id: int) -> bool:
    """Whether an active authorisation of the collective for this desk is on file today."""
    today = to_local(now()).date()
    return session.execute(select(DeskAuthorisation.id).where(
        DeskAuthorisation.collective_id == collective_id,
        DeskAuthorisation.desk_organisation_id == desk_organisation_id, DeskAuthorisation.status == "active",
        DeskAuthorisation.valid_until >= today)).first() is not None


def require_desk(session: Session, collective_id: int, desk_organisation_id: int) -> None:
    if not desk_authorised(session, collective_id, desk_organisation_id):
        raise MarketEntryError.NO_AUTHORISATION.error(collective_id=collective_id)


def list_authorisations(session: Session, collective_id: int) -> list[DeskAuthorisation]:
    """The collective's desk authorisations, newest first (active, expired and revoked alike)."""
    return list(session.execute(select(DeskAuthorisation).where(DeskAuthorisation.collective_id == collective_id)
                                .order_by(DeskAuthorisation.id.desc()).limit(100)).scalars())


def list_documents(session: Session, case_id: int) -> list[EntryDocument]:
    return list(session.execute(select(EntryDocument).where(EntryDocument.case_id == case_id)
                                .order_by(EntryDocument.id)).scalars())

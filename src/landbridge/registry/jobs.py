"""Registry deadlines: objections lapse without a suit, advance notices expire (R3).

Idempotent: each run selects what is due now and applies a self-guarding transition (a lapsed
restriction is no longer current, so a second run finds nothing).
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects
from landbridge.registry.models import (
    Certificate,
    CertificateStatus,
    RecordStatus,
    Restriction,
    RestrictionKind,
)


def run_due(session: Session) -> int:
    """Lapse objections with no suit filed in time and expired advance notices; returns how many (R3)."""
    at = now()
    stmt = select(Restriction).where(
        Restriction.status == RecordStatus.current,
        Restriction.expires_at.is_not(None),
        Restriction.expires_at <= at,
        or_(and_(Restriction.kind == RestrictionKind.objection, Restriction.suit_filed_at.is_(None)),
            Restriction.kind == RestrictionKind.advance_notice),
    ).order_by(Restriction.id)
    if for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    fired = 0
    for r in session.execute(stmt).scalars().all():
        if r.status != RecordStatus.current:
            continue
        r.status = RecordStatus.historic
        r.end_lifespan = at
        r.attrs = {**(r.attrs or {}), "lapsed": True}
        for cert in session.execute(select(Certificate).where(Certificate.restriction_id == r.id,
                                                              Certificate.status == CertificateStatus.valid)).scalars():
            cert.status = CertificateStatus.void
        session.flush()
        append_event(session, module="registry", event_type="restriction_lapsed", subject=subjects.restriction(r.id),
                     actor="system:worker", payload={"kind": r.kind, "unit_id": r.unit_id,
                                                     "expires_at": r.expires_at.isoformat() if r.expires_at else None})
        fired += 1
    return fired

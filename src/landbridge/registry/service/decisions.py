"""Registry service, decisions: approve (登簿), reject (不予登记) or withdraw a lodged application; approval
re-runs the rules, activates restrictions, lets a mortgage follow a transfer and issues the certificates (R1-R3)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import notices
from landbridge.auth import user_names
from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects
from landbridge.registry import rules
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Parcel,
    PropertyUnit,
    RecordStatus,
    RegistrationKind,
    Restriction,
    RestrictionKind,
    Right,
)
from landbridge.registry.queries import (
    current_restrictions,
    current_rights,
    get_application,
)
from landbridge.registry.service.certificates import issue_for
from landbridge.registry.service.checks import check_overlaps, check_transfer, current_unit, refuse_if_seized
from landbridge.registry.service.shared import MODULE, VERSIONED, concerns, lock_parcels, registry_rules


def _lock_lodged(session: Session, application_id: int) -> Application:
    app = get_application(session, application_id, lock=True)
    session.refresh(app)
    if app.status != ApplicationStatus.lodged:
        raise RegistryError.APPLICATION_NOT_LODGED.error({"app": app}, status=app.status)
    return app


def _pending_rows(session: Session, model: Any, app: Application) -> list[Any]:
    return list(session.execute(select(model).where(model.application_id == app.id,
                                                    model.status == RecordStatus.pending).order_by(model.id)
                                ).scalars())


def _end(row: Any, at: datetime, *, expected: str = RecordStatus.current) -> None:
    if row.status != expected:
        raise RegistryError.SUPERSEDED_NOT_CURRENT.error(id=row.id, status=row.status)
    row.status = RecordStatus.historic
    row.end_lifespan = at


def _lock_row(session: Session, model: Any, row_id: int) -> Any:
    stmt = select(model).where(model.id == row_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()


def _recheck(session: Session, app: Application) -> None:
    """Re-run the rules at approval: the register may have changed since lodging (R1, R3)."""
    if app.kind == RegistrationKind.first and app.payload.get("parcel_id"):
        parcel = session.get(Parcel, app.payload["parcel_id"])
        assert parcel is not None
        lock_parcels(session)
        check_overlaps(session, parcel.geom, layer=rules.layer_of(parcel.parcel_code), statuses=[RecordStatus.current],
                        exclude_ids=[parcel.id])
    elif app.kind == RegistrationKind.transfer:
        unit = current_unit(session, int(app.payload["unit_id"]))
        buyers = [int(p) for p, _ in app.payload["holders"]]
        check_transfer(session, unit, buyers, bool(app.payload.get("mortgagee_consent")),
                       [int(i) for i in app.payload.get("discharged_restriction_ids", [])])
    elif app.payload.get("unit_id"):
        unit = current_unit(session, int(app.payload["unit_id"]))  # locks the unit: restrictions serialise here
        if app.kind not in (RegistrationKind.seizure, RegistrationKind.cancellation) \
                or app.payload.get("cancel_right_id"):
            refuse_if_seized(session, unit)
        live = {r.id for r in current_rights(session, unit.id)}
        for restriction in _pending_rows(session, Restriction, app):
            if restriction.right_id not in live:
                raise RegistryError.RIGHT_NOT_CURRENT_2.error(right_id=restriction.right_id)


def approve_application(session: Session, *, application_id: int, actor: str) -> Application:
    """Approve (登簿): pending rows become current, superseded rows historic, certificates issued (R1-R3)."""
    app = _lock_lodged(session, application_id)
    _recheck(session, app)
    at = now()
    notes: dict[str, Any] = {}
    for model in VERSIONED:
        for row in _pending_rows(session, model, app):
            if row.supersedes_id is not None:
                _end(_lock_row(session, model, row.supersedes_id), at)
            row.status = RecordStatus.current
            row.begin_lifespan = at
            if model is Restriction:
                _activate_restriction(session, row, at)
    session.flush()
    if app.kind == RegistrationKind.transfer:
        notes.update(_follow_transfer(session, app, at))
    elif app.kind == RegistrationKind.cancellation:
        notes.update(_apply_cancellation(session, app, at))
    app.status = ApplicationStatus.approved
    app.decided_by = actor
    app.decided_at = at
    app.version += 1
    session.flush()
    append_event(session, module=MODULE, event_type="application_approved", subject=subjects.application(app.id),
                 also=concerns(session, app), actor=actor,
                 payload={"number": app.number, "kind": app.kind, "unit_id": app.unit_id, **notes})
    issue_for(session, app, actor)
    tell_lodger(session, app)
    return app


def _activate_restriction(session: Session, r: Restriction, at: datetime) -> None:
    reg = registry_rules()
    if r.kind == RestrictionKind.mortgage:
        ranks = session.execute(select(Restriction.rank).where(
            Restriction.unit_id == r.unit_id, Restriction.kind == RestrictionKind.mortgage,
            Restriction.status == RecordStatus.current, Restriction.id != r.id)).scalars().all()
        r.rank = rules.next_mortgage_rank(ranks)
    elif r.kind == RestrictionKind.objection:
        r.expires_at = rules.lapse_at(at, reg.int("objection_lapse_days"))
    elif r.kind == RestrictionKind.advance_notice:
        r.expires_at = rules.lapse_at(at, reg.int("advance_notice_lapse_days"))


def _follow_transfer(session: Session, app: Application, at: datetime) -> dict[str, Any]:
    """The mortgage follows the transferred right (民法典 art. 406); a fulfilled advance notice ends."""
    new_by_old = {r.supersedes_id: r for r in session.execute(
        select(Right).where(Right.application_id == app.id)).scalars()}
    buyers = {int(p) for p, _ in app.payload["holders"]}
    notified: list[dict[str, Any]] = []
    ended: list[int] = []
    follows = bool(registry_rules().value("mortgage_follows_transfer"))
    discharge = {int(i) for i in app.payload.get("discharged_restriction_ids", [])}
    discharged: list[int] = []
    for old in current_restrictions(session, int(app.payload["unit_id"])):
        if old.id in discharge:  # a judicial or collateral sale: the lien or seizure ends with it (涂销)
            _end(old, at)
            for cert in session.execute(select(Certificate).where(Certificate.restriction_id == old.id,
                                                                  Certificate.status == CertificateStatus.valid)
                                        ).scalars():
                cert.status = CertificateStatus.void
            discharged.append(old.id)
        elif old.kind == RestrictionKind.mortgage and old.right_id in new_by_old and follows:
            moved = Restriction(kind=old.kind, unit_id=old.unit_id, right_id=new_by_old[old.right_id].id,
                                holder_party_id=old.holder_party_id, rank=old.rank,
                                secured_amount_cny=old.secured_amount_cny,
                                no_transfer_agreement=old.no_transfer_agreement, expires_at=old.expires_at,
                                document_no=old.document_no, attrs=dict(old.attrs or {}),
                                status=RecordStatus.current, begin_lifespan=at, application_id=app.id,
                                supersedes_id=old.id, region_code=old.region_code)
            _end(old, at)
            session.add(moved)
            session.flush()
            notified.append({"mortgage_id": moved.id, "mortgagee_party_id": old.holder_party_id, "rank": old.rank})
        elif old.kind == RestrictionKind.advance_notice and old.holder_party_id in buyers:
            _end(old, at)
            ended.append(old.id)
    concerned = [subjects.application(app.id), *concerns(session, app)] if notified else []  # once, not per notice
    for rid in discharged:
        append_event(session, module=MODULE, event_type="restriction_discharged", subject=subjects.restriction(rid),
                     actor="system:registry", also=[subjects.application(app.id)],
                     payload={"application_id": app.id, "unit_id": app.unit_id, "reason": app.payload.get("reason")})
    for item in notified:
        append_event(session, module=MODULE, event_type="mortgagee_notified",
                     subject=subjects.restriction(item["mortgage_id"]), actor="system:registry", also=concerned,
                     payload={"application_id": app.id, "unit_id": app.unit_id, **item})
    for cert in session.execute(select(Certificate).where(
            Certificate.right_id.in_(list(new_by_old)), Certificate.kind == CertificateKind.ownership,
            Certificate.status == CertificateStatus.valid)).scalars():
        cert.status = CertificateStatus.void
    session.flush()
    return {"mortgages_followed": notified, "advance_notices_fulfilled": ended,
            **({"restrictions_discharged": sorted(discharged)} if discharge else {})}


def _apply_cancellation(session: Session, app: Application, at: datetime) -> dict[str, Any]:
    rid = app.payload.get("cancel_restriction_id")
    if rid is not None:
        restriction = _lock_row(session, Restriction, int(rid))
        _end(restriction, at)
        for cert in session.execute(select(Certificate).where(Certificate.restriction_id == restriction.id,
                                                              Certificate.status == CertificateStatus.valid)).scalars():
            cert.status = CertificateStatus.void
        return {"cancelled_restriction_id": restriction.id}
    right = _lock_row(session, Right, int(app.payload["cancel_right_id"]))
    on_right = [r for r in current_restrictions(session, right.unit_id or 0) if r.right_id == right.id]
    if on_right:
        raise RegistryError.RIGHT_ENCUMBERED.error(restriction_ids=[r.id for r in on_right])
    _end(right, at)
    for cert in session.execute(select(Certificate).where(Certificate.right_id == right.id,
                                                          Certificate.status == CertificateStatus.valid)).scalars():
        cert.status = CertificateStatus.void
    return {"cancelled_right_id": right.id}


def _decide(session: Session, *, application_id: int, actor: str, status: ApplicationStatus, reason: str | None,
            event: str) -> Application:
    app = _lock_lodged(session, application_id)
    at = now()
    for model in VERSIONED:
        for row in _pending_rows(session, model, app):
            row.status = RecordStatus.cancelled
            row.end_lifespan = at
    app.status = status
    app.decided_by = actor
    app.decided_at = at
    app.decision_reason = reason
    app.version += 1
    session.flush()
    append_event(session, module=MODULE, event_type=event, subject=subjects.application(app.id), actor=actor,
                 also=concerns(session, app), payload={"number": app.number, "reason": reason})
    return app


def reject_application(session: Session, *, application_id: int, actor: str, reason: str) -> Application:
    """Refuse registration (不予登记); pending rows are cancelled, never deleted (R1)."""
    if not reason.strip():
        raise RegistryError.REASON_REQUIRED.error()
    app = _decide(session, application_id=application_id, actor=actor, status=ApplicationStatus.rejected,
                  reason=reason, event="application_rejected")
    tell_lodger(session, app)
    return app


def tell_lodger(session: Session, app: Application) -> None:
    """The account that lodged the application gets a notice of the decision (站内消息, issue #20); an application
    lodged by a system, an import or an account that no longer exists has no one to tell."""
    lodger = re.fullmatch(r"user:(\d+)(?::.*)?", app.lodged_by or "")
    if lodger is None or int(lodger.group(1)) not in user_names(session, [int(lodger.group(1))]):
        return
    approved = app.status == ApplicationStatus.approved
    parcel = session.scalar(select(PropertyUnit.parcel_id).where(PropertyUnit.id == app.unit_id)) \
        if app.unit_id else None
    notices.send(session, user_ids=[int(lodger.group(1))], module=MODULE, kind=f"registry.{app.status}",
                 title_zh=f"登记申请 {app.number} {'已登簿' if approved else '不予登记'}",
                 title_en=f"Application {app.number} {'registered' if approved else 'refused'}",
                 href=f"/parcels/{parcel}" if parcel else "/hall", dedupe_key=f"registry.decision:{app.id}")


def withdraw_application(session: Session, *, application_id: int, actor: str, reason: str | None = None,
                         ) -> Application:
    """Withdraw a lodged application (撤回申请) (R1)."""
    return _decide(session, application_id=application_id, actor=actor, status=ApplicationStatus.withdrawn,
                   reason=reason, event="application_withdrawn")

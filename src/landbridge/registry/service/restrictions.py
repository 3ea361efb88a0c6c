"""Registry service, restrictions: mortgage, seizure, objection, advance notice and cancellation (抵押, 查封,
异议, 预告, 注销登记) lodged as applications, and a suit filed on an objection (R2, R3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.money import to_money
from landbridge.ledger import append_event, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Application,
    RecordStatus,
    RegistrationKind,
    Restriction,
    RestrictionKind,
)
from landbridge.registry.queries import (
    current_restrictions,
    get_party,
)
from landbridge.registry.service import entry_checks
from landbridge.registry.service.applications import lodged_event, new_application
from landbridge.registry.service.checks import current_right, current_unit, refuse_if_seized
from landbridge.registry.service.shared import MODULE


def _lodge_restriction(session: Session, *, actor: str, kind: RestrictionKind, reg_kind: RegistrationKind,
                       unit_id: int, right_id: int | None, holder_party_id: int | None, summary: str,
                       occupy_unit: bool = True, **fields: Any) -> Application:
    unit = current_unit(session, unit_id)
    if holder_party_id is not None:
        get_party(session, holder_party_id)
    if kind is not RestrictionKind.seizure:
        refuse_if_seized(session, unit)
    right = current_right(session, unit, right_id)
    entered = entry_checks.guard_entered(session, [right]) if kind is RestrictionKind.mortgage else []
    app = new_application(session, kind=reg_kind, region_code=unit.region_code,
                           unit_id=unit.id if occupy_unit else None, summary=f"{summary} {unit.unit_code}",
                           actor=actor, payload={})
    restriction = Restriction(kind=kind, unit_id=unit.id, right_id=right.id, holder_party_id=holder_party_id,
                              status=RecordStatus.pending, application_id=app.id, region_code=unit.region_code,
                              **fields)
    session.add(restriction)
    session.flush()
    app.payload = {"restriction_kind": kind.value, "unit_id": unit.id, "unit_code": unit.unit_code,
                   "right_id": right.id, "restriction_ids": [restriction.id], "holder_party_id": holder_party_id,
                   **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in fields.items()
                      if k in ("secured_amount_cny", "no_transfer_agreement", "document_no")}}
    session.flush()
    lodged_event(session, app, actor)
    for r in entered:  # an entered right is mortgaged within its term, with notice to the collective (issue #15)
        entry_checks.notify_collective(session, right=r, action="mortgage", actor=actor,
                                       subject=subjects.application(app.id),
                                       detail={"application_id": app.id, "restriction_id": restriction.id})
    return app


def lodge_mortgage(session: Session, *, actor: str, unit_id: int, mortgagee_party_id: int,
                   secured_amount: Decimal | str, no_transfer_agreement: bool = False, right_id: int | None = None,
                   document_no: str | None = None) -> Application:
    """Lodge a mortgage (抵押权登记) on a unit's right; its rank is fixed at registration (R3)."""
    amount = to_money(secured_amount)
    if amount <= 0:
        raise RegistryError.INVALID_AMOUNT.error()
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.mortgage, reg_kind=RegistrationKind.first,
                              unit_id=unit_id, right_id=right_id, holder_party_id=mortgagee_party_id,
                              summary="抵押权登记", secured_amount_cny=amount,
                              no_transfer_agreement=no_transfer_agreement, document_no=document_no)


def lodge_seizure(session: Session, *, actor: str, unit_id: int, document_no: str, court_party_id: int | None = None,
                  right_id: int | None = None) -> Application:
    """Lodge a seizure (查封登记) on a court's order; it does not wait for pending applications (R3)."""
    if not document_no.strip():
        raise RegistryError.DOCUMENT_NO_REQUIRED.error()
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.seizure, reg_kind=RegistrationKind.seizure,
                              unit_id=unit_id, right_id=right_id, holder_party_id=court_party_id, summary="查封登记",
                              occupy_unit=False, document_no=document_no)


def lodge_objection(session: Session, *, actor: str, unit_id: int, objector_party_id: int, reason: str,
                    right_id: int | None = None) -> Application:
    """Lodge an objection (异议登记); it lapses unless a suit is filed in time (R3)."""
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.objection, reg_kind=RegistrationKind.objection,
                              unit_id=unit_id, right_id=right_id, holder_party_id=objector_party_id,
                              summary="异议登记", attrs={"reason": reason})


def lodge_advance_notice(session: Session, *, actor: str, unit_id: int, holder_party_id: int,
                         document_no: str | None = None, right_id: int | None = None) -> Application:
    """Lodge an advance notice (预告登记) for a buyer; it blocks transfers to anyone else (R3)."""
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.advance_notice,
                              reg_kind=RegistrationKind.advance_notice, unit_id=unit_id, right_id=right_id,
                              holder_party_id=holder_party_id, summary="预告登记", document_no=document_no)


def lodge_cancellation(session: Session, *, actor: str, unit_id: int, reason: str, restriction_id: int | None = None,
                       right_id: int | None = None) -> Application:
    """Lodge a cancellation (注销登记): discharge a restriction or cancel a right (R2, R3)."""
    if (restriction_id is None) == (right_id is None):
        raise RegistryError.CANCELLATION_TARGET.error()
    unit = current_unit(session, unit_id)
    if restriction_id is not None:
        if restriction_id not in {r.id for r in current_restrictions(session, unit.id)}:
            raise RegistryError.RESTRICTION_NOT_CURRENT.error(restriction_id=restriction_id)
    else:
        refuse_if_seized(session, unit)
        current_right(session, unit, right_id)
    app = new_application(session, kind=RegistrationKind.cancellation, region_code=unit.region_code,
                           unit_id=unit.id, summary=f"注销登记 {unit.unit_code}", actor=actor,
                           payload={"reason": reason, "unit_id": unit.id, "unit_code": unit.unit_code,
                                    "cancel_restriction_id": restriction_id, "cancel_right_id": right_id})
    lodged_event(session, app, actor)
    return app


def record_suit_filed(session: Session, *, restriction_id: int, actor: str, case_no: str) -> Restriction:
    """Record that the objector filed a suit in time, so the objection does not lapse (R3)."""
    stmt = select(Restriction).where(Restriction.id == restriction_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    r = session.execute(stmt).scalar_one_or_none()
    if r is None:
        raise RegistryError.RESTRICTION_NOT_FOUND.error(id=restriction_id)
    if r.kind != RestrictionKind.objection or r.status != RecordStatus.current:
        raise RegistryError.NOT_CURRENT_OBJECTION.error(restriction_id=restriction_id)
    if r.suit_filed_at is not None:
        raise RegistryError.SUIT_ALREADY_FILED.error()
    at = now()
    if r.expires_at is not None and at >= ensure_utc(r.expires_at):
        raise RegistryError.OBJECTION_LAPSED.error()
    r.suit_filed_at = at
    r.attrs = {**(r.attrs or {}), "case_no": case_no}
    session.flush()
    append_event(session, module=MODULE, event_type="objection_suit_filed", subject=subjects.restriction(r.id),
                 also=[subjects.unit(r.unit_id), subjects.right(r.right_id)], actor=actor,
                 payload={"case_no": case_no, "unit_id": r.unit_id})
    return r

"""Demands JSON API (/api/v1/demands, issue #20 item 3).

Permissions (the permission-matrix test in tests/demands/test_api.py):
- a demand is taken by a ``member`` online (their own), by phone by the hotline's operator (``hotline_operator``, or a
  ``supervisor``: the 12345 centre), or by a ``township_official`` at the service desk; the channel follows from who
  takes it; only the phone and desk intake may mark a demand urgent (紧急); the operator reads the demands it took;
- the department holding an accepted demand asks for an extension (延期); the hotline (``supervisor``) grants or
  refuses it, reopens a demand whose resident is dissatisfied at the revisit (重办) and merges duplicates (并单);
- the hotline (``supervisor``) dispatches pending demands, rejects them and revisits answered ones;
- the department holding a demand (a ``township_official``, ``nr_official``, ``registrar`` or ``exchange_operator``
  of that organisation) accepts, transfers, returns and answers it (another organisation: 403 ``demands.not_yours``);
- the resident who made it rates it; reading one: that resident, the department holding it and the hotline;
- the statistics are public and hold no personal data.
Anonymous callers get 401, other roles 403. The resident's name and phone are shown in clear to the department and
the hotline only, each read recorded (``privacy.record_read``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.auth import Principal, Role, current_principal, require_roles
from landbridge.demands import handling, service, stats
from landbridge.demands.errors import DemandError
from landbridge.demands.models import DemandTicket
from landbridge.demands.rules import Channel
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/demands", tags=["demands"], route_class=TransactionalRoute)

DEPARTMENT_ROLES = (Role.township_official, Role.nr_official, Role.registrar, Role.exchange_operator)
INTAKE = {Role.member: Channel.online, Role.hotline_operator: Channel.phone, Role.supervisor: Channel.phone,
          Role.township_official: Channel.desk}
intake = require_roles(*INTAKE)
hotline = require_roles(Role.supervisor)
department = require_roles(*DEPARTMENT_ROLES)
Id = Field(ge=1, le=2**31 - 1)
LIST_MAX = 200


def actor_of(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class DemandIn(BaseModel):
    demand_type: str = Field(min_length=1, max_length=16)
    category: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=2000)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    contact_name: str | None = Field(default=None, max_length=60)
    contact_phone: str | None = Field(default=None, max_length=24)
    urgent: bool = False


class DispatchIn(BaseModel):
    department_id: int = Id


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class TransferIn(BaseModel):
    to_department_id: int = Id
    reason: str = Field(min_length=1, max_length=300)


class ExtensionIn(BaseModel):
    days: int = Field(ge=-1000, le=1000)  # the rule set's limit is checked by the service (typed error)
    reason: str = Field(min_length=1, max_length=300)


class MergeIn(BaseModel):
    into_id: int = Id
    reason: str = Field(min_length=1, max_length=300)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class RatingIn(BaseModel):
    satisfaction: int = Field(ge=-100, le=100)  # the rule set's scale is checked by the service (typed error)
    comment: str | None = Field(default=None, max_length=300)


class RevisitIn(BaseModel):
    note: str = Field(min_length=1, max_length=300)
    satisfaction: int | None = Field(default=None, ge=-100, le=100)


def ticket_json(t: DemandTicket, *, contact: tuple[str | None, str | None] | None = None) -> dict[str, Any]:
    """A demand for those who may read it; the contact only where given (the department, the hotline, the
    resident)."""
    out: dict[str, Any] = {
        "id": t.id, "number": t.number, "status": t.status, "channel": t.channel, "demand_type": t.demand_type,
        "category": t.category, "title": t.title, "description": t.description, "region_code": t.region_code,
        "department_id": t.department_id, "accept_due": _day(t.accept_due), "answer_due": _day(t.answer_due),
        "revisit_due": _day(t.revisit_due), "answer": t.answer, "reason": t.reason, "escalation": t.escalation,
        "satisfaction": t.satisfaction, "rating_comment": t.rating_comment, "revisit_note": t.revisit_note,
        "urgent": t.urgent, "extension_days": t.extension_days, "extension_reason": t.extension_reason,
        "extensions": t.extensions, "reopens": t.reopens, "merged_into_id": t.merged_into_id,
        "created_at": t.created_at.isoformat(), "ledger_seq": t.ledger_seq}
    if contact is not None:
        out["contact_name"], out["contact_phone"] = contact
    return out


def _day(d: Any) -> str | None:
    return None if d is None else str(d.isoformat())


def readable(session: Session, p: Principal, t: DemandTicket) -> dict[str, Any]:
    """The demand as ``p`` may see it, the read of its contact recorded; 403 to anyone else."""
    if t.resident_user_id is not None and t.resident_user_id == p.user_id:
        return ticket_json(t, contact=service.contact_of(t))
    if (p.role is Role.supervisor or (p.role in DEPARTMENT_ROLES and t.department_id == p.organisation_id)
            or (p.role is Role.hotline_operator and t.created_by == actor_of(p))):
        privacy.record_read(session, reader=privacy.Reader(actor_of(p), p.role.value, p.organisation_id),
                            record=f"demand_ticket:{t.id}", purpose="demands.handle")
        return ticket_json(t, contact=service.contact_of(t))
    raise DemandError.NOT_YOURS.error()


@router.post("", status_code=201)
def submit(body: DemandIn, p: Principal = Depends(intake), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Take a demand: a resident online, the hotline by phone, a service desk (受理); routed by rule."""
    channel = INTAKE[p.role]
    t = service.submit(session, actor=actor_of(p), channel=channel.value, demand_type=body.demand_type,
                       category=body.category, title=body.title, description=body.description,
                       region_code=body.region_code or p.region_code,
                       resident_user_id=p.user_id if channel is Channel.online else None,
                       contact_name=body.contact_name, contact_phone=body.contact_phone, urgent=body.urgent)
    return ticket_json(t)


@router.get("/stats")
def public_stats(session: Session = Depends(get_session)) -> dict[str, Any]:
    """The public statistics by department: counts, on-time rate, satisfaction (no personal data)."""
    rules = service.demand_rules()
    return {"departments": [{"department_id": s.department_id, "department": s.department,
                             "received": s.received, "open": s.open, "answered": s.answered, "on_time": s.on_time,
                             "on_time_rate": None if s.on_time_rate is None else str(s.on_time_rate),
                             "rated": s.rated, "satisfaction": None if s.satisfaction is None else str(s.satisfaction),
                             "bad_ratings": s.bad}
                            for s in stats.by_department(session, bad_rating_max=rules.bad_rating_max)],
            "by_status": stats.totals(session)}


@router.get("/mine")
def mine(p: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> dict[str, Any]:
    """My own demands, newest first."""
    rows = session.scalars(select(DemandTicket).where(DemandTicket.resident_user_id == p.user_id)
                           .order_by(DemandTicket.id.desc()).limit(LIST_MAX))
    return {"items": [ticket_json(t) for t in rows]}


@router.get("/work")
def work(p: Principal = Depends(require_roles(*DEPARTMENT_ROLES, Role.supervisor)),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department's open demands (the hotline: the pending ones and every escalated one), deadline first."""
    stmt = select(DemandTicket).where(service.work_filter(p.role is Role.supervisor, p.organisation_id)) \
        .order_by(DemandTicket.answer_due, DemandTicket.id).limit(LIST_MAX)
    return {"items": [ticket_json(t) for t in session.scalars(stmt)]}


@router.get("/{ticket_id}")
def read(ticket_id: int, p: Principal = Depends(current_principal),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """One demand, for its resident, the department holding it and the hotline."""
    return readable(session, p, service.get_ticket(session, ticket_id))


@router.post("/{ticket_id}/dispatch")
def dispatch(ticket_id: int, body: DispatchIn, p: Principal = Depends(hotline),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline dispatches a pending demand to a department (派单 / 改派)."""
    return ticket_json(service.dispatch(session, ticket_id, actor=actor_of(p), department_id=body.department_id))


@router.post("/{ticket_id}/reject")
def reject(ticket_id: int, body: ReasonIn, p: Principal = Depends(hotline),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline does not take a pending demand (不予受理)."""
    return ticket_json(service.reject(session, ticket_id, actor=actor_of(p), reason=body.reason))


@router.post("/{ticket_id}/accept")
def accept(ticket_id: int, p: Principal = Depends(department),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department accepts the demand (签收)."""
    return ticket_json(service.accept(session, ticket_id, actor=actor_of(p), department_id=p.organisation_id))


@router.post("/{ticket_id}/transfer")
def transfer(ticket_id: int, body: TransferIn, p: Principal = Depends(department),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department transfers the demand to the one responsible (转办)."""
    return ticket_json(service.transfer(session, ticket_id, actor=actor_of(p), department_id=p.organisation_id,
                                        to_department_id=body.to_department_id, reason=body.reason))


@router.post("/{ticket_id}/return")
def return_(ticket_id: int, body: ReasonIn, p: Principal = Depends(department),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department returns the demand to the hotline (退单)."""
    return ticket_json(service.return_to_dispatcher(session, ticket_id, actor=actor_of(p),
                                                    department_id=p.organisation_id, reason=body.reason))


@router.post("/{ticket_id}/answer")
def answer(ticket_id: int, body: AnswerIn, p: Principal = Depends(department),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department answers the resident (答复)."""
    return ticket_json(service.answer(session, ticket_id, actor=actor_of(p), department_id=p.organisation_id,
                                      text=body.text))


@router.post("/{ticket_id}/rate")
def rate(ticket_id: int, body: RatingIn, p: Principal = Depends(current_principal),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """The resident rates the answer to their demand (评价)."""
    return ticket_json(service.rate(session, ticket_id, actor=actor_of(p), user_id=p.user_id,
                                    satisfaction=body.satisfaction, comment=body.comment))


@router.post("/{ticket_id}/revisit")
def revisit(ticket_id: int, body: RevisitIn, p: Principal = Depends(hotline),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline revisits the resident and closes the demand (回访, 办结)."""
    return ticket_json(service.revisit(session, ticket_id, actor=actor_of(p), note=body.note,
                                       satisfaction=body.satisfaction))


@router.post("/{ticket_id}/extension")
def request_extension(ticket_id: int, body: ExtensionIn, p: Principal = Depends(department),
                      session: Session = Depends(get_session)) -> dict[str, Any]:
    """The department holding an accepted demand asks for more time (延期申请), before its deadline."""
    return ticket_json(handling.request_extension(session, ticket_id, actor=actor_of(p),
                                                  department_id=p.organisation_id, days=body.days,
                                                  reason=body.reason))


@router.post("/{ticket_id}/extension/approve")
def approve_extension(ticket_id: int, body: ReasonIn, p: Principal = Depends(hotline),
                      session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline grants the extension asked for: the answer deadline moves."""
    return ticket_json(handling.approve_extension(session, ticket_id, actor=actor_of(p), reason=body.reason))


@router.post("/{ticket_id}/extension/refuse")
def refuse_extension(ticket_id: int, body: ReasonIn, p: Principal = Depends(hotline),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline refuses the extension asked for."""
    return ticket_json(handling.refuse_extension(session, ticket_id, actor=actor_of(p), reason=body.reason))


@router.post("/{ticket_id}/reopen")
def reopen(ticket_id: int, body: RevisitIn, p: Principal = Depends(hotline),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The revisit finds the resident dissatisfied: the demand is handled again (重办)."""
    return ticket_json(handling.reopen(session, ticket_id, actor=actor_of(p), note=body.note,
                                       satisfaction=body.satisfaction))


@router.post("/{ticket_id}/merge")
def merge(ticket_id: int, body: MergeIn, p: Principal = Depends(hotline),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """The hotline closes a duplicate into its primary demand (并单)."""
    return ticket_json(handling.merge(session, ticket_id, actor=actor_of(p), into_id=body.into_id,
                                      reason=body.reason))

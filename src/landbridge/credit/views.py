"""Credit JSON API (/api/v1/credit, issue #18 item 6).

Permissions: designations are public (published yearly). A member with a registry party sees their own grade,
its reasons and what would raise it, their records and objections, files objections and authorises a bank; a bank
officer reads a party's file only while that party's authorisation of the officer's bank is on record, and each
such read is recorded (``privacy.record_read``); the supervisor decides objections, records court listings and
extensions, runs the yearly grading and the designations; the admin may run them too. Anonymous callers get 401.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, require_roles
from landbridge.credit import actions, service
from landbridge.credit.errors import CreditError
from landbridge.credit.models import CourtListing, CreditObjection, Designation
from landbridge.privacy import Reader, record_read
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/credit", tags=["credit"], route_class=TransactionalRoute)

member = require_roles(Role.member)
bank = require_roles(Role.bank_officer)
supervisor = require_roles(Role.supervisor, Role.admin)


def _party(p: Principal) -> int:
    if p.party_id is None:
        raise CreditError.NOT_YOUR_RECORD.error()
    return p.party_id


def _objection_dict(row: CreditObjection) -> dict[str, Any]:
    return {"id": row.id, "record_id": row.record_id, "status": row.status, "reason": row.reason,
            "claimed_value": row.claimed_value, "filed_on": row.filed_on.isoformat(),
            "due_on": row.due_on.isoformat(), "overdue": row.overdue, "decision_note": row.decision_note}


def credit_file(session: Session, party_id: int) -> dict[str, Any]:
    """A party's credit file: the grade with its lines and what would raise it, the records, the objections."""
    grade = service.current_grade(session, party_id)
    objections = session.scalars(select(CreditObjection).where(CreditObjection.party_id == party_id)
                                 .order_by(CreditObjection.id.desc())).all()
    listings = session.scalars(select(CourtListing).where(CourtListing.party_id == party_id)
                               .order_by(CourtListing.id.desc())).all()
    return {"grade": None if grade is None else service.explain(grade),
            "score": None if grade is None else service.score_dict(grade),
            "records": [service.record_dict(r) for r in service.records_of(session, party_id)],
            "objections": [_objection_dict(o) for o in objections],
            "listings": [{"id": x.id, "court": x.court, "case_no": x.case_no, "listed_on": x.listed_on.isoformat(),
                          "ends_on": x.ends_on.isoformat(), "status": x.status} for x in listings]}


@router.get("/me")
def my_file(p: Principal = Depends(member), session: Session = Depends(get_session)) -> dict[str, Any]:
    """My (my household's) grade, why, what would raise it, my records and objections."""
    return credit_file(session, _party(p))


class ObjectionIn(BaseModel):
    record_id: int = Field(ge=1, le=2**31)
    reason: str = Field(min_length=1, max_length=500)
    claimed_value: int | None = Field(default=None, ge=0, le=10_000)


@router.post("/me/objections", status_code=201)
def object_to_record(body: ObjectionIn, p: Principal = Depends(member),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """异议: dispute one of my records; decided within the rule's days."""
    row = actions.file_objection(session, record_id=body.record_id, party_id=_party(p), reason=body.reason,
                                 claimed_value=body.claimed_value, actor=p.actor)
    return _objection_dict(row)


class AuthorisationIn(BaseModel):
    organisation_id: int = Field(ge=1, le=2**31)
    purpose: str = Field(min_length=1, max_length=80)
    valid_until: date


@router.post("/me/authorisations", status_code=201)
def authorise_bank(body: AuthorisationIn, p: Principal = Depends(member),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Authorise a bank to read my credit file for a purpose, until a day."""
    row = actions.authorise(session, party_id=_party(p), organisation_id=body.organisation_id, purpose=body.purpose,
                            valid_until=body.valid_until, actor=p.actor)
    return {"id": row.id, "organisation_id": row.organisation_id, "valid_until": row.valid_until.isoformat()}


@router.post("/me/authorisations/{authorisation_id}/revocation")
def revoke_bank(authorisation_id: int = Path(ge=1, le=2**31 - 1), p: Principal = Depends(member),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """Withdraw one of my authorisations: the bank reads my file no more from now."""
    row = actions.revoke_authorisation(session, authorisation_id=authorisation_id, party_id=_party(p), actor=p.actor)
    return {"id": row.id, "organisation_id": row.organisation_id,
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


@router.get("/parties/{party_id}")
def party_file(party_id: int, p: Principal = Depends(bank), session: Session = Depends(get_session)
               ) -> dict[str, Any]:
    """The bank's view of a party's file: only with the party's authorisation of this bank on record; the read
    is recorded."""
    if not actions.is_authorised(session, party_id, p.organisation_id):
        raise CreditError.NOT_AUTHORISED.error()
    record_read(session, reader=Reader(p.actor, p.role.value, p.organisation_id), record=f"credit_file:{party_id}",
                purpose="credit_assessment", party_id=party_id)
    return credit_file(session, party_id)


class DecisionIn(BaseModel):
    uphold: bool
    note: str = Field(min_length=1, max_length=500)
    value: int | None = Field(default=None, ge=0, le=10_000)


@router.post("/objections/{objection_id}/decision")
def decide_objection(objection_id: int, body: DecisionIn, p: Principal = Depends(supervisor),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """Uphold (correct the record and regrade) or reject an objection."""
    if body.uphold:
        row = actions.uphold_objection(session, objection_id=objection_id, actor=p.actor, note=body.note,
                                       value=body.value)
    else:
        row = actions.reject_objection(session, objection_id=objection_id, actor=p.actor, note=body.note)
    return _objection_dict(row)


class ListingIn(BaseModel):
    party_id: int = Field(ge=1, le=2**31)
    court: str = Field(min_length=1, max_length=120)
    case_no: str = Field(min_length=1, max_length=80)
    listed_on: date
    ends_on: date | None = None


@router.post("/listings", status_code=201)
def record_listing(body: ListingIn, p: Principal = Depends(supervisor),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Record a court's listing (失信被执行人): barred from bidding, borrowing and guaranteeing until its end."""
    row = actions.list_defaulter(session, party_id=body.party_id, court=body.court, case_no=body.case_no,
                                 listed_on=body.listed_on, ends_on=body.ends_on, actor=p.actor)
    return {"id": row.id, "ends_on": row.ends_on.isoformat(), "status": row.status}


class ExtensionIn(BaseModel):
    years: int = Field(ge=0, le=10)


@router.post("/listings/{listing_id}/extension")
def extend_listing(listing_id: int, body: ExtensionIn, p: Principal = Depends(supervisor),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    row = actions.extend_listing(session, listing_id=listing_id, years=body.years, actor=p.actor)
    return {"id": row.id, "ends_on": row.ends_on.isoformat(), "status": row.status}


class LiftIn(BaseModel):
    note: str = Field(min_length=1, max_length=200)


@router.post("/listings/{listing_id}/lifting")
def lift_listing(listing_id: int, body: LiftIn, p: Principal = Depends(supervisor),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The court removed the listing before its end: the bar-list entries end today and the party is regraded."""
    row = actions.lift_listing(session, listing_id=listing_id, note=body.note, actor=p.actor)
    return {"id": row.id, "ends_on": row.ends_on.isoformat(), "status": row.status}


class YearIn(BaseModel):
    year: int = Field(ge=2000, le=2100)


@router.post("/grading")
def grade_everyone(p: Principal = Depends(supervisor), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The yearly run: grade every party, and score each with the newest household model (without one it grades
    only, and its record says so)."""
    return service.run_dict(service.yearly_run(session, actor=p.actor))


@router.get("/grading")
def list_runs(p: Principal = Depends(supervisor), session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """The grading runs, newest first, with their status (completed, or graded_only without a household model)."""
    return [service.run_dict(r) for r in service.grading_runs(session)]


@router.post("/designations")
def review_designations(body: YearIn, p: Principal = Depends(supervisor),
                        session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """The yearly review of credit villages and townships on the current grades."""
    return [actions.designation_dict(r) for r in actions.designate(session, year=body.year, actor=p.actor)]


@router.get("/designations")
def list_designations(year: int | None = Query(None, ge=2000, le=2100),
                      level: str | None = Query(None, pattern="^(village|township)$"),
                      session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Published designations (public): credit villages and townships, with the ratios they were judged by."""
    stmt = select(Designation).order_by(Designation.year.desc(), Designation.level, Designation.region_code)
    if year is not None:
        stmt = stmt.where(Designation.year == year)
    if level is not None:
        stmt = stmt.where(Designation.level == level)
    return [actions.designation_dict(r) for r in session.scalars(stmt.limit(5000))]

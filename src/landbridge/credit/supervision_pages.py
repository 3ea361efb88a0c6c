"""Credit supervision pages (信用监管, issue #18 item 6): server-rendered, zh-CN by default, English with ``?lang=en``,
for supervisors (and the admin, as the API allows); anyone else gets the 403 page, an anonymous caller the login.

``/credit/supervision`` shows the objections queue (open ones first, by the day they must be decided, overdue
flagged) with a decision form per objection (uphold, with an optional corrected value, or reject, a note required),
the court listings (record one; lift one the court removed), and the grading runs (start the yearly run; the runs
with their status: ``completed``, graded and scored, or ``graded_only`` when no household model was registered).

Every form runs the JSON API's own handler (``views``): one code path per action. A refused form keeps nothing; its
typed message is flashed and the page shown again.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.credit import service, views
from landbridge.credit.models import CourtListing, CreditObjection, CreditRecord
from landbridge.credit.pages import KIT, _lang, _model, form_of
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ROLES = (Role.supervisor, Role.admin)
IN_FORCE = ("listed", "extended")


def _back(request: Request, anchor: str) -> str:
    return f"/credit/supervision{_lang(request)}#{anchor}"


@router.get("/credit/supervision", response_class=Response)
def supervision_page(request: Request, session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """The objections queue, the court listings and the grading runs, with their forms."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller
    queue = session.execute(select(CreditObjection, CreditRecord.kind, CreditRecord.value).join(
        CreditRecord, CreditRecord.id == CreditObjection.record_id).order_by(
        (CreditObjection.status != "open"), CreditObjection.due_on, CreditObjection.id).limit(200)).all()
    listings = session.scalars(select(CourtListing).order_by((CourtListing.status.not_in(IN_FORCE)),
                                                             CourtListing.ends_on, CourtListing.id).limit(200)).all()
    return KIT.page(request, "credit/supervision.html", {
        "queue": [{"o": o, "kind": kind, "value": value} for o, kind, value in queue], "listings": listings,
        "in_force": IN_FORCE, "runs": [service.run_dict(r) for r in service.grading_runs(session)],
        "lang_q": _lang(request)})


@router.post("/credit/supervision/objections/{objection_id}/decision", response_class=Response)
def decision_form(request: Request, objection_id: int = PathParam(ge=1, le=2**31 - 1),
                  form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    """Uphold (correct the record, regrade) or reject an objection, through the API's handler."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller

    def act() -> tuple[str, str]:
        uphold = {"uphold": "true", "reject": "false"}.get(form.get("decision", ""), "")
        body = _model(views.DecisionIn, {**form, "uphold": uphold})
        row = views.decide_objection(objection_id, body, caller, session)
        if row["status"] == "upheld":
            return (f"异议 {objection_id} 已成立，记录已更正并重新评级",
                    f"objection {objection_id} upheld; record corrected, regraded")
        return f"异议 {objection_id} 已驳回", f"objection {objection_id} rejected"

    return KIT.act(request, session, act, _back(request, f"objection-{objection_id}"), csrf=form.get("csrf", ""))


@router.post("/credit/supervision/listings", response_class=Response)
def listing_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Record a court's listing (失信被执行人), through the API's handler."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller

    def act() -> tuple[str, str]:
        row = views.record_listing(_model(views.ListingIn, form), caller, session)
        return f"已记录失信名单，至 {row['ends_on']}", f"listing recorded until {row['ends_on']}"

    return KIT.act(request, session, act, _back(request, "listings"), csrf=form.get("csrf", ""))


@router.post("/credit/supervision/listings/{listing_id}/lifting", response_class=Response)
def lifting_form(request: Request, listing_id: int = PathParam(ge=1, le=2**31 - 1),
                 form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """The court removed a listing before its end: lift it, through the API's handler."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller

    def act() -> tuple[str, str]:
        views.lift_listing(listing_id, _model(views.LiftIn, form), caller, session)
        return f"失信名单记录 {listing_id} 已移出", f"listing {listing_id} lifted"

    return KIT.act(request, session, act, _back(request, f"listing-{listing_id}"), csrf=form.get("csrf", ""))


@router.post("/credit/supervision/grading", response_class=Response)
def grading_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Start the yearly grading run, through the API's handler."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller

    def act() -> tuple[str, str]:
        run = views.grade_everyone(caller, session)
        if run["status"] == "completed":
            return (f"评级批次 {run['id']} 完成：评级 {run['graded']} 户，评分 {run['scored']} 户",
                    f"grading run {run['id']} completed: {run['graded']} graded, {run['scored']} scored")
        return (f"评级批次 {run['id']} 完成：评级 {run['graded']} 户；尚无农户评分卡模型，未评分",
                f"grading run {run['id']} completed: {run['graded']} graded; no household model, not scored")

    return KIT.act(request, session, act, _back(request, "runs"), csrf=form.get("csrf", ""))

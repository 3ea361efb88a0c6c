"""Industry information services (产业信息, issue #19 item 5; P1, S3, S83–S85, S95–S98): places of the industry
synergy platform (drawn, published, withdrawn), their projects (registered, published, built, operating), each
project's funding lines and the bundles of an operating project with public-welfare ones.

Every function is a named transition: it reads and checks everything first (a refusal is a typed ``IndustryError``
before anything is written), changes the row with a conditional UPDATE on its state and version (a concurrent
change loses with ``industry.invalid_transition``), appends a ledger event in the caller's transaction, flushes
and never commits. Policy values (kinds, industries, funding sources, the coverage ratio) come from the
``industry`` rule set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from landbridge import land_quota, market_entry, registry
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.industry import boundary as place_boundary
from landbridge.industry.errors import IndustryError
from landbridge.industry.models import IndustryBundle, IndustryFunding, IndustryPlace, IndustryProject
from landbridge.industry.rules import (
    RULES,
    TEXT_LONG,
    TEXT_SHORT,
    Nature,
    PlaceStatus,
    ProjectStatus,
    amount,
    check_coverage,
    industries,
    place_move,
    project_move,
    region,
    text,
)
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects

MODULE = "industry"
MAX_BUNDLE_PROJECTS = 50
ZERO = Decimal(0)


def today() -> date:
    return to_local(now()).date()


def place_subject(place_id: int) -> str:
    return subjects.subject("industry_place", place_id)


def project_subject(project_id: int) -> str:
    return subjects.subject("industry_project", project_id)


def _rule(name: str, day: date | None = None) -> Any:
    return get_profile().rules(RULES).value(name, day or today())


def _get(session: Session, model: Any, row_id: int, lock: bool, missing: IndustryError, **ref: Any) -> Any:
    stmt = select(model).where(model.id == row_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise missing.error(**ref)
    return row


def get_place(session: Session, place_id: int, *, lock: bool = False) -> IndustryPlace:
    return _get(session, IndustryPlace, place_id, lock, IndustryError.PLACE_NOT_FOUND, place_id=place_id)  # type: ignore[no-any-return]


def get_project(session: Session, project_id: int, *, lock: bool = False) -> IndustryProject:
    return _get(session, IndustryProject, project_id, lock, IndustryError.PROJECT_NOT_FOUND,  # type: ignore[no-any-return]
                project_id=project_id)


def _event(session: Session, subject: str, event_type: str, actor: str, payload: dict[str, Any],
           also: Sequence[str] = ()) -> int:
    return append_event(session, module=MODULE, event_type=event_type, subject=subject, actor=actor,
                        payload=payload, also=tuple(also)).seq


def _move(session: Session, model: Any, row: Any, status: str, what: str, **values: Any) -> None:
    done = session.execute(update(model).where(model.id == row.id, model.status == row.status,
                                               model.version == row.version)
                           .values(status=status, version=model.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise IndustryError.INVALID_TRANSITION.error(status=row.status, what=what, action=status)
    session.refresh(row)


# -- places ----------------------------------------------------------------------------------------------------


def create_place(session: Session, *, actor: str, kind: str, name: str, region_code: str, summary: str,
                 industry_codes: Sequence[str], boundary_geometry: Mapping[str, Any] | BaseGeometry
                 ) -> IndustryPlace:
    """A place drawn as a draft: its kind and industries from the rule set, its boundary bounded and valid."""
    day = today()
    if kind not in list(_rule("place_kinds", day)):
        raise IndustryError.INVALID_KIND.error(kind=str(kind)[:24])
    named = industries(industry_codes, list(_rule("industries", day)))
    title, about, code = text(name, "name", TEXT_SHORT), text(summary, "summary", TEXT_LONG), region(region_code)
    geom = place_boundary.parse(boundary_geometry, day)
    minx, miny, maxx, maxy = geom.bounds
    place = IndustryPlace(place_no="CY" + uuid4().hex[:12].upper(), kind=kind, name=title, summary=about,
                          region_code=code, industries=named, status=PlaceStatus.draft.value, geom=geom,
                          minx=minx, miny=miny, maxx=maxx, maxy=maxy, version=1, created_at=now())
    session.add(place)
    session.flush()
    place.ledger_seq = _event(session, place_subject(place.id), "industry_place_created", actor, {
        "place_no": place.place_no, "kind": kind, "name": title, "region_code": code, "industries": named,
        "vertices": sum(len(p.exterior.coords) for p in geom.geoms)})
    session.flush()
    return place


def _place_move(session: Session, place_id: int, actor: str, target: PlaceStatus, event_type: str,
                **payload: Any) -> IndustryPlace:
    place = get_place(session, place_id, lock=True)
    place_move(place.status, target)
    _move(session, IndustryPlace, place, target.value, "place")
    place.ledger_seq = _event(session, place_subject(place.id), event_type, actor,
                              {"place_no": place.place_no, **payload})
    session.flush()
    return place


def publish_place(session: Session, place_id: int, *, actor: str) -> IndustryPlace:
    """Publish a drafted place on the investors' page and the map."""
    return _place_move(session, place_id, actor, PlaceStatus.published, "industry_place_published")


def withdraw_place(session: Session, place_id: int, *, actor: str, reason: str) -> IndustryPlace:
    """Withdraw a place (and so its projects) from the investors' page."""
    why = text(reason, "reason", TEXT_SHORT)
    return _place_move(session, place_id, actor, PlaceStatus.withdrawn, "industry_place_withdrawn", reason=why)


# -- projects --------------------------------------------------------------------------------------------------


def _inside(session: Session, place: IndustryPlace, parcel_id: int, what: str, ref: str) -> None:
    point = registry.parcel_points(session, [parcel_id]).get(parcel_id)
    if point is None or not place.geom.contains(point):
        raise IndustryError.LINK_OUTSIDE_PLACE.error(what=what, ref=ref, place_no=place.place_no)


def _check_links(session: Session, place: IndustryPlace, allocation_id: int | None, case_id: int | None) -> None:
    """A linked quota allocation or entry case must exist and its parcel lie in the place."""
    if allocation_id is not None:
        found = land_quota.allocation_sites(session, ids=[allocation_id])
        if not found:
            raise IndustryError.LINK_NOT_FOUND.error(what="quota allocation", ref=allocation_id)
        _inside(session, place, found[0].parcel_id, "quota allocation", str(allocation_id))
    if case_id is not None:
        cases = market_entry.entry_sites(session, ids=[case_id])
        if not cases:
            raise IndustryError.LINK_NOT_FOUND.error(what="entry case", ref=case_id)
        _inside(session, place, cases[0].parcel_id, "entry case", cases[0].number)


def register_project(session: Session, *, actor: str, place_id: int, name: str, nature: str, description: str,
                     revenue_cny: Decimal | str = ZERO, quota_allocation_id: int | None = None,
                     entry_case_id: int | None = None) -> IndustryProject:
    """A planned project of a place not withdrawn. An operating project states its expected revenue over the
    financing term (what carries a bundle's financing); a public-welfare project has none."""
    try:
        kind = Nature(nature)
    except ValueError:
        raise IndustryError.INVALID_NATURE.error(nature=str(nature)[:16]) from None
    revenue = amount(revenue_cny, "revenue", positive=False)
    if kind is Nature.public_welfare and revenue != 0:
        raise IndustryError.INVALID_AMOUNT.error(field="revenue (public welfare: 0)", most="0")
    title, about = text(name, "name", TEXT_SHORT), text(description, "description", TEXT_LONG)
    place = get_place(session, place_id)
    if place.status == PlaceStatus.withdrawn:
        raise IndustryError.INVALID_TRANSITION.error(status=place.status, what="place", action="given a project")
    _check_links(session, place, quota_allocation_id, entry_case_id)
    project = IndustryProject(project_no="XM" + uuid4().hex[:12].upper(), place_id=place.id, name=title,
                              nature=kind.value, description=about, revenue_cny=revenue, published=False,
                              status=ProjectStatus.planned.value, quota_allocation_id=quota_allocation_id,
                              entry_case_id=entry_case_id, version=1, created_at=now())
    session.add(project)
    session.flush()
    project.ledger_seq = _event(session, project_subject(project.id), "industry_project_registered", actor, {
        "project_no": project.project_no, "place_no": place.place_no, "name": title, "nature": kind.value,
        "revenue_cny": str(revenue), "quota_allocation_id": quota_allocation_id, "entry_case_id": entry_case_id},
        also=(place_subject(place.id),))
    session.flush()
    return project


def publish_project(session: Session, project_id: int, *, actor: str) -> IndustryProject:
    """Show the project to investors (its place must be published)."""
    project = get_project(session, project_id, lock=True)
    place = get_place(session, project.place_id)
    if project.published or place.status != PlaceStatus.published:
        raise IndustryError.INVALID_TRANSITION.error(status=project.status, what="project", action="published")
    t = IndustryProject
    done = session.execute(update(t).where(t.id == project.id, t.version == project.version, t.published.is_(False))
                           .values(published=True, version=t.version + 1).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise IndustryError.INVALID_TRANSITION.error(status=project.status, what="project", action="published")
    session.refresh(project)
    project.ledger_seq = _event(session, project_subject(project.id), "industry_project_published", actor,
                                {"project_no": project.project_no})
    session.flush()
    return project


def advance_project(session: Session, project_id: int, *, actor: str, target: str) -> IndustryProject:
    """planned → under_construction (开工) → operating (投运)."""
    try:
        goal = ProjectStatus(target)
    except ValueError:
        raise IndustryError.INVALID_TRANSITION.error(status="?", what="project", action=str(target)[:24]) from None
    project = get_project(session, project_id, lock=True)
    project_move(project.status, goal)
    before = project.status
    _move(session, IndustryProject, project, goal.value, "project")
    project.ledger_seq = _event(session, project_subject(project.id), f"industry_project_{goal.value}", actor,
                                {"project_no": project.project_no, "from": before, "to": goal.value})
    session.flush()
    return project


# -- funding and bundles ---------------------------------------------------------------------------------------


def _financing(session: Session, project_ids: Sequence[int], day: date) -> Decimal:
    repayable = list(_rule("repayable_sources", day))
    rows = session.scalars(select(IndustryFunding.amount_cny).where(
        IndustryFunding.project_id.in_(list(project_ids)), IndustryFunding.source.in_(repayable)))
    return sum(rows, ZERO)


def bundle_members(session: Session, bundle_id: int) -> list[IndustryProject]:
    return list(session.scalars(select(IndustryProject).where(IndustryProject.bundle_id == bundle_id)
                                .order_by(IndustryProject.id)))


def bundle_finance(session: Session, bundle: IndustryBundle, *, day: date | None = None
                   ) -> tuple[Decimal, Decimal]:
    """(revenue of its operating project, repayable financing of all its projects)."""
    members = bundle_members(session, bundle.id)
    revenue = next((p.revenue_cny for p in members if p.id == bundle.operating_project_id), ZERO)
    return revenue, _financing(session, [p.id for p in members], day or today())


def add_funding(session: Session, project_id: int, *, actor: str, source: str, amount_cny: Decimal | str,
                reference: str) -> IndustryFunding:
    """A funding line of a project (S95, S97). In a bundle, repayable financing (rule ``repayable_sources``) is
    refused with ``industry.bundle_not_covered`` when the bundle's revenue would no longer cover it."""
    day = today()
    if source not in list(_rule("funding_sources", day)):
        raise IndustryError.INVALID_FUNDING.error(source=str(source)[:24])
    value, ref = amount(amount_cny, "amount"), text(reference, "reference", TEXT_SHORT)
    project = get_project(session, project_id, lock=True)
    if project.bundle_id is not None and source in list(_rule("repayable_sources", day)):
        bundle = _get(session, IndustryBundle, project.bundle_id, True, IndustryError.BUNDLE_NOT_FOUND,
                      bundle_id=project.bundle_id)
        revenue, financing = bundle_finance(session, bundle, day=day)
        check_coverage(revenue, financing + value, get_profile().rules(RULES).decimal("bundle_min_coverage", day))
        t = IndustryBundle  # serialise funding of one bundle: a concurrent line re-reads after this one
        done = session.execute(update(t).where(t.id == bundle.id, t.version == bundle.version)
                               .values(version=t.version + 1).execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            raise IndustryError.INVALID_TRANSITION.error(status="changed", what="bundle", action="funded")
    line = IndustryFunding(project_id=project.id, source=source, amount_cny=value, reference=ref, actor=actor,
                           created_at=now())
    session.add(line)
    session.flush()
    line.ledger_seq = _event(session, project_subject(project.id), "industry_funding_added", actor, {
        "project_no": project.project_no, "source": source, "amount_cny": str(value), "reference": ref})
    session.flush()
    return line


def create_bundle(session: Session, *, actor: str, name: str, operating_project_id: int,
                  welfare_project_ids: Sequence[int]) -> IndustryBundle:
    """打捆 (S96): an operating project with public-welfare projects of the same place, none in a bundle yet; the
    operating project's revenue must cover the repayable financing of all of them (``industry.bundle_not_covered``,
    nothing written)."""
    day = today()
    title = text(name, "name", TEXT_SHORT)
    ids = list(dict.fromkeys(welfare_project_ids))
    if not ids or len(ids) > MAX_BUNDLE_PROJECTS or operating_project_id in ids:
        raise IndustryError.BUNDLE_INVALID.error(reason=f"1 to {MAX_BUNDLE_PROJECTS} other public-welfare projects")
    # every member locked in one query, in id order (two bundles over the same projects cannot deadlock)
    stmt = select(IndustryProject).where(IndustryProject.id.in_([operating_project_id, *ids])) \
        .order_by(IndustryProject.id)
    locked = {p.id: p for p in session.scalars(stmt.with_for_update() if for_update(session) else stmt)}
    for wanted in (operating_project_id, *ids):
        if wanted not in locked:
            raise IndustryError.PROJECT_NOT_FOUND.error(project_id=wanted)
    head, others = locked[operating_project_id], [locked[i] for i in ids]
    if head.nature != Nature.operating:
        raise IndustryError.BUNDLE_INVALID.error(reason=f"{head.project_no} is not an operating project")
    for p in [head, *others]:
        if p.bundle_id is not None:
            raise IndustryError.BUNDLE_INVALID.error(reason=f"{p.project_no} is already in a bundle")
        if p.place_id != head.place_id:
            raise IndustryError.BUNDLE_INVALID.error(reason=f"{p.project_no} belongs to another place")
    for p in others:
        if p.nature != Nature.public_welfare:
            raise IndustryError.BUNDLE_INVALID.error(reason=f"{p.project_no} is not a public-welfare project")
    financing = _financing(session, [head.id, *ids], day)
    check_coverage(head.revenue_cny, financing, get_profile().rules(RULES).decimal("bundle_min_coverage", day))
    bundle = IndustryBundle(bundle_no="DK" + uuid4().hex[:12].upper(), place_id=head.place_id, name=title,
                            operating_project_id=head.id, version=1, created_at=now())
    session.add(bundle)
    session.flush()
    t = IndustryProject
    done = session.execute(update(t).where(t.id.in_([head.id, *ids]), t.bundle_id.is_(None))
                           .values(bundle_id=bundle.id, version=t.version + 1)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != len(ids) + 1:
        raise IndustryError.BUNDLE_INVALID.error(reason="a project joined another bundle meanwhile")
    members = [head, *others]
    for p in members:
        session.refresh(p)
    bundle.ledger_seq = _event(session, project_subject(head.id), "industry_bundle_created", actor, {
        "bundle_no": bundle.bundle_no, "name": title, "operating": head.project_no,
        "public_welfare": [p.project_no for p in others], "revenue_cny": str(head.revenue_cny),
        "financing_cny": str(financing)}, also=tuple(project_subject(p.id) for p in others))
    session.flush()
    return bundle


def funding_totals(session: Session, project_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """Project id → source → total amount (yuan)."""
    out: dict[int, dict[str, Decimal]] = {}
    if not project_ids:
        return out
    for pid, source, total in session.execute(
            select(IndustryFunding.project_id, IndustryFunding.source, func.sum(IndustryFunding.amount_cny))
            .where(IndustryFunding.project_id.in_(list(project_ids)))
            .group_by(IndustryFunding.project_id, IndustryFunding.source)):
        out.setdefault(int(pid), {})[str(source)] = Decimal(total)
    return out

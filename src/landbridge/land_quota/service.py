"""Land quota services (issue #16): reclamation projects, crediting their accepted area as quota, allocation to
destination parcels and consumption by them.

Every function is a named transition: it locks what it changes (the project, the county's balance row for the
year, then the parcel's allocation, always in that order), checks the change with the pure ``rules``, applies it
with a conditional UPDATE that re-checks the bound in SQL (and the row's version), records a ledger entry and a
ledger event in the caller's transaction, flushes and never commits. A refusal raises a typed ``QuotaError``
before anything is written. PostgreSQL locks with ``SELECT … FOR UPDATE``; SQLite serialises writers
(``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.land_quota import boundary, plan, rules
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import QuotaAllocation, QuotaBalance, QuotaEntry, ReclamationProject
from landbridge.land_quota.rules import EntryKind, ProjectKind, ProjectStatus, Totals
from landbridge.ledger import append_event, subjects

MODULE = "land_quota"
PLAN_REF_LENGTH = 120


def project_subject(project_id: int) -> str:
    return subjects.subject("reclamation_project", project_id)


def balance_subject(county_code: str, year: int) -> str:
    return subjects.subject("quota_balance", f"{county_code}-{year}")


_county = rules.county_code
_year = rules.year


def _project(session: Session, project_id: int) -> ReclamationProject:
    stmt = select(ReclamationProject).where(ReclamationProject.id == project_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    project = session.scalars(stmt).first()
    if project is None:
        raise QuotaError.PROJECT_NOT_FOUND.error(project_id=project_id)
    return project


def _balance(session: Session, county_code: str, year: int, *, create: bool = False) -> QuotaBalance:
    """The county's balance row for the year, locked (created empty on the first credit)."""
    stmt = select(QuotaBalance).where(QuotaBalance.county_code == county_code, QuotaBalance.year == year)
    if for_update(session):
        stmt = stmt.with_for_update()
    balance = session.scalars(stmt).first()
    if balance is None and create:
        try:
            with session.begin_nested():  # another first credit may create it at the same moment
                session.add(QuotaBalance(county_code=county_code, year=year, accepted_m2=rules.ZERO,
                                         allocated_m2=rules.ZERO, consumed_m2=rules.ZERO, version=1))
        except IntegrityError:
            pass
        balance = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if balance is None:
        raise QuotaError.BALANCE_NOT_FOUND.error(county_code=county_code, year=year)
    return balance


def _totals(balance: QuotaBalance) -> Totals:
    return Totals(balance.accepted_m2, balance.allocated_m2, balance.consumed_m2)


def _entry(session: Session, *, actor: str, kind: EntryKind, amount: Decimal, county_code: str, year: int,
           event_type: str, subject: str, also: tuple[str, ...], payload: dict[str, Any],
           project_id: int | None = None, parcel_id: int | None = None,
           buyer_party_id: int | None = None) -> QuotaEntry:
    """A ledger entry and its ledger event, in the caller's transaction."""
    entry = QuotaEntry(kind=kind.value, amount_m2=amount, county_code=county_code, year=year, project_id=project_id,
                       parcel_id=parcel_id, buyer_party_id=buyer_party_id, actor=actor, created_at=now())
    session.add(entry)
    session.flush()
    event = append_event(session, module=MODULE, event_type=event_type, subject=subject, actor=actor,
                         payload={"entry_id": entry.id, "kind": kind.value, "amount_m2": str(amount),
                                  "county_code": county_code, "year": year, **payload},
                         also=(balance_subject(county_code, year), *also))
    entry.ledger_seq = event.seq
    return entry


def _set_totals(session: Session, balance: QuotaBalance, after: Totals, bound: ColumnElement[bool] | None,
                refusal: QuotaError, **details: Any) -> None:
    """Write ``after`` to the locked balance row with a conditional UPDATE: only the version read (the figures
    ``after`` was computed from), and only if ``bound`` holds in SQL against the stored figures (the new allocated
    total within the accepted one, the new consumed total within the allocated one); no row changed is a refusal.
    The new figures are exact Decimals computed here, never sums taken in SQL (SQLite's Numeric is a float)."""
    table = QuotaBalance
    where = [table.id == balance.id, table.version == balance.version]
    if bound is not None:
        where.append(bound)
    done = session.execute(
        update(table).where(*where)
        .values(accepted_m2=after.accepted, allocated_m2=after.allocated, consumed_m2=after.consumed,
                version=table.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise refusal.error(**details)
    session.refresh(balance)


def register_project(session: Session, *, actor: str, county_code: str, collective_id: int, kind: str,
                     plan_ref: str, planned_area_m2: Decimal | str,
                     boundary_geometry: Mapping[str, Any] | BaseGeometry,
                     collective_parcel: BaseGeometry | None = None) -> ReclamationProject:
    """A collective's reclamation project with its approved plan (复垦方案) and its boundary, planned.

    ``collective_parcel`` is a registered parcel of collective land that the collective's ownership parcels cannot
    cover because the registry keeps parcels disjoint: the withdrawn homestead a withdrawal case hands over (its
    unit code marks it collective land, ``J``); it counts as the collective's registered land for this project.

    Refused (typed, nothing written) unless the collective exists in the county, the boundary is a bounded valid
    polygon (``boundary.parse``) inside the collective's registered land, and it overlaps no project that is not
    rejected (``boundary.check_no_overlap``, serialised by ``boundary.lock_boundaries``)."""
    try:
        project_kind = ProjectKind(kind)
    except ValueError:
        raise QuotaError.INVALID_KIND.error(kind=str(kind)[:24]) from None
    plan_text = (plan_ref or "").strip()
    if not plan_text or len(plan_text) > PLAN_REF_LENGTH:
        raise QuotaError.INVALID_TEXT.error(field="plan_ref", max_length=PLAN_REF_LENGTH)
    planned = rules.area(planned_area_m2, "planned_area_m2")
    county = _county(county_code)
    geom, measured = boundary.parse(boundary_geometry)
    owner = boundary.check_collective(session, collective_id, county)
    boundary.check_inside(session, geom, owner.party_id, extra=collective_parcel)
    boundary.lock_boundaries(session)
    boundary.check_no_overlap(session, geom)
    minx, miny, maxx, maxy = geom.bounds
    project = ReclamationProject(project_no=f"FK{uuid4().hex[:14].upper()}", region_code=county,
                                 collective_id=collective_id, kind=project_kind.value, plan_ref=plan_text,
                                 planned_area_m2=planned, status=ProjectStatus.planned.value, version=1,
                                 created_at=now(), geom=geom, boundary_area_m2=measured, minx=minx, miny=miny,
                                 maxx=maxx, maxy=maxy)
    session.add(project)
    session.flush()
    event = append_event(session, module=MODULE, event_type="reclamation_registered",
                         subject=project_subject(project.id), actor=actor,
                         payload={"project_no": project.project_no, "kind": project.kind,
                                  "county_code": project.region_code, "planned_area_m2": str(planned),
                                  "boundary_area_m2": str(measured)},
                         also=(subjects.collective(collective_id),))
    project.ledger_seq = event.seq
    return project


def _move(session: Session, project: ReclamationProject, target: ProjectStatus, **values: Any) -> None:
    """The self-guarding state change: only from the status read, with the version read."""
    rules.transition(project.status, target)
    table = ReclamationProject
    done = session.execute(
        update(table).where(table.id == project.id, table.status == project.status, table.version == project.version)
        .values(status=target.value, version=table.version + 1, **values)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.INVALID_TRANSITION.error(status=project.status, target=target.value)
    session.refresh(project)


def start_works(session: Session, project_id: int, *, actor: str) -> ReclamationProject:
    """The reclamation works begin (施工)."""
    project = _project(session, project_id)
    _move(session, project, ProjectStatus.works)
    event = append_event(session, module=MODULE, event_type="reclamation_works_started",
                         subject=project_subject(project.id), actor=actor, payload={"project_no": project.project_no})
    project.ledger_seq = event.seq
    return project


def reject_project(session: Session, project_id: int, *, actor: str, reason: str) -> ReclamationProject:
    """The county rejects a planned project or its works (不予验收); its boundary no longer blocks another."""
    text = (reason or "").strip()
    if not text or len(text) > PLAN_REF_LENGTH:
        raise QuotaError.INVALID_TEXT.error(field="reason", max_length=PLAN_REF_LENGTH)
    project = _project(session, project_id)
    _move(session, project, ProjectStatus.rejected)
    event = append_event(session, module=MODULE, event_type="reclamation_rejected",
                         subject=project_subject(project.id), actor=actor,
                         payload={"project_no": project.project_no, "reason": text})
    project.ledger_seq = event.seq
    return project


def accept_reclamation(session: Session, project_id: int, *, actor: str, accepted_area_m2: Decimal | str,
                       quality_grade: int, accepted_on: date) -> QuotaEntry:
    """The county accepts the works (验收) with the measured area and quality grade; the area is then credited as
    quota to the county's balance for the year of acceptance. Returns the credit entry."""
    measured = rules.area(accepted_area_m2, "accepted_area_m2")
    graded = rules.grade(quality_grade)
    project = _project(session, project_id)
    _move(session, project, ProjectStatus.accepted, accepted_area_m2=measured, quality_grade=graded,
          accepted_on=accepted_on)
    append_event(session, module=MODULE, event_type="reclamation_accepted", subject=project_subject(project.id),
                 actor=actor, payload={"project_no": project.project_no, "accepted_area_m2": str(measured),
                                       "quality_grade": graded, "accepted_on": accepted_on.isoformat()})
    return credit_project(session, project.id, actor=actor)


def credit_project(session: Session, project_id: int, *, actor: str) -> QuotaEntry:
    """Credit an accepted project's area to its county's quota for the year of acceptance; once only. A project
    not accepted is refused (``land_quota.not_accepted``)."""
    project = _project(session, project_id)
    if project.status != ProjectStatus.accepted or project.accepted_area_m2 is None or project.accepted_on is None:
        raise QuotaError.NOT_ACCEPTED.error(status=project.status)
    if project.credited_year is not None:
        raise QuotaError.ALREADY_CREDITED.error(project_id=project.id)
    year = project.accepted_on.year
    amount = project.accepted_area_m2
    done = session.execute(
        update(ReclamationProject)
        .where(ReclamationProject.id == project.id, ReclamationProject.credited_year.is_(None))
        .values(credited_year=year, version=ReclamationProject.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.ALREADY_CREDITED.error(project_id=project.id)
    session.refresh(project)
    balance = _balance(session, project.region_code, year, create=True)
    _set_totals(session, balance, rules.credited(_totals(balance), amount), None, QuotaError.ALREADY_CREDITED,
                project_id=project.id)
    return _entry(session, actor=actor, kind=EntryKind.credit, amount=amount, county_code=project.region_code,
                  year=year, event_type="quota_credited", subject=project_subject(project.id),
                  also=(subjects.collective(project.collective_id),), project_id=project.id,
                  payload={"project_no": project.project_no})


def allocate(session: Session, *, actor: str, county_code: str, year: int, parcel_id: int,
             amount_m2: Decimal | str, land_use: str, quarter: int) -> QuotaAllocation:
    """Allocate quota of the county's year to a destination parcel under the approved supply plan's line for
    ``land_use`` and ``quarter``. Refused (typed, nothing written) unless the parcel is a current registry parcel
    in the county, the amount fits the accepted quota not yet allocated (``land_quota.over_allocation``) and the
    plan line's quota and parcels (``land_quota.over_plan``, ``land_quota.over_plan_parcels``); a parcel keeps one
    use and quarter a year. Locks the balance row, then the plan line, then the allocation."""
    amount = rules.area(amount_m2, "amount_m2")
    county, year = _county(county_code), _year(year)
    boundary.check_parcel(session, parcel_id, county)
    balance = _balance(session, county, year)
    before = _totals(balance)
    after = rules.allocated(before, amount)
    line = plan.line_for(session, county, year, land_use, quarter)
    allocation = _allocation(session, parcel_id, year)
    if allocation is not None and (allocation.balance_id != balance.id or allocation.plan_line_id != line.id):
        raise QuotaError.ALLOCATION_LINE_MISMATCH.error(parcel_id=parcel_id, year=year)
    plan.check_take(line, amount, allocation is None)
    details = {"accepted": str(before.accepted), "allocated": str(before.allocated), "requested": str(amount)}
    _set_totals(session, balance, after, QuotaBalance.accepted_m2 >= after.allocated, QuotaError.OVER_ALLOCATION,
                **details)
    plan.take(session, line, amount, allocation is None)
    if allocation is None:
        allocation = QuotaAllocation(balance_id=balance.id, county_code=county, year=year, parcel_id=parcel_id,
                                     amount_m2=amount, consumed_m2=rules.ZERO, plan_line_id=line.id, version=1,
                                     created_at=now())
        session.add(allocation)
        session.flush()
    else:
        table = QuotaAllocation
        done = session.execute(update(table).where(table.id == allocation.id, table.version == allocation.version)
                               .values(amount_m2=allocation.amount_m2 + amount, version=table.version + 1)
                               .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            raise QuotaError.OVER_ALLOCATION.error(**details)
        session.refresh(allocation)
    _entry(session, actor=actor, kind=EntryKind.allocation, amount=amount, county_code=county, year=year,
           event_type="quota_allocated", subject=subjects.parcel(parcel_id),
           also=(plan.plan_subject(county, year),), parcel_id=parcel_id,
           payload={"parcel_id": parcel_id, "allocation_id": allocation.id, "land_use": line.land_use,
                    "quarter": line.quarter})
    return allocation


def _allocation(session: Session, parcel_id: int, year: int) -> QuotaAllocation | None:
    stmt = select(QuotaAllocation).where(QuotaAllocation.parcel_id == parcel_id, QuotaAllocation.year == year)
    if for_update(session):
        stmt = stmt.with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).first()


def consume(session: Session, *, actor: str, parcel_id: int, year: int, amount_m2: Decimal | str,
            also: tuple[str, ...] = (), payload: dict[str, Any] | None = None) -> QuotaEntry:
    """The parcel consumes quota allocated to it (its entry to the market); refused
    (``land_quota.over_consumption``) beyond what is allocated to it and not yet consumed."""
    amount = rules.area(amount_m2, "amount_m2")
    found = session.scalars(select(QuotaAllocation).where(QuotaAllocation.parcel_id == parcel_id,
                                                           QuotaAllocation.year == _year(year))).first()
    if found is None:
        raise QuotaError.ALLOCATION_NOT_FOUND.error(parcel_id=parcel_id, year=year)
    balance = _balance(session, found.county_code, year)  # the balance first, then the allocation: one lock order
    allocation = _allocation(session, parcel_id, year)
    assert allocation is not None  # allocations are never deleted
    session.refresh(allocation)
    mine = Totals(allocation.amount_m2, allocation.amount_m2, allocation.consumed_m2)
    rules.consumed(mine, amount)  # within the parcel's own allocation
    before = _totals(balance)
    after = rules.consumed(before, amount)  # and within the county's
    details = {"allocated": str(allocation.amount_m2), "consumed": str(allocation.consumed_m2),
               "requested": str(amount)}
    new_consumed = allocation.consumed_m2 + amount
    table = QuotaAllocation
    done = session.execute(
        update(table).where(table.id == allocation.id, table.version == allocation.version,
                            table.amount_m2 >= new_consumed)
        .values(consumed_m2=new_consumed, version=table.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.OVER_CONSUMPTION.error(**details)
    session.refresh(allocation)
    _set_totals(session, balance, after, QuotaBalance.allocated_m2 >= after.consumed, QuotaError.OVER_CONSUMPTION,
                **details)
    return _entry(session, actor=actor, kind=EntryKind.consumption, amount=amount, county_code=allocation.county_code,
                  year=year, event_type="quota_consumed", subject=subjects.parcel(parcel_id), also=also,
                  parcel_id=parcel_id, payload={"parcel_id": parcel_id, "allocation_id": allocation.id,
                                                **(payload or {})})


def balance_of(session: Session, county_code: str, year: int) -> Totals:
    """The county's quota for the year (zero where nothing was credited)."""
    balance = session.scalars(select(QuotaBalance).where(QuotaBalance.county_code == county_code,
                                                         QuotaBalance.year == year)).first()
    return Totals() if balance is None else _totals(balance)

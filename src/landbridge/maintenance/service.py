"""Maintenance inventory services (管护清单, issue #20 item 5): register an asset, name its maintainer, accept and
hand it over at completion (竣工验收移交), inspect it, report defects with a repair deadline, record repairs, close
them, retire the asset; and the worker's escalation of overdue defects.

Every function is a named transition: it reads and checks everything first (a refusal is a typed
``MaintenanceError`` before anything is written), changes the row with a conditional UPDATE on its state and
version (a concurrent change loses with ``maintenance.invalid_transition``), appends a ledger event in the caller's
transaction, flushes and never commits. Policy numbers (repair days, size bounds) come from the ``maintenance``
rule set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import uuid4

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import auth, collective
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.maintenance import location
from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect, MaintenanceInspection
from landbridge.maintenance.rules import (
    RULES,
    TEXT_LONG,
    TEXT_SHORT,
    AssetStatus,
    DefectStatus,
    MaintainerKind,
    asset_move,
    defect_move,
    one_of,
    repair_deadline,
    text,
    village,
)

MODULE = "maintenance"
EARLIEST = date(2000, 1, 1)  # the earliest day a record may name (a bounded input, not policy)
MAX_DEFECTS_PER_INSPECTION = 20


def today() -> date:
    return to_local(now()).date()


def asset_subject(asset_id: int) -> str:
    return subjects.subject("maintenance_asset", asset_id)


def defect_subject(defect_id: int) -> str:
    return subjects.subject("maintenance_defect", defect_id)


def _rule(name: str, day: date | None = None) -> Any:
    return get_profile().rules(RULES).value(name, day or today())


def _day(value: date, field: str, *, after: date | None = None) -> date:
    earliest = max(EARLIEST, after) if after is not None else EARLIEST
    if not isinstance(value, date) or value < earliest or value > today():
        raise MaintenanceError.INVALID_DATE.error(field=field, earliest=earliest.isoformat())
    return value


def get_asset(session: Session, asset_id: int, *, lock: bool = False) -> MaintenanceAsset:
    stmt = select(MaintenanceAsset).where(MaintenanceAsset.id == asset_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    asset = session.scalars(stmt).first()
    if asset is None:
        raise MaintenanceError.ASSET_NOT_FOUND.error(asset_id=asset_id)
    return asset


def get_defect(session: Session, defect_id: int, *, lock: bool = False) -> MaintenanceDefect:
    stmt = select(MaintenanceDefect).where(MaintenanceDefect.id == defect_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    defect = session.scalars(stmt).first()
    if defect is None:
        raise MaintenanceError.DEFECT_NOT_FOUND.error(defect_id=defect_id)
    return defect


def maintainer_of(session: Session, kind: str, maintainer_id: int) -> tuple[MaintainerKind, int, str]:
    """The maintainer (管护主体) as (kind, id, name): an organisation or a collective that exists."""
    try:
        found = MaintainerKind(kind)
    except ValueError:
        raise MaintenanceError.MAINTAINER_NOT_FOUND.error(kind=str(kind)[:16], maintainer_id=maintainer_id) from None
    if found is MaintainerKind.collective:
        try:
            return found, maintainer_id, collective.get_collective(session, maintainer_id).name
        except DomainError:
            raise MaintenanceError.MAINTAINER_NOT_FOUND.error(kind=kind, maintainer_id=maintainer_id) from None
    name = auth.organisation_names(session, [maintainer_id]).get(maintainer_id)
    if name is None:
        raise MaintenanceError.MAINTAINER_NOT_FOUND.error(kind=kind, maintainer_id=maintainer_id)
    if auth.organisation_kinds(session, [maintainer_id]).get(maintainer_id) == auth.OrgKind.individual:
        # the maintainer's name is public (the map, 管护公示): a person's account organisation is refused
        raise MaintenanceError.MAINTAINER_IS_A_PERSON.error(maintainer_id=maintainer_id)
    return found, maintainer_id, name


def _move_asset(session: Session, asset: MaintenanceAsset, target: AssetStatus, **values: Any) -> None:
    asset_move(asset.status, target)
    t = MaintenanceAsset
    done = session.execute(update(t).where(t.id == asset.id, t.status == asset.status, t.version == asset.version)
                           .values(status=target.value, version=t.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise MaintenanceError.INVALID_TRANSITION.error(status=asset.status, what="asset", action=target.value)
    session.refresh(asset)


def _event(session: Session, asset: MaintenanceAsset, event_type: str, actor: str, payload: dict[str, Any],
           *, also: Sequence[str] = ()) -> int:
    event = append_event(session, module=MODULE, event_type=event_type, subject=asset_subject(asset.id), actor=actor,
                         payload={"asset_no": asset.asset_no, **payload}, also=tuple(also))
    return event.seq


def register_asset(session: Session, *, actor: str, kind: str, name: str, region_code: str,
                   location_geometry: Mapping[str, Any] | BaseGeometry, duties: str, standard: str,
                   funding_source: str, maintainer: tuple[str, int] | None = None) -> MaintenanceAsset:
    """An asset of a village entered in the inventory (registered: built, not yet handed over). The maintainer may
    be named now or later, but acceptance needs one."""
    day = today()
    one_of(kind, list(_rule("asset_kinds", day)), MaintenanceError.INVALID_KIND, "kind")
    one_of(funding_source, list(_rule("funding_sources", day)), MaintenanceError.INVALID_FUNDING, "funding")
    title = text(name, "name", TEXT_SHORT)
    duty_text = text(duties, "duties", TEXT_LONG)
    standard_text = text(standard, "standard", TEXT_SHORT)
    code = village(region_code)
    geom = location.parse(location_geometry, day)
    who = maintainer_of(session, *maintainer) if maintainer is not None else None
    minx, miny, maxx, maxy = geom.bounds
    asset = MaintenanceAsset(
        asset_no="GH" + uuid4().hex[:12].upper(), kind=kind, name=title, region_code=code,
        status=AssetStatus.registered.value, duties=duty_text, standard=standard_text, funding_source=funding_source,
        maintainer_kind=who[0].value if who else None, maintainer_id=who[1] if who else None,
        maintainer_name=who[2] if who else None, geom=geom, minx=minx, miny=miny, maxx=maxx, maxy=maxy,
        version=1, created_at=now())
    session.add(asset)
    session.flush()
    asset.ledger_seq = _event(session, asset, "maintenance_asset_registered", actor, {
        "kind": kind, "name": title, "region_code": code, "funding_source": funding_source,
        "maintainer": f"{who[0].value}:{who[1]}" if who else None})
    session.flush()
    return asset


def assign_maintainer(session: Session, asset_id: int, *, actor: str, maintainer_kind: str,
                      maintainer_id: int) -> MaintenanceAsset:
    """Name (or change) the asset's maintainer (管护主体); a retired asset is refused."""
    kind, mid, name = maintainer_of(session, maintainer_kind, maintainer_id)
    asset = get_asset(session, asset_id, lock=True)
    if asset.status == AssetStatus.retired:
        raise MaintenanceError.INVALID_TRANSITION.error(status=asset.status, what="asset", action="assigned")
    t = MaintenanceAsset
    done = session.execute(update(t).where(t.id == asset.id, t.version == asset.version,
                                           t.status != AssetStatus.retired.value)
                           .values(maintainer_kind=kind.value, maintainer_id=mid, maintainer_name=name,
                                   version=t.version + 1).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise MaintenanceError.INVALID_TRANSITION.error(status=asset.status, what="asset", action="assigned")
    session.refresh(asset)
    asset.ledger_seq = _event(session, asset, "maintenance_maintainer_assigned", actor,
                              {"maintainer": f"{kind.value}:{mid}", "maintainer_name": name})
    return asset


def accept_asset(session: Session, asset_id: int, *, actor: str, accepted_on: date) -> MaintenanceAsset:
    """Completion acceptance and hand-over (竣工验收移交) to the named maintainer; an asset without one is refused
    (``maintenance.maintainer_required``) and stays as it was."""
    asset = get_asset(session, asset_id, lock=True)
    asset_move(asset.status, AssetStatus.in_service)
    if asset.maintainer_kind is None or asset.maintainer_id is None:
        raise MaintenanceError.MAINTAINER_REQUIRED.error(asset_no=asset.asset_no)
    day = _day(accepted_on, "accepted_on")
    _move_asset(session, asset, AssetStatus.in_service, accepted_on=day)
    asset.ledger_seq = _event(session, asset, "maintenance_asset_accepted", actor, {
        "accepted_on": day.isoformat(), "maintainer": f"{asset.maintainer_kind}:{asset.maintainer_id}"})
    return asset


def retire_asset(session: Session, asset_id: int, *, actor: str, reason: str) -> MaintenanceAsset:
    """The asset is taken out of the inventory (撤销: demolished, merged, handed to another register)."""
    why = text(reason, "reason", TEXT_SHORT)
    asset = get_asset(session, asset_id, lock=True)
    _move_asset(session, asset, AssetStatus.retired)
    asset.ledger_seq = _event(session, asset, "maintenance_asset_retired", actor, {"reason": why})
    return asset


def _require_in_service(asset: MaintenanceAsset) -> None:
    if asset.status != AssetStatus.in_service:
        raise MaintenanceError.NOT_IN_SERVICE.error(asset_no=asset.asset_no)


def _new_defect(session: Session, asset: MaintenanceAsset, *, actor: str, severity: str, description: str,
                reported_on: date, inspection_id: int | None) -> MaintenanceDefect:
    table = _rule("repair_days", reported_on)
    defect = MaintenanceDefect(asset_id=asset.id, inspection_id=inspection_id, severity=severity,
                               description=description, reported_on=reported_on,
                               due_on=repair_deadline(table, asset.kind, severity, reported_on),
                               status=DefectStatus.open.value, version=1, created_at=now())
    session.add(defect)
    session.flush()
    defect.ledger_seq = _event(session, asset, "maintenance_defect_reported", actor, {
        "defect_id": defect.id, "severity": severity, "reported_on": reported_on.isoformat(),
        "due_on": defect.due_on.isoformat()}, also=(defect_subject(defect.id),))
    return defect


def _checked_defect(severity: str, description: str, day: date) -> tuple[str, str]:
    one_of(severity, list(_rule("severities", day)), MaintenanceError.INVALID_SEVERITY, "severity")
    return severity, text(description, "description", TEXT_LONG)


def record_inspection(session: Session, asset_id: int, *, actor: str, inspected_on: date, findings: str,
                      defects: Sequence[tuple[str, str]] = ()) -> MaintenanceInspection:
    """An inspection (巡查) of an asset in service with its findings and the defects it found (severity,
    description), each given its repair deadline. All are checked before any is written."""
    day = _day(inspected_on, "inspected_on")
    found = text(findings, "findings", TEXT_LONG)
    if len(defects) > MAX_DEFECTS_PER_INSPECTION:
        raise MaintenanceError.INVALID_TEXT.error(field="defects", max_length=MAX_DEFECTS_PER_INSPECTION)
    checked = [_checked_defect(sev, desc, day) for sev, desc in defects]
    asset = get_asset(session, asset_id, lock=True)
    _require_in_service(asset)
    inspection = MaintenanceInspection(asset_id=asset.id, inspected_on=day, findings=found, defects=len(checked),
                                       actor=actor, created_at=now())
    session.add(inspection)
    session.flush()
    inspection.ledger_seq = _event(session, asset, "maintenance_inspected", actor, {
        "inspection_id": inspection.id, "inspected_on": day.isoformat(), "defects": len(checked)})
    for severity, description in checked:
        _new_defect(session, asset, actor=actor, severity=severity, description=description, reported_on=day,
                    inspection_id=inspection.id)
    return inspection


def report_defect(session: Session, asset_id: int, *, actor: str, severity: str, description: str,
                  reported_on: date) -> MaintenanceDefect:
    """A defect reported outside an inspection (a resident's report, a patrol), with its repair deadline."""
    day = _day(reported_on, "reported_on")
    sev, desc = _checked_defect(severity, description, day)
    asset = get_asset(session, asset_id, lock=True)
    _require_in_service(asset)
    return _new_defect(session, asset, actor=actor, severity=sev, description=desc, reported_on=day,
                       inspection_id=None)


def _move_defect(session: Session, defect: MaintenanceDefect, target: DefectStatus, **values: Any) -> None:
    defect_move(defect.status, target)
    t = MaintenanceDefect
    done = session.execute(update(t).where(t.id == defect.id, t.status == defect.status, t.version == defect.version)
                           .values(status=target.value, version=t.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise MaintenanceError.INVALID_TRANSITION.error(status=defect.status, what="defect", action=target.value)
    session.refresh(defect)


def repair_defect(session: Session, defect_id: int, *, actor: str, repaired_on: date, note: str) -> MaintenanceDefect:
    """The maintainer records the repair (维修) of an open defect."""
    note_text = text(note, "note", TEXT_LONG)
    defect = get_defect(session, defect_id, lock=True)
    defect_move(defect.status, DefectStatus.repaired)
    day = _day(repaired_on, "repaired_on", after=defect.reported_on)
    _move_defect(session, defect, DefectStatus.repaired, repaired_on=day, repair_note=note_text)
    asset = get_asset(session, defect.asset_id)
    defect.ledger_seq = _event(session, asset, "maintenance_defect_repaired", actor, {
        "defect_id": defect.id, "repaired_on": day.isoformat(), "late": day > defect.due_on},
        also=(defect_subject(defect.id),))
    return defect


def close_defect(session: Session, defect_id: int, *, actor: str, closed_on: date) -> MaintenanceDefect:
    """The township checks the repair and closes the defect (销号)."""
    defect = get_defect(session, defect_id, lock=True)
    defect_move(defect.status, DefectStatus.closed)
    day = _day(closed_on, "closed_on", after=defect.repaired_on)
    _move_defect(session, defect, DefectStatus.closed, closed_on=day)
    asset = get_asset(session, defect.asset_id)
    defect.ledger_seq = _event(session, asset, "maintenance_defect_closed", actor,
                               {"defect_id": defect.id, "closed_on": day.isoformat()},
                               also=(defect_subject(defect.id),))
    return defect

"""Pure rules of the maintenance inventory (issue #20 item 5): asset and defect states, the kinds, funding sources
and severities of the city's rule set, and the repair deadline of a defect. No database, no web framework."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from landbridge.maintenance.errors import MaintenanceError

RULES = "maintenance"
TEXT_SHORT, TEXT_LONG = 200, 500  # column widths of names, standards and of duties, findings, descriptions


class AssetStatus(StrEnum):
    """An asset's life: registered (built, not yet accepted) → in_service (accepted and handed over to its
    maintainer, 竣工验收移交) → retired (撤销)."""

    registered = "registered"
    in_service = "in_service"
    retired = "retired"


class DefectStatus(StrEnum):
    """A defect's life: open → repaired (by the maintainer) → closed (checked by the township)."""

    open = "open"
    repaired = "repaired"
    closed = "closed"


class MaintainerKind(StrEnum):
    """管护主体: an organisation (a water company, a sanitation contractor, the township) or a village collective."""

    organisation = "organisation"
    collective = "collective"


ASSET_MOVES: dict[AssetStatus, frozenset[AssetStatus]] = {
    AssetStatus.registered: frozenset({AssetStatus.in_service, AssetStatus.retired}),
    AssetStatus.in_service: frozenset({AssetStatus.retired}),
    AssetStatus.retired: frozenset(),
}
DEFECT_MOVES: dict[DefectStatus, frozenset[DefectStatus]] = {
    DefectStatus.open: frozenset({DefectStatus.repaired}),
    DefectStatus.repaired: frozenset({DefectStatus.closed}),
    DefectStatus.closed: frozenset(),
}


def asset_move(status: str, target: AssetStatus) -> AssetStatus:
    if target not in ASSET_MOVES.get(AssetStatus(status), frozenset()):
        raise MaintenanceError.INVALID_TRANSITION.error(status=status, what="asset", action=target.value)
    return target


def defect_move(status: str, target: DefectStatus) -> DefectStatus:
    if target not in DEFECT_MOVES.get(DefectStatus(status), frozenset()):
        raise MaintenanceError.INVALID_TRANSITION.error(status=status, what="defect", action=target.value)
    return target


def text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    """Stripped text of 1 to ``limit`` characters (empty allowed when not required)."""
    found = (value or "").strip()
    if (required and not found) or len(found) > limit:
        raise MaintenanceError.INVALID_TEXT.error(field=field, max_length=limit)
    return found


def one_of(value: str, allowed: list[str], refusal: MaintenanceError, field: str) -> str:
    if value not in allowed:
        raise refusal.error(**{field: str(value)[:32]})
    return value


def village(region_code: str) -> str:
    """A 12-digit village code (its last three digits not all zero: a village, not a township)."""
    code = str(region_code or "")
    if len(code) != 12 or not code.isdigit() or code.endswith("000"):
        raise MaintenanceError.INVALID_REGION.error(region_code=code[:12])
    return code


def repair_deadline(table: dict[str, Any], kind: str, severity: str, reported_on: date) -> date:
    """The day a defect of ``severity`` on an asset of ``kind`` must be repaired by (rule ``repair_days``)."""
    try:
        days = int(table[kind][severity])
    except (KeyError, TypeError, ValueError):
        raise MaintenanceError.INVALID_SEVERITY.error(severity=severity) from None
    return reported_on + timedelta(days=days)


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """An open defect past its deadline (a repaired one waits for the township, not for the maintainer)."""
    return status == DefectStatus.open and due_on < today

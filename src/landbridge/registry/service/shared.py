"""What the registry service's sections share: the module name of its ledger events, the holder input shape,
the versioned tables, the registry rule set, and the gap-free counters and the spatial lock (R1)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.ledger import subjects
from landbridge.registry.models import (
    Application,
    Counter,
    Parcel,
    PropertyUnit,
    RecordStatus,
    Restriction,
    Right,
    RightHolder,
)

MODULE = "registry"
HolderInput = Sequence[tuple[int, Fraction | str | int]]
VERSIONED: tuple[Any, ...] = (Parcel, PropertyUnit, Right, Restriction)
SPATIAL_LOCK = "lock:registry_parcels"


def concerns(session: Session, app: Application) -> list[str]:
    """The records an application's events concern besides itself (issue #14 item 7): its unit, the unit's parcel,
    the rights it adds or that stand on the unit, and their holders, so each record's history finds the event."""
    if app.unit_id is None:
        return []
    out = [subjects.unit(app.unit_id)]
    parcel_id = session.execute(select(PropertyUnit.parcel_id).where(PropertyUnit.id == app.unit_id)).scalar()
    if parcel_id is not None:
        out.append(subjects.parcel(parcel_id))
    rows = session.execute(select(Right.id, RightHolder.party_id)
                           .outerjoin(RightHolder, RightHolder.right_id == Right.id).where(Right.unit_id == app.unit_id,
                                  or_(Right.application_id == app.id, Right.status == RecordStatus.current))
                           .order_by(Right.id, RightHolder.party_id)).all()
    out += [subjects.right(right_id) for right_id in dict.fromkeys(r for r, _ in rows)]
    out += [subjects.party(party_id) for party_id in dict.fromkeys(p for _, p in rows if p is not None)]
    return out


def registry_rules() -> Any:
    """The registry's rule set in the city profile."""
    return get_profile().rules("registry")


def _lock_counter(session: Session, name: str) -> int:
    """Lock the named counter row (creating it at 0) and return its value (FOR UPDATE on PostgreSQL)."""
    table: Any = Counter.__table__
    dialect = session.get_bind().dialect.name
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    session.execute(ins.values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(Counter.value).where(Counter.name == name)
    if for_update(session):
        stmt = stmt.with_for_update()
    return int(session.execute(stmt).scalar_one())


def next_counter(session: Session, name: str) -> int:
    """The next value of a gap-free named counter (parcel sequence, certificate serial) under its row lock (R1)."""
    value = _lock_counter(session, name) + 1
    session.execute(update(Counter).where(Counter.name == name).values(value=value))
    return value


def lock_parcels(session: Session) -> None:
    """Serialise spatial checks (overlaps) between concurrent lodgings and approvals."""
    _lock_counter(session, SPATIAL_LOCK)

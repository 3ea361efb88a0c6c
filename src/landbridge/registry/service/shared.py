"""What the registry service's sections share: the module name of its ledger events, the holder input shape,
the versioned tables, the registry rule set, and the gap-free counters and the spatial lock (R1)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.registry.models import (
    Counter,
    Parcel,
    PropertyUnit,
    Restriction,
    Right,
)

MODULE = "registry"
HolderInput = Sequence[tuple[int, Fraction | str | int]]
VERSIONED: tuple[Any, ...] = (Parcel, PropertyUnit, Right, Restriction)
SPATIAL_LOCK = "lock:registry_parcels"


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

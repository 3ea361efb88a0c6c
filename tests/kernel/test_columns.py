"""Column mixins (issue #14 item 6): the common columns are declared once in ``landbridge.kernel.columns`` and the
schema stays exactly what the migrations build.

Three guards: the models agree with the Alembic history on every table (types, nullability, server defaults,
indexes, keys); every table's shape on both dialects matches the stored snapshot (so a mixin that changed a
column's type, nullability, default or index fails here); and the mixins themselves give the declared columns."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Integer, MetaData, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.sqltypes import NullType

from landbridge.kernel.columns import (
    Actor,
    BigLedgerSeq,
    CreatedAt,
    CreatedBy,
    IdPk,
    LedgerSeq,
    RegionCode,
    RowVersion,
    Status,
)
from landbridge.schema import load_models, upgrade
from tests.kernel.schema_snapshot import SNAPSHOT, schema_shape
from tests.scratch import scratch_database


def _not_ours(diff: Any, ours: set[str]) -> bool:
    """What the migrations add beside the models' tables: SQLite's R*Tree tables and PostGIS's own tables, and on
    PostgreSQL the GiST index of each geometry column (kernel.geo), seen by reflection on a column of unknown type."""
    if not isinstance(diff, tuple):
        return False
    if diff[0] == "remove_table":
        return diff[1].name not in ours
    if diff[0] == "remove_index":
        columns = list(diff[1].columns)
        return len(columns) == 1 and columns[0].name == "geom" and isinstance(columns[0].type, NullType)
    return False


def test_models_and_migrations_agree_on_every_table(tmp_path: Path) -> None:
    metadata = load_models()
    with scratch_database(tmp_path, "columns_shape") as url:
        upgrade(url)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                                "compare_server_default": True})
                diffs = compare_metadata(context, metadata)
        finally:
            engine.dispose()
    assert [d for d in diffs if not _not_ours(d, set(metadata.tables))] == []


def test_every_table_keeps_its_shape_on_both_dialects() -> None:
    shape = schema_shape(load_models())
    if os.environ.get("LANDBRIDGE_UPDATE_SCHEMA_SNAPSHOT"):
        SNAPSHOT.write_text(shape, encoding="utf-8")
    stored = SNAPSHOT.read_text(encoding="utf-8")
    changed = list(set(shape.splitlines()) ^ set(stored.splitlines()))
    assert shape == stored, f"schema shape changed (regenerate only for an intended change): {sorted(changed)[:20]}"


class _Base(DeclarativeBase):
    metadata = MetaData()


class _Every(IdPk, CreatedAt, CreatedBy, Actor, LedgerSeq, Status, RegionCode, RowVersion, _Base):
    __tablename__ = "t_every"

    name: Mapped[str] = mapped_column(String(20))


class _Big(IdPk, BigLedgerSeq, _Base):
    __tablename__ = "t_big"

    at: Mapped[datetime | None] = mapped_column()


def test_the_mixins_give_the_declared_columns() -> None:
    c = _Every.__table__.c
    assert next(iter(c.keys())) == "id" and c.id.primary_key and isinstance(c.id.type, Integer)
    assert c.created_at.type.timezone is True and c.created_at.nullable is False  # type: ignore[attr-defined]
    assert (c.created_by.type.length, c.actor.type.length) == (120, 120)  # type: ignore[attr-defined]
    assert c.created_by.nullable is False and c.actor.nullable is False
    assert type(c.ledger_seq.type) is Integer and c.ledger_seq.nullable is True
    assert type(_Big.__table__.c.ledger_seq.type) is BigInteger
    assert (c.status.type.length, c.status.index, c.status.nullable) == (16, True, False)  # type: ignore[attr-defined]
    assert (c.region_code.type.length, c.region_code.index) == (12, True)  # type: ignore[attr-defined]
    assert c.version.default is not None and c.version.default.arg == 1  # type: ignore[attr-defined]
    # each table gets its own copy of a mixin's column
    assert _Big.__table__.c.id is not c.id


def _copy(metadata: MetaData) -> MetaData:
    copy = MetaData(naming_convention=dict(metadata.naming_convention))
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


@pytest.mark.parametrize("change", ["none", "type", "nullable", "default", "index"])
def test_the_shape_sees_a_changed_column(change: str) -> None:
    """The snapshot comparison would catch a mixin that changed a column's type, nullability, default or index
    (and sees no change in an untouched copy)."""
    metadata = load_models()
    copy = _copy(metadata)
    table = copy.tables["collective_motion"]
    if change == "type":
        table.c.status.type = String(12)
    elif change == "nullable":
        table.c.status.nullable = True
    elif change == "default":
        table.c.version.default = None
    elif change == "index":
        table.indexes = {ix for ix in table.indexes if "status" not in ix.columns}
        table.c.status.index = False
    assert (schema_shape(copy) == schema_shape(metadata)) is (change == "none")

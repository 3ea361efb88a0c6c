"""The shape of every table as text, on SQLite and PostgreSQL: what the schema shape test compares (issue #14 item 6).

Per table and dialect: each column's DDL (type, nullability, server default), its Python-side default and onupdate,
the table's constraints (primary, foreign, unique, check) as CreateTable writes them, and each index as CreateIndex
writes it. Columns are listed by name, not position: a column's place in the table is not part of the schema's
contract (the Alembic history builds the tables, every statement names its columns) and the declarative mixins of
``landbridge.kernel.columns`` put their columns after the class's own.

Regenerate the stored snapshot after an intended schema change (a new migration) with

    LANDBRIDGE_UPDATE_SCHEMA_SNAPSHOT=1 .venv/bin/pytest -q -p no:xdist tests/kernel/test_columns.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable

SNAPSHOT = Path(__file__).with_name("schema_snapshot.txt")
DIALECTS: dict[str, Dialect] = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def _python_default(default: Any) -> str:
    if default is None:
        return "-"
    arg = default.arg
    if getattr(default, "is_scalar", False):
        return repr(arg)
    if getattr(default, "is_callable", False):
        return f"callable:{getattr(arg, '__name__', type(arg).__name__)}"
    return f"{type(default).__name__}:{arg}"


def _column(column: Column[Any], dialect: Dialect) -> str:
    ddl = " ".join(str(CreateColumn(column).compile(dialect=dialect)).split())
    return (f"  column {ddl} | default={_python_default(column.default)} "
            f"| onupdate={_python_default(column.onupdate)} | index={bool(column.index)} "
            f"| unique={bool(column.unique)}")


def table_shape(table: Table, dialect: Dialect) -> list[str]:
    """The lines describing one table on one dialect, in a stable order."""
    create = str(CreateTable(table).compile(dialect=dialect))
    column_names = {c.name for c in table.columns}
    constraints = []
    for raw in create.splitlines():
        line = raw.strip().rstrip(",")
        head = line.split(" ", 1)[0].strip('"')
        if not line or line.startswith("CREATE TABLE") or line == ")" or head in column_names:
            continue
        constraints.append(f"  constraint {line}")
    columns = [_column(c, dialect) for c in sorted(table.columns, key=lambda c: c.name)]
    indexes = [f"  index {' '.join(str(CreateIndex(ix).compile(dialect=dialect)).split())}"
               for ix in sorted(table.indexes, key=lambda ix: str(ix.name))]
    return [f"table {table.name}", *columns, *sorted(constraints), *indexes]


def schema_shape(metadata: MetaData) -> str:
    """Every table of ``metadata`` on both dialects, as one text."""
    lines: list[str] = []
    for name, dialect in DIALECTS.items():
        lines.append(f"# dialect {name}")
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            lines.extend(table_shape(table, dialect))
    return "\n".join(lines) + "\n"

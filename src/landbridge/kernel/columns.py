"""The columns that many tables repeat, declared once as declarative mixins (issue #14 item 6).

A model takes the mixins that fit as bases, e.g. ``class Meeting(IdPk, CreatedAt, CreatedBy, Base)``, and
declares only its own columns. Each mixin reproduces the exact column every table wrote by hand before
(type, nullability, default, index), so the schema the migrations build is unchanged; the schema shape test
(tests/kernel/test_columns.py) compares the tables' DDL on both dialects against a stored snapshot.

Column position: declarative places a mixin's columns after the class's own ones; ``id`` keeps its first
place through ``sort_order``. Position inside a table is not part of the contract (the tables are built by the
Alembic history, and every statement names its columns).

Where a table's column differs from the common shape (a 12-character status, an unindexed region code, a
``BigInteger`` sequence), the table keeps its own declaration rather than a mixin with a parameter.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = [
    "Actor",
    "BigLedgerSeq",
    "CreatedAt",
    "CreatedBy",
    "IdPk",
    "LedgerSeq",
    "RegionCode",
    "RowVersion",
    "Status",
]

#: Width of a user reference such as ``user:12:registrar`` in ``actor`` / ``created_by`` columns.
ACTOR_LENGTH = 120


class IdPk:
    """An integer surrogate key ``id``, first column of the table."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class CreatedAt:
    """``created_at``: when the record was made (UTC-aware, required)."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CreatedBy:
    """``created_by``: the user reference of whoever made the record."""

    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class Actor:
    """``actor``: the user reference of whoever performed the recorded action."""

    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class LedgerSeq:
    """``ledger_seq``: sequence number of the ledger event that recorded this row (set once it is appended)."""

    ledger_seq: Mapped[int | None] = mapped_column(Integer)


class BigLedgerSeq:
    """``ledger_seq`` as a 64-bit integer (the collective books, whose migrations declared it so)."""

    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)


class Status:
    """``status``: the record's state (a ``StrEnum`` value), indexed for work queues."""

    status: Mapped[str] = mapped_column(String(16), index=True)


class RegionCode:
    """``region_code``: the administrative division code the record belongs to (the shard key), indexed."""

    region_code: Mapped[str] = mapped_column(String(12), index=True)


class RowVersion:
    """``version``: a row version counter, 1 on insert, raised by the services that change the row."""

    version: Mapped[int] = mapped_column(Integer, default=1)

"""Ledger tables: the append-only event log, stored Merkle subtree hashes, and the tree state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base


class LedgerEvent(Base):
    """One business event's public envelope (存证日志), a leaf of the Merkle tree, with the signed tree head after it.

    Nothing personal lives here: the subject is an opaque keyed reference (in clear only for public things) and the
    private part (subject, actor, payload) is committed to by ``private_digest`` and stored in ``ledger_private``.
    """

    __tablename__ = "ledger_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    module: Mapped[str] = mapped_column(String(40), index=True)
    event_type: Mapped[str] = mapped_column(String(80), index=True)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)  # hex HMAC of the subject (rules.SUBJECT_PURPOSE)
    public_subject: Mapped[str | None] = mapped_column(String(200), index=True)  # only for public subject kinds
    private_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    envelope: Mapped[str] = mapped_column(Text)  # the canonical JSON hashed into the leaf
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    tree_root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(16))


class LedgerPrivate(Base):
    """An event's private part (存证私密部分): salt and canonical body (subject, actor, payload), need to know."""

    __tablename__ = "ledger_private"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("ledger_event.seq"),
                                     primary_key=True, autoincrement=False)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    body: Mapped[str] = mapped_column(Text)


class LedgerSubject(Base):
    """The subject index (存证主体索引): one row per (subject, event) for every record an event concerns (issue #14
    item 7), written in the append's transaction; old events were indexed by migration 0025.

    Like the envelope it names a subject only by its keyed reference (``subject_ref``, the HMAC of the subject under
    the index key), and in clear only for public kinds, so the index discloses nothing the envelopes do not.
    """

    __tablename__ = "ledger_subject"  # keyed (subject_ref, seq): a history is one range scan, appends one b-tree

    subject_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("ledger_event.seq"),
                                     primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    public_subject: Mapped[str | None] = mapped_column(String(200))


class LedgerNode(Base):
    """A complete, aligned Merkle subtree (level ≥ 1) stored for O(log n) proofs."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                       autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerState(Base):
    """The single row that serialises appends: tree size and right-edge frontier."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[str] = mapped_column(Text)

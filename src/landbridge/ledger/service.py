"""Appending to the ledger, reading signed tree heads, serving proofs, and verifying the log (P2).

``append_event`` is called by every module inside its own transaction: the event is committed
or rolled back with the change it records. Appends are serialised by a lock on the single
``ledger_state`` row (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so sequence
numbers are gap-free and unique.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.errors import NotFound, RuleViolation
from landbridge.kernel.clock import ensure_utc, now
from landbridge.ledger import merkle
from landbridge.ledger.canonical import canonical_json, normalise
from landbridge.ledger.keys import key_id, load_signing_key, public_key_bytes
from landbridge.ledger.models import LedgerEvent, LedgerNode, LedgerState

STH_PREFIX = b"landbridge-sth-v1"
STATE_ROW_ID = 1


def tree_head_bytes(size: int, timestamp: datetime, root: bytes) -> bytes:
    """The exact bytes a tree head signature covers."""
    millis = int(ensure_utc(timestamp).timestamp() * 1000)
    return STH_PREFIX + struct.pack(">QQ", size, millis) + root


def _lock_state(session: Session) -> LedgerState:
    stmt = select(LedgerState).where(LedgerState.id == STATE_ROW_ID)
    if for_update(session):
        stmt = stmt.with_for_update()
    state = session.execute(stmt).scalar_one_or_none()
    if state is None:
        state = LedgerState(id=STATE_ROW_ID, size=0, frontier="[]")
        session.add(state)
        session.flush()
    return state


@dataclass(frozen=True)
class NewEvent:
    """One business event to append: what module, what happened, to what, by whom, with what facts."""

    module: str
    event_type: str
    subject: str
    actor: str
    payload: dict[str, Any]


def append_event(session: Session, *, module: str, event_type: str, subject: str, actor: str,
                 payload: dict[str, Any], key: Ed25519PrivateKey | None = None) -> LedgerEvent:
    """Record a business event in the ledger, in the caller's transaction (P2)."""
    return append_events(session, [NewEvent(module, event_type, subject, actor, payload)], key=key)[0]


def append_events(session: Session, events: Sequence[NewEvent],
                  key: Ed25519PrivateKey | None = None) -> list[LedgerEvent]:
    """Record several events in order, in the caller's transaction, taking the ledger head once (P2).

    Each event still gets its own sequence number, Merkle root and signed tree head, exactly as if
    appended one by one; only the head row is locked, read and written once for the whole batch.
    """
    if not events:
        return []
    key = key or load_signing_key()
    kid = key_id(key)
    state = _lock_state(session)
    frontier = merkle.Frontier(state.size, [bytes.fromhex(h) for h in json.loads(state.frontier)])
    recorded_at = now()
    out: list[LedgerEvent] = []
    for new in events:
        seq = frontier.size + 1
        body = canonical_json({
            "seq": seq, "recorded_at": recorded_at, "module": new.module, "event_type": new.event_type,
            "subject": new.subject, "actor": new.actor, "payload": normalise(new.payload),
        })
        leaf = merkle.leaf_hash(body.encode("utf-8"))
        completed = frontier.append(leaf)
        root = frontier.root()
        signature = key.sign(tree_head_bytes(seq, recorded_at, root))
        out.append(LedgerEvent(seq=seq, recorded_at=recorded_at, module=new.module, event_type=new.event_type,
                               subject=new.subject, actor=new.actor, body=body, leaf_hash=leaf, tree_root=root,
                               signature=signature, key_id=kid))
        session.add_all([LedgerNode(level=level, index=index, hash=node) for level, index, node in completed])
    session.add_all(out)
    state.size = frontier.size
    state.frontier = json.dumps([h.hex() for h in frontier.hashes])
    session.flush()
    return out


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head: size, root, time, Ed25519 signature and the key that made it."""

    tree_size: int
    root_hash: str
    timestamp: datetime
    signature: str
    key_id: str
    public_key: str

    def as_dict(self) -> dict[str, Any]:
        return {"tree_size": self.tree_size, "root_hash": self.root_hash,
                "timestamp": self.timestamp.isoformat(), "signature": self.signature,
                "key_id": self.key_id, "public_key": self.public_key,
                "signed_bytes": "landbridge-sth-v1 ‖ u64be(tree_size) ‖ u64be(unix_ms) ‖ root"}


def _head_of(event: LedgerEvent) -> TreeHead:
    key = load_signing_key()
    return TreeHead(event.seq, event.tree_root.hex(), ensure_utc(event.recorded_at), event.signature.hex(),
                    event.key_id, public_key_bytes(key).hex())


def get_event(session: Session, seq: int) -> LedgerEvent:
    """One ledger event by sequence number."""
    event = session.get(LedgerEvent, seq)
    if event is None:
        raise NotFound("ledger.event_not_found", f"账本中没有序号为 {seq} 的事件",
                       f"no ledger event with sequence number {seq}")
    return event


def current_size(session: Session) -> int:
    state = session.get(LedgerState, STATE_ROW_ID)
    return 0 if state is None else state.size


def get_head(session: Session, tree_size: int | None = None) -> TreeHead | None:
    """The latest signed tree head, or the one at ``tree_size``; None for an empty ledger."""
    size = current_size(session) if tree_size is None else tree_size
    if size == 0:
        return None
    return _head_of(get_event(session, size))


def _subtree_fn(session: Session) -> merkle.SubtreeFn:
    cache: dict[tuple[int, int], bytes] = {}

    def complete(level: int, index: int) -> bytes:
        if (level, index) in cache:
            return cache[(level, index)]
        if level == 0:
            value = get_event(session, index + 1).leaf_hash
        else:
            node = session.get(LedgerNode, (level, index))
            if node is None:
                raise NotFound("ledger.node_missing", "账本树节点缺失", f"ledger node {level}/{index} is missing")
            value = node.hash
        cache[(level, index)] = value
        return value

    return lambda lo, hi: merkle.subtree_hash(lo, hi, complete)


def _check_size(session: Session, size: int) -> None:
    if size < 1 or size > current_size(session):
        raise RuleViolation("ledger.bad_tree_size", "树大小超出范围", f"tree size {size} is out of range")


def inclusion_proof(session: Session, seq: int, tree_size: int) -> dict[str, Any]:
    """Audit path proving event ``seq`` is in the tree of ``tree_size`` events."""
    _check_size(session, tree_size)
    if not 1 <= seq <= tree_size:
        raise RuleViolation("ledger.bad_sequence", "序号不在该树内", f"sequence {seq} is not in a tree of {tree_size}")
    event = get_event(session, seq)
    path = merkle.inclusion_proof(seq - 1, tree_size, _subtree_fn(session))
    head = get_head(session, tree_size)
    assert head is not None
    return {"seq": seq, "leaf_index": seq - 1, "tree_size": tree_size, "leaf_hash": event.leaf_hash.hex(),
            "audit_path": [h.hex() for h in path], "tree_head": head.as_dict()}


def consistency_proof(session: Session, first: int, second: int) -> dict[str, Any]:
    """Proof that the tree of ``first`` events is a prefix of the tree of ``second`` events."""
    _check_size(session, second)
    if not 1 <= first <= second:
        raise RuleViolation("ledger.bad_tree_size", "第一棵树必须不大于第二棵", "need 1 <= first <= second")
    path = merkle.consistency_proof(first, second, _subtree_fn(session))
    first_head, second_head = get_head(session, first), get_head(session, second)
    assert first_head is not None and second_head is not None
    return {"first": first, "second": second, "proof": [h.hex() for h in path],
            "first_head": first_head.as_dict(), "second_head": second_head.as_dict()}


@dataclass
class VerifyReport:
    """Outcome of recomputing the ledger from its rows."""

    ok: bool
    size: int
    first_bad_seq: int | None = None
    reason: str | None = None


def _iter_events(session: Session, chunk: int = 5000) -> Iterator[LedgerEvent]:
    last = 0
    while True:
        rows = session.execute(select(LedgerEvent).where(LedgerEvent.seq > last)
                               .order_by(LedgerEvent.seq).limit(chunk)).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_ledger(session: Session, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
    """Recompute every leaf, root, signature and stored node; name the first bad sequence number."""
    pub = public_key or load_signing_key().public_key()
    expected_kid = key_id(pub)
    frontier = merkle.Frontier()
    expected = 1
    nodes = {(n.level, n.index): n.hash for n in session.execute(select(LedgerNode)).scalars()}

    def bad(seq: int, reason: str) -> VerifyReport:
        return VerifyReport(False, frontier.size, seq, reason)

    for event in _iter_events(session):
        if event.seq != expected:
            return bad(expected, f"sequence gap or reorder: expected {expected}, found {event.seq}")
        try:
            body = json.loads(event.body)
        except ValueError:
            return bad(event.seq, "body is not JSON")
        if canonical_json(body) != event.body:
            return bad(event.seq, "body is not canonical")
        columns = {"seq": event.seq, "module": event.module, "event_type": event.event_type,
                   "subject": event.subject, "actor": event.actor,
                   "recorded_at": ensure_utc(event.recorded_at).isoformat()}
        for name, value in columns.items():
            if body.get(name) != value:
                return bad(event.seq, f"column {name} differs from the hashed body")
        leaf = merkle.leaf_hash(event.body.encode("utf-8"))
        if leaf != event.leaf_hash:
            return bad(event.seq, "leaf hash does not match the body")
        for level, index, node in frontier.append(leaf):
            if nodes.get((level, index)) != node:
                return bad(event.seq, f"stored node {level}/{index} is missing or wrong")
        root = frontier.root()
        if root != event.tree_root:
            return bad(event.seq, "tree root does not match the recomputed tree")
        if event.key_id != expected_kid:
            return bad(event.seq, f"signed by unknown key {event.key_id}")
        try:
            pub.verify(event.signature, tree_head_bytes(event.seq, event.recorded_at, root))
        except InvalidSignature:
            return bad(event.seq, "tree head signature is invalid")
        expected += 1
    state = session.get(LedgerState, STATE_ROW_ID)
    size = 0 if state is None else state.size
    if size != frontier.size:
        return VerifyReport(False, frontier.size, frontier.size + 1,
                            f"ledger state says {size} events, rows hold {frontier.size}")
    return VerifyReport(True, frontier.size)


def list_events(session: Session, *, module: str | None = None, subject: str | None = None,
                after: int = 0, limit: int = 100) -> list[LedgerEvent]:
    """Events in sequence order, optionally for one module or subject (for history pages)."""
    stmt = select(LedgerEvent).where(LedgerEvent.seq > after)
    if module:
        stmt = stmt.where(LedgerEvent.module == module)
    if subject:
        stmt = stmt.where(LedgerEvent.subject == subject)
    return list(session.execute(stmt.order_by(LedgerEvent.seq).limit(limit)).scalars())

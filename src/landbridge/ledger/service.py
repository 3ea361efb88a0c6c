"""Appending to the ledger, reading signed tree heads, serving proofs, and verifying the log (P2).

``append_event`` is called by every module inside its own transaction: the event is committed
or rolled back with the change it records. Appends are serialised by a lock on the single
``ledger_state`` row (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so sequence
numbers are gap-free and unique.

Each event is a public envelope (``ledger_event``, the Merkle leaf) and a private part (``ledger_private``: salt,
subject, actor, payload) stored apart (issue #12 item 1, ``rules``; ADR 0010). Reads inside the server
(``get_event``, ``list_events``) return both as an ``Event``; what leaves the server is decided by the views.
"""

from __future__ import annotations

import json
import os
import struct
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Select, Table, insert, select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.metrics import LEDGER_EVENTS
from landbridge.ledger import merkle, rules, subjects
from landbridge.ledger.canonical import canonical_json
from landbridge.ledger.errors import LedgerError
from landbridge.ledger.keys import key_id, load_signing_key, public_key_bytes, verification_keys
from landbridge.ledger.models import LedgerEvent, LedgerNode, LedgerPrivate, LedgerState, LedgerSubject
from landbridge.privacy import Keyring, keyed_digest, keyring

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
    """One business event to append: what module, what happened, to what, by whom, with what facts, and which other
    records it concerns (``also``: subjects from ``ledger.subjects``, indexed with the event; issue #14 item 7)."""

    module: str
    event_type: str
    subject: str
    actor: str
    payload: dict[str, Any]
    also: tuple[str, ...] = ()


def subject_reference(subject: str, ring: Keyring | None = None) -> str:
    """The opaque reference of a subject: hex HMAC under the deployment's index key (no outsider can test a guess)."""
    return keyed_digest(subject, purpose=rules.SUBJECT_PURPOSE, ring=ring).hex()


def append_event(session: Session, *, module: str, event_type: str, subject: str, actor: str,
                 payload: dict[str, Any], also: Sequence[str] = (),
                 key: Ed25519PrivateKey | None = None) -> LedgerEvent:
    """Record a business event in the ledger, in the caller's transaction (P2), indexed under ``subject`` and the
    other records it concerns (``also``)."""
    return append_events(session, [NewEvent(module, event_type, subject, actor, payload, tuple(also))], key=key)[0]


def index_row(seq: int, subject: str, ref: str) -> dict[str, Any]:
    """One row of the subject index: the event, the subject's keyed reference, its kind, and its text if public."""
    return {"seq": seq, "subject_ref": ref, "kind": subjects.kind_of(subject)[:40],
            "public_subject": subject if rules.is_public_subject(subject) else None}


def append_events(session: Session, events: Sequence[NewEvent],
                  key: Ed25519PrivateKey | None = None) -> list[LedgerEvent]:
    """Record several events in order, in the caller's transaction, taking the ledger head once (P2).

    Each event still gets its own sequence number, envelope, private part, Merkle root and signed tree head, exactly
    as if appended one by one; only the head row is locked, read and written once for the whole batch, and the
    envelopes, private parts and tree nodes are inserted together. Each event is indexed under every subject it
    concerns (``ledger_subject``) in the same flush: a rolled-back append leaves neither event nor index rows.
    """
    if not events:
        return []
    batch = _prepare(session, events, key)
    out = [LedgerEvent(**row) for row in batch.events]
    session.add_all(out)
    session.add_all(LedgerPrivate(**row) for row in batch.private)  # the unit of work inserts envelopes first
    session.add_all(LedgerNode(**row) for row in batch.nodes)
    session.flush()
    session.execute(_SUBJECT_INSERT, batch.index)  # after the envelopes it points at; one Core executemany
    _count(events)
    return out


def append_event_rows(session: Session, events: Sequence[NewEvent],
                      key: Ed25519PrivateKey | None = None) -> list[int]:
    """``append_events`` for large batches (the close of business): the same rows (sequence numbers, envelopes,
    private parts, tree nodes, signed tree heads, subject index), inserted by Core ``executemany`` without an ORM
    object per row; returns the events' sequence numbers. The events are not in the session's identity map (a
    read after it queries the database)."""
    if not events:
        return []
    batch = _prepare(session, events, key)
    session.flush()  # the head row's new size and frontier
    session.execute(insert(cast(Table, LedgerEvent.__table__)), batch.events)
    session.execute(insert(cast(Table, LedgerPrivate.__table__)), batch.private)
    if batch.nodes:
        session.execute(insert(cast(Table, LedgerNode.__table__)), batch.nodes)
    session.execute(_SUBJECT_INSERT, batch.index)
    _count(events)
    return [row["seq"] for row in batch.events]


@dataclass
class _Batch:
    """The column values of a batch of appended events (one dict per row of each table)."""

    events: list[dict[str, Any]]
    private: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    index: list[dict[str, Any]]


def _prepare(session: Session, events: Sequence[NewEvent], key: Ed25519PrivateKey | None) -> _Batch:
    """Lock the head, compute every event's rows in order (sequence, envelope, leaf, root, signed tree head, private
    part, tree nodes completed, subject index) and move the head (its row written at the caller's flush)."""
    key = key or load_signing_key()
    kid = key_id(key)
    ring = keyring()
    refs: dict[str, str] = {}  # a batch of bids names one lot many times: one HMAC per distinct subject
    state = _lock_state(session)
    frontier = merkle.Frontier(state.size, [bytes.fromhex(h) for h in json.loads(state.frontier)])
    recorded_at = now()
    stamp = recorded_at.isoformat()
    batch = _Batch([], [], [], [])
    rows: dict[str, dict[str, Any]] = {}
    for new in events:
        seq = frontier.size + 1
        body = rules.private_body(new.subject, new.actor, new.payload)
        salt = os.urandom(rules.SALT_BYTES)
        digest = rules.private_digest(salt, body)
        ref = refs.get(new.subject)
        if ref is None:
            ref = refs[new.subject] = subject_reference(new.subject, ring)
        for item in subjects.index_subjects(new.subject, new.also):
            row = rows.get(item)
            if row is None:  # one HMAC and one row shape per distinct subject in the batch
                row = rows[item] = index_row(0, item, refs.get(item) or subject_reference(item, ring))
            batch.index.append({**row, "seq": seq})
        public_subject = new.subject if rules.is_public_subject(new.subject) else None
        entry = rules.envelope(seq=seq, recorded_at=stamp, module=new.module, event_type=new.event_type,
                               subject_ref=ref, public_subject=public_subject, digest=digest)
        leaf = merkle.leaf_hash(entry.encode("utf-8"))
        completed = frontier.append(leaf)
        root = frontier.root()
        signature = key.sign(tree_head_bytes(seq, recorded_at, root))
        batch.events.append({"seq": seq, "recorded_at": recorded_at, "module": new.module,
                             "event_type": new.event_type, "subject_ref": ref, "public_subject": public_subject,
                             "private_digest": digest, "envelope": entry, "leaf_hash": leaf, "tree_root": root,
                             "signature": signature, "key_id": kid})
        batch.private.append({"seq": seq, "salt": salt, "body": body})
        batch.nodes.extend({"level": level, "index": index, "hash": node} for level, index, node in completed)
    state.size = frontier.size
    state.frontier = json.dumps([h.hex() for h in frontier.hashes])
    return batch


def _count(events: Sequence[NewEvent]) -> None:
    for module, count in Counter(e.module for e in events).items():  # appended (a rollback may still undo them)
        LEDGER_EVENTS.labels(module).inc(count)


_SUBJECT_INSERT = insert(cast(Table, LedgerSubject.__table__))  # Core: no ORM per-row bookkeeping


@dataclass(frozen=True)
class Event:
    """An event as the server sees it: its public envelope and, where stored, its private part.

    ``body`` is the whole event (seq, time, module, type, subject, actor, payload) as canonical JSON, for the
    modules that read their own events' facts back (sealed tallies, import chunks, live lot updates).
    """

    seq: int
    recorded_at: datetime
    module: str
    event_type: str
    subject_ref: str
    public_subject: str | None
    private_digest: bytes
    envelope: str
    leaf_hash: bytes
    tree_root: bytes
    signature: bytes
    key_id: str
    salt: bytes | None
    private_body: str | None

    @cached_property
    def private(self) -> dict[str, Any]:
        return {} if self.private_body is None else dict(json.loads(self.private_body))

    @property
    def subject(self) -> str | None:
        return self.private.get("subject", self.public_subject)

    @property
    def actor(self) -> str | None:
        return self.private.get("actor")

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.private.get("payload", {}))

    @property
    def body(self) -> str:
        return canonical_json({"seq": self.seq, "recorded_at": ensure_utc(self.recorded_at), "module": self.module,
                               "event_type": self.event_type, "subject": self.subject, "actor": self.actor,
                               "payload": self.payload})


_EVENT_COLUMNS = (LedgerEvent.seq, LedgerEvent.recorded_at, LedgerEvent.module, LedgerEvent.event_type,
                  LedgerEvent.subject_ref, LedgerEvent.public_subject, LedgerEvent.private_digest,
                  LedgerEvent.envelope, LedgerEvent.leaf_hash, LedgerEvent.tree_root, LedgerEvent.signature,
                  LedgerEvent.key_id, LedgerPrivate.salt, LedgerPrivate.body)


def _event_select() -> Select[Any]:
    stmt = cast("Select[Any]", select(*_EVENT_COLUMNS))
    return stmt.outerjoin(LedgerPrivate, LedgerPrivate.seq == LedgerEvent.seq)


def _event_of(row: Any) -> Event:
    return Event(row[0], ensure_utc(row[1]), *row[2:])


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


def _head_of(event: Event) -> TreeHead:
    """The head with the public key that signed it: the current key, or a retired one for a head from before a
    rotation (the ring is built only then); a key the deployment does not know is shown as none."""
    current = load_signing_key().public_key()
    key = current if event.key_id == key_id(current) else verification_keys().get(event.key_id)
    return TreeHead(event.seq, event.tree_root.hex(), ensure_utc(event.recorded_at), event.signature.hex(),
                    event.key_id, "" if key is None else public_key_bytes(key).hex())


def get_event(session: Session, seq: int) -> Event:
    """One ledger event by sequence number (envelope and private part: the caller decides what to show)."""
    row = session.execute(_event_select().where(LedgerEvent.seq == seq)).first()
    if row is None:
        raise LedgerError.EVENT_NOT_FOUND.error({"seq": seq})
    return _event_of(row)


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
            leaf = session.execute(select(LedgerEvent.leaf_hash).where(LedgerEvent.seq == index + 1)).scalar()
            if leaf is None:
                raise LedgerError.EVENT_NOT_FOUND.error({"seq": index + 1})
            value = leaf
        else:
            node = session.get(LedgerNode, (level, index))
            if node is None:
                raise LedgerError.NODE_MISSING.error({"level": level, "index": index})
            value = node.hash
        cache[(level, index)] = value
        return value

    return lambda lo, hi: merkle.subtree_hash(lo, hi, complete)


def _check_size(session: Session, size: int) -> None:
    if size < 1 or size > current_size(session):
        raise LedgerError.BAD_TREE_SIZE.error({"size": size})


def inclusion_proof(session: Session, seq: int, tree_size: int) -> dict[str, Any]:
    """Audit path proving event ``seq`` is in the tree of ``tree_size`` events."""
    _check_size(session, tree_size)
    if not 1 <= seq <= tree_size:
        raise LedgerError.BAD_SEQUENCE.error({"seq": seq, "tree_size": tree_size})
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
        raise LedgerError.BAD_TREE_ORDER.error()
    path = merkle.consistency_proof(first, second, _subtree_fn(session))
    first_head, second_head = get_head(session, first), get_head(session, second)
    assert first_head is not None and second_head is not None
    return {"first": first, "second": second, "proof": [h.hex() for h in path],
            "first_head": first_head.as_dict(), "second_head": second_head.as_dict()}


@dataclass
class VerifyReport:
    """Outcome of recomputing the ledger from its rows: which layers were checked, and the first bad event."""

    ok: bool
    size: int
    first_bad_seq: int | None = None
    reason: str | None = None
    layers: tuple[str, ...] = ("public",)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "first_bad_seq": self.first_bad_seq, "reason": self.reason,
                "layers": list(self.layers)}


VERIFY_CHUNK = 5000


def _iter_chunks(session: Session, *, private: bool, chunk: int = VERIFY_CHUNK) -> Iterator[list[Any]]:
    columns: list[Any] = [LedgerEvent.seq, LedgerEvent.recorded_at, LedgerEvent.module, LedgerEvent.event_type,
                          LedgerEvent.subject_ref, LedgerEvent.public_subject, LedgerEvent.private_digest,
                          LedgerEvent.envelope, LedgerEvent.leaf_hash, LedgerEvent.tree_root, LedgerEvent.signature,
                          LedgerEvent.key_id]
    stmt = select(*columns)
    if private:
        stmt = select(*columns, LedgerPrivate.seq, LedgerPrivate.salt, LedgerPrivate.body).outerjoin(
            LedgerPrivate, LedgerPrivate.seq == LedgerEvent.seq)
    last = 0
    while True:
        rows = list(session.execute(stmt.where(LedgerEvent.seq > last).order_by(LedgerEvent.seq).limit(chunk)))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _stored_nodes(session: Session, wanted: list[tuple[int, int, bytes]]) -> dict[tuple[int, int], bytes]:
    """The stored nodes that a chunk of appends completed, read by level and index range (bounded memory)."""
    ranges: dict[int, tuple[int, int]] = {}
    for level, index, _ in wanted:
        lo, hi = ranges.get(level, (index, index))
        ranges[level] = (min(lo, index), max(hi, index))
    found: dict[tuple[int, int], bytes] = {}
    for level, (lo, hi) in ranges.items():
        for n_level, n_index, n_hash in session.execute(
                select(LedgerNode.level, LedgerNode.index, LedgerNode.hash)
                .where(LedgerNode.level == level, LedgerNode.index.between(lo, hi))):
            found[(n_level, n_index)] = n_hash
    return found


def _canonical_object(text: str) -> dict[str, Any] | None:
    """The JSON object ``text`` holds when it is exactly its canonical form, else None."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and canonical_json(parsed) == text else None


def _check_public(row: Any, expected_seq: int) -> str | None:
    seq, recorded_at, module, event_type, subject_ref, public_subject, digest, entry = row[:8]
    if seq != expected_seq:
        return f"sequence gap or reorder: expected {expected_seq}, found {seq}"
    parsed = _canonical_object(entry)
    if parsed is None:
        return "envelope is not canonical JSON"
    columns = {"seq": seq, "module": module, "event_type": event_type, "subject_ref": subject_ref,
               "subject": public_subject, "private_digest": digest.hex(),
               "recorded_at": ensure_utc(recorded_at).isoformat()}
    if set(parsed) != set(columns):
        return "envelope has other fields than seq, time, module, type, subject reference, subject and digest"
    for name, value in columns.items():
        if parsed[name] != value:
            return f"column {name} differs from the hashed envelope"
    if public_subject is not None and not rules.is_public_subject(public_subject):
        return "envelope names a subject that is not public in clear"
    return None


def _check_private(row: Any, ring: Keyring | None) -> str | None:
    digest, public_subject, subject_ref = row[6], row[5], row[4]
    private_seq, salt, body = row[12], row[13], row[14]
    if private_seq is None:
        return "private part is missing"
    if rules.private_digest(salt, body) != digest:
        return "private part does not match the envelope's digest"
    parsed = _canonical_object(body)
    if parsed is None:
        return "private part is not canonical JSON"
    subject = parsed.get("subject")
    if not isinstance(subject, str):
        return "private part names no subject"
    if public_subject is not None and public_subject != subject:
        return "public subject differs from the private part's subject"
    if public_subject is None and rules.is_public_subject(subject):
        return "a public subject is missing from the envelope"
    if ring is not None and subject_reference(subject, ring) != subject_ref:
        return "subject reference does not match the private part's subject"
    return None


def verify_ledger(session: Session, public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey] | None = None, *,
                  private: bool = True, ring: Keyring | None = None,
                  progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Recompute every envelope, leaf, root, signature and stored node; with ``private``, also each private part's
    digest and, where the index key is given (``ring``, default the deployment's), each subject reference (P2).

    The public layer needs only the rows and the signing public keys (default: the deployment's current key and
    the retired ones, ``keys.verification_keys``); it names the first bad sequence number. Keys follow one
    another: once the heads move to a new key, a head signed again by a key rotated out is refused (a retired
    key may have leaked; it must not sign the ledger's future).
    """
    given = [public_key] if isinstance(public_key, Ed25519PublicKey) else public_key
    keys = verification_keys() if given is None else {key_id(k): k for k in given}
    if private and ring is None:
        ring = keyring()
    layers = ("public", "private", "subject_ref") if private and ring is not None else \
        ("public", "private") if private else ("public",)
    signer: str | None = None
    rotated_out: set[str] = set()
    frontier = merkle.Frontier()
    expected = 1

    def bad(seq: int, reason: str) -> VerifyReport:
        return VerifyReport(False, frontier.size, seq, reason, layers)

    for rows in _iter_chunks(session, private=private):
        completed: list[tuple[int, int, bytes]] = []
        owner: dict[tuple[int, int], int] = {}
        for row in rows:
            problem = _check_public(row, expected)
            if problem is None and private:
                problem = _check_private(row, ring)
            if problem is not None:
                return bad(min(expected, row[0]), problem)
            seq, recorded_at = row[0], row[1]
            leaf = merkle.leaf_hash(row[7].encode("utf-8"))
            if leaf != row[8]:
                return bad(seq, "leaf hash does not match the envelope")
            for level, index, node in frontier.append(leaf):
                completed.append((level, index, node))
                owner[(level, index)] = seq
            root = frontier.root()
            if root != row[9]:
                return bad(seq, "tree root does not match the recomputed tree")
            if row[11] != signer:
                if row[11] not in keys:
                    return bad(seq, f"signed by unknown key {row[11]}")
                if row[11] in rotated_out:
                    return bad(seq, f"signed by key {row[11]} after it was rotated out")
                if signer is not None:
                    rotated_out.add(signer)
                signer = row[11]
            try:
                keys[row[11]].verify(row[10], tree_head_bytes(seq, recorded_at, root))
            except InvalidSignature:
                return bad(seq, "tree head signature is invalid")
            expected += 1
        stored = _stored_nodes(session, completed)
        for level, index, node in completed:
            if stored.get((level, index)) != node:
                return bad(owner[(level, index)], f"stored node {level}/{index} is missing or wrong")
        if progress is not None:
            progress(len(rows))
        session.expunge_all()
    state = session.get(LedgerState, STATE_ROW_ID)
    size = 0 if state is None else state.size
    if size != frontier.size:
        return VerifyReport(False, frontier.size, frontier.size + 1,
                            f"ledger state says {size} events, rows hold {frontier.size}", layers)
    return VerifyReport(True, frontier.size, layers=layers)


MAX_PAGE = 1000


def history(session: Session, of: Sequence[str], *, before: int | None = None, limit: int = 50) -> list[Event]:
    """A record's full history, newest first: every event indexed under any of the subjects ``of`` (a parcel and
    its units, say), whichever module wrote it (issue #14 item 7). The caller decides what of each event to show."""
    if not of:
        return []
    refs = sorted({subject_reference(subjects.canonical(s)) for s in of})
    stmt = _event_select().where(LedgerEvent.seq.in_(
        select(LedgerSubject.seq).where(LedgerSubject.subject_ref.in_(refs))))
    if before is not None:
        stmt = stmt.where(LedgerEvent.seq < before)
    return [_event_of(row) for row in session.execute(stmt.order_by(LedgerEvent.seq.desc()).limit(limit))]


def list_events(session: Session, *, module: str | None = None, subject: str | None = None,
                subject_ref: str | None = None, after: int = 0, limit: int = 100) -> list[Event]:
    """Events in sequence order, optionally for one module, and for one subject found through the
    subject index: every event that concerns it, whichever module wrote it and whether it is the event's own
    subject or another it names (issue #14 item 7). A legacy spelling (``exchange.lot:7``) finds the same events as
    the uniform one (``lot:7``); ``subject_ref`` is a subject's keyed reference, as the envelopes show it.
    """
    stmt = _event_select().where(LedgerEvent.seq > after)
    if module:
        stmt = stmt.where(LedgerEvent.module == module)
    refs = [r for r in (subject_ref, None if subject is None else subject_reference(subjects.canonical(subject)))
            if r]
    for ref in refs:
        stmt = stmt.where(LedgerEvent.seq.in_(select(LedgerSubject.seq).where(LedgerSubject.subject_ref == ref)))
    return [_event_of(row) for row in session.execute(stmt.order_by(LedgerEvent.seq).limit(limit))]

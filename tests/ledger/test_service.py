"""Ledger on the database: appends, signed heads, proofs, tampering and concurrent writers (P2)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from landbridge.db import Database
from landbridge.errors import NotFound, RuleViolation
from landbridge.ledger import (
    NewEvent,
    append_event,
    append_events,
    consistency_proof,
    current_size,
    get_head,
    inclusion_proof,
    list_events,
    merkle,
    verify_ledger,
)


def _fill(db: Database, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            append_event(s, module="test", event_type="thing_happened", subject=f"test.thing:{i}",
                         actor="user:1:tester", payload={"i": i, "amount_fen": i * 100, "name": "锦江村"})


def test_append_sign_and_prove(db: Database) -> None:
    _fill(db, 13)
    with db.transaction(readonly=True) as s:
        head = get_head(s)
        assert head is not None and head.tree_size == 13
        for seq in (1, 7, 13):
            proof = inclusion_proof(s, seq, 13)
            assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), seq - 1, 13,
                                           [bytes.fromhex(h) for h in proof["audit_path"]],
                                           bytes.fromhex(head.root_hash))
        cons = consistency_proof(s, 5, 13)
        assert merkle.verify_consistency(5, 13, bytes.fromhex(cons["first_head"]["root_hash"]),
                                         bytes.fromhex(head.root_hash), [bytes.fromhex(h) for h in cons["proof"]])
        assert verify_ledger(s).ok
        with pytest.raises(RuleViolation):
            inclusion_proof(s, 14, 13)
        with pytest.raises(NotFound):
            from landbridge.ledger import get_event

            get_event(s, 99)


def test_rollback_leaves_no_gap(db: Database) -> None:
    _fill(db, 2)
    with pytest.raises(RuntimeError), db.transaction() as s:
        append_event(s, module="test", event_type="x", subject="t:1", actor="a", payload={})
        raise RuntimeError("the business change failed")
    _fill(db, 1)
    with db.transaction(readonly=True) as s:
        seqs = [r[0] for r in s.execute(text("SELECT seq FROM ledger_event ORDER BY seq"))]
        assert seqs == [1, 2, 3]
        assert verify_ledger(s).ok


def test_floats_are_refused(db: Database) -> None:
    with pytest.raises(TypeError), db.transaction() as s:
        append_event(s, module="test", event_type="x", subject="t", actor="a", payload={"price": 1.5})


@pytest.mark.parametrize("tamper, bad_seq", [
    # the private part (a changed payload, a changed salt, a deleted row) no longer opens the envelope's digest
    (["UPDATE ledger_private SET body = replace(body, '\"i\":4', '\"i\":40') WHERE seq = 5"], 5),
    (["UPDATE ledger_private SET salt = ledger_event.private_digest FROM ledger_event "
      "WHERE ledger_event.seq = ledger_private.seq AND ledger_private.seq = 8"], 8),
    (["DELETE FROM ledger_private WHERE seq = 9"], 9),
    # the envelope: a column changed, the hashed text changed, a row deleted, a sequence number rewritten
    (["UPDATE ledger_event SET public_subject = 'test.thing:999' WHERE seq = 6"], 6),
    (["UPDATE ledger_event SET envelope = replace(envelope, '\"module\":\"test\"', '\"module\":\"tost\"'), "
      "module = 'tost' WHERE seq = 2"], 2),
    (["DELETE FROM ledger_subject WHERE seq = 3", "DELETE FROM ledger_private WHERE seq = 3",
     "DELETE FROM ledger_event WHERE seq = 3"], 3),
    (["UPDATE ledger_event SET envelope = replace(envelope, '\"seq\":4', '\"seq\":7') WHERE seq = 4"], 4),
])
def test_tampering_is_detected(db: Database, tamper: list[str], bad_seq: int) -> None:
    _fill(db, 10)
    with db.engine.begin() as conn:
        for statement in tamper:
            conn.exec_driver_sql(statement)
    with db.transaction(readonly=True) as s:
        report = verify_ledger(s)
    assert not report.ok
    assert report.first_bad_seq == bad_seq


def test_rehashed_forgery_is_caught_by_signature(db: Database) -> None:
    """An attacker who rewrites an envelope and recomputes its leaf and roots still lacks the key."""
    _fill(db, 6)
    with db.transaction(readonly=True) as s:
        from landbridge.ledger.models import LedgerEvent

        rows = s.query(LedgerEvent).order_by(LedgerEvent.seq).all()
        envelopes = [r.envelope for r in rows]
    envelopes[2] = envelopes[2].replace('"event_type":"thing_happened"', '"event_type":"thing_undone"')
    frontier = merkle.Frontier()
    with db.engine.begin() as conn:
        for seq, entry in enumerate(envelopes, start=1):
            leaf = merkle.leaf_hash(entry.encode())
            frontier.append(leaf)
            conn.execute(text("UPDATE ledger_event SET envelope=:b, leaf_hash=:l, tree_root=:r, "
                              "event_type=:t WHERE seq=:s"),
                         {"b": entry, "l": leaf, "r": frontier.root(), "s": seq,
                          "t": json.loads(entry)["event_type"]})
        conn.execute(text("DELETE FROM ledger_node"))
    with db.transaction(readonly=True) as s:
        report = verify_ledger(s, private=False)
    assert not report.ok and report.first_bad_seq is not None and report.first_bad_seq <= 3


def test_concurrent_appends_are_gap_free(db: Database) -> None:
    threads, per_thread = 8, 10
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for i in range(per_thread):
                with db.transaction() as s:
                    append_event(s, module="test", event_type="race", subject=f"t:{t}:{i}", actor="a",
                                 payload={"t": t, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert not errors
    with db.transaction(readonly=True) as s:
        seqs = [r[0] for r in s.execute(text("SELECT seq FROM ledger_event ORDER BY seq"))]
        assert seqs == list(range(1, threads * per_thread + 1))
        assert verify_ledger(s).ok


def test_a_batch_of_events_is_the_same_log_as_one_by_one(db: Database) -> None:
    """append_events (one head lock for many) gives the same sequence, leaves, roots and proofs as appending
    one by one, and the ledger verifies (P2)."""
    from landbridge.ledger.models import LedgerEvent

    news = [NewEvent("test", "thing_happened", f"test:{i}", "tester", {"i": i}) for i in range(11)]
    with db.transaction() as s:
        start = current_size(s)
        batch = append_events(s, news[:7])
        singles = [append_event(s, module=n.module, event_type=n.event_type, subject=n.subject, actor=n.actor,
                                payload=n.payload) for n in news[7:]]
        assert append_events(s, []) == []
    assert [e.seq for e in batch + singles] == list(range(start + 1, start + 12))
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok
        stored = s.query(LedgerEvent).filter(LedgerEvent.seq > start).order_by(LedgerEvent.seq).all()
        assert [e.subject for e in list_events(s, after=start)] == [f"test:{i}" for i in range(11)]
        assert len({e.tree_root for e in stored}) == 11  # each event has its own signed tree head


def test_rows_appended_by_core_are_the_same_log(db: Database) -> None:
    """append_event_rows (the close of business's batch: Core inserts, no ORM object per event) continues the same
    log as append_events around it: gap-free sequence numbers, each event its signed tree head, its private part and
    its subject index (the ``also`` subjects too), and the whole ledger verifies, public and private layers."""
    from landbridge.ledger import append_event_rows
    from landbridge.ledger.models import LedgerEvent

    news = [NewEvent("test", "thing_happened", f"test:{i}", "tester", {"i": i}, ("test.other:1",))
            for i in range(9)]
    with db.transaction() as s:
        start = current_size(s)
        first = append_events(s, news[:2])
        rows = append_event_rows(s, news[2:8])
        last = append_event(s, module="test", event_type="thing_happened", subject="test:8", actor="tester",
                            payload={"i": 8})
        assert append_event_rows(s, []) == []
    assert [e.seq for e in first] + rows + [last.seq] == list(range(start + 1, start + 10))
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok and verify_ledger(s, private=False).ok
        assert current_size(s) == start + 9
        stored = s.query(LedgerEvent).filter(LedgerEvent.seq > start).order_by(LedgerEvent.seq).all()
        assert len({e.tree_root for e in stored}) == 9
        assert [(e.subject, json.loads(e.private_body or "{}")["payload"]) for e in list_events(s, after=start)] == [
            (f"test:{i}", {"i": i}) for i in range(9)]
        assert [e.seq for e in list_events(s, subject="test.other:1")] == list(range(start + 1, start + 9))

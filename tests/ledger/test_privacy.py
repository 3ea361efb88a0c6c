"""The ledger's privacy model (issue #12 item 1; P2): envelopes reveal no one, private parts go only to roles with
a need to know and every such read is recorded, a subject's history is found by its keyed reference, and the
public layer verifies without any secret while the private layer needs the deployment's key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from landbridge.auth.models import User
from landbridge.cli import app as cli_app
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import append_event, merkle, rules, subject_reference, verify_ledger
from landbridge.ledger.keys import load_signing_key, public_key_bytes
from landbridge.main import create_app
from landbridge.privacy import Keyring, list_reads
from landbridge.privacy.models import PersonalRead
from tests.collective.conftest import Village, accounts_world
from tests.collective.test_api import auth

ID_NUMBER = "36060219900101123X"
NAME = "欧阳娜娜"
PARTY = "party:4242"


@dataclass
class World:
    client: TestClient
    village: Village
    other: Village
    seqs: dict[str, int]


def _append(db: Database, module: str, event_type: str, subject: str, payload: dict[str, Any]) -> int:
    with db.transaction() as s:
        return append_event(s, module=module, event_type=event_type, subject=subject, actor="user:3:registrar",
                            payload=payload).seq


@pytest.fixture
def world(db: Database, clock: Clock) -> Iterator[World]:
    with db.transaction() as s:
        village, other = accounts_world(s)
    seqs = {
        "registry": _append(db, "registry", "party_created", PARTY, {"name": NAME, "id_number": ID_NUMBER}),
        "exchange": _append(db, "exchange", "bidder_registered", "exchange.lot:9", {"party_id": 4242, "name": NAME}),
        "collective": _append(db, "collective", "member_admitted", "collective.member:77",
                              {"collective_id": village.collective_id, "name": NAME}),
        "collective_other": _append(db, "collective", "member_admitted", "collective.member:78",
                                    {"collective_id": other.collective_id, "name": NAME}),
    }
    with TestClient(create_app()) as c:
        yield World(c, village, other, seqs)


def reads(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(PersonalRead)) or 0)


def _leaks(text_: str) -> list[str]:
    """Any form of the person's data in a public response: clear, or an unkeyed hash of it."""
    secrets = [ID_NUMBER, NAME, PARTY, "user:3:registrar"]
    forms = secrets + [hashlib.sha256(v.encode()).hexdigest() for v in secrets] + \
        [hashlib.md5(v.encode()).hexdigest() for v in secrets]
    return [f for f in forms if f in text_]


def test_envelope_reveals_no_one(world: World) -> None:
    """Anonymous reads of an event, of a listing and of proofs show no name, ID number, party or actor, nor any
    unkeyed hash of them; the envelope is what the leaf hashes."""
    seq = world.seqs["registry"]
    one = world.client.get(f"/api/v1/ledger/events/{seq}")
    assert one.status_code == 200, one.text
    listing = world.client.get("/api/v1/ledger/events", params={"limit": 200})
    proof = world.client.get(f"/api/v1/ledger/proofs/inclusion/{seq}")
    for r in (one, listing, proof, world.client.get("/api/v1/ledger/head")):
        assert r.status_code == 200 and _leaks(r.text) == []
    body = one.json()
    assert body["private"] is None and body["subject"] is None
    assert set(json.loads(body["envelope"])) == {"seq", "recorded_at", "module", "event_type", "subject_ref",
                                                 "subject", "private_digest"}
    assert merkle.leaf_hash(body["envelope"].encode()).hex() == body["leaf_hash"] == proof.json()["leaf_hash"]
    # a public thing (a lot) is named in clear so its history is traceable by anyone; the bidder is not
    lot = world.client.get(f"/api/v1/ledger/events/{world.seqs['exchange']}").json()
    assert lot["subject"] == "exchange.lot:9" and lot["private"] is None


MATRIX = [  # (user, module of the event, may read its private part)
    (None, "registry", False), ("bidder", "registry", False), ("exchange", "registry", False),
    ("clerk", "registry", False), ("registrar", "registry", True), ("supervisor", "registry", True),
    ("admin", "registry", True),
    (None, "exchange", False), ("registrar", "exchange", False), ("exchange", "exchange", True),
    ("supervisor", "exchange", True),
    ("clerk2", "collective", False), ("registrar", "collective", False), ("clerk", "collective", True),
    ("township", "collective", True), ("clerk", "collective_other", False), ("clerk2", "collective_other", True),
]


@pytest.mark.parametrize(("user", "event", "allowed"), MATRIX)
def test_private_part_by_need_to_know(world: World, db: Database, user: str | None, event: str,
                                      allowed: bool) -> None:
    """Anonymous, wrong role and wrong organisation see the envelope only and nothing is recorded; the right role
    sees subject, actor, payload and the salt that opens the digest, and the read is recorded (who, which, why)."""
    seq = world.seqs[event]
    before = reads(db)
    r = world.client.get(f"/api/v1/ledger/events/{seq}", headers=auth(world.client, user))
    assert r.status_code == 200, r.text
    body = r.json()
    if not allowed:
        assert body["private"] is None and _leaks(r.text) == []
        assert reads(db) == before
        return
    private = body["private"]
    assert private["payload"]["name"] == NAME
    assert hashlib.sha256(bytes.fromhex(private["salt"]) + private["body"].encode()).hexdigest() == \
        body["private_digest"]
    assert reads(db) == before + 1
    with db.transaction(readonly=True) as s:
        last = list_reads(s, record=f"ledger.private:{seq}", limit=1)[0]
        reader_id = s.execute(select(User.id).where(User.username == user)).scalar_one()
        assert last.reader == f"user:{reader_id}" and last.purpose == "ledger.private_part"  # no username in actors
        if event == "registry":
            assert last.party_id == 4242  # shows on the person's "who read my record" list


def test_subject_history(world: World, db: Database) -> None:
    """A subject's history is found by its keyed reference: anyone for a public subject or a published reference;
    a personal subject by name only by a role that may read that module's private parts; pages are bounded."""
    for i in range(3):
        _append(db, "registry", "party_updated", PARTY, {"i": i})
    anon = world.client.get("/api/v1/ledger/events", params={"subject": PARTY})
    assert anon.status_code == 403 and anon.json()["code"] == "ledger.subject_search_forbidden"
    clerk = world.client.get("/api/v1/ledger/events", params={"subject": PARTY, "module": "registry"},
                             headers=auth(world.client, "clerk"))
    assert clerk.status_code == 403
    headers = auth(world.client, "registrar")
    page = world.client.get("/api/v1/ledger/events", params={"subject": PARTY, "module": "registry", "limit": 3},
                            headers=headers).json()
    assert [e["private"]["subject"] for e in page["events"]] == [PARTY] * 3
    assert page["next_after"] == page["events"][-1]["seq"]
    rest = world.client.get("/api/v1/ledger/events", params={"subject": PARTY, "module": "registry", "limit": 3,
                                                              "after": page["next_after"]}, headers=headers).json()
    assert len(rest["events"]) == 1 and rest["next_after"] is None
    ref = page["events"][0]["subject_ref"]
    by_ref = world.client.get("/api/v1/ledger/events", params={"subject_ref": ref})
    assert by_ref.status_code == 200 and len(by_ref.json()["events"]) == 4 and _leaks(by_ref.text) == []
    lot = world.client.get("/api/v1/ledger/events", params={"subject": "exchange.lot:9"}).json()
    assert [e["seq"] for e in lot["events"]] == [world.seqs["exchange"]]
    for bad in ({"limit": 201}, {"limit": 0}, {"after": 2**63}, {"subject_ref": "zz"}):
        r = world.client.get("/api/v1/ledger/events", params=bad)
        assert r.status_code == 422, (bad, r.text)
    for path in (f"/api/v1/ledger/events/{2**63}", f"/api/v1/ledger/proofs/inclusion/{2**63}",
                 f"/api/v1/ledger/proofs/inclusion/1?tree_size={2**63}",
                 f"/api/v1/ledger/proofs/consistency?first=1&second={2**63}"):
        assert world.client.get(path).status_code == 422, path


def test_verify_layers_with_and_without_keys(world: World, db: Database, settings: Settings) -> None:
    """The public layer verifies with the public key alone; the private layer needs the index key, and a wrong
    key (or a swapped subject) fails it naming the event; the CLI reports both as JSON."""
    other_ring = Keyring((("x", b"\x01" * 32),), b"\x02" * 32)
    with db.transaction(readonly=True) as s:
        pub = load_signing_key().public_key()
        assert verify_ledger(s, pub, private=False).layers == ("public",)
        assert verify_ledger(s, pub).ok
        wrong = verify_ledger(s, pub, ring=other_ring)
        assert not wrong.ok and wrong.first_bad_seq == 1 and "subject reference" in (wrong.reason or "")
    runner = CliRunner()
    public_hex = public_key_bytes(load_signing_key()).hex()
    out = runner.invoke(cli_app, ["ledger", "verify", "--database", settings.database_url, "--layers", "public",
                                  "--public-key", public_hex, "--json", "--no-progress"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"ok": True, "size": world.seqs["collective_other"], "first_bad_seq": None,
                                      "reason": None, "layers": ["public"]}
    both = runner.invoke(cli_app, ["ledger", "verify", "--database", settings.database_url, "--layers", "both",
                                   "--json"])
    assert json.loads(both.stdout)["layers"] == ["public", "private", "subject_ref"]
    # a private part rewritten to name another member: the digest no longer opens
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_private SET body = replace(body, :a, :b) WHERE seq = :s"),
                     {"a": "collective.member:78", "b": "collective.member:77", "s": world.seqs["collective_other"]})
    public_only = runner.invoke(cli_app, ["ledger", "verify", "--database", settings.database_url, "--layers",
                                          "public", "--json", "--no-progress"])
    assert public_only.exit_code == 0  # the envelopes are intact: the public layer cannot see a private change
    bad = runner.invoke(cli_app, ["ledger", "verify", "--database", settings.database_url, "--no-progress"])
    assert bad.exit_code == 1 and f"seq {world.seqs['collective_other']}" in bad.output


def test_subject_reference_is_keyed(world: World) -> None:
    """The reference is an HMAC under the deployment's index key: not the plain hash, not reproducible without it."""
    ref = subject_reference(PARTY)
    assert ref != hashlib.sha256(PARTY.encode()).hexdigest()
    assert ref != subject_reference(PARTY, Keyring((("x", b"\x01" * 32),), b"\x02" * 32))
    assert rules.is_public_subject("certificate:1") and not rules.is_public_subject("party:1")
    assert not rules.is_public_subject("auth.user:1") and not rules.is_public_subject("collective.member:1")


def test_published_result_is_readable_by_anyone_and_not_a_personal_read(world: World, db: Database) -> None:
    """A sealed tally (aggregates and digests only) is published: anyone opens its digest; a ballot is not."""
    sealed = _append(db, "collective", "vote_sealed", "collective.motion:5",
                     {"collective_id": world.village.collective_id, "yes": 5, "no": 0, "ballots_sha256": "ab" * 32})
    ballot = _append(db, "collective", "ballot_cast", "collective.motion:5",
                     {"collective_id": world.village.collective_id, "receipt": "r1"})
    before = reads(db)
    event = world.client.get(f"/api/v1/ledger/events/{sealed}").json()
    assert event["subject"] == "collective.motion:5" and event["private"]["payload"]["yes"] == 5
    assert hashlib.sha256(bytes.fromhex(event["private"]["salt"]) + event["private"]["body"].encode()).hexdigest() \
        == event["private_digest"]
    assert world.client.get(f"/api/v1/ledger/events/{ballot}").json()["private"] is None
    assert reads(db) == before

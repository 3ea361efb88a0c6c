"""Personal data at rest (issue #12 item 4): ID numbers and phones only encrypted, blind-index uniqueness and
look-up, no ID digest in the ledger, key rotation (service and CLI), bulk path, migration 0021 both ways."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, inspect, select, text
from typer.testing import CliRunner

from landbridge.config import Settings, get_settings
from landbridge.db import Database, normalise_url
from landbridge.errors import Conflict
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from landbridge.privacy import keyring, token_key_id
from landbridge.registry import create_party, find_parties_by_phone, find_party_by_id_number, get_party, party_kinds
from landbridge.registry.bulk_register import PartyIn, bulk_create_parties
from landbridge.registry.models import Party
from landbridge.registry.sealing import count_sealed_parties, rotate_party_keys_chunk
from landbridge.schema import alembic_config, load_models, upgrade
from tests.registry.conftest import ACTOR, VILLAGE, org_uscc, resident_id
from tests.scratch import scratch_database

PHONE = "13912345678"


def _raw_dump(db: Database, *, skip: tuple[str, ...] = ()) -> str:
    """Every row of every table, as the database returns it (what a stolen backup would show)."""
    chunks: list[str] = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table in skip:
                continue
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def _secrets_of(number: str, phone: str) -> list[str]:
    """The plaintexts and the unkeyed digests that must appear nowhere."""
    return [number, phone, hashlib.sha256(number.encode()).hexdigest(), hashlib.sha256(phone.encode()).hexdigest()]


def test_create_party_stores_no_plaintext_and_reads_back(db: Database, clock: Clock) -> None:
    number = resident_id(7)
    with db.transaction() as s:
        pid = create_party(s, kind="person", name="张三丰", id_number=number, phone=PHONE, region_code=VILLAGE,
                           actor=ACTOR).id
    dump = _raw_dump(db)
    for secret in _secrets_of(number, PHONE):
        assert secret not in dump
    with db.session() as s:
        party = get_party(s, pid)
        assert (party.id_number, party.phone) == (number, PHONE)
        assert party.id_number_enc is not None and party.id_number_enc.startswith("v1.")
        assert token_key_id(party.id_number_enc) == keyring().current[0]
        assert [e.event_type for e in list_events(s, module="registry")] == ["party_created"]
    # outside the party's own row (the ledger included) there is no full name, no ID digest, keyed or not
    elsewhere = _raw_dump(db, skip=("registry_party",))
    assert "张三丰" not in elsewhere and "id_number_sha256" not in elsewhere
    assert party.id_index is not None and party.id_index not in elsewhere


def test_blind_index_is_unique_and_finds_the_party(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        pid = create_party(s, kind="person", name="李四", id_number=resident_id(8), phone=PHONE, actor=ACTOR).id
        org = create_party(s, kind="organisation", name="某公司", id_number=org_uscc(3), actor=ACTOR).id
    with db.transaction() as s, pytest.raises(Conflict) as dup:
        create_party(s, kind="person", name="王五", id_number=resident_id(8), actor=ACTOR)
    # the conflict names neither the existing party's id nor its name (no ID number → person oracle)
    body = json.dumps(dup.value.to_dict(), ensure_ascii=False)
    assert dup.value.code == "registry.party_exists" and str(pid) not in body.replace("409", "") and "李四" not in body
    assert "party_id" not in dup.value.details
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 2
        found = find_party_by_id_number(s, "resident_id", resident_id(8))
        assert found is not None and found.id == pid
        assert find_party_by_id_number(s, "resident_id", resident_id(9)) is None
        assert find_party_by_id_number(s, "uscc", resident_id(8)) is None
        found_org = find_party_by_id_number(s, "uscc", org_uscc(3))
        assert found_org is not None and found_org.id == org
        assert [p.id for p in find_parties_by_phone(s, PHONE)] == [pid]
        assert find_parties_by_phone(s, "13900000000") == []


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_blind_index_is_keyed_and_stable(n: int) -> None:
    """Pure: equal numbers give equal indexes, different numbers different ones, and no index is a bare hash."""
    from landbridge.privacy import blind_index
    from landbridge.registry.models import ID_NUMBER_CONTEXT

    number = f"{n:018d}"
    index = blind_index(number, purpose=ID_NUMBER_CONTEXT)
    assert index == blind_index(number, purpose=ID_NUMBER_CONTEXT)
    assert index != blind_index(f"{n + 1:018d}", purpose=ID_NUMBER_CONTEXT)
    assert index != hashlib.sha256(number.encode()).hexdigest()


def test_bulk_parties_encrypted_in_batch_and_correct(db: Database, clock: Clock) -> None:
    rows = [PartyIn(kind="person", name=f"村民{i}", id_number=resident_id(200 + i),
                    phone=f"1380000{i:04d}" if i % 2 == 0 else None, region_code=VILLAGE) for i in range(7)]
    with db.transaction() as s:
        ids = bulk_create_parties(s, rows, actor=ACTOR, chunk=3)
    dump = _raw_dump(db)
    for i in range(7):
        assert resident_id(200 + i) not in dump and f"1380000{i:04d}" not in dump
    with db.session() as s:
        assert {pid: v[1] for pid, v in party_kinds(s, ids).items()} == \
            {pid: resident_id(200 + i) for i, pid in enumerate(ids)}
        assert [get_party(s, pid).phone for pid in ids] == [r.phone for r in rows]
        assert [p.id for p in find_parties_by_phone(s, "13800000004")] == [ids[4]]
        found = find_party_by_id_number(s, "resident_id", resident_id(203))
        assert found is not None and found.id == ids[3]
    with db.transaction() as s, pytest.raises(Conflict) as dup:  # the blind index refuses a taken number in bulk
        bulk_create_parties(s, [PartyIn(kind="person", name="新人", id_number=resident_id(300)),
                                PartyIn(kind="person", name="重复", id_number=resident_id(202))], actor=ACTOR)
    assert dup.value.details == {"item_index": 1}


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def use_keys(settings: Settings) -> Iterator[Callable[[str | None], str]]:
    """Configure the deployment's keys: its present key, then (optionally) a new one listed after it."""
    ring = keyring()
    old_kid, old_key = ring.current

    def use(new_kid: str | None) -> str:
        listed = [f"{old_kid}={_b64(old_key)}"] + ([f"{new_kid}={_b64(new_kid.encode().ljust(32, b'k'))}"]
                                                   if new_kid else [])
        os.environ["LANDBRIDGE_PRIVACY_DATA_KEYS"] = ",".join(listed)
        os.environ["LANDBRIDGE_PRIVACY_INDEX_KEY"] = _b64(ring.index_key)
        get_settings.cache_clear()
        return old_kid

    yield use
    os.environ.pop("LANDBRIDGE_PRIVACY_DATA_KEYS", None)
    os.environ.pop("LANDBRIDGE_PRIVACY_INDEX_KEY", None)
    get_settings.cache_clear()


def _tokens(db: Database) -> list[tuple[str | None, str | None, str | None]]:
    with db.session() as s:
        return [(r.id_number_enc, r.phone_enc, r.id_index) for r in s.scalars(select(Party).order_by(Party.id))]


def test_key_rotation_reencrypts_in_chunks(db: Database, clock: Clock, use_keys: Callable[[str | None], str],
                                           ) -> None:
    old_kid = use_keys(None)
    with db.transaction() as s:
        ids = bulk_create_parties(s, [PartyIn(kind="person", name=f"甲{i}", id_number=resident_id(400 + i),
                                              phone=PHONE if i == 0 else None) for i in range(5)], actor=ACTOR)
        create_party(s, kind="group", name="甲0户", members=[(ids[0], "户主", "1")], actor=ACTOR)
    before = _tokens(db)
    assert {token_key_id(t) for t, _, _ in before if t} == {old_kid}
    use_keys("k2")
    assert keyring().current[0] == "k2"
    with db.session() as s:  # both keys decrypt while the rotation runs
        assert get_party(s, ids[1]).id_number == resident_id(401)
    steps = []
    after = 0
    while True:
        with db.transaction() as s:
            step = rotate_party_keys_chunk(s, after_id=after, chunk=2)
        if step.scanned == 0:
            break
        steps.append(step)
        after = step.last_id
    assert [x.scanned for x in steps] == [2, 2, 1] and sum(x.rotated for x in steps) == 5
    rotated = _tokens(db)
    assert all(token_key_id(t) == "k2" for t, _, _ in rotated if t)
    assert rotated[0][1] is not None and token_key_id(rotated[0][1]) == "k2"
    assert [r[0] for r in rotated] != [b[0] for b in before]
    assert [r[2] for r in rotated] == [b[2] for b in before]  # blind indexes unchanged: look-ups still work
    with db.session() as s:
        assert [get_party(s, pid).id_number for pid in ids] == [resident_id(400 + i) for i in range(5)]
        assert get_party(s, ids[0]).phone == PHONE
        assert count_sealed_parties(s) == 5
        assert [e.event_type for e in list_events(s, module="registry")].count("party_keys_rotated") == 3
    with db.transaction() as s:  # a second run finds nothing to do
        assert rotate_party_keys_chunk(s, chunk=100).rotated == 0


def test_rotate_keys_command(db: Database, clock: Clock, settings: Settings,
                             use_keys: Callable[[str | None], str]) -> None:
    from landbridge.cli import app

    use_keys(None)
    with db.transaction() as s:
        create_party(s, kind="person", name="乙", id_number=resident_id(500), phone=PHONE, actor=ACTOR)
        create_party(s, kind="person", name="丁", id_number=resident_id(501), actor=ACTOR)
    use_keys("k3")
    result = CliRunner().invoke(app, ["privacy", "rotate-keys", "--database", settings.database_url, "--chunk", "1"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 parties re-encrypted" in result.output and "k3" in result.output
    tokens = [t for row in _tokens(db) for t in row[:2] if t]
    assert len(tokens) == 3 and {token_key_id(t) for t in tokens} == {"k3"}


# --- migration 0021 -------------------------------------------------------------------------------------

@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database (SQLite file, or a new PostgreSQL database)."""
    with scratch_database(tmp_path, "pii_migration") as url:
        yield url


def _previous_revision(url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(url))
    down = script.get_revision("0021").down_revision
    assert isinstance(down, str)
    return down


def test_migration_0021_converts_rows_both_ways(scratch_url: str) -> None:
    previous = _previous_revision(scratch_url)
    upgrade(scratch_url, previous)
    engine = create_engine(normalise_url(scratch_url))
    people = [(resident_id(600 + i), f"1370000{i:04d}" if i % 3 else None) for i in range(12)]
    with engine.begin() as conn:
        for i, (number, phone) in enumerate(people):
            conn.execute(text("INSERT INTO registry_party (kind, name, id_type, id_number, phone, created_at) "
                              "VALUES ('person', :name, 'resident_id', :n, :p, CURRENT_TIMESTAMP)"),
                         {"name": f"丙{i}", "n": number, "p": phone})
        conn.execute(text("INSERT INTO registry_party (kind, name, created_at) VALUES ('group', '丙0户', "
                          "CURRENT_TIMESTAMP)"))
        # rows of other tables point at the parties: the table swap must keep them valid
        conn.execute(text("INSERT INTO registry_party_member (group_id, member_id, relation, share_num, share_den) "
                          "VALUES (13, 1, '户主', 1, 1)"))
    upgrade(scratch_url, "0021")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("registry_party")}
        rows = conn.execute(text("SELECT * FROM registry_party ORDER BY id")).all()
    assert not {"id_number", "phone"} & columns
    dump = repr(rows)
    for number, phone in people:
        assert number not in dump and (phone is None or phone not in dump)
    migrated = Database(scratch_url)
    try:
        with migrated.session() as s:
            parties = list(s.scalars(select(Party).order_by(Party.id)))
            assert [(p.id_number, p.phone) for p in parties[:12]] == people
            assert parties[12].id_number is None and parties[12].id_index is None
            found = find_party_by_id_number(s, "resident_id", people[5][0])
            assert found is not None and found.name == "丙5"
        with migrated.transaction() as s, pytest.raises(Conflict):  # the new unique blind index holds
            create_party(s, kind="person", name="重复", id_number=people[0][0], actor=ACTOR)
    finally:
        migrated.dispose()
    _models_agree(scratch_url)
    command.downgrade(alembic_config(scratch_url), previous)
    with engine.connect() as conn:
        back = conn.execute(text("SELECT id_number, phone FROM registry_party ORDER BY id")).all()
        columns = {c["name"] for c in inspect(conn).get_columns("registry_party")}
    engine.dispose()
    assert [tuple(r) for r in back[:12]] == people and not {"id_number_enc", "id_index"} & columns
    with engine.connect() as conn:
        assert conn.execute(text("SELECT group_id, member_id FROM registry_party_member")).all() == [(13, 1)]


def _models_agree(url: str) -> None:
    """The migrated registry_party matches the model (columns, indexes, nullability, types)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Did not recognize type 'geometry'")  # PostGIS columns of other tables
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[Any] = [d for d in compare_metadata(ctx, load_models()) if "registry_party" in repr(d)
                            and "registry_party_member" not in repr(d)
                            # a table added after 0021 that refers to a party is no difference of 0021's
                            and not (isinstance(d, tuple) and d[0] == "add_table" and d[1].name != "registry_party")]
    engine.dispose()
    assert diffs == []

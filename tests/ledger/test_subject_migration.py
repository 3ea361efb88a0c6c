"""Migration 0025 (issue #14 item 7): the subject index is backfilled for events written before it, by their subject
as written, its uniform spelling, the ids their payload names and what the record tables lead to; downgrade drops
it and leaves the events as they were. On SQLite, and on PostgreSQL when the tests run there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from landbridge.db import Database
from landbridge.ledger import append_events, list_events, verify_ledger
from landbridge.ledger.models import LedgerSubject
from landbridge.ledger.service import NewEvent
from landbridge.schema import alembic_config, upgrade
from tests.scratch import scratch_database


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with scratch_database(tmp_path, "subject_migration") as found:
        upgrade(found)
        yield found


def test_backfill_upgrade_and_downgrade(url: str) -> None:
    db = Database(url)
    try:
        with db.transaction() as s:
            append_events(s, [
                NewEvent("exchange", "lot_published", "exchange.lot:9", "t", {"lot": "L1"}),
                NewEvent("registry", "application_approved", "application:4", "t", {"unit_id": 3, "right_id": 8}),
                NewEvent("collective", "vote_sealed", "collective.motion:5", "t", {"collective_id": 2}),
                NewEvent("auth", "user_created", "auth.user:1", "t", {"organisation_id": 6}),
            ])
    finally:
        db.dispose()
    command.downgrade(alembic_config(url), "0024")  # the events as they were before the index existed
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = set(conn.execute(text("SELECT * FROM ledger_event")).keys())
        assert "seq" in tables
        size_before = conn.execute(text("SELECT count(*) FROM ledger_event")).scalar()
    engine.dispose()
    command.upgrade(alembic_config(url), "0025")
    db = Database(url)
    try:
        with db.transaction(readonly=True) as s:
            assert [e.event_type for e in list_events(s, subject="lot:9")] == ["lot_published"]
            assert [e.event_type for e in list_events(s, subject="exchange.lot:9")] == ["lot_published"]
            assert [e.event_type for e in list_events(s, subject="unit:3")] == ["application_approved"]
            assert [e.event_type for e in list_events(s, subject="right:8")] == ["application_approved"]
            assert [e.event_type for e in list_events(s, subject="motion:5")] == ["vote_sealed"]
            assert [e.event_type for e in list_events(s, subject="collective:2")] == ["vote_sealed"]
            assert [e.event_type for e in list_events(s, subject="user:1")] == ["user_created"]
            assert [e.event_type for e in list_events(s, subject="organisation:6")] == []  # not a reference key
            # lot: as written + uniform; application: as written + unit + right; motion: 2 + collective; user: 2
            assert s.scalar(select(func.count()).select_from(LedgerSubject)) == 2 + 3 + 3 + 2
            assert verify_ledger(s).ok and verify_ledger(s).size == size_before
    finally:
        db.dispose()
    command.downgrade(alembic_config(url), "0024")
    command.upgrade(alembic_config(url), "head")  # and forward again, idempotent


def test_backfill_follows_record_tables(url: str) -> None:
    """A lot's events are found under its unit and the unit's parcel, through exchange_lot and the unit table."""
    engine = create_engine(url)
    db = Database(url)
    try:
        from tests.exchange.conftest import build_world, new_lot
        with db.transaction() as s:
            w = build_world(s, n_bidders=0)
            lot = new_lot(s, w)
            from landbridge import registry
            parcel_id = registry.get_unit(s, w.unit).parcel_id
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_subject"))  # as if written before the index existed
        command.downgrade(alembic_config(url), "0024")
        command.upgrade(alembic_config(url), "0025")
        with db.transaction(readonly=True) as s:
            lot_events = {e.seq for e in list_events(s, subject=f"lot:{lot.id}")}
            assert lot_events
            assert lot_events <= {e.seq for e in list_events(s, subject=f"unit:{w.unit}", limit=1000)}
            assert lot_events <= {e.seq for e in list_events(s, subject=f"parcel:{parcel_id}", limit=1000)}
    finally:
        db.dispose()
        engine.dispose()

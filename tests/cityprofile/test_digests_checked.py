"""Stored rule digests are checked where they are used later (issue #13 item 2, leftover): a motion is tallied
(sealed) and decided (its verdict) only on the collective rules it was opened under, and a mass-appraisal run is
completed (recorded in the ledger) and its values read only on the ``valuation_mass`` rules it opened under; a
version edited in place is refused with 409 ``rules.version_edited`` and nothing changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge import collective
from landbridge.cityprofile import RulesEdited, decided_by, get_profile
from landbridge.collective.models import Motion, MotionStatus
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.kernel.clock import Clock, now
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.registry.bulk import import_parcels
from landbridge.registry.files import read_parcels, write_parcels
from landbridge.registry.models import Parcel
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.collective.conftest import ACTOR, accounts_world
from tests.collective.test_api import auth


def edit_in_place(monkeypatch: pytest.MonkeyPatch, rule_set: str, day: date, rule: str, value: Any) -> str:
    """Change one rule of the version in force on ``day`` without a new version; the old digest."""
    rules = get_profile().rules(rule_set)
    old = rules.version_at(day)
    edited = dataclasses.replace(old, rules={**old.rules, rule: dataclasses.replace(old.rules[rule], value=value)})
    assert edited.digest != old.digest
    monkeypatch.setattr(rules, "versions", [edited if v is old else v for v in rules.versions])
    return old.digest


def _open_motion(db: Database) -> tuple[int, int]:
    """A members' assembly motion of the demo clerk's village, open, with every member voting yes."""
    with db.transaction() as s:
        village, _ = accounts_world(s)
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="成员大会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC),
                                             actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="修路", text="", actor=ACTOR)
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR, closes_at=datetime(2026, 3, 2, 2, tzinfo=UTC))
        for member in village.members:
            collective.cast_ballot(s, motion_id=motion.id, member_id=member, choice="yes", actor=ACTOR)
        assert motion.rule_digest == decided_by("collective", date.fromisoformat(str(motion.rule_version))).digest
        return motion.id, current_size(s)


def _motion(db: Database, motion_id: int) -> tuple[str, int | None]:
    with db.transaction(readonly=True) as s:
        motion = s.get(Motion, motion_id)
        assert motion is not None
        return motion.status, motion.yes_count


def test_a_motion_is_not_sealed_on_rules_edited_since_it_opened(db: Database, clock: Clock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    motion_id, size = _open_motion(db)
    stored = edit_in_place(monkeypatch, "collective", clock.now().date(), "voting_age", 17)
    client = TestClient(create_app())
    refused = client.post(f"/api/v1/collective/motions/{motion_id}/seal", headers=auth(client, "clerk"))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "rules.version_edited" and body["details"]["stored"] == stored
    assert _motion(db, motion_id) == (MotionStatus.open, None)
    clock.advance(timedelta(hours=2))  # past its closing time: the worker leaves it open and counts nothing
    with db.transaction() as s:
        assert collective.run_due(s) == 0
        assert current_size(s) == size
    assert _motion(db, motion_id) == (MotionStatus.open, None)
    monkeypatch.undo()  # the profile as it was: the same motion seals
    with db.transaction() as s:
        assert collective.run_due(s) == 1
    assert _motion(db, motion_id)[0] == MotionStatus.sealed


def test_a_sealed_motion_is_not_relied_on_once_its_rules_are_edited(db: Database, clock: Clock,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    motion_id, _ = _open_motion(db)
    with db.transaction() as s:
        collective.seal_vote(s, motion_id=motion_id, actor=ACTOR)
        assert collective.vote_passed(s, motion_id, "simple_majority")
    edit_in_place(monkeypatch, "collective", clock.now().date(), "voting_age", 17)
    with db.transaction(readonly=True) as s, pytest.raises(RulesEdited) as caught:
        collective.vote_verdict(s, motion_id, "simple_majority")
    assert caught.value.code == "rules.version_edited" and caught.value.http_status == 409


def _mass_run(db: Database, clock: Clock, tmp: Path) -> tuple[int, int, int]:
    """A running mass run as ``open_run`` stores it (digest of the rules on its valuation date) with one value."""
    day = clock.now().date()
    write_parcels(tmp / "one.geojson", generate_parcels(1, (116.95, 28.15, 116.96, 28.16), seed=1),
                  {"region_code": [get_profile().villages()[3].code], "land_use_class": ["0702"]})
    parcel = read_parcels(tmp / "one.geojson")
    with db.transaction() as s:
        import_parcels(s, parcel.batch, actor="user:1:t", file_sha256=parcel.sha256)
        parcel_id = s.execute(select(Parcel.id)).scalar_one()
        run = MassRun(run_no="MA-test-1", valuation_date=day, model_version="test", method="gbm", seed=0,
                      status="running", parameters={}, metrics={}, model_json="{}", sale_count=0, actor="user:1:t",
                      created_at=now(), rule_digest=decided_by("valuation_mass", day).digest)
        s.add(run)
        s.flush()
        s.add(MassValue(run_id=run.id, parcel_id=parcel_id, region_code="360603101001", land_use_class="0702",
                        value_per_m2_cny=Decimal("100.00"), value_cny=Decimal("10000.00"), features=b""))
        return run.id, parcel_id, current_size(s)


def test_a_mass_run_is_not_completed_or_read_on_rules_edited_since_it_opened(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run_id, parcel_id, size = _mass_run(db, clock, tmp_path)
    with db.transaction(readonly=True) as s:
        run = s.get(MassRun, run_id)
        assert run is not None
        mass_service.check_run_rules(run)  # unedited: accepted
    rule = next(iter(get_profile().rules("valuation_mass").version_at(clock.now().date()).rules))
    edit_in_place(monkeypatch, "valuation_mass", clock.now().date(), rule, "edited")
    prepared = cast(mass_service.Prepared, SimpleNamespace(study={}))  # refused before the study is read
    with db.transaction() as s:
        run = s.get(MassRun, run_id)
        assert run is not None
        with pytest.raises(RulesEdited) as completing:
            mass_service.complete_run(s, run, prepared, valued=1, unvalued={})
        with pytest.raises(RulesEdited) as reading:
            mass_service.parcel_value(s, parcel_id, run_id=run_id)
        s.rollback()
    assert completing.value.code == reading.value.code == "rules.version_edited"
    with db.transaction(readonly=True) as s:
        run = s.get(MassRun, run_id)
        assert run is not None and run.status == "running" and run.ledger_seq is None and current_size(s) == size

"""Decisions keep what they used: rule digests on records, old lots settle on their own numbers, and a version
in force cannot be edited in place (issue #13 item 2)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from landbridge.cityprofile import RulesEdited, RuleSetVersion, get_profile, load_profile
from landbridge.cityprofile.loader import DATA_DIR, LOCK_FILE, Rule, resolve_versions, unlocked_versions, write_lock
from landbridge.cityprofile.schema import ProfileError, RuleSpec, VersionSpec
from landbridge.db import Database
from landbridge.exchange.models import Lot
from landbridge.exchange.settlement import settlement_rule
from landbridge.exchange.settlement_models import Settlement
from landbridge.kernel.clock import Clock
from landbridge.registry.models import Application
from tests.exchange.conftest import build_world, new_lot
from tests.exchange.settling import awarded

FEE = "default.service_fee_rate"


def amend(monkeypatch: pytest.MonkeyPatch, rule_set: str, day: date, values: dict[str, Any]) -> RuleSetVersion:
    """Add a version of ``rule_set`` to the loaded profile that amends ``values`` from ``day``."""
    rules = get_profile().rules(rule_set)
    spec = VersionSpec(effective_from=day, source="test amendment",
                       rules={n: RuleSpec(value=v, source="test") for n, v in values.items()})
    added = resolve_versions(Path(f"{rule_set}.toml"), [spec], rules.versions[-1])
    monkeypatch.setattr(rules, "versions", [*rules.versions, *added])
    return added[0]


def test_an_old_lot_settles_on_the_numbers_in_force_when_it_was_created(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    created_on = clock.now().date()
    old = get_profile().rules("exchange").version_at(created_on)
    assert old.rules[FEE].value == "0.01"
    amend(monkeypatch, "exchange", date(2026, 3, 3), {FEE: "0.02"})  # in force before the award is confirmed
    with db.transaction() as s:
        world = build_world(s)
    lot_id, _ = awarded(db, clock, world)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.rule_version == old.effective_from.isoformat()
        assert lot.rule_digest == old.digest
        row = s.execute(select(Settlement).where(Settlement.lot_id == lot_id)).scalar_one()
        assert row.fee_rate == "0.01" and row.fee_cny == (row.price_cny * Decimal("0.01")).quantize(Decimal("0.01"))
        assert row.rule_digest == old.digest
        assert settlement_rule(lot, "service_fee_rate") == "0.01"
        # A lot created now is decided by the new version, and records its digest.
        fresh = new_lot(s, world, publish=False)
        assert fresh.rule_version == "2026-03-03" and fresh.rule_digest != old.digest
        assert get_profile().rules("exchange").version_at(date(2026, 3, 3)).digest == fresh.rule_digest


def test_a_version_edited_in_place_is_refused_for_the_lots_it_decided(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as s:
        world = build_world(s)
        lot = new_lot(s, world)
        lot_id = lot.id
    rules = get_profile().rules("exchange")
    old = rules.version_at(clock.now().date())
    edited_fee = dataclasses.replace(old.rules[FEE], value="0.03")
    edited = dataclasses.replace(old, rules={**old.rules, FEE: edited_fee})
    monkeypatch.setattr(rules, "versions", [edited if v is old else v for v in rules.versions])
    with db.transaction() as s:
        current = s.get(Lot, lot_id)
        assert current is not None
        with pytest.raises(RulesEdited) as caught:
            settlement_rule(current, "service_fee_rate")
    assert caught.value.code == "rules.version_edited" and caught.value.http_status == 409
    assert caught.value.details["stored"] == old.digest


def test_a_registration_application_records_the_registry_rules(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        build_world(s)
        digests = set(s.scalars(select(Application.rule_digest)))
    assert digests == {get_profile().rules("registry").version_at(clock.now().date()).digest}


def test_the_digest_covers_values_and_version_dates_not_wording() -> None:
    version = get_profile().rules("registry").version_at(date(2026, 1, 1))
    rule = version.rules["objection_lapse_days"]
    reworded = dataclasses.replace(rule, source="another wording", verified=not rule.verified)
    assert dataclasses.replace(version, rules={**version.rules, rule.name: reworded}).digest == version.digest
    changed = dataclasses.replace(rule, value=16)
    assert dataclasses.replace(version, rules={**version.rules, rule.name: changed}).digest != version.digest
    redated = dataclasses.replace(rule, effective_from=date(2022, 1, 1))
    assert dataclasses.replace(version, rules={**version.rules, rule.name: redated}).digest != version.digest
    assert isinstance(rule, Rule)


def test_every_version_in_force_is_locked() -> None:
    """A version that came into force must be in rules.lock (run `landbridge rules lock`)."""
    profile = get_profile()
    assert unlocked_versions(profile, DATA_DIR / profile.code) == []


def test_editing_a_version_in_force_fails_to_load(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR / "yingtan", tmp_path / "yingtan")
    path = tmp_path / "yingtan" / "rules" / "registry.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("value = 15", "value = 20"), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"registry\.toml \[version 2021-01-01\]: a version already in force"):
        load_profile("yingtan", tmp_path)


def test_the_lock_only_ever_adds(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR / "yingtan", tmp_path / "yingtan")
    folder = tmp_path / "yingtan"
    before = (folder / LOCK_FILE).read_text(encoding="utf-8")
    path = folder / "rules" / "auth.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[[version]]\neffective_from = "2026-01-01"\n'
                    'source = "s"\n\n[version.rules.login_max_failures]\nvalue = 6\nsource = "s"\n', encoding="utf-8")
    profile = load_profile("yingtan", tmp_path)
    added = write_lock(profile, folder)
    assert [(n, v.effective_from) for n, v in added] == [("auth", date(2026, 1, 1))]
    after = (folder / LOCK_FILE).read_text(encoding="utf-8")
    kept = [line for line in before.splitlines() if line.startswith('"')]
    assert all(line in after.splitlines() for line in kept)
    assert write_lock(load_profile("yingtan", tmp_path), folder) == []

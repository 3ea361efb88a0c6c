"""Issued planning conditions (规划条件核发, issue #15): issued for a parcel whose plan permits the use, merged
with the zone's indicators, superseded by a new issue, revoked, each in the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from landbridge import planning
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from tests.market_entry.conftest import NR, EntryWorld, build_world


@pytest.fixture
def entry_world(db: Database, clock: Clock) -> EntryWorld:
    with db.transaction() as s:
        return build_world(s)


def test_issue_supersede_and_revoke(db: Database, clock: Clock, entry_world: EntryWorld) -> None:
    world = entry_world
    with db.transaction() as s:
        first = planning.issue_conditions(s, parcel_id=world.parcel, land_use="0601", indicators={},
                                          industry_requirements="加工业", environment_requirements="环评",
                                          validity_days=365, actor=NR)
        assert first.max_plot_ratio == Decimal("2.000")  # the industrial zone kind's default
        assert planning.current_conditions(s, world.parcel) is first
        second = planning.issue_conditions(s, parcel_id=world.parcel, land_use="0601",
                                           indicators={"max_plot_ratio": "1.5"}, industry_requirements="加工业",
                                           environment_requirements="环评", validity_days=365, actor=NR)
        assert first.status == "superseded" and first.superseded_by_id == second.id
        assert planning.current_conditions(s, world.parcel) is second
        assert planning.conditions_snapshot(second)["max_plot_ratio"] == "1.500"
        planning.revoke_conditions(s, conditions_id=second.id, reason="规划调整", actor=NR)
        assert planning.current_conditions(s, world.parcel) is None
        with pytest.raises(DomainError) as e:
            planning.revoke_conditions(s, conditions_id=second.id, reason="再次", actor=NR)
        assert e.value.code == "planning.conditions_not_in_force"


def test_use_not_permitted_and_bad_indicators_are_refused(db: Database, clock: Clock, entry_world: EntryWorld) -> None:
    world = entry_world
    with db.transaction() as s:
        for use, indicators, code in (("0701", {}, "planning.use_not_permitted"),
                                      ("0601", {"max_building_density": "1.5"}, "planning.invalid_conditions")):
            with pytest.raises(DomainError) as e:
                planning.issue_conditions(s, parcel_id=world.parcel, land_use=use, indicators=indicators,
                                          industry_requirements="x", environment_requirements="y", validity_days=30,
                                          actor=NR)
            assert e.value.code == code

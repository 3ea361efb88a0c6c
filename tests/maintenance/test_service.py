"""Maintenance services: hand-over refused without a maintainer, repair deadlines from the rule set by kind and
severity, overdue with a frozen clock, the worker's escalation once with a notice, and typed refusals that change
nothing (issue #20 item 5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from landbridge import maintenance
from landbridge.auth import OrgKind, create_organisation
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import history
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect
from landbridge.maintenance.service import asset_subject
from landbridge.notices.models import Notice
from tests.maintenance.conftest import ACTOR, VILLAGE, World, asset, build, road, state
from tests.registry.conftest import square


@pytest.fixture
def w(db: Database, clock: Clock) -> World:
    with db.transaction() as s:
        return build(s)


def refused(db: Database, code: str, step: object) -> None:
    """``step`` (a function of the session) is refused with ``code`` and nothing is written."""
    before = state(db)
    with pytest.raises(DomainError) as err, db.transaction() as s:
        step(s)  # type: ignore[operator]
    assert err.value.code == code
    assert state(db) == before


def test_acceptance_without_maintainer_is_refused_and_changes_nothing(db: Database, w: World) -> None:
    with db.transaction() as s:
        aid = asset(s, w)
    refused(db, "maintenance.maintainer_required",
            lambda s: maintenance.accept_asset(s, aid, actor=ACTOR, accepted_on=date(2026, 3, 1)))
    with db.transaction() as s:
        found = s.get(MaintenanceAsset, aid)
        assert found is not None and found.status == "registered" and found.accepted_on is None
        maintenance.assign_maintainer(s, aid, actor=ACTOR, maintainer_kind="collective", maintainer_id=w.collective_id)
        maintenance.accept_asset(s, aid, actor=ACTOR, accepted_on=date(2026, 3, 1))
    with db.transaction(readonly=True) as s:
        found = s.get(MaintenanceAsset, aid)
        assert found is not None and found.status == "in_service" and found.maintainer_name is not None
        events = [e.event_type for e in history(s, [asset_subject(aid)])]
        assert events == ["maintenance_asset_accepted", "maintenance_maintainer_assigned",
                          "maintenance_asset_registered"]


def test_deadline_by_kind_and_severity_from_the_rule_set(db: Database, w: World) -> None:
    table = get_profile().rules("maintenance").value("repair_days", date(2026, 3, 2))
    with db.transaction() as s:
        water = asset(s, w, kind="water_supply", maintainer=("organisation", w.company_org), accepted=True,
                      location=dict(square(5).centroid.__geo_interface__))
        rd = asset(s, w, maintainer=("collective", w.collective_id), accepted=True)
        found = maintenance.record_inspection(s, water, actor=ACTOR, inspected_on=date(2026, 3, 2),
                                              findings="水压不足，一处管道渗漏",
                                              defects=[("urgent", "管道渗漏"), ("minor", "水表箱破损")])
        assert found.defects == 2
        roadside = maintenance.report_defect(s, rd, actor=ACTOR, severity="major", description="路面坑槽",
                                             reported_on=date(2026, 3, 1))
    with db.transaction(readonly=True) as s:
        defects = {(d.asset_id, d.severity): d.due_on for d in s.scalars(select(MaintenanceDefect))}
    assert defects[(water, "urgent")] == date(2026, 3, 2) + timedelta(days=table["water_supply"]["urgent"])
    assert defects[(water, "minor")] == date(2026, 3, 2) + timedelta(days=table["water_supply"]["minor"])
    assert defects[(rd, "major")] == date(2026, 3, 1) + timedelta(days=table["road"]["major"])
    assert roadside.due_on != defects[(water, "urgent")]


def test_overdue_listed_by_maintainer_and_escalated_once_with_a_notice(db: Database, w: World, clock: Clock) -> None:
    from landbridge.auth import Role, create_user

    with db.transaction() as s:
        clerk = create_user(s, username="clerk", password="demo", display_name="会计", role=Role.collective_clerk,
                            organisation_id=w.clerk_org).id
        desk = create_user(s, username="town", password="demo", display_name="镇干部", role=Role.township_official,
                           organisation_id=w.township_org).id
        stranger_org = w.company_org
        stranger = create_user(s, username="water", password="demo", display_name="水司", role=Role.member,
                               organisation_id=stranger_org).id
        aid = asset(s, w, kind="lighting", maintainer=("collective", w.collective_id), accepted=True,
                    location=dict(square(7).centroid.__geo_interface__))
        defect = maintenance.report_defect(s, aid, actor=ACTOR, severity="urgent", description="路灯不亮",
                                           reported_on=date(2026, 3, 2)).id
        due = s.get(MaintenanceDefect, defect).due_on  # type: ignore[union-attr]
    with db.transaction() as s:
        assert maintenance.overdue_by_maintainer(s) == []
        assert maintenance.escalate_overdue(s) == 0
    clock.advance(timedelta(days=(due - date(2026, 3, 2)).days + 1))
    with db.transaction() as s:
        groups = maintenance.overdue_by_maintainer(s)
        assert [(g.kind, g.maintainer_id, [(d.id, late) for _, d, late in g.rows]) for g in groups] == [
            ("collective", w.collective_id, [(defect, 1)])]
        assert maintenance.escalate_overdue(s) == 1
    with db.transaction() as s:
        assert maintenance.escalate_overdue(s) == 0  # once only
        recipients = sorted(n.user_id for n in s.scalars(select(Notice).where(Notice.module == "maintenance")))
        assert recipients == sorted([clerk, desk]) and stranger not in recipients
        events = [e.event_type for e in history(s, [asset_subject(aid)])]
        assert events[0] == "maintenance_defect_escalated"
    with db.transaction() as s:  # repaired late: no longer overdue, then closed by the township
        maintenance.repair_defect(s, defect, actor="user:2:collective_clerk", repaired_on=due + timedelta(days=1),
                                  note="更换灯具")
        assert maintenance.overdue_by_maintainer(s) == []
        maintenance.close_defect(s, defect, actor=ACTOR, closed_on=due + timedelta(days=1))
        assert s.get(MaintenanceDefect, defect).status == "closed"  # type: ignore[union-attr]


def test_typed_refusals_change_nothing(db: Database, w: World) -> None:
    with db.transaction() as s:
        registered = asset(s, w, maintainer=("organisation", w.company_org))
        served = asset(s, w, maintainer=("organisation", w.company_org), accepted=True)
        defect = maintenance.report_defect(s, served, actor=ACTOR, severity="minor", description="边沟堵塞",
                                           reported_on=date(2026, 3, 2)).id
        person_org = create_organisation(s, name="张三（个人）", kind=OrgKind.individual, region_code=VILLAGE).id
    day = date(2026, 3, 2)
    far = [[116.5, 28.2], [117.4, 28.2]]  # about 88 km: longer than the rule's longest road section
    cases = [
        ("maintenance.invalid_kind", lambda s: asset(s, w, kind="bridge")),
        ("maintenance.invalid_location", lambda s: asset(s, w, location={"type": "Point", "coordinates": [0, 0]})),
        ("maintenance.invalid_location", lambda s: asset(s, w, location={"type": "Polygon", "coordinates": [[[0]]]})),
        ("maintenance.location_too_many_vertices",
         lambda s: asset(s, w, location={"type": "LineString", "coordinates": [[116.9, 28.2]] * 5000})),
        ("maintenance.location_too_large", lambda s: asset(s, w, location={"type": "LineString", "coordinates": far})),
        ("maintenance.maintainer_not_found", lambda s: asset(s, w, maintainer=("collective", 999999))),
        ("maintenance.maintainer_not_found", lambda s: asset(s, w, maintainer=("person", 1))),
        ("maintenance.maintainer_is_a_person", lambda s: asset(s, w, maintainer=("organisation", person_org))),
        ("maintenance.invalid_region", lambda s: maintenance.register_asset(
            s, actor=ACTOR, kind="road", name="x", region_code="360603101000", location_geometry=road(),
            duties="d", standard="s", funding_source="fiscal")),
        ("maintenance.invalid_funding", lambda s: maintenance.register_asset(
            s, actor=ACTOR, kind="road", name="x", region_code="360603101001", location_geometry=road(),
            duties="d", standard="s", funding_source="lottery")),
        ("maintenance.not_in_service", lambda s: maintenance.report_defect(
            s, registered, actor=ACTOR, severity="minor", description="x", reported_on=day)),
        ("maintenance.invalid_severity", lambda s: maintenance.report_defect(
            s, served, actor=ACTOR, severity="catastrophic", description="x", reported_on=day)),
        ("maintenance.invalid_date", lambda s: maintenance.report_defect(
            s, served, actor=ACTOR, severity="minor", description="x", reported_on=day + timedelta(days=1))),
        ("maintenance.invalid_transition", lambda s: maintenance.accept_asset(s, served, actor=ACTOR, accepted_on=day)),
        ("maintenance.invalid_transition", lambda s: maintenance.close_defect(s, defect, actor=ACTOR, closed_on=day)),
        ("maintenance.invalid_date", lambda s: maintenance.repair_defect(
            s, defect, actor=ACTOR, repaired_on=date(2026, 2, 1), note="x")),
        ("maintenance.defect_not_found", lambda s: maintenance.repair_defect(
            s, 999999, actor=ACTOR, repaired_on=day, note="x")),
        ("maintenance.asset_not_found", lambda s: maintenance.accept_asset(s, 999999, actor=ACTOR, accepted_on=day)),
        ("maintenance.invalid_text", lambda s: maintenance.record_inspection(
            s, served, actor=ACTOR, inspected_on=day, findings="  ")),
    ]
    for code, step in cases:
        refused(db, code, step)

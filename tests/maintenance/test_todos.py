"""Maintenance's to-dos in the service hall (issue #20 item 5): the maintainer sees its open defects with their
repair deadline (urgent once overdue), the township the repairs to close and the assets to accept; strangers see
nothing."""

from __future__ import annotations

from datetime import date, timedelta

from landbridge import maintenance
from landbridge.auth import Principal, Role
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.kernel.hall import due_at_end_of
from landbridge.maintenance.todos import todos
from tests.maintenance.conftest import ACTOR, asset, build
from tests.registry.conftest import square


def who(role: Role, organisation_id: int, region: str = "360603101000") -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role,
                     organisation_id=organisation_id, organisation_name="x", region_code=region)


def test_the_maintainer_sees_defects_due_and_the_township_what_to_close(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        w = build(s)
        served = asset(s, w, kind="lighting", maintainer=("collective", w.collective_id), accepted=True,
                       location=dict(square(3).centroid.__geo_interface__))
        waiting = asset(s, w, maintainer=("organisation", w.company_org))
        defect = maintenance.report_defect(s, served, actor=ACTOR, severity="minor", description="灯杆倾斜",
                                           reported_on=date(2026, 3, 2))
        due, defect_id = defect.due_on, defect.id
    href = f"/maintenance/assets/{served}"
    with db.transaction(readonly=True) as s:
        clerk = list(todos(s, who(Role.collective_clerk, w.clerk_org, "360603101001")))
        assert [(t.kind, t.href, t.due, t.urgent) for t in clerk] == [
            ("maintenance.repair", href, due_at_end_of(due), False)]
        assert list(todos(s, who(Role.member, w.company_org))) == []  # the water company maintains no lamp
        town = list(todos(s, who(Role.township_official, w.township_org)))
        assert [(t.kind, t.href) for t in town] == [("maintenance.acceptance", f"/maintenance/assets/{waiting}")]
        assert list(todos(s, who(Role.township_official, 999, "360602001000"))) == []  # another county
    clock.advance(timedelta(days=(due - date(2026, 3, 2)).days + 1))
    with db.transaction(readonly=True) as s:
        assert [t.urgent for t in todos(s, who(Role.collective_clerk, w.clerk_org, "360603101001"))] == [True]
    with db.transaction() as s:
        maintenance.repair_defect(s, defect_id, actor=ACTOR, repaired_on=due, note="扶正加固")
    with db.transaction(readonly=True) as s:
        assert list(todos(s, who(Role.collective_clerk, w.clerk_org, "360603101001"))) == []
        town = [(t.kind, t.href) for t in todos(s, who(Role.township_official, w.township_org))]
        assert ("maintenance.closure", href) in town

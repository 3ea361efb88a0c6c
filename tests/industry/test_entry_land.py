"""Land on offer in a place (issue #19 item 5; P1, S3): computed from the market-entry case of a parcel inside the
place (cleared for listing), equal to the parcel's registered area; a project links the case only when its parcel
lies in the place."""

from __future__ import annotations

import pytest
from shapely.geometry import mapping

from landbridge import industry, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.industry.service import today
from landbridge.kernel.clock import Clock
from tests.industry.conftest import ACTOR, TOWN, boundary_around
from tests.market_entry.conftest import EntryWorld, to_state, world  # noqa: F401  (the fixture)
from tests.registry.conftest import square


def test_land_on_offer_equals_the_parcel_area(db: Database, clock: Clock, world: EntryWorld) -> None:  # noqa: F811
    cid = to_state(db, clock, world, "cleared")
    with db.transaction() as s:
        around = industry.create_place(s, actor=ACTOR, kind="synergy_zone", name="智联小镇核心区", region_code=TOWN,
                                       summary="一核引领", industry_codes=["smart_manufacturing"],
                                       boundary_geometry=boundary_around(s, [world.parcel]))
        away = industry.create_place(s, actor=ACTOR, kind="agricultural_park", name="现代农业科技园",
                                     region_code=TOWN, summary="农旅融合", industry_codes=["agritourism"],
                                     boundary_geometry=dict(mapping(square(30, row=60, size_m=200))))
        figures = industry.place_figures(s, [around, away], today())
        area = registry.parcel_areas(s, [world.parcel])[world.parcel]
        assert figures[around.id].land_available_m2 == area and figures[around.id].available_cases == 1
        assert figures[around.id].case_ids == [cid]
        assert figures[away.id].land_available_m2 == 0 and figures[away.id].case_ids == []
        linked = industry.register_project(s, actor=ACTOR, place_id=around.id, name="智能终端产业园",
                                           nature="operating", description="入市地块上的项目", revenue_cny="100",
                                           entry_case_id=cid)
        assert linked.entry_case_id == cid
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.register_project(s, actor=ACTOR, place_id=away.id, name="x", nature="operating", description="x",
                                  entry_case_id=cid)
    assert exc.value.code == "industry.link_outside_place"
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.register_project(s, actor=ACTOR, place_id=away.id, name="x", nature="operating", description="x",
                                  entry_case_id=987654)
    assert exc.value.code == "industry.link_not_found"

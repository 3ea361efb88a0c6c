"""Planning service: zones created, approved, superseded; overlaps refused; conditions; bulk loads; layers."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from landbridge.planning import (
    FeatureIn,
    approve_zone,
    create_features,
    create_zone,
    create_zones,
    get_zone,
    is_use_permitted,
    list_features,
    list_zones,
    planning_conditions_for,
    supersede_zone,
    zone_kind_defaults,
)
from landbridge.planning.models import PlanningFeature, PlanningZone
from landbridge.planning.rules import ZoneKind, ZoneStatus
from tests.planning.conftest import ACTOR, COUNTY, PLAN, rect, zone

OTHER_PLAN = "鹰潭市国土空间总体规划(2021-2035年) 修改 1"


def _events(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.transaction(readonly=True) as s:
        return [(e.event_type, e.subject, json.loads(e.body)["payload"])
                for e in list_events(s, module="planning", limit=1000)]


def _zone_count(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(PlanningZone)) or 0)


def test_zone_life_cycle_writes_ledger_events(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        z = create_zone(s, zone("JJ-V-0001", "village_construction", rect(0, 0, 200, 100),
                                max_plot_ratio=Decimal("1.0")), actor=ACTOR, plan_version=PLAN)
        zid = z.id
        assert z.status == ZoneStatus.draft
        assert abs(z.area_m2 - Decimal(20000)) < Decimal(50)  # 200 m × 100 m, measured in EPSG:4548
    with db.transaction() as s:
        assert approve_zone(s, zone_id=zid, actor=ACTOR).status == ZoneStatus.approved
    with db.transaction() as s, pytest.raises(Conflict) as again:
        approve_zone(s, zone_id=zid, actor=ACTOR)
    assert again.value.code == "planning.invalid_transition"
    with db.transaction() as s:
        z = supersede_zone(s, zone_id=zid, actor=ACTOR, reason="新一轮规划修改")
        assert z.status == ZoneStatus.superseded and z.effective_to == date(2026, 3, 2)
    with db.transaction() as s, pytest.raises(Conflict):
        supersede_zone(s, zone_id=zid, actor=ACTOR, reason="again")
    events = _events(db)
    assert [(t, subj) for t, subj, _ in events] == [("zone_created", f"zone:{zid}"), ("zone_approved", f"zone:{zid}"),
                                                    ("zone_superseded", f"zone:{zid}")]
    created = events[0][2]
    assert created["code"] == "JJ-V-0001" and created["max_plot_ratio"] == "1.000"
    assert len(str(created["geometry_sha256"])) == 64
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok


def test_draft_cannot_be_superseded_and_unknown_zone_is_404(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        zid = create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        supersede_zone(s, zone_id=zid, actor=ACTOR, reason="x")
    assert exc.value.code == "planning.invalid_transition"
    with db.transaction() as s, pytest.raises(NotFound) as missing:
        approve_zone(s, zone_id=zid + 99, actor=ACTOR)
    assert missing.value.code == "planning.zone_not_found"


def test_code_is_unique_within_a_plan_version(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        create_zone(s, zone("A", "water", rect(500, 0, 100, 100)), actor=ACTOR, plan_version=PLAN)
    assert exc.value.code == "planning.zone_code_exists"
    with db.transaction() as s:
        create_zone(s, zone("A", "water", rect(500, 0, 100, 100)), actor=ACTOR, plan_version=OTHER_PLAN)
    assert _zone_count(db) == 2


def test_approved_zones_of_one_plan_version_may_not_overlap(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        a = create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
        b = create_zone(s, zone("B", "water", rect(50, 50, 100, 100)), actor=ACTOR, plan_version=PLAN).id
        touching = create_zone(s, zone("C", "water", rect(100, 0, 100, 50)), actor=ACTOR, plan_version=PLAN).id
        other = create_zone(s, zone("B", "water", rect(50, 50, 100, 100)), actor=ACTOR, plan_version=OTHER_PLAN).id
        approve_zone(s, zone_id=a, actor=ACTOR)
    before = len(_events(db))
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        approve_zone(s, zone_id=b, actor=ACTOR)
    assert exc.value.code == "planning.zone_overlap"
    overlap = exc.value.details["overlaps"][0]
    assert overlap["code"] == "B" and overlap["other"] == "A"
    assert 2400 < float(overlap["area_m2"]) < 2600  # 50 m × 50 m
    assert len(_events(db)) == before
    with db.transaction(readonly=True) as s:
        assert get_zone(s, b).status == ZoneStatus.draft
    with db.transaction() as s:
        approve_zone(s, zone_id=touching, actor=ACTOR)  # sharing an edge is not an overlap
        approve_zone(s, zone_id=other, actor=ACTOR)  # another plan version
        supersede_zone(s, zone_id=a, actor=ACTOR, reason="replaced")
    with db.transaction() as s:
        assert approve_zone(s, zone_id=b, actor=ACTOR).status == ZoneStatus.approved  # A no longer approved


def test_conditions_largest_overlap_wins_and_merges_defaults(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_zones(s, [
            zone("IND-1", "industrial", rect(0, 0, 300, 200), max_plot_ratio=Decimal("1.5"),
                 permitted_uses=("0601",)),
            zone("AGR-1", "general_agriculture", rect(300, 0, 300, 200)),
        ], actor=ACTOR, plan_version=PLAN)
    parcel = rect(200, 50, 140, 100)  # 100 m in IND-1, 40 m in AGR-1
    with db.transaction(readonly=True) as s:
        c = planning_conditions_for(s, parcel)
        ind = zone_kind_defaults()[ZoneKind.industrial]
        assert c.zone_code == "IND-1" and c.zone_kind == "industrial" and c.plan_version == PLAN
        assert Decimal("0.70") < c.overlap_share < Decimal("0.73")
        assert [z.code for z in c.zones] == ["IND-1", "AGR-1"]
        assert sum(z.share for z in c.zones) == pytest.approx(Decimal(1), abs=Decimal("0.0002"))
        assert c.max_plot_ratio == Decimal("1.5")  # the zone's own value
        assert c.min_plot_ratio == ind.conditions.min_plot_ratio  # the kind's default
        assert c.max_height_m == ind.conditions.max_height_m
        assert c.permitted_uses == ("0601",)
        assert c.operating_use_permitted and c.defaults_verified is False
        assert is_use_permitted(s, parcel, "0601")
        assert not is_use_permitted(s, parcel, "0604")  # the zone's own list replaces the default one
        farm = planning_conditions_for(s, rect(450, 50, 50, 50))
        assert farm.zone_code == "AGR-1" and farm.overlap_share == Decimal("1.0000")
        assert not farm.operating_use_permitted
        assert is_use_permitted(s, rect(450, 50, 50, 50), "0103")  # "01" permits its sub-classes
        assert not is_use_permitted(s, rect(450, 50, 50, 50), "0702")
        with pytest.raises(RuleViolation) as bad:
            is_use_permitted(s, parcel, "99")
        assert bad.value.code == "planning.invalid_land_use_class"


def test_no_zone_drafts_and_dates(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_zone(s, zone("D", "village_construction", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN)
        create_zones(s, [zone("LATER", "village_construction", rect(1000, 0, 100, 100),
                              effective_from=date(2027, 1, 1)),
                         zone("ENDED", "village_construction", rect(2000, 0, 100, 100),
                              effective_to=date(2025, 1, 1))], actor=ACTOR, plan_version=PLAN)
    with db.transaction(readonly=True) as s:
        for x in (0, 1000, 2000, 5000):
            with pytest.raises(NotFound) as exc:
                planning_conditions_for(s, rect(x + 10, 10, 20, 20))
            assert exc.value.code == "planning.no_zone"
        assert planning_conditions_for(s, rect(1010, 10, 20, 20), on=date(2027, 6, 1)).zone_code == "LATER"
        assert planning_conditions_for(s, rect(2010, 10, 20, 20), on=date(2024, 6, 1)).zone_code == "ENDED"


@pytest.mark.parametrize(("change", "code"), [
    ({"zone_kind": "farm"}, "planning.invalid_zone_kind"),
    ({"region_code": "360603101001"}, "planning.invalid_region_code"),  # a village, not a county or township
    ({"region_code": "360699000000"}, "planning.invalid_region_code"),
    ({"code": " "}, "planning.invalid_code"),
    ({"geometry": Polygon([(116.9, 28.2), (116.91, 28.21), (116.91, 28.2), (116.9, 28.21)])},
     "planning.invalid_geometry"),  # a bow-tie
    ({"geometry": Point(116.9, 28.2)}, "planning.invalid_geometry"),
    ({"geometry": Polygon([(10, 10), (11, 10), (11, 11)])}, "planning.invalid_geometry"),  # outside the city
    ({"permitted_uses": ("0702", "13")}, "planning.invalid_land_use_class"),
    ({"max_plot_ratio": Decimal("1"), "min_plot_ratio": Decimal("2")}, "planning.invalid_conditions"),
    ({"max_building_density": Decimal("1.2")}, "planning.invalid_conditions"),
    ({"max_height_m": Decimal("-1")}, "planning.invalid_conditions"),
    ({"max_plot_ratio": 1.5}, "planning.invalid_conditions"),  # floats are refused
    ({"zone_kind": "industrial", "min_plot_ratio": Decimal("2.5")}, "planning.invalid_conditions"),  # above default max
    ({"effective_to": date(2020, 1, 1)}, "planning.invalid_dates"),
])
def test_invalid_zones_are_refused(db: Database, clock: Clock, change: dict[str, object], code: str) -> None:
    base: dict[str, object] = {"code": "X", "zone_kind": "village_construction", "region_code": COUNTY,
                               "geometry": rect(0, 0, 100, 100)}
    values = {**base, **change}
    z = zone(str(values.pop("code")), str(values.pop("zone_kind")), values.pop("geometry"),
             region=str(values.pop("region_code")), **values)
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_zone(s, z, actor=ACTOR, plan_version=PLAN)
    assert exc.value.code == code
    assert _zone_count(db) == 0 and _events(db) == []


def test_bulk_load_is_all_or_nothing_with_one_digest_event(db: Database, clock: Clock) -> None:
    batch = [zone(f"Z{i}", "general_agriculture", rect(i * 100, 0, 100, 100)) for i in range(5)]
    with db.transaction() as s:
        assert create_zones(s, batch, actor=ACTOR, plan_version=PLAN) == 5
    events = _events(db)
    assert len(events) == 1
    kind, subject, payload = events[0]
    assert kind == "zones_imported" and subject == f"plan:{PLAN}"
    assert payload["count"] == 5 and payload["status"] == "approved" and len(str(payload["sha256"])) == 64
    assert payload["kinds"] == {"general_agriculture": 5}
    with db.transaction(readonly=True) as s:
        zones, total = list_zones(s, bbox=(116.8, 28.1, 117.0, 28.3))
        assert total == 5 and {z.status for z in zones} == {"approved"} and zones[0].approved_by == ACTOR

    # the same codes again, an overlap inside the batch, an overlap with a stored zone: nothing is written
    overlapping = [zone("N1", "forestry", rect(0, 1000, 100, 100)), zone("N2", "water", rect(50, 1000, 100, 100))]
    against_stored = [zone("N3", "forestry", rect(450, 50, 100, 100))]
    duplicate = [zone("N4", "forestry", rect(0, 2000, 10, 10)), zone("N4", "forestry", rect(0, 3000, 10, 10))]
    for bad, code in ((batch, "planning.zone_code_exists"), (overlapping, "planning.zone_overlap"),
                      (against_stored, "planning.zone_overlap"), (duplicate, "planning.zone_code_exists")):
        with db.transaction() as s, pytest.raises(Conflict) as exc:
            create_zones(s, bad, actor=ACTOR, plan_version=PLAN)
        assert exc.value.code == code
    assert _zone_count(db) == 5 and len(_events(db)) == 1
    with db.transaction() as s:  # drafts may overlap: they are proposals
        assert create_zones(s, overlapping, actor=ACTOR, plan_version=PLAN, status=ZoneStatus.draft) == 2
    with db.transaction() as s, pytest.raises(RuleViolation) as bad_index:
        create_zones(s, [zone("OK", "forestry", rect(0, 5000, 10, 10)), zone("BAD", "forestry", Point(116.9, 28.2))],
                     actor=ACTOR, plan_version=OTHER_PLAN)
    assert bad_index.value.details["feature_index"] == 1


def test_bulk_digest_depends_on_content(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_zones(s, [zone("A", "forestry", rect(0, 0, 100, 100))], actor=ACTOR, plan_version="v1")
        create_zones(s, [zone("A", "forestry", rect(0, 0, 100, 100))], actor=ACTOR, plan_version="v2")
        create_zones(s, [zone("A", "forestry", rect(0, 0, 100, 101))], actor=ACTOR, plan_version="v3")
    digests = [str(p["sha256"]) for _, _, p in _events(db)]
    assert len(set(digests)) == 3  # the plan version and the geometry are both covered


def test_layer_features_any_geometry_and_zoom(db: Database, clock: Clock) -> None:
    features = [
        FeatureIn("town_centre", "town", "锦江镇", Point(116.91, 28.21), code="360603101000"),
        FeatureIn("road", "national", "G320", LineString([(116.85, 28.15), (116.95, 28.25)]), attrs={"lanes": 4}),
        FeatureIn("river", "river", "信江", LineString([(116.8, 28.2), (117.0, 28.22)])),
        FeatureIn("boundary", "village", "范家村", rect(0, 0, 500, 500).exterior, code="360603101002"),
        FeatureIn("hamlet", "hamlet", "", Point(116.905, 28.205)),
        FeatureIn("boundary", "county", "余江区", MultiPolygon([rect(0, 0, 900, 900)]).boundary, code=COUNTY),
    ]
    with db.transaction() as s:
        assert create_features(s, features, actor=ACTOR) == 6
    events = _events(db)
    assert [e[0] for e in events] == ["features_imported"]
    assert events[0][2]["kinds"] == {"boundary": 2, "hamlet": 1, "river": 1, "road": 1, "town_centre": 1}
    with db.transaction(readonly=True) as s:
        rows, truncated = list_features(s, bbox=(116.8, 28.1, 117.0, 28.3))
        assert len(rows) == 6 and not truncated
        assert {r.geom.geom_type for r in rows} == {"Point", "LineString", "MultiLineString"}
        assert next(r for r in rows if r.kind == "road").attrs == {"lanes": 4}
        low, _ = list_features(s, bbox=(116.8, 28.1, 117.0, 28.3), zoom=9)
        assert sorted(r.kind + ":" + r.subkind for r in low) == [
            "boundary:county", "river:river", "road:national", "town_centre:town"]
        only, cut = list_features(s, kinds=["road", "river"], limit=1)
        assert len(only) == 1 and cut
        assert list_features(s, bbox=(0, 0, 1, 1))[0] == []
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_features(s, [FeatureIn("railway", "x", "", Point(116.9, 28.2))], actor=ACTOR)
    assert exc.value.code == "planning.invalid_feature_kind"
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_features(s, [FeatureIn("road", "county", "", LineString([(10, 10), (11, 11)]))], actor=ACTOR)
    assert exc.value.code == "planning.invalid_geometry"
    with db.transaction(readonly=True) as s:
        assert int(s.scalar(select(func.count()).select_from(PlanningFeature)) or 0) == 6


def test_supersede_with_a_date_and_conditions_before_it(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_zones(s, [zone("A", "mineral", rect(0, 0, 100, 100))], actor=ACTOR, plan_version=PLAN)
        zid = list_zones(s)[0][0].id
        supersede_zone(s, zone_id=zid, actor=ACTOR, reason="矿区关闭", effective_to=date(2026, 1, 1))
    with db.transaction(readonly=True) as s:
        assert planning_conditions_for(s, rect(10, 10, 10, 10), on=date(2025, 12, 31)).zone_code == "A"  # as of then
        with pytest.raises(NotFound):
            planning_conditions_for(s, rect(10, 10, 10, 10), on=date(2026, 1, 1))
        with pytest.raises(NotFound):
            planning_conditions_for(s, rect(10, 10, 10, 10))
        assert get_zone(s, zid).effective_to == date(2026, 1, 1)
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        zid2 = create_zone(s, zone("B", "mineral", rect(500, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
        approve_zone(s, zone_id=zid2, actor=ACTOR)
        supersede_zone(s, zone_id=zid2, actor=ACTOR, reason="x", effective_to=date(2020, 1, 1) - timedelta(days=1))
    assert exc.value.code == "planning.invalid_dates"


def test_uses_at_points_in_one_row_or_column(db: Database, clock: Clock) -> None:
    """Points of one row (or one column) make a box of no height (or width); PostGIS's ST_Intersects meets nothing
    with such an envelope, so the land finder once found no permitted use at two parcels of one row on PostgreSQL
    (kernel.spatial.bbox_filter now widens it)."""
    from landbridge.planning import permitted_uses_at

    with db.transaction() as s:
        create_zones(s, [zone("IND-ROW", "industrial", rect(0, 0, 300, 200), permitted_uses=("0601",))],
                     actor=ACTOR, plan_version=PLAN)
    inner = rect(50, 50, 10, 10).centroid
    other = rect(150, 50, 10, 10).centroid
    above = rect(50, 120, 10, 10).centroid
    with db.transaction(readonly=True) as s:
        for lon, lat in (([inner.x, other.x], [inner.y, inner.y]),   # one row
                         ([inner.x, inner.x], [inner.y, above.y]),   # one column
                         ([inner.x], [inner.y])):                    # one point
            uses = permitted_uses_at(s, lon, lat)
            assert all(u is not None and "0601" in u for u in uses), (lon, lat, uses)

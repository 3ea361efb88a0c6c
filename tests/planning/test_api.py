"""Planning JSON API: the permission matrix (nothing changes on denial), GeoJSON in and out, error codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point, mapping
from sqlalchemy import func, select

from landbridge import registry
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.planning import FeatureIn, create_features, create_zones
from landbridge.planning.models import PlanningZone
from landbridge.planning.rules import ZoneStatus
from tests.planning.conftest import ACTOR, OTHER_COUNTY_TOWNSHIP, PLAN, TOWNSHIP, rect, zone
from tests.registry.conftest import resident_id
from tests.registry.test_api import auth

VILLAGE = "360603101002"


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.transaction() as s:
        create_demo_accounts(s)
        org = create_organisation(s, name="贵溪市自然资源局", kind=OrgKind.nr_bureau, region_code="360681000000")
        create_user(s, username="nr_guixi", password="demo", display_name="贵溪 自然资源局", role=Role.nr_official,
                    organisation_id=org.id, is_demo=True)
    with TestClient(create_app()) as c:
        yield c


def state(db: Database) -> tuple[int, int, tuple[str, ...]]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), int(s.scalar(select(func.count()).select_from(PlanningZone)) or 0),
                tuple(s.scalars(select(PlanningZone.status).order_by(PlanningZone.id)).all()))


def feature(code: str = "JJ-I-01", region: str = TOWNSHIP, geometry: dict[str, Any] | None = None,
            **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry or mapping(rect(0, 0, 300, 200)),
            "properties": {"code": code, "plan_version": PLAN, "zone_kind": "industrial", "region_code": region,
                           "effective_from": "2021-01-01", "permitted_uses": ["0601", "0604"],
                           "max_plot_ratio": "1.8", **props}}


@pytest.mark.parametrize(("user", "region", "status"), [
    (None, TOWNSHIP, 401),
    ("member", TOWNSHIP, 403),
    ("registrar", TOWNSHIP, 403),
    ("supervisor", TOWNSHIP, 403),
    ("township", TOWNSHIP, 403),
    ("nr_guixi", TOWNSHIP, 403),  # right role, another county
    ("nr_guixi", OTHER_COUNTY_TOWNSHIP, 201),
    ("nr", TOWNSHIP, 201),
    ("admin", TOWNSHIP, 201),
])
def test_create_zone_permissions(client: TestClient, db: Database, user: str | None, region: str,
                                 status: int) -> None:
    before = state(db)
    r = client.post("/api/v1/planning/zones", json=feature(region=region), headers=auth(client, user))
    assert r.status_code == status, r.text
    if status >= 400:
        assert state(db) == before
        assert r.json()["code"].startswith("auth.")
    else:
        body = r.json()
        assert body["type"] == "Feature" and body["geometry"]["type"] == "MultiPolygon"
        props = body["properties"]
        assert props["status"] == "draft" and props["zone_kind_name"] == "工业发展区"
        assert props["own"]["max_plot_ratio"] == "1.800" and props["max_plot_ratio"] == "1.800"
        assert props["min_plot_ratio"] == "0.800"  # the kind's default
        assert props["permitted_uses"] == ["0601", "0604"] and props["operating_use_permitted"]
        assert state(db)[1] == before[1] + 1 and state(db)[0] == before[0] + 1


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("township", 403), ("supervisor", 403),
                                               ("nr_guixi", 403), ("nr", 200), ("admin", 200)])
def test_approve_and_supersede_permissions(client: TestClient, db: Database, user: str | None, status: int) -> None:
    zid = client.post("/api/v1/planning/zones", json=feature(), headers=auth(client, "nr")).json()["id"]
    before = state(db)
    r = client.post(f"/api/v1/planning/zones/{zid}/approve", headers=auth(client, user))
    assert r.status_code == status, r.text
    if status != 200:
        assert state(db) == before
        return
    assert r.json()["properties"]["status"] == "approved"
    again = client.post(f"/api/v1/planning/zones/{zid}/approve", headers=auth(client, user))
    assert again.status_code == 409 and again.json()["code"] == "planning.invalid_transition"
    approved = state(db)
    denied = client.post(f"/api/v1/planning/zones/{zid}/supersede", json={"reason": "x"},
                         headers=auth(client, "nr_guixi"))
    assert denied.status_code == 403 and state(db) == approved
    done = client.post(f"/api/v1/planning/zones/{zid}/supersede", json={"reason": "规划修改"},
                       headers=auth(client, user))
    assert done.status_code == 200 and done.json()["properties"]["status"] == "superseded"
    assert done.json()["properties"]["effective_to"] == "2026-03-02"


def test_overlapping_approval_is_409_and_changes_nothing(client: TestClient, db: Database) -> None:
    nr = auth(client, "nr")
    a = client.post("/api/v1/planning/zones", json=feature("A"), headers=nr).json()["id"]
    b = client.post("/api/v1/planning/zones", json=feature("B", geometry=mapping(rect(100, 100, 300, 200))),
                    headers=nr).json()["id"]
    assert client.post(f"/api/v1/planning/zones/{a}/approve", headers=nr).status_code == 200
    before = state(db)
    r = client.post(f"/api/v1/planning/zones/{b}/approve", headers=nr)
    assert r.status_code == 409 and r.json()["code"] == "planning.zone_overlap"
    assert r.json()["details"]["overlaps"][0]["other"] == "A"
    assert state(db) == before
    dup = client.post("/api/v1/planning/zones", json=feature("A"), headers=nr)
    assert dup.status_code == 409 and dup.json()["code"] == "planning.zone_code_exists"


@pytest.mark.parametrize(("geometry", "code"), [
    ({"type": "Polygon", "coordinates": "x"}, "planning.invalid_geometry"),
    ({"type": "Nope", "coordinates": []}, "planning.invalid_geometry"),
    ({"coordinates": [[[116.9, 28.2], [116.91, 28.2], [116.91, 28.21], [116.9, 28.2]]]}, "planning.invalid_geometry"),
    ({"type": "Polygon", "coordinates": [[[116.9, 28.2], [116.91, 28.21], [116.91, 28.2], [116.9, 28.21],
                                          [116.9, 28.2]]]}, "planning.invalid_geometry"),  # bow-tie
    (mapping(Point(116.9, 28.2)), "planning.invalid_geometry"),
    (mapping(LineString([(116.9, 28.2), (116.91, 28.21)])), "planning.invalid_geometry"),
    ({"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 1]]]}, "planning.invalid_geometry"),
])
def test_bad_geojson_is_422(client: TestClient, db: Database, geometry: dict[str, Any], code: str) -> None:
    before = state(db)
    r = client.post("/api/v1/planning/zones", json=feature(geometry=geometry), headers=auth(client, "nr"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert state(db) == before


@pytest.mark.parametrize(("props", "code"), [
    ({"zone_kind": "farm"}, "planning.invalid_zone_kind"),
    ({"permitted_uses": ["0601", "x"]}, "planning.invalid_land_use_class"),
    ({"max_plot_ratio": "1.2345"}, "planning.invalid_conditions"),
    ({"max_plot_ratio": "abc"}, "request.invalid"),
    ({"max_building_density": "1.5"}, "planning.invalid_conditions"),
    ({"min_plot_ratio": "3", "max_plot_ratio": "2"}, "planning.invalid_conditions"),
    ({"effective_to": "2020-01-01"}, "planning.invalid_dates"),
    ({"region_code": "3606"}, "request.invalid"),
    ({"region_code": VILLAGE}, "planning.invalid_region_code"),
    ({"code": ""}, "request.invalid"),
])
def test_bad_properties_are_422(client: TestClient, db: Database, props: dict[str, Any], code: str) -> None:
    before = state(db)
    r = client.post("/api/v1/planning/zones", json=feature(**props), headers=auth(client, "nr"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert state(db) == before
    assert client.post("/api/v1/planning/zones", json={"type": "Feature", "geometry": "x", "properties": {}},
                       headers=auth(client, "nr")).status_code == 422


def test_zones_geojson_public_paged_and_filtered(client: TestClient, db: Database) -> None:
    wiggly = shapely.Polygon([(116.90 + 0.0001 * i, 28.30 + 0.00002 * (i % 2)) for i in range(100)]
                             + [(116.91, 28.31), (116.90, 28.31)])
    with db.transaction() as s:
        create_zones(s, [zone(f"F{i}", "forestry", rect(i * 200, 0, 200, 200)) for i in range(5)]
                     + [zone("W", "water", wiggly)], actor=ACTOR, plan_version=PLAN)
        create_zones(s, [zone("DRAFT", "water", rect(0, 0, 50, 50))], actor=ACTOR, plan_version=PLAN,
                     status=ZoneStatus.draft)
    r = client.get("/api/v1/planning/zones", params={"bbox": "116.8,28.1,117.0,28.25", "page_size": 2, "page": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["total"] == 5 and body["page"] == 2
    assert [f["properties"]["code"] for f in body["features"]] == ["F2", "F3"]
    assert client.get("/api/v1/planning/zones", params={"kind": "water"}).json()["total"] == 1
    assert client.get("/api/v1/planning/zones", params={"bbox": "0,0,1,1"}).json()["total"] == 0
    full = client.get("/api/v1/planning/zones", params={"kind": "water"}).json()["features"][0]["geometry"]
    coarse = client.get("/api/v1/planning/zones", params={"kind": "water", "zoom": 9}).json()["features"][0]["geometry"]
    assert len(coarse["coordinates"][0][0]) < len(full["coordinates"][0][0]) / 5
    for params, code in (({"bbox": "a,b"}, "planning.invalid_bbox"), ({"bbox": "2,2,1,1"}, "planning.invalid_bbox"),
                         ({"kind": "farm"}, "planning.invalid_zone_kind"), ({"page": 0}, "request.invalid"),
                         ({"zoom": 40}, "request.invalid")):
        bad = client.get("/api/v1/planning/zones", params=params)
        assert bad.status_code == 422 and bad.json()["code"] == code
    # drafts: officials only
    assert client.get("/api/v1/planning/zones", params={"status": "draft"}).status_code == 401
    assert client.get("/api/v1/planning/zones", params={"status": "draft"},
                      headers=auth(client, "member")).status_code == 403
    drafts = client.get("/api/v1/planning/zones", params={"status": "draft"}, headers=auth(client, "nr")).json()
    assert [f["properties"]["code"] for f in drafts["features"]] == ["DRAFT"]
    draft_id = drafts["features"][0]["id"]
    assert client.get(f"/api/v1/planning/zones/{draft_id}").status_code == 404
    assert client.get(f"/api/v1/planning/zones/{draft_id}", headers=auth(client, "supervisor")).status_code == 200
    one = client.get(f"/api/v1/planning/zones/{body['features'][0]['id']}").json()
    assert one["properties"]["zone_kind_name_en"] == "Forestry development zone"
    assert client.get("/api/v1/planning/zones/999999").json()["code"] == "planning.zone_not_found"


def test_conditions_of_a_parcel(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        holder = registry.create_party(s, kind="person", name="村民甲", id_number=resident_id(1), actor=ACTOR).id
        inside = registry.lodge_first_registration(
            s, actor=ACTOR, region_code=VILLAGE, geometry=rect(20, 20, 40, 40), land_use_class="0601", location="x",
            right_type="collective_construction_land_use_right", holders=[(holder, "1")])
        outside = registry.lodge_first_registration(
            s, actor=ACTOR, region_code=VILLAGE, geometry=rect(5000, 5000, 40, 40), land_use_class="0101",
            location="y", right_type="land_contract_right", holders=[(holder, "1")])
        inside_id, outside_id = int(inside.payload["parcel_id"]), int(outside.payload["parcel_id"])
        create_zones(s, [zone("V-1", "village_construction", rect(0, 0, 50, 100)),
                         zone("A-1", "general_agriculture", rect(50, 0, 50, 100))], actor=ACTOR, plan_version=PLAN)
    r = client.get("/api/v1/planning/conditions", params={"parcel_id": inside_id})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["parcel_id"] == inside_id and c["zone_code"] == "V-1" and c["zone_kind_name"] == "村庄建设区"
    assert c["overlap_share"] == "0.7500" and [z["code"] for z in c["zones"]] == ["V-1", "A-1"]
    assert c["operating_use_permitted"] and "0702" in c["permitted_uses"] and c["max_height_m"] == "15.00"
    assert c["defaults_verified"] is False
    assert client.get("/api/v1/planning/conditions", params={"parcel_id": inside_id,
                                                             "on": "2020-06-01"}).json()["code"] == "planning.no_zone"
    missing = client.get("/api/v1/planning/conditions", params={"parcel_id": outside_id})
    assert missing.status_code == 404 and missing.json()["code"] == "planning.no_zone"
    assert client.get("/api/v1/planning/conditions",
                      params={"parcel_id": 999999}).json()["code"] == "registry.parcel_not_found"
    assert client.get("/api/v1/planning/conditions", params={"parcel_id": "x"}).status_code == 422


def test_layer_features_and_zone_kinds_are_public(client: TestClient, db: Database) -> None:
    long_road = LineString([(116.8 + 0.001 * i, 28.2 + 0.0002 * (i % 2)) for i in range(150)])
    with db.transaction() as s:
        create_features(s, [FeatureIn("road", "national", "G320", long_road),
                            FeatureIn("hamlet", "hamlet", "王家", Point(116.9, 28.2)),
                            FeatureIn("town_centre", "town", "锦江镇", Point(116.91, 28.21), code=TOWNSHIP)],
                        actor=ACTOR)
    r = client.get("/api/v1/planning/features", params={"bbox": "116.7,28.1,117.0,28.3"})
    assert r.status_code == 200 and r.json()["returned"] == 3 and not r.json()["truncated"]
    low = client.get("/api/v1/planning/features", params={"bbox": "116.7,28.1,117.0,28.3", "zoom": 10}).json()
    assert sorted(f["properties"]["kind"] for f in low["features"]) == ["road", "town_centre"]
    road = next(f for f in low["features"] if f["properties"]["kind"] == "road")
    assert len(road["geometry"]["coordinates"]) < 150
    roads = client.get("/api/v1/planning/features", params={"kind": "road,river"}).json()
    assert [f["properties"]["name"] for f in roads["features"]] == ["G320"]
    capped = client.get("/api/v1/planning/features", params={"limit": 1}).json()
    assert capped["returned"] == 1 and capped["truncated"]
    bad = client.get("/api/v1/planning/features", params={"kind": "railway"})
    assert bad.status_code == 422 and bad.json()["code"] == "planning.invalid_feature_kind"
    kinds = client.get("/api/v1/planning/zone-kinds").json()
    assert len(kinds) == 10 and {k["kind"] for k in kinds} >= {"ecological_redline", "mineral"}
    industrial = next(k for k in kinds if k["kind"] == "industrial")
    assert industrial["name"] == "工业发展区" and industrial["operating_use_permitted"] and not industrial["verified"]
    early = client.get("/api/v1/planning/zone-kinds", params={"on": date(2020, 1, 1).isoformat()})
    assert early.status_code == 422 and early.json()["code"] == "planning.no_rule_set"
    before = state(db)
    too_early = client.post("/api/v1/planning/zones", json=feature(effective_from="2019-01-01"),
                            headers=auth(client, "nr"))
    assert too_early.status_code == 422 and too_early.json()["code"] == "planning.no_rule_set"
    assert state(db) == before

"""Lots on the public map (issue #23): published lots on registered units at a point inside their parcel, by
phase group and kind, with start and current price; drafts are not shown; no seller or bidder name, no title;
a bad viewport is a 422 ``exchange.invalid_viewport``."""

from __future__ import annotations

import shapely
from fastapi.testclient import TestClient

from landbridge.db import Database
from landbridge.exchange import jobs
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import World, build_world, enrol, new_lot, to
from tests.registry.conftest import square

BOX = "116.89,28.19,116.92,28.23"


def test_lots_by_phase_group_and_kind(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        other = build_world(s, col=3, n_bidders=0)
        upcoming = new_lot(s, world)
        draft = new_lot(s, other, publish=False)
        bidder = enrol(s, upcoming, world, world.bidders[0])
        upcoming_id, draft_id, starts = upcoming.id, draft.id, upcoming.starts_at
        assert bidder.id
    with TestClient(create_app()) as client:
        r = client.get(f"/api/v1/exchange/map?bbox={BOX}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert [f["id"] for f in body["features"]] == [upcoming_id]  # the draft is not published
        props = body["features"][0]["properties"]
        assert (props["class"], props["phase"], props["start_price"], props["current_price"]) == (
            "upcoming", "announced", "100000.00", None)
        assert props["url"] == f"/exchange/lots/{upcoming_id}"
        point = shapely.Point(body["features"][0]["geometry"]["coordinates"])
        assert square(0).contains(point)
        legend = {row["class"]: row["colour"] for row in body["legend"]}
        assert set(legend) == {"open", "upcoming", "concluded"} and len(set(legend.values())) == 3
        for name in [*world.names.values(), *other.names.values(), "范家村 20 亩耕地经营权"]:
            assert name not in r.text
        assert "party" not in r.text and "bidder" not in r.text
        assert client.get(f"/api/v1/exchange/map?bbox={BOX}&phase=open").json()["features"] == []
        assert client.get(f"/api/v1/exchange/map?bbox={BOX}&kind=forest_right").json()["features"] == []
        assert client.get("/api/v1/exchange/map?bbox=116.0,27.0,116.1,27.1").json()["features"] == []
        to(clock, starts)
        with db.transaction() as s:
            jobs.run_due(s)  # the exchange's deadline job opens the listing
        opened = client.get(f"/api/v1/exchange/map?bbox={BOX}&phase=open").json()["features"]
        assert [f["id"] for f in opened] == [upcoming_id], opened
        assert draft_id not in [f["id"] for f in opened]
        for bad in ("1,2,3", "a,b,c,d", "10,10,5,5", "100,20,110,30"):
            e = client.get(f"/api/v1/exchange/map?bbox={bad}")
            assert e.status_code == 422 and e.json()["code"] == "exchange.invalid_viewport", (bad, e.text)
        e = client.get(f"/api/v1/exchange/map?bbox={BOX}&phase=sold")
        assert e.status_code == 422

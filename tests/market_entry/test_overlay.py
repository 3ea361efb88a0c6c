"""The market-entry overlay of the public map (全景看地, issue #15 scope 5; L1, P1): candidates, published cases
and entered parcels in a viewport, for anonymous users, with nothing personal and nothing of an unpublished case;
a bad box is a 422 with its own code."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import EntryWorld, register_unit, to_state
from tests.registry.conftest import ORIGIN

BOX = f"{ORIGIN[0] - 0.01},{ORIGIN[1] - 0.01},{ORIGIN[0] + 0.05},{ORIGIN[1] + 0.05}"


def test_candidates_published_cases_and_entered_parcels(db: Database, clock: Clock, world: EntryWorld) -> None:
    entered = to_state(db, clock, world, "in_use")
    with db.transaction() as s:
        filed_unit = register_unit(s, world.village.party_id, col=3)
        early_unit = register_unit(s, world.village.party_id, col=5)
        person_unit = register_unit(s, world.bidders[0], col=7)
    with db.transaction() as s:
        case = s.get(EntryCase, entered)
        assert case is not None
        entered_number, buyer = case.number, case.buyer_party_id
    world.unit = filed_unit
    filed = to_state(db, clock, world, "filed")
    world.unit = early_unit
    to_state(db, clock, world, "plan_drafted")
    with TestClient(create_app()) as client:
        r = client.get(f"/api/v1/market-entry/map?bbox={BOX}")
        assert r.status_code == 200, r.text
        by_unit = {f["properties"]["unit_id"]: f["properties"] for f in r.json()["features"]}
        for bad in ("1,2,3", "a,b,c,d", "10,10,5,5", "0,0,200,10", "nan,0,1,1", "1,2,3,4,5"):
            e = client.get(f"/api/v1/market-entry/map?bbox={bad}")
            assert e.status_code == 422 and e.json()["code"] == "market_entry.invalid_bbox", (bad, e.text)
    with db.transaction() as s:
        filed_case = s.get(EntryCase, filed)
        assert filed_case is not None
        filed_number = filed_case.number
    entered_props = [p for p in by_unit.values() if p["stage"] == "entered"]
    assert len(entered_props) == 1 and entered_props[0]["entry_method"] == "grant"
    assert entered_props[0]["term_end"] is not None and entered_props[0]["case_number"] is None
    assert by_unit[filed_unit]["stage"] == "in_case" and by_unit[filed_unit]["case_number"] == filed_number
    assert by_unit[filed_unit]["case_state"] == "filed"
    # a plan the collective is still drafting is not published: the parcel is only a candidate
    assert by_unit[early_unit] == {**by_unit[early_unit], "stage": "candidate", "case_number": None}
    assert person_unit not in by_unit  # a construction land right held by a person is not collective land
    body = json.dumps(by_unit, ensure_ascii=False)
    assert entered_number not in body and "holder" not in body and "party" not in body
    assert buyer is not None and all(buyer not in p.values() for p in by_unit.values())
    assert "竞买企业" not in body


@pytest.mark.parametrize("box", ["", "1,1,1"])
def test_the_box_is_required_and_bounded(db: Database, box: str) -> None:
    with TestClient(create_app()) as client:
        r = client.get(f"/api/v1/market-entry/map?bbox={box}")
        assert r.status_code == 422
        r = client.get("/api/v1/market-entry/map?bbox=" + "1" * 200)
        assert r.status_code == 422

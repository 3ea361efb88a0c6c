"""Bounded input everywhere (issue #12 item 7): integers past the database's range, huge exponents, polygons
past the vertex cap and dates with no rule set in force are typed 4xx answers, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon, mapping
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.cityprofile.loader import NoRuleSetInForce
from landbridge.config import Settings, get_settings
from landbridge.db import Database
from landbridge.errors import RuleViolation
from landbridge.kernel.bounds import DB_BIGINT_MAX, DB_BIGINT_MIN, DB_INT_MAX, DB_INT_MIN
from landbridge.kernel.geo import check_vertex_cap, geojson_vertex_count
from landbridge.kernel.money import MoneyError, to_money
from landbridge.main import create_app
from landbridge.planning.models import PlanningZone
from tests.web.world import ORIGIN, World

TOO_BIG = 2**31  # past an INTEGER id column (PostgreSQL); 2^63 past BIGINT


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _int_parameters(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                for option in [schema, *schema.get("anyOf", [])]:
                    if option.get("type") == "integer":
                        yield method, path, parameter, option


def test_every_integer_parameter_of_the_api_is_bounded_by_the_id_columns_range(client: TestClient) -> None:
    """All of them (117 when written), through the shared route class: the INTEGER id columns' range unless a
    route declares its own (a ledger sequence number is a BIGINT), never wider than BIGINT; a route's own
    tighter bounds stay."""
    spec = client.get("/api/v1/openapi.json").json()
    found = list(_int_parameters(spec))
    assert len(found) > 100
    narrow = 0
    for method, path, parameter, schema in found:
        assert schema["minimum"] >= DB_BIGINT_MIN and schema["maximum"] <= DB_BIGINT_MAX, (method, path, parameter)
        narrow += schema["minimum"] >= DB_INT_MIN and schema["maximum"] <= DB_INT_MAX
    assert narrow >= 0.9 * len(found)
    pages = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/valuation/sales"]["get"]["parameters"]}
    assert pages["page"]["minimum"] == 1 and pages["page_size"]["minimum"] == 1  # not widened to -2^31
    assert pages["page"]["maximum"] == DB_INT_MAX


def test_ids_and_offsets_past_bigint_are_422_on_every_route(client: TestClient, world: World) -> None:
    """Every GET route with an integer in its path, as a registrar: 2^31 and 2^63 are refused with
    ``request.invalid`` (both were 500s from the driver) unless the role check answers first; 2^31-1 reaches
    the route and is answered 4xx (not found), not 5xx."""
    spec = client.get("/api/v1/openapi.json").json()
    headers = bearer(client, "registrar")
    routes = {path for method, path, parameter, _ in _int_parameters(spec)
              if method == "get" and parameter["in"] == "path"}
    assert len(routes) >= 18
    refused = 0
    for path in sorted(routes):
        for value in (TOO_BIG, 2**63, DB_INT_MAX, -(2**63) - 1):
            url = re.sub(r"\{[a-z_]+\}", str(value), path)
            r = client.get(url, headers=headers)
            assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
            assert r.json()["code"] and r.json()["message_en"], url
            bigint_route = "/ledger/" in path  # a sequence number is a BIGINT: 2^31 is merely not found
            if r.status_code not in (401, 403) and value != DB_INT_MAX and not (bigint_route and value == TOO_BIG):
                assert r.status_code == 422 and r.json()["code"] == "request.invalid", (url, r.text[:300])
                assert r.json()["message"] and r.json()["message_en"]
                refused += 1
    assert refused >= 3 * 14  # the routes a registrar may reach; the others answer 403 first
    for url in ("/api/v1/exchange/lots?offset=9223372036854775808", "/api/v1/exchange/lots?limit=-1",
                "/api/v1/ledger/proofs/consistency?first=1&second=99999999999999999999"):
        r = client.get(url, headers=headers)
        assert r.status_code == 422 and r.json()["code"] == "request.invalid", url


def test_dates_outside_1900_to_2999_are_422(client: TestClient, world: World) -> None:
    """The reconciliation once overflowed on ``to=9999-12-31`` (a day past date.max)."""
    headers = bearer(client, "exchange")
    for query in ("from=2026-01-01&to=9999-12-31", "from=0001-01-01&to=2026-01-01"):
        r = client.get(f"/api/v1/exchange/reconciliation?{query}", headers=headers)
        assert r.status_code == 422 and r.json()["code"] == "request.invalid", query
    assert client.get("/api/v1/exchange/reconciliation?from=2026-01-01&to=2026-01-31",
                      headers=headers).status_code == 200


@given(st.integers(min_value=16, max_value=999_999_999), st.sampled_from(["1E+", "-9.99E+", "0.5E+"]))
def test_amounts_with_a_huge_exponent_are_refused_as_money_errors(exponent: int, mantissa: str) -> None:
    """Pure rule: an amount beyond 16 digits of yuan (BIGINT fen) is a MoneyError, never an arithmetic error."""
    value = f"{mantissa}{exponent}"
    if Decimal(value).adjusted() < 16:
        return
    with pytest.raises(MoneyError):
        to_money(value)


@given(st.decimals(min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"), places=2))
def test_amounts_within_range_round_trip(amount: Decimal) -> None:
    assert to_money(str(amount)) == amount and int(to_money(amount) * 100) <= DB_BIGINT_MAX


def test_huge_exponents_in_the_api_are_422_with_codes(client: TestClient, world: World) -> None:
    """A lot's start price and a zone's plot ratio of ``1E+999999999``: typed 422s (both were 500s)."""
    r = client.post("/api/v1/exchange/lots", headers=bearer(client, "exchange"),
                    json={"right_id": 1, "kind": "listing", "start_price_cny": "1E+999999999"})
    assert r.status_code == 422 and r.json()["code"] in ("exchange.invalid_amount", "request.invalid"), r.text
    r = client.post("/api/v1/planning/zones", headers=bearer(client, "nr"),
                    json=_zone(_ring(4), max_plot_ratio="1E+999999999"))
    assert r.status_code == 422 and r.json()["code"] == "request.invalid", r.text


def test_an_id_in_a_body_past_the_column_is_a_4xx_never_a_500(client: TestClient, world: World) -> None:
    """Body ids are not route parameters: past the column the database refuses them (PostgreSQL: integer out of
    range; SQLite: past 2^63) and the answer is 422 ``request.out_of_range``, the transaction rolled back."""
    exchange = bearer(client, "exchange")
    for value in (2**31, 2**63):
        r = client.post("/api/v1/exchange/lots", headers=exchange, json={
            "kind": "listing", "title": "t", "region_code": "360603101001", "starts_at": "2026-04-01T00:00:00Z",
            "start_price_cny": "1000.00", "right_id": value})
        assert 400 <= r.status_code < 500, (value, r.status_code, r.text[:300])
        assert r.json()["code"] and r.json()["message"] and r.json()["message_en"]
    assert client.get("/api/v1/exchange/lots", headers=exchange).status_code == 200


def _ring(vertices: int) -> list[list[float]]:
    """A closed ring of ``vertices`` distinct positions around the demo world's origin (a regular polygon)."""
    import math

    x0, y0 = ORIGIN[0] + 0.05, ORIGIN[1] + 0.05
    points = [[x0 + 0.001 * math.cos(2 * math.pi * i / vertices), y0 + 0.001 * math.sin(2 * math.pi * i / vertices)]
              for i in range(vertices)]
    return [*points, points[0]]


def _zone(ring: list[list[float]], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": "Z-CAP", "plan_version": "test", "zone_kind": "village_construction",
                           "region_code": "360603101000", "effective_from": "2026-01-01", **properties}}


def _zones(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.execute(select(func.count()).select_from(PlanningZone)).scalar_one())


def test_a_planning_zone_past_the_vertex_cap_is_refused_and_not_stored(client: TestClient, world: World,
                                                                      db: Database, monkeypatch: pytest.MonkeyPatch,
                                                                      ) -> None:
    """The default cap (Settings.max_polygon_vertices, 20,000) refuses a 20,001-vertex zone with
    ``request.too_many_vertices`` (a 10^6-vertex zone had been accepted); the cap is a setting."""
    nr = bearer(client, "nr")
    settings = get_settings()  # what the routes read
    r = client.post("/api/v1/planning/zones", headers=nr, json=_zone(_ring(settings.max_polygon_vertices)))
    assert r.status_code == 422 and r.json()["code"] == "request.too_many_vertices", r.text[:300]
    assert r.json()["details"]["max_vertices"] == settings.max_polygon_vertices and r.json()["message_en"]
    assert _zones(db) == 0
    monkeypatch.setattr(settings, "max_polygon_vertices", 64)
    assert client.post("/api/v1/planning/zones", headers=nr, json=_zone(_ring(64))).status_code == 422
    r = client.post("/api/v1/planning/zones", headers=nr, json=_zone(_ring(63)))
    assert r.status_code == 201, r.text[:300]
    assert _zones(db) == 1


def test_a_parcel_past_the_vertex_cap_is_refused(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/parcels", headers=bearer(client, "registrar"), json={
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_ring(get_settings().max_polygon_vertices)]},
        "properties": {"region_code": "360603101001", "land_use_class": "0702", "right_type": "homestead_use_right",
                       "holders": [{"party_id": world.holder_a, "share": "1"}]}})
    assert r.status_code == 422 and r.json()["code"] == "request.too_many_vertices"


def test_vertex_count_is_by_ring_and_covers_every_geojson_kind() -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 0]]
    assert geojson_vertex_count({"type": "Polygon", "coordinates": [square, square]}) == 8
    assert geojson_vertex_count({"type": "MultiPolygon", "coordinates": [[square], [square, square]]}) == 12
    assert geojson_vertex_count({"type": "Point", "coordinates": [1, 2]}) == 1
    assert geojson_vertex_count({"type": "GeometryCollection", "geometries": [
        {"type": "LineString", "coordinates": square}, {"type": "Polygon", "coordinates": [square]}]}) == 8
    assert geojson_vertex_count({"type": "Polygon", "coordinates": "junk"}) == 0
    # Shapely's mapping() gives tuples: they count the same as JSON lists (they counted 0 before)
    assert geojson_vertex_count(mapping(Polygon(square))) == 4
    assert geojson_vertex_count({"type": "GeometryCollection", "geometries": (mapping(Polygon(square)),)}) == 4
    check_vertex_cap({"type": "Polygon", "coordinates": [square]}, 4)
    with pytest.raises(RuleViolation) as caught:
        check_vertex_cap({"type": "Polygon", "coordinates": [square]}, 3)
    assert caught.value.code == "request.too_many_vertices" and caught.value.http_status == 422


def test_a_valuation_date_with_no_rule_set_in_force_is_a_typed_422(client: TestClient, world: World) -> None:
    """A revaluation dated before the mass-appraisal rules took effect (a 500 before): ``rules.not_in_force``."""
    rules = get_profile().rule_sets["valuation_mass"]
    first = min(v.effective_from for v in rules.versions)
    with pytest.raises(NoRuleSetInForce):
        rules.version_at(first.replace(year=first.year - 1))
    with pytest.raises(LookupError):  # still a LookupError for callers that fall back
        rules.version_at(first.replace(year=first.year - 1))
    r = client.post("/api/v1/valuation/runs", headers=bearer(client, "nr"),
                    json={"valuation_date": first.replace(year=first.year - 1).isoformat()})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "rules.not_in_force" and body["details"]["rule_set"] == "valuation_mass"
    assert body["message"] and body["message_en"]


def test_a_request_body_over_the_limit_is_413_whether_declared_or_streamed(db: Database,
                                                                           settings: Settings) -> None:
    """Strings and lists are bounded as a whole: a body over Settings.max_upload_bytes is refused with
    ``request.too_large``, by its Content-Length or, streamed without one, once it passes the limit."""
    client = TestClient(create_app(settings.model_copy(update={"max_upload_bytes": 1000})))

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 300

    for body in (b" " * 2000, chunks()):
        r = client.post("/api/v1/auth/token", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "request.too_large" and r.json()["details"]["limit_bytes"] == 1000
    r = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})
    assert r.status_code == 401  # a small body goes through

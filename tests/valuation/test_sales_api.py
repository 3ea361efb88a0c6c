"""Sales record API: permission matrix (nothing changes on denial), masking, region scope, errors, CSV (L1, F1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.registry import create_party
from landbridge.valuation import SaleIn, record_sales
from landbridge.valuation.sales.models import Sale
from tests.registry.conftest import resident_id
from tests.registry.test_api import auth

YUJIANG_VILLAGE = "360603101001"
GUIXI_VILLAGE = "360681100001"


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.transaction() as s:
        create_demo_accounts(s)
        for role, username in ((Role.bank_officer, "guixi_bank"), (Role.nr_official, "guixi_nr")):
            org = create_organisation(s, name=f"贵溪 {username}", kind=OrgKind.bank, region_code="360681000000")
            create_user(s, username=username, password="demo", display_name=username, role=role,
                        organisation_id=org.id, is_demo=True)
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def parties(db: Database, clock: Clock) -> tuple[int, int]:
    with db.transaction() as s:
        buyer = create_party(s, kind="person", name="买受人", id_number=resident_id(1), actor="t").id
        seller = create_party(s, kind="person", name="出让人", id_number=resident_id(2), actor="t").id
    return buyer, seller


@pytest.fixture
def loaded(db: Database, client: TestClient, parties: tuple[int, int]) -> None:
    rows = [SaleIn(sale_date=date(2022 + k % 3, 3, 1), price_cny=Decimal(50_000 + k), area_m2=Decimal("100.00"),
                   land_use_class="0702", region_code=region, right_type="homestead_use_right", method="transfer",
                   buyer_party_id=parties[0], seller_party_id=parties[1])
            for k, region in enumerate([YUJIANG_VILLAGE, GUIXI_VILLAGE] * 6)]
    with db.transaction() as s:
        record_sales(s, rows, actor="t", source="import")


def counts(db: Database) -> tuple[int, int]:
    with db.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(Sale)) or 0, current_size(s)


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sale_date": "2025-06-01", "price_cny": "880000.00", "area_m2": "1100.50",
                            "land_use_class": "0501", "region_code": YUJIANG_VILLAGE,
                            "right_type": "collective_construction_land_use_right", "method": "auction",
                            "term_years": 40, "plot_ratio": "1.5", "lon": 116.85, "lat": 28.21}
    base.update(overrides)
    return base


@pytest.mark.parametrize(("user", "status", "visible"), [
    (None, 401, 0),
    ("member", 403, 0),
    ("clerk", 403, 0),
    ("township", 403, 0),
    ("exchange", 403, 0),
    ("bidder", 403, 0),
    ("nr", 200, 12),
    ("registrar", 200, 12),
    ("bank", 200, 12),
    ("supervisor", 200, 12),
    ("admin", 200, 12),
    ("guixi_bank", 200, 6),  # right role, another organisation's area: only Guixi's sales
])
def test_list_permissions(client: TestClient, db: Database, loaded: None, user: str | None, status: int,
                          visible: int) -> None:
    before = counts(db)
    r = client.get("/api/v1/valuation/sales", headers=auth(client, user))
    assert r.status_code == status, r.text
    if status == 200:
        page = r.json()
        assert page["total"] == visible == len(page["items"])
    else:
        assert r.json()["code"].startswith("auth.")
    assert counts(db) == before


@pytest.mark.parametrize(("user", "show"), [("nr", True), ("admin", True), ("bank", False), ("registrar", False),
                                            ("supervisor", False)])
def test_buyer_and_seller_are_masked_for_other_roles(client: TestClient, loaded: None, parties: tuple[int, int],
                                                     user: str, show: bool) -> None:
    items = client.get("/api/v1/valuation/sales", headers=auth(client, user)).json()["items"]
    assert {(i["buyer_party_id"], i["seller_party_id"], i["parties_masked"]) for i in items} == (
        {(parties[0], parties[1], False)} if show else {(None, None, True)})
    assert all(i["price_per_m2_cny"] == str(Decimal(i["price_cny"]) / 100) for i in items)


def test_region_scope_and_filters(client: TestClient, loaded: None) -> None:
    guixi = auth(client, "guixi_bank")
    r = client.get("/api/v1/valuation/sales", params={"region_prefix": "360603"}, headers=guixi)
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden_region"
    r = client.get("/api/v1/valuation/sales", params={"region_prefix": "36"}, headers=guixi)
    assert r.status_code == 200 and r.json()["total"] == 6  # a wider request is narrowed to the caller's area
    nr = auth(client, "nr")
    r = client.get("/api/v1/valuation/sales", params={"region_prefix": "360603", "since": "2023-01-01",
                                                      "until": "2023-12-31", "page_size": 2, "page": 1}, headers=nr)
    page = r.json()
    assert r.status_code == 200 and page["total"] == 2 and page["page_size"] == 2
    assert {i["sale_date"] for i in page["items"]} == {"2023-03-01"}
    r = client.get("/api/v1/valuation/sales", params={"page_size": 10**6}, headers=nr)
    assert r.status_code == 200 and r.json()["page_size"] == 1000  # clamped to the configured maximum
    for params in ({"page": 0}, {"region_prefix": "36x"}, {"since": "yesterday"}, {"page_size": 0}):
        r = client.get("/api/v1/valuation/sales", params=params, headers=nr)
        assert r.status_code == 422 and r.json()["code"] == "request.invalid", params


@pytest.mark.parametrize(("user", "region", "status"), [
    (None, YUJIANG_VILLAGE, 401),
    ("member", YUJIANG_VILLAGE, 403),
    ("bank", YUJIANG_VILLAGE, 403),
    ("registrar", YUJIANG_VILLAGE, 403),
    ("supervisor", YUJIANG_VILLAGE, 403),
    ("exchange", YUJIANG_VILLAGE, 403),
    ("guixi_nr", YUJIANG_VILLAGE, 403),  # right role, another organisation's area
    ("guixi_nr", GUIXI_VILLAGE, 201),
    ("nr", YUJIANG_VILLAGE, 201),
    ("admin", GUIXI_VILLAGE, 201),
])
def test_record_permissions(client: TestClient, db: Database, user: str | None, region: str, status: int) -> None:
    before = counts(db)
    r = client.post("/api/v1/valuation/sales", json=body(region_code=region), headers=auth(client, user))
    assert r.status_code == status, r.text
    after = counts(db)
    if status >= 400:
        assert after == before and r.json()["code"].startswith("auth.")
    else:
        sale = r.json()
        assert after == (before[0] + 1, before[1] + 1)
        assert sale["sale_no"] == "S2025-000001" and sale["price_per_m2_cny"] == "799.64"
        assert sale["source"] == "exchange" and sale["parties_masked"] is False


@pytest.mark.parametrize(("overrides", "code"), [
    ({"land_use_class": "9999"}, "valuation.invalid_sale"),
    ({"region_code": "360699999999"}, "valuation.invalid_sale"),
    ({"sale_date": "2027-01-01"}, "valuation.invalid_sale"),
    ({"method": "barter"}, "valuation.invalid_sale"),
    ({"parcel_id": 424242}, "valuation.invalid_sale"),
    ({"lon": 120.0}, "valuation.invalid_sale"),
    ({"price_cny": "0"}, "request.invalid"),
    ({"price_cny": "12.345"}, "request.invalid"),
    ({"area_m2": "-3"}, "request.invalid"),
    ({"sale_date": "2025-02-30"}, "request.invalid"),
    ({"source": "demo"}, "request.invalid"),
    ({"region_code": None}, "request.invalid"),
])
def test_bad_sales_are_refused_with_a_stable_code(client: TestClient, db: Database, overrides: dict[str, Any],
                                                  code: str) -> None:
    before = counts(db)
    r = client.post("/api/v1/valuation/sales", json=body(**overrides), headers=auth(client, "nr"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert counts(db) == before


@pytest.mark.parametrize(("user", "status", "rows", "masked"), [
    (None, 401, 0, True),
    ("clerk", 403, 0, True),
    ("bank", 200, 12, True),
    ("guixi_bank", 200, 6, True),
    ("nr", 200, 12, False),
])
def test_csv_export(client: TestClient, loaded: None, parties: tuple[int, int], user: str | None, status: int,
                    rows: int, masked: bool) -> None:
    r = client.get("/api/v1/valuation/sales/export.csv", headers=auth(client, user))
    assert r.status_code == status, r.text
    if status != 200:
        return
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="sales-2026-03-02')
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM for Excel (issue #21)
    table = list(csv.DictReader(io.StringIO(r.text.removeprefix("\ufeff"))))
    assert len(table) == rows
    assert {t["buyer_party_id"] for t in table} == ({""} if masked else {str(parties[0])})
    assert {t["land_use_class"] for t in table} == {"0702"}
    only_2022 = client.get("/api/v1/valuation/sales/export.csv", params={"until": "2022-12-31"},
                           headers=auth(client, user))
    assert len(list(csv.DictReader(io.StringIO(only_2022.text)))) == rows // 3

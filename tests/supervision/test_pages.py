"""The dashboard (issue #19 scope 2; P2, S2, S92): who may see it and which areas, figures by area with charts as
inline SVG, the drill-down from a district's NPL ratio to the loans behind it to one loan's ledger events with an
inclusion proof in three clicks, CSV export, and typed errors on bad filters."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.ledger.merkle import verify_inclusion
from landbridge.main import create_app
from landbridge.supervision import service
from tests.supervision.conftest import AS_OF, CITY, GUIXI, YUJIANG, SupervisionWorld
from tests.web.test_pages import login

HTML = {"accept": "text/html"}


@pytest.fixture
def users(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        for name, role, region in (("sup", Role.supervisor, CITY), ("guixi", Role.nr_official, GUIXI),
                                   ("villager", Role.member, "360603101002")):
            org = create_organisation(s, name=f"{name} org", kind=OrgKind.nr_bureau, region_code=region)
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)


def client_of(username: str | None) -> TestClient:
    client = TestClient(create_app())
    if username is not None:
        assert login(client, username).status_code == 303
    return client


def links(page: str, prefix: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"', page)]


def test_drill_down_from_the_district_npl_ratio_to_a_loans_ledger_proof_in_three_clicks(
        db: Database, sw: SupervisionWorld, users: None) -> None:
    client = client_of("sup")
    page = client.get("/supervision/dashboard?period=2026", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2 and "余江区" in page.text and "贵溪市" in page.text
    assert "66.67%" in page.text and "41.86%" in page.text  # 余江区 and the city, computed live
    # 月湖区 has no loans: its ratio is "—", not 0 %
    yuehu = re.search(r'data-indicator="lending.npl_ratio" data-area="360602000000"[^>]*>([^<]*)<', page.text)
    assert yuehu and yuehu.group(1) == "—"
    # click 1: 余江区's NPL ratio
    figure = next(h for h in links(page.text, "/supervision/records?indicator=lending.npl_ratio")
                  if f"area={YUJIANG}" in h)
    records = client.get(figure, headers=HTML)
    assert records.status_code == 200 and "LN-1" in records.text and "LN-2" in records.text
    assert "LN-3" not in records.text  # 贵溪
    # click 2: the non-performing loan
    loan_page = client.get(f"/lending/loans/{sw.loans['L1']}", headers=HTML)
    assert f"/lending/loans/{sw.loans['L1']}" in links(records.text, "/lending/loans/")
    assert loan_page.status_code == 200 and 'id="ledger-history"' in loan_page.text
    # click 3: its ledger event's inclusion proof
    proof = links(loan_page.text, "/api/v1/ledger/proofs/inclusion/")
    assert proof and "loan.disbursed" in loan_page.text
    answer = client.get(proof[0])
    assert answer.status_code == 200
    body = answer.json()
    root = bytes.fromhex(body["tree_head"]["root_hash"])
    assert verify_inclusion(bytes.fromhex(body["leaf_hash"]), body["leaf_index"], body["tree_size"],
                            [bytes.fromhex(h) for h in body["audit_path"]], root)


def test_the_dashboard_in_english(db: Database, sw: SupervisionWorld, users: None) -> None:
    client = client_of("sup")
    page = client.get("/supervision/dashboard?period=2026-05&lang=en", headers=HTML)
    assert page.status_code == 200 and "Figures by area" in page.text and "Property-right loan NPL ratio" in page.text
    assert "监管驾驶舱" not in page.text.split("<main", 1)[-1]
    records = client.get(f"/supervision/records?indicator=lending.npl_ratio&area={YUJIANG}&period=2026&lang=en",
                         headers=HTML)
    assert "112 days past due · non-performing" in records.text


def test_stored_values_are_shown_with_their_day(db: Database, sw: SupervisionWorld, users: None) -> None:
    with db.transaction() as s:
        service.record_values(s, service.parse_period("2026"), AS_OF)
    page = client_of("sup").get(f"/supervision/dashboard?period=2026&area={YUJIANG}", headers=HTML)
    assert page.status_code == 200 and "2026-06-30" in page.text and "实时计算" not in page.text
    assert "66.67%" in page.text
    records = client_of("sup").get(f"/supervision/records?indicator=lending.npl_ratio&area={YUJIANG}&period=2026",
                                   headers=HTML)
    stored = re.search(r'id="stored">([^<]*)<', records.text)
    rederived = re.search(r'id="rederived">([^<（]*)', records.text)
    assert stored and rederived and stored.group(1).startswith(rederived.group(1).strip())


def test_csv_export_of_the_table(db: Database, sw: SupervisionWorld, users: None) -> None:
    answer = client_of("sup").get("/supervision/export.csv?period=2026&indicator=lending.npl_ratio")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert {r["area_code"]: r["value"] for r in rows} == {CITY: "41.8605", "360602000000": "0.0000",
                                                          YUJIANG: "66.6667", GUIXI: "0.0000"}
    records = client_of("sup").get(f"/supervision/records.csv?indicator=exchange.concluded_price&area={CITY}"
                                   "&period=2026&as_of=2026-06-30")
    lines = list(csv.DictReader(io.StringIO(records.text.lstrip("\ufeff"))))
    assert sorted(r["numerator"] for r in lines) == ["120000.00", "30000.00"]


def test_who_may_see_it(db: Database, sw: SupervisionWorld, users: None) -> None:
    anonymous = client_of(None).get("/supervision/dashboard", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    assert client_of("villager").get("/supervision/dashboard", headers=HTML).status_code == 403
    assert client_of("villager").get("/supervision/export.csv").status_code == 403
    # a county bureau sees its county by default, and not another county
    guixi = client_of("guixi")
    own = guixi.get("/supervision/dashboard?period=2026", headers=HTML)
    assert own.status_code == 200 and "贵溪市" in own.text and "余江区" not in own.text
    refused = guixi.get(f"/supervision/records?indicator=lending.npl_ratio&area={YUJIANG}")
    assert refused.status_code == 403 and refused.json()["code"] == "supervision.area_forbidden"
    assert guixi.get(f"/supervision/export.csv?area={CITY}").json()["code"] == "supervision.area_forbidden"


@pytest.mark.parametrize(("query", "code"), [
    ("/supervision/dashboard?period=2026-13", "supervision.invalid_period"),
    ("/supervision/dashboard?area=360603999999", "supervision.invalid_area"),
    ("/supervision/dashboard?trend=nope", "supervision.unknown_indicator"),
    ("/supervision/records?indicator=nope", "supervision.unknown_indicator"),
    ("/supervision/records?indicator=lending.npl_ratio&as_of=2026-07-01", "supervision.invalid_as_of"),
    ("/supervision/records?indicator=lending.npl_ratio&as_of=yesterday", "supervision.invalid_as_of"),
    ("/supervision/export.csv?period=20", "supervision.invalid_period"),
])
def test_bad_filters_are_typed(db: Database, sw: SupervisionWorld, users: None, query: str, code: str) -> None:
    answer = client_of("sup").get(query)
    assert answer.status_code in (400, 404, 422) and answer.json()["code"] == code
    page = client_of("sup").get(query, headers=HTML)
    assert page.status_code == answer.status_code and "<html" in page.text.lower()

"""The anomaly queue's sources beyond the exchange (issue #19 scope 3; P2, S92): market entry's own case flags,
entry deals under the rule's share of their benchmark, loans past the rule's days overdue; thresholds are rule
data of the indicator set in force (none before 2026-12-08: those sources are off); each flag links to its record
and goes through the same follow-up (assign, close, ledger events)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import subjects
from landbridge.ledger.service import history
from landbridge.main import create_app
from landbridge.supervision import anomalies
from tests.supervision.conftest import CITY, SupervisionWorld
from tests.supervision.entry_world import build_entry
from tests.web.test_pages import login

HTML = {"accept": "text/html"}


@pytest.fixture
def entry(db: Database, sw: SupervisionWorld, clock: Clock) -> dict[str, int]:
    clock.set(datetime(2026, 12, 9, 8, tzinfo=UTC))
    with db.transaction() as s:
        return build_entry(s, sw)


def test_the_queue_gathers_entry_and_lending_flags(db: Database, sw: SupervisionWorld, entry: dict[str, int]) -> None:
    with db.transaction(readonly=True) as s:
        found = {f.key: f for f in anomalies.flags(s)}
        guixi = {f.key for f in anomalies.flags(s, region_prefix="360681")}
    # L1: its 08-10 instalment unpaid, 121 days on 12-09; L3: its 05-01 one, 222 days (rule: 91 days)
    assert f"lending:{sw.loans['L1']}:overdue" in found and f"lending:{sw.loans['L3']}:overdue" in found
    assert f"lending:{sw.loans['L2']}:overdue" not in found and f"lending:{sw.loans['L4']}:overdue" not in found
    l1 = found[f"lending:{sw.loans['L1']}:overdue"]
    assert (l1.url, l1.raised_on) == (f"/lending/loans/{sw.loans['L1']}", date(2026, 11, 9))  # the day it reached 91
    # RS-D: 70,000 against an appraisal of 140,000 = 50 % (< 70 %); RS-A 120 %, RS-B 120 % of its floor
    under = found[f"market_entry:{entry['D']}:under_benchmark"]
    assert (under.url, under.raised_on) == (f"/market-entry/cases/{entry['D']}", date(2026, 7, 2))
    assert "ratio=50.0%" in under.detail
    assert f"market_entry:{entry['A']}:under_benchmark" not in found
    assert f"market_entry:{entry['B']}:under_benchmark" not in found
    # market entry's own flag of RS-D: its start price 60,000 under its floor 80,000
    own = found[f"market_entry:{entry['D']}:price_below_floor"]
    assert own.source == "market_entry" and own.region_code.startswith("360603")
    assert guixi == {f"lending:{sw.loans['L3']}:overdue"}


def test_before_the_rules_version_those_sources_are_off(db: Database, sw: SupervisionWorld, clock: Clock) -> None:
    clock.set(datetime(2026, 12, 7, 8, tzinfo=UTC))  # the first set: no anomaly rules
    with db.transaction(readonly=True) as s:
        assert not [f for f in anomalies.flags(s) if f.source == "lending"]


def test_a_lending_flag_is_followed_up(db: Database, sw: SupervisionWorld, entry: dict[str, int]) -> None:
    key = f"lending:{sw.loans['L3']}:overdue"
    with db.transaction() as s:
        case = anomalies.assign(s, flag_key=key, assignee="贵溪市金融办", due_on=date(2026, 12, 20), actor="user:1")
        assert (case.source, case.kind, case.url) == ("lending", "loan_overdue", f"/lending/loans/{sw.loans['L3']}")
        anomalies.close(s, anomaly_id=case.id, outcome="已催收，借款人承诺月底前还款", actor="user:1")
        events = history(s, [subjects.subject("anomaly", case.id)], limit=10)
    assert [e.event_type for e in reversed(events)] == ["anomaly.assigned", "anomaly.closed"]
    with db.transaction(readonly=True) as s:
        item = next(i for i in anomalies.queue(s) if i.flag.key == key)
        assert item.case is not None and item.case.status == "closed"


def test_the_page_lists_every_source(db: Database, sw: SupervisionWorld, entry: dict[str, int]) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="市监管", kind=OrgKind.nr_bureau, region_code=CITY)
        create_user(s, username="sup", password="demo", display_name="sup", role=Role.supervisor,
                    organisation_id=org.id, is_demo=True)
    client = TestClient(create_app())
    login(client, "sup")
    page = client.get("/supervision/anomalies", headers=HTML)
    assert page.status_code == 200
    for text in ("loan_overdue", "price_under_benchmark", "price_below_floor", f"/market-entry/cases/{entry['D']}",
                 f"/lending/loans/{sw.loans['L1']}"):
        assert text in page.text, text

"""Credit supervision pages (信用监管, issue #18 item 6): the objections queue with its decision forms (uphold,
reject), the court listings (record, lift), the grading runs (start, list with status); each form through the
API's handler, a refused form changing nothing; 403 for everyone but supervisors (and the admin), login for the
anonymous; Chinese by default, English with ?lang=en."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from landbridge import credit, exchange
from landbridge.credit.models import CourtListing, CreditObjection, CreditRecord, GradingRun
from landbridge.db import Database
from landbridge.ledger import current_size
from tests.credit.test_api import Api, api
from tests.credit.test_pages import as_user, text, token

__all__ = ["api"]
PAGE = "/credit/supervision"


def ledger_size(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return current_size(s)


def objection(db: Database, api: Api, claimed: int = 3) -> tuple[int, int]:
    """The farmer disputes their rights_held record (2 rights): (objection id, record id)."""
    with db.transaction() as s:
        record = s.scalar(select(CreditRecord).where(CreditRecord.party_id == api.world.borrower,
                                                     CreditRecord.kind == "rights_held"))
        assert record is not None
        row = credit.file_objection(s, record_id=record.id, party_id=api.world.borrower, reason="少算了一宗林权",
                                    claimed_value=claimed, actor="user:1:member")
        return row.id, record.id


def post(api: Api, path: str, data: dict[str, str]) -> str:
    """Post a supervision form with the page's token; follow the redirect; the page's text."""
    page = api.client.get(PAGE)
    r = api.client.post(path, data={"csrf": token(page.text), **data}, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert r.headers["location"].startswith(PAGE)
    return api.client.get(PAGE).text


@pytest.mark.parametrize(("method", "path"), [
    ("get", PAGE), ("post", f"{PAGE}/objections/1/decision"), ("post", f"{PAGE}/listings"),
    ("post", f"{PAGE}/listings/1/lifting"), ("post", f"{PAGE}/grading")])
def test_only_supervisors_reach_the_pages(api: Api, db: Database, method: str, path: str) -> None:
    as_user(api, None)
    r = getattr(api.client, method)(path, follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]
    for user in ("farmer", "bank1", "registrar"):
        as_user(api, user)
        before = ledger_size(db)
        r = getattr(api.client, method)(path, **({"data": {"csrf": "x"}} if method == "post" else {}))
        assert r.status_code == 403, (user, r.status_code)
        assert ledger_size(db) == before
    as_user(api, "supervisor")
    if method == "get":
        r = api.client.get(path)
        assert r.status_code == 200 and "信用监管" in r.text


def test_the_queue_shows_an_open_objection_and_uphold_corrects_and_regrades(api: Api, db: Database) -> None:
    oid, rid = objection(db, api)
    as_user(api, "supervisor")
    page = api.client.get(PAGE).text
    assert f'id="decision-form-{oid}"' in page
    assert re.search(rf'id="objection-{oid}">.*少算了一宗林权', page, re.S)
    after = post(api, f"{PAGE}/objections/{oid}/decision", {"decision": "uphold", "note": "核实有三宗", "value": ""})
    assert f"异议 {oid} 已成立" in text(after) and f'id="decision-form-{oid}"' not in after
    with db.transaction(readonly=True) as s:
        row = s.get(CreditObjection, oid)
        record = s.get(CreditRecord, rid)
        assert row is not None and row.status == "upheld" and row.decided_by == "user:5"  # the supervisor
        assert record is not None and (record.value, record.corrected) == (3, True)  # the value claimed


def test_reject_needs_a_note_and_a_refusal_changes_nothing(api: Api, db: Database) -> None:
    oid, rid = objection(db, api)
    as_user(api, "supervisor")
    before = ledger_size(db)
    refused = post(api, f"{PAGE}/objections/{oid}/decision", {"decision": "reject", "note": " "})
    assert "note" in text(refused) and f'id="decision-form-{oid}"' in refused
    no_choice = post(api, f"{PAGE}/objections/{oid}/decision", {"note": "理由"})
    assert "uphold" in text(no_choice)
    assert ledger_size(db) == before
    with db.transaction(readonly=True) as s:
        row = s.get(CreditObjection, oid)
        assert row is not None and row.status == "open"
    done = post(api, f"{PAGE}/objections/{oid}/decision", {"decision": "reject", "note": "登记簿只有两宗"})
    assert f"异议 {oid} 已驳回" in text(done)
    with db.transaction(readonly=True) as s:
        row = s.get(CreditObjection, oid)
        record = s.get(CreditRecord, rid)
        assert row is not None and (row.status, row.decision_note) == ("rejected", "登记簿只有两宗")
        assert record is not None and record.value == 2


def test_record_a_listing_then_lift_it(api: Api, db: Database) -> None:
    as_user(api, "supervisor")
    party = api.world.other
    after = post(api, f"{PAGE}/listings", {"party_id": str(party), "court": "余江区人民法院",
                                           "case_no": "(2026)赣0622执9号", "listed_on": "2026-02-01", "ends_on": ""})
    assert "已记录失信名单，至 2028-02-01" in text(after)
    with db.transaction(readonly=True) as s:
        listing = s.scalar(select(CourtListing).where(CourtListing.party_id == party))
        assert listing is not None and listing.status == "listed"
        assert exchange.party_is_barred(s, party) and credit.grade_fact(s, party) == "none"
        lid = listing.id
    assert f'id="lift-form-{lid}"' in after
    refused = post(api, f"{PAGE}/listings/{lid}/lifting", {"note": ""})
    assert "note" in text(refused)
    lifted = post(api, f"{PAGE}/listings/{lid}/lifting", {"note": "已履行生效判决"})
    assert f"失信名单记录 {lid} 已移出" in text(lifted) and f'id="lift-form-{lid}"' not in lifted
    with db.transaction(readonly=True) as s:
        row = s.get(CourtListing, lid)
        assert row is not None and row.status == "removed"
        assert not exchange.party_is_barred(s, party)  # the bar-list entry ended today
        assert credit.grade_fact(s, party) != "none"  # regraded without the listing
    again = post(api, f"{PAGE}/listings/{lid}/lifting", {"note": "再次"})
    assert "credit.invalid_transition" not in again and "不能" in text(again)


def test_a_listing_with_a_bad_party_is_refused_and_nothing_is_kept(api: Api, db: Database) -> None:
    as_user(api, "supervisor")
    before = ledger_size(db)
    refused = post(api, f"{PAGE}/listings",
                   {"party_id": "abc", "court": "法院", "case_no": "1", "listed_on": "2026-02-01"})
    assert "party_id" in text(refused)
    assert ledger_size(db) == before


def test_start_a_grading_run_and_see_it_listed_with_its_status(api: Api, db: Database) -> None:
    as_user(api, "supervisor")
    assert "尚未开展评级。" in text(api.client.get(PAGE).text)
    after = post(api, f"{PAGE}/grading", {})
    assert "尚无农户评分卡模型，未评分" in text(after)
    with db.transaction(readonly=True) as s:
        run = s.scalar(select(GradingRun))
        assert run is not None and run.status == "graded_only" and run.graded >= 2
        run_id = run.id
    assert re.search(rf'id="run-{run_id}">.*仅评级（尚无农户评分卡模型）', after, re.S)
    english = text(api.client.get(f"{PAGE}?lang=en").text)
    assert "Credit supervision" in english and "Graded only (no household model)" in english

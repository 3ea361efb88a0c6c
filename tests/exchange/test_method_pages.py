"""Tender and negotiated pages: the operator's ruling form on objections (who sees it, who may post it, what a
ruling changes and logs, typed errors on the page in both languages), and the bidder's tender receipt in place of
the tender form once the tender is in."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.db import Database
from landbridge.exchange import tender_rules
from landbridge.exchange.method_models import Objection, Tender
from landbridge.kernel.clock import to_local
from landbridge.ledger import current_size, list_events
from landbridge.main import create_app
from tests.exchange.test_api import Api, api, auth
from tests.exchange.test_method_api import RULES, create, enrol, lot_of, negotiated_lot, panel_users, run, state
from tests.exchange.test_pages import csrf, login

__all__ = ["api"]


def objections(db: Database, lot_id: int) -> dict[int, tuple[str, str | None]]:
    with db.transaction(readonly=True) as s:
        rows = s.scalars(select(Objection).where(Objection.lot_id == lot_id).order_by(Objection.id))
        return {o.id: (o.status, o.ruling) for o in rows}


def events_after(db: Database, seq: int) -> list[tuple[str, dict[str, Any]]]:
    with db.transaction(readonly=True) as s:
        return [(e.event_type, json.loads(e.body)["payload"]) for e in list_events(s, after=seq, limit=100)]


def ledger_size(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return current_size(s)


def test_objection_ruling_form(api: Api, db: Database) -> None:
    lot_id, url = negotiated_lot(api, db)
    ids = []
    for text in ("权属有争议", "公示内容不完整", "价格过低"):
        r = api.client.post(url + "/objections", json={"text": text}, headers=auth(api.client, "bidder2"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    first, second, third = ids
    page = f"/exchange/lots/{lot_id}"
    ruling = f"{page}/objections/{{}}/ruling"

    public = api.client.get(page)
    assert public.status_code == 200 and 'id="method-section"' in public.text
    assert "ruling-form" not in public.text and 'id="objections"' not in public.text and "权属有争议" not in public.text

    before = state(db)
    with TestClient(create_app()) as c:  # a bidder sees neither the objections nor the form, and may not post it
        login(c, "bidder")
        room = c.get(page)
        assert room.status_code == 200 and "ruling-form" not in room.text and "权属有争议" not in room.text
        r = c.post(ruling.format(first), data={"decision": "uphold", "ruling": "属实", "csrf": csrf(room.text)})
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden_role"
    with TestClient(create_app()) as c:  # nor an operator of another county
        login(c, "exchange2")
        other = c.get(page)
        assert "ruling-form" not in other.text
        r = c.post(ruling.format(first), data={"decision": "uphold", "ruling": "属实", "csrf": csrf(other.text)})
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden_role"
    with TestClient(create_app()) as c:  # a supervisor reads the objections, without the form
        login(c, "supervisor")
        seen = c.get(page)
        assert 'id="objections"' in seen.text and "权属有争议" in seen.text and "ruling-form" not in seen.text
    anonymous = api.client.post(ruling.format(first), data={"decision": "uphold", "ruling": "属实", "csrf": "x"})
    assert anonymous.status_code == 403
    assert state(db) == before and all(s == ("pending", None) for s in objections(db, lot_id).values())

    with TestClient(create_app()) as c:
        login(c, "exchange")
        desk = c.get(page)
        assert desk.text.count('class="ruling-form"') == 3 and "权属有争议" in desk.text and "待处理" in desk.text
        token = csrf(desk.text)
        forged = c.post(ruling.format(first), data={"decision": "uphold", "ruling": "属实", "csrf": "forged"})
        assert forged.status_code == 403 and forged.json()["code"] == "web.csrf_failed"
        assert state(db) == before

        # bad rulings: the typed error on the page (zh by default), nothing changed or logged
        for data, zh in (({"decision": "dismiss", "ruling": "  "}, "文字须为1至500个字符"),
                         ({"decision": "dismiss", "ruling": "长" * 501}, "文字须为1至500个字符"),
                         ({"decision": "", "ruling": "理由"}, "须选择异议成立或驳回异议"),
                         ({"decision": "maybe", "ruling": "理由"}, "须选择异议成立或驳回异议")):
            r = c.post(ruling.format(first), data={**data, "csrf": token}, follow_redirects=True)
            assert r.status_code == 200 and 'id="message"' in r.text and zh in r.text, r.text
        r = c.post(ruling.format(999999), data={"decision": "dismiss", "ruling": "理由", "csrf": token},
                   follow_redirects=True)
        assert r.status_code == 200 and "异议不存在" in r.text
        assert state(db) == before

        # dismiss the first: its ruling shows, the state changed, one event logged
        seq = ledger_size(db)
        r = c.post(ruling.format(first), data={"decision": "dismiss", "ruling": "经核实权属清晰，异议不成立",
                                                "csrf": token}, follow_redirects=True)
        assert r.status_code == 200 and f"异议 #{first} 已驳回" in r.text
        assert "经核实权属清晰，异议不成立" in r.text and r.text.count('class="ruling-form"') == 2
        assert objections(db, lot_id)[first] == ("dismissed", "经核实权属清晰，异议不成立")
        assert events_after(db, seq) == [("objection_dismissed", {"lot": lot_of(db, lot_id).number,
                                                                  "objection_id": first,
                                                                  "ruling": "经核实权属清晰，异议不成立"})]
        assert lot_of(db, lot_id).phase == "publicity"

        # ruling it again: a typed conflict on the page, in English when the page is English
        seq = ledger_size(db)
        r = c.post(ruling.format(first), data={"decision": "uphold", "ruling": "改判", "csrf": token},
                   follow_redirects=False)
        assert r.status_code == 303
        english = c.get(page + "?lang=en")
        assert "the objection was already ruled on" in english.text and "ruling-form" in english.text
        assert "Dismissed" in english.text and "Record the ruling" in english.text
        r = c.post(ruling.format(first), data={"decision": "dismiss", "ruling": "", "csrf": token},
                   follow_redirects=True)  # the lang cookie now says English
        assert "text must have 1 to 500 characters" in r.text
        c.get(page + "?lang=zh_CN")
        assert ledger_size(db) == seq and objections(db, lot_id)[first] == ("dismissed", "经核实权属清晰，异议不成立")

        # uphold the second: the transfer fails
        r = c.post(ruling.format(second), data={"decision": "uphold", "ruling": "公示材料缺少村民会议决议",
                                                 "csrf": token}, follow_redirects=True)
        assert r.status_code == 200 and f"异议 #{second} 成立" in r.text
        assert '<span class="badge" id="phase">流拍</span>' in r.text
        assert objections(db, lot_id)[second] == ("upheld", "公示材料缺少村民会议决议")
        lot = lot_of(db, lot_id)
        assert lot.phase == "unsuccessful"
        (kind, payload), = events_after(db, seq)
        assert kind == "uphold_objection" and payload["reason"] == "objection_upheld"
        assert payload["objection_id"] == second and payload["ruling"] == "公示材料缺少村民会议决议"
        assert objections(db, lot_id)[third] == ("pending", None)


def test_tender_receipt_replaces_the_form(api: Api, db: Database) -> None:
    lot = create(api, method="tender")
    lot_id, page = lot["id"], f"/exchange/lots/{lot['id']}"
    op = auth(api.client, "exchange")
    r = api.client.post(f"/api/v1/exchange/lots/{lot_id}/evaluators", json={"user_ids": panel_users(db)}, headers=op)
    assert r.status_code == 200, r.text
    for name in ("bidder", "bidder2"):
        enrol(api, lot_id, name)
    api.clock.set(lot_of(db, lot_id).starts_at)
    run(db)
    assert lot_of(db, lot_id).phase == "tendering"
    body = {"price_cny": "120000.00", "plan_summary": "发展稻虾共养", "documents": "营业执照.pdf\n经营方案.pdf"}
    with TestClient(create_app()) as c:
        login(c, "bidder")
        before = c.get(page)
        assert 'id="tender-form"' in before.text and 'id="my-tender"' not in before.text
        r = c.post(page + "/tender", data={**body, "csrf": csrf(before.text)}, follow_redirects=True)
        assert r.status_code == 200 and "投标文件已密封提交" in r.text
        with db.transaction(readonly=True) as s:
            mine = s.scalars(select(Tender).where(Tender.lot_id == lot_id)).one()
            receipt, at = mine.receipt, mine.submitted_at
            assert receipt == hashlib.sha256(mine.ciphertext.encode()).hexdigest()
        after = c.get(page)  # the form is gone; the receipt and the time of submission are shown instead
        assert 'id="tender-form"' not in after.text and 'id="my-tender"' in after.text
        assert f'<code id="my-tender-receipt" class="receipt">{receipt}</code>' in after.text
        assert to_local(at).strftime("%Y-%m-%d %H:%M:%S") in after.text and "不可修改或撤回" in after.text
        english = c.get(page + "?lang=en")
        assert "Receipt (SHA-256 of the sealed tender)" in english.text and "tender-form" not in english.text
        c.get(page + "?lang=zh_CN")
        with TestClient(create_app()) as other:  # another bidder who has not submitted still has the form
            login(other, "bidder2")
            theirs = other.get(page)
            assert 'id="tender-form"' in theirs.text and 'id="my-tender"' not in theirs.text
            assert receipt not in theirs.text
        public = api.client.get(page)
        assert 'id="tender-form"' not in public.text and receipt not in public.text
        ends = lot_of(db, lot_id).ends_at
        assert ends is not None
        api.clock.set(tender_rules.opening_at(RULES, ends))
        run(db)
        assert lot_of(db, lot_id).phase == "unsuccessful"  # one tender is too few (流标); the receipt stays
        login(c, "bidder")  # days later: the server-side session has lapsed (auth.session_hours, issue #12 item 5)
        opened = c.get(page)
        assert receipt in opened.text and 'id="tender-form"' not in opened.text


# what only a method that takes bids has on the lot page: increment, current price, leader, bid history, countdown
BIDDING_FACTS = ('id="increment"', "增价幅度（元）", 'id="current-price"', "当前价（元）", 'id="leader"',
                 "当前最高报价号牌", 'id="history"', "报价记录", 'id="countdown"', "剩余时间")


def test_bidding_facts_only_for_methods_that_take_bids(api: Api, db: Database) -> None:
    listing = create(api)
    tendered = create(api, method="tender")
    negotiated_id, _ = negotiated_lot(api, db)  # in publicity, "bidder" enrolled
    for name in ("bidder", "bidder2"):
        enrol(api, tendered["id"], name)
    enrol(api, listing["id"], "bidder")

    public = api.client.get(f"/exchange/lots/{listing['id']}")  # announced: counting down to the start
    assert public.status_code == 200 and 'id="method-section"' not in public.text
    assert all(fact in public.text for fact in BIDDING_FACTS), [f for f in BIDDING_FACTS if f not in public.text]

    for lot_id, heading in ((tendered["id"], "招标"), (negotiated_id, "协议转让")):
        page = api.client.get(f"/exchange/lots/{lot_id}")
        assert page.status_code == 200 and 'id="method-section"' in page.text and heading in page.text
        assert [f for f in BIDDING_FACTS if f in page.text] == []
        assert page.text.count(">100000.00<") == 1  # the start price once (a negotiated lot's floor price)
        english = api.client.get(f"/exchange/lots/{lot_id}?lang=en").text
        assert "Increment" not in english and "Leading bidder" not in english and "Time left" not in english
        api.client.get(f"/exchange/lots/{lot_id}?lang=zh_CN")

    api.clock.set(lot_of(db, tendered["id"]).starts_at)
    run(db)
    assert lot_of(db, tendered["id"]).phase == "tendering"
    with TestClient(create_app()) as c:  # a registered bidder: its registration and the tender form, no bid form
        login(c, "bidder")
        for lot_id in (tendered["id"], negotiated_id):
            room = c.get(f"/exchange/lots/{lot_id}")
            assert 'id="bidding-room"' in room.text and "您的报名" in room.text and "竞价室" not in room.text
            assert f'action="/exchange/lots/{lot_id}/bid"' not in room.text
            assert [f for f in BIDDING_FACTS if f in room.text] == []
        assert 'id="tender-form"' in c.get(f"/exchange/lots/{tendered['id']}").text
        listed = c.get(f"/exchange/lots/{listing['id']}")
        assert "竞价室" in listed.text and 'id="history"' in listed.text
    with TestClient(create_app()) as c:  # the operator's desk lists the bidders, without the offline-bid form
        login(c, "exchange")
        desk = c.get(f"/exchange/lots/{tendered['id']}")
        assert 'id="desk"' in desk.text and "交易员工作台：报名人" in desk.text and "线下报价" not in desk.text
        assert f'action="/exchange/lots/{tendered["id"]}/offline-bid"' not in desk.text
        assert [f for f in BIDDING_FACTS if f in desk.text] == []
        assert "交易员工作台：线下报价" in c.get(f"/exchange/lots/{listing['id']}").text

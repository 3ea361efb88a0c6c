"""Collective pages: the clerk's desk, the vote page (open, record, seal, verify), the member's page,
languages, permissions and CSRF; refused actions change nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.collective.models import BallotBoxEntry, Meeting, Motion
from landbridge.collective.pages import (
    BODY_LABELS,
    CHOICE_LABELS,
    ENTRY_LABELS,
    GROUND_LABELS,
    KIND_LABELS,
    KIT,
    STATUS_LABELS,
    THRESHOLD_LABELS,
)
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.web.i18n import catalogue
from tests.collective.conftest import Village, accounts_world
from tests.web.test_pages import alert_of, csrf_of, login

HTML = {"Accept": "text/html"}
SRC = Path(__file__).resolve().parents[2] / "src" / "landbridge" / "collective"


@pytest.fixture
def village(db: Database, clock: Clock) -> Village:
    with db.transaction() as s:
        return accounts_world(s)[0]


def client_as(username: str | None) -> TestClient:
    c = TestClient(create_app(), headers=HTML)
    if username:
        assert login(c, username).status_code == 303
    return c


def counts(db: Database) -> tuple[int, int, int, int]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), s.scalar(select(func.count()).select_from(Meeting)) or 0,
                s.scalar(select(func.count()).select_from(Motion)) or 0,
                s.scalar(select(func.count()).select_from(BallotBoxEntry)) or 0)


def test_every_collective_page_text_has_a_chinese_translation() -> None:
    pattern = re.compile(r"""_\((["'])(.+?)\1[,)]""")
    ids = {m.group(2) for f in SRC.glob("templates/collective/*.html")
           for m in pattern.finditer(f.read_text(encoding="utf-8"))}
    for table in (BODY_LABELS, KIND_LABELS, STATUS_LABELS, CHOICE_LABELS, THRESHOLD_LABELS, ENTRY_LABELS,
                  GROUND_LABELS):
        ids |= set(table.values())
    assert len(ids) > 100
    own, platform = KIT.own_messages("zh_CN"), catalogue("zh_CN")
    assert sorted(i for i in ids if not (own.get(i) or platform.get(i))) == []


def test_who_may_open_the_desk(village: Village) -> None:
    assert client_as(None).get("/collective", follow_redirects=False).headers["location"] == "/login?next=/collective"
    assert client_as("villager").get("/collective", follow_redirects=False).headers["location"] == "/collective/me"
    bank = client_as("bank").get("/collective")
    assert bank.status_code == 403 and "auth.forbidden_role" in bank.text
    page = client_as("clerk").get("/collective")
    assert page.status_code == 200
    assert "成员名册" in page.text and "测试村0股份经济合作社" in page.text and "集体经济" in page.text
    assert re.search(r'id="member-total">6<', page.text)
    english = client_as("clerk").get("/collective?lang=en")
    assert "Member roll" in english.text and "成员名册" not in english.text
    assert client_as("villager").get("/collective/me").status_code == 200
    assert client_as("clerk").get("/collective/me").status_code == 403


def test_the_roll_pages_through_every_member(village: Village, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clerk pages through the whole roll (C1), admission grounds in words; a bad page number is a 4xx."""
    import landbridge.collective.pages as pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 4)
    clerk = client_as("clerk")
    first, second = clerk.get("/collective").text, clerk.get("/collective?page=2").text
    assert "第 1 / 2 页，共 6 名成员" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "第 2 / 2 页，共 6 名成员" in second and 'rel="prev"' in second and 'rel="next"' not in second
    rows = [len(re.findall(r"<td>原始成员</td>", t)) for t in (first, second)]
    assert rows == [4, 2]  # every member once, grounds translated
    assert clerk.get("/collective?page=0").status_code == 422


def test_a_vote_from_the_desk_to_the_members_verification(db: Database, village: Village) -> None:
    clerk = client_as("clerk")
    desk = clerk.get("/collective").text
    r = clerk.post("/collective/meetings", data={"csrf": csrf_of(desk), "body": "members_assembly",
                                                 "title": "2026年第一次成员大会", "scheduled_at": "2026-03-02T10:00",
                                                 "location": "村委会议室"}, follow_redirects=True)
    assert alert_of(r.text) == "已召集会议：2026年第一次成员大会"
    with db.transaction() as s:
        meeting = s.execute(select(Meeting)).scalar_one()
        assert meeting.scheduled_at.hour == 2  # 10:00 in Shanghai is 02:00 UTC
    r = clerk.post(f"/collective/meetings/{meeting.id}/motions",
                   data={"csrf": csrf_of(r.text), "title": "同意3号地块入市", "kind": "market_entry_consent",
                         "text": "入市方案"}, follow_redirects=True)
    assert "同意3号地块入市" in r.text
    with db.transaction() as s:
        motion = s.execute(select(Motion)).scalar_one().id
    page = clerk.get(f"/collective/motions/{motion}").text
    page = clerk.post(f"/collective/motions/{motion}/open", data={"csrf": csrf_of(page)}, follow_redirects=True).text
    assert alert_of(page) == "表决已开始，名册 6 人已冻结"
    with db.transaction(readonly=True) as s:  # the clerk saw the frozen roster's names: each a recorded read
        from landbridge.privacy.models import PersonalRead

        roster_reads = {r.party_id for r in s.scalars(select(PersonalRead).where(
            PersonalRead.purpose == "collective.motion_roster"))}
    assert len(roster_reads) == 6
    for member in village.members[1:4]:
        page = clerk.post(f"/collective/motions/{motion}/ballots",
                          data={"csrf": csrf_of(page), "member_id": str(member), "choice": "yes"},
                          follow_redirects=True).text
        assert alert_of(page).startswith("选票已投入票箱")
    member_page = client_as("villager")
    mine = member_page.get(f"/collective/motions/{motion}").text
    assert "同意" in mine and "您不在本次表决名册中" not in mine
    mine = member_page.post(f"/collective/motions/{motion}/ballots", data={"csrf": csrf_of(mine), "choice": "yes"},
                            follow_redirects=True).text
    assert alert_of(mine).startswith("选票已投入票箱") and "只显示这一次" in alert_of(mine)
    found = re.search(r'id="my-receipt">([0-9a-f]{40})<', mine)
    assert found is not None
    receipt = found.group(1)
    assert receipt not in member_page.get(f"/collective/motions/{motion}").text  # shown once, never again
    assert 'id="my-participation"' in member_page.get(f"/collective/motions/{motion}").text
    # the clerk cannot enter a second ballot for a member who has voted
    again = clerk.post(f"/collective/motions/{motion}/ballots",
                       data={"csrf": csrf_of(page), "member_id": str(village.members[0]), "choice": "no"},
                       follow_redirects=True).text
    assert alert_of(again) == "该成员已经投过票，每人只能投一次"
    sealed = clerk.post(f"/collective/motions/{motion}/seal", data={"csrf": csrf_of(again)},
                        follow_redirects=True).text
    assert alert_of(sealed) == "表决结果已封存：通过"  # 4 of 6 is two thirds
    verify = member_page.get(f"/collective/motions/{motion}").text
    assert "选票复核与封存结果一致" in verify and "无记名投票" in verify
    # anyone (no login) checks the receipt and learns the choice of that ballot only
    checked = TestClient(create_app()).post("/collective/receipt", data={"receipt": receipt}).text
    assert "已计入，选项：同意" in checked
    assert "没有与此回执对应的选票" in TestClient(create_app()).post("/collective/receipt",
                                                               data={"receipt": "0" * 40}).text
    me = member_page.get("/collective/me").text
    assert "同意3号地块入市" in me and "通过" in me


def test_refused_page_actions_change_nothing(db: Database, village: Village) -> None:
    clerk, other = client_as("clerk"), client_as("clerk2")
    desk = clerk.get("/collective").text
    before = counts(db)
    forged = clerk.post("/collective/meetings", data={"csrf": "forged", "body": "board", "title": "x",
                                                      "scheduled_at": "2026-03-02T10:00"})
    assert forged.status_code == 403 and "web.csrf_failed" in forged.text
    assert counts(db) == before
    clerk.post("/collective/meetings", data={"csrf": csrf_of(desk), "body": "board", "title": "理事会",
                                             "scheduled_at": "2026-03-02T10:00"})
    with db.transaction() as s:
        meeting = s.execute(select(Meeting.id)).scalar_one()
    before = counts(db)
    odesk = other.get("/collective").text
    r = other.post(f"/collective/meetings/{meeting}/motions", data={"csrf": csrf_of(odesk), "title": "越权",
                                                                    "kind": "general"})
    assert r.status_code == 403 and "collective.forbidden_collective" in r.text
    bad_time = clerk.post("/collective/meetings", data={"csrf": csrf_of(desk), "body": "board", "title": "x",
                                                        "scheduled_at": "tomorrow"}, follow_redirects=True)
    assert alert_of(bad_time.text) == "时间格式无效"
    too_long = clerk.post("/collective/meetings", data={"csrf": csrf_of(desk), "body": "board", "title": "长" * 201,
                                                        "scheduled_at": "2026-03-02T10:00"}, follow_redirects=True)
    assert alert_of(too_long.text) == "title 超过 200 个字符"
    assert counts(db) == before
    clerk.post(f"/collective/meetings/{meeting}/motions", data={"csrf": csrf_of(desk), "title": "预算",
                                                               "kind": "board_resolution"})
    with db.transaction() as s:
        motion = s.execute(select(Motion.id)).scalar_one()
    for who in ("clerk2", "bidder"):
        refused = client_as(who).get(f"/collective/motions/{motion}")
        assert refused.status_code == 403, who
    assert client_as("clerk").get("/collective/motions/999999").status_code == 404


def test_desk_masks_id_numbers_and_records_its_reads(db: Database, village: Village) -> None:
    """The clerk sees its members' names whole (recorded, issue #12 item 4) but their ID numbers masked."""
    from landbridge.privacy.models import PersonalRead
    from landbridge.registry import get_party

    with db.transaction(readonly=True) as s:
        numbers = [str(get_party(s, pid).id_number) for pid in village.persons]
        names = [get_party(s, pid).name for pid in village.persons]
    page = client_as("clerk").get("/collective")
    assert page.status_code == 200 and all(name in page.text for name in names)
    assert not any(number in page.text for number in numbers)
    with db.transaction(readonly=True) as s:
        read = {r.party_id for r in s.scalars(select(PersonalRead).where(PersonalRead.purpose ==
                                                                         "collective.clerk_desk"))}
    assert set(village.persons) <= read
    assert client_as("bank").get("/collective").status_code == 403

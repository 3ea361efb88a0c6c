"""Credit pages (我的信用, issue #18 item 6): the household's own file with its grade, explanation, records and an
objection filed from the page's form; typed refusals shown on the page in Chinese; the bank's view refused
without the household's authorisation and shown (the read recorded) with it; the public designations page; the
permission matrix (anonymous → login, wrong role → 403)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from landbridge import credit, registry
from landbridge.credit.models import Authorisation, CreditObjection
from landbridge.db import Database
from landbridge.privacy.models import PersonalRead
from tests.credit.test_api import Api, api
from tests.exchange.test_pages import login
from tests.registry.conftest import ACTOR, VILLAGE, resident_id

__all__ = ["api"]


def as_user(api: Api, user: str | None) -> None:
    api.client.cookies.clear()
    if user is not None:
        login(api.client, user)


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:400]
    return found.group(1)


def text(html: str) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def record_id(html: str) -> int:
    found = re.search(r'id="record-(\d+)"', html)
    assert found, "no record on the page"
    return int(found.group(1))


def count(db: Database, model: type, **where: object) -> int:
    with db.transaction(readonly=True) as s:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int(s.scalar(stmt) or 0)


def test_my_page_shows_the_grade_its_lines_how_to_raise_it_and_the_records(api: Api) -> None:
    as_user(api, "farmer")
    r = api.client.get("/credit")
    assert r.status_code == 200
    page = text(r.text)
    assert "我的信用" in page
    assert re.search(r'id="grade-letter">AAA<', r.text) and re.search(r'id="grade-points">81.00<', r.text)
    # the explanation line by line (indicator, value, points, weight) and what would raise it
    assert "登记的权利 2 15.00 20" in page
    assert "贷款还款 无贷款记录" in page
    assert "归还逾期欠款，或借款后按时还款 — 贷款还款 +14.00 分" in page
    assert "→ AAA" not in page  # already AAA: the points it would gain, no grade it already has
    # the records with their provenance: kind, value, source, day, expiry
    assert re.search(r"持有的权利 2 不动产登记 \d{4}-\d\d-\d\d —", page)
    assert "没有异议。" in page
    assert 'action="/credit/objections"' in r.text and 'action="/credit/authorisations"' in r.text
    # the English page
    english = text(api.client.get("/credit?lang=en").text)
    assert "My credit" in english and "Registered rights 2 15.00 20" in english


def test_an_ungraded_household_is_told_so(api: Api, db: Database) -> None:
    with db.transaction() as s:
        s.execute(credit.models.CreditGrade.__table__.delete())
    as_user(api, "farmer")
    page = text(api.client.get("/credit").text)
    assert "尚未评级" in page and 'id="grade-letter"' not in page


def test_an_objection_posted_from_the_page_creates_the_objection(api: Api, db: Database) -> None:
    as_user(api, "farmer")
    html = api.client.get("/credit").text
    rid = record_id(html)
    r = api.client.post("/credit/objections", data={"csrf": token(html), "record_id": str(rid),
                                                    "reason": "还有一项林权未计入", "claimed_value": "3"},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/credit"
    with db.transaction(readonly=True) as s:
        rows = s.scalars(select(CreditObjection)).all()
        assert [(o.record_id, o.party_id, o.reason, o.claimed_value, o.status) for o in rows] == [
            (rid, api.world.borrower, "还有一项林权未计入", 3, "open")]
        objection_id = rows[0].id
    page = api.client.get("/credit")
    assert "已提出异议，处理期限" in text(page.text)
    assert f'id="objection-{objection_id}"' in page.text and "异议处理中" in text(page.text)


def test_refused_objections_show_their_chinese_message_and_keep_nothing(api: Api, db: Database) -> None:
    as_user(api, "farmer")
    html = api.client.get("/credit").text
    rid = record_id(html)
    first = {"csrf": token(html), "record_id": str(rid), "reason": "有误"}
    assert api.client.post("/credit/objections", data=first, follow_redirects=False).status_code == 303
    again = api.client.post("/credit/objections", data={**first, "reason": "再次"})
    assert again.status_code == 409 and "该信用记录已有未处理的异议" in text(again.text)
    blank = api.client.post("/credit/objections", data={**first, "reason": "  "})
    assert blank.status_code == 422 and "reason 无效" in text(blank.text)
    bad = api.client.post("/credit/objections", data={**first, "claimed_value": "lots"})
    assert bad.status_code == 422 and "claimed_value 无效" in text(bad.text)
    forged = api.client.post("/credit/objections", data={**first, "csrf": "forged"})
    assert forged.status_code == 403
    # the neighbour may not object to the farmer's record: the refusal page, nothing kept
    as_user(api, "neighbour")
    neighbour = api.client.post("/credit/objections", data={"csrf": token(api.client.get("/credit").text),
                                                            "record_id": str(rid), "reason": "x"})
    assert neighbour.status_code == 403 and "只能对本人（本户）的信用记录提出异议" in text(neighbour.text)
    assert count(db, CreditObjection) == 1


def test_the_bank_sees_the_file_only_with_the_households_authorisation(api: Api, db: Database) -> None:
    path = f"/credit/parties/{api.world.borrower}"
    as_user(api, "bank1")
    refused = api.client.get(path)
    assert refused.status_code == 403
    assert 'data-code="credit.not_authorised"' in refused.text
    assert "当事人未授权本机构查询其信用信息" in text(refused.text) and 'id="grade-letter"' not in refused.text
    assert count(db, PersonalRead, party_id=api.world.borrower) == 0
    # the household authorises bank1 from its page
    as_user(api, "farmer")
    html = api.client.get("/credit").text
    form = {"csrf": token(html), "organisation_id": str(api.world.bank_org), "purpose": "贷款审查",
            "valid_until": "2027-12-31"}
    past = api.client.post("/credit/authorisations", data={**form, "valid_until": "2020-01-01"})
    assert past.status_code == 422 and "valid_until 无效" in text(past.text)
    assert count(db, Authorisation) == 0
    r = api.client.post("/credit/authorisations", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert "贷款审查 2027-12-31" in text(api.client.get("/credit").text)
    as_user(api, "bank1")
    shown = api.client.get(path)
    assert shown.status_code == 200
    assert re.search(r'id="grade-letter">AAA<', shown.text) and "登记的权利 2 15.00 20" in text(shown.text)
    assert "objection-form" not in shown.text  # the bank reads; it does not object
    with db.transaction(readonly=True) as s:
        reads = s.scalars(select(PersonalRead).where(PersonalRead.party_id == api.world.borrower)).all()
        assert [(x.record, x.purpose) for x in reads] == [(f"credit_file:{api.world.borrower}", "credit_assessment")]
    # the household withdraws it from its page: the bank is refused again
    as_user(api, "farmer")
    html = api.client.get("/credit").text
    granted = int(re.findall(r'id="authorisation-(\d+)"', html)[0])
    forged = api.client.post(f"/credit/authorisations/{granted}/revocation", data={"csrf": "x"})
    assert forged.status_code == 403 and count(db, Authorisation, revoked_at=None) == 1
    r = api.client.post(f"/credit/authorisations/{granted}/revocation", data={"csrf": token(html)},
                        follow_redirects=False)
    assert r.status_code == 303
    page = api.client.get("/credit").text
    assert "已撤销" in text(page) and f'action="/credit/authorisations/{granted}/revocation' not in page
    as_user(api, "bank1")
    assert api.client.get(path).status_code == 403
    # another bank is still refused; the lookup form goes to the party's file
    as_user(api, "bank2")
    assert api.client.get(path).status_code == 403
    lookup = api.client.get(f"/credit/parties?party_id={api.world.borrower}", follow_redirects=False)
    assert lookup.status_code == 303 and lookup.headers["location"] == path


def test_designations_page_is_public_and_by_year(api: Api, db: Database) -> None:
    as_user(api, None)
    assert "尚未公布评定结果" in text(api.client.get("/credit/designations").text)
    with db.transaction() as s:
        party = registry.create_party(s, kind="person", name="村民丙", id_number=resident_id(77), region_code=VILLAGE,
                                      actor=ACTOR).id
        credit.grade_party(s, party, actor=ACTOR)
        credit.designate(s, year=2026, actor=ACTOR)
    r = api.client.get("/credit/designations")
    assert r.status_code == 200
    page = text(r.text)
    assert "2026" in page and "信用村" in page and "信用乡镇" in page and "已评定" in page
    assert VILLAGE in r.text and VILLAGE[:9] in r.text
    assert "村民丙" not in page and "村民" not in re.sub(r"村民委员会", "", page)  # no personal data
    assert "尚未公布评定结果" in text(api.client.get("/credit/designations?year=2025").text)


@pytest.mark.parametrize(("path", "allowed"), [
    ("/credit", {"farmer", "neighbour", "bank1", "bank2"}),
    ("/credit/parties/1", set()),  # no authorisation on record: a bank gets its refusal (403) too
    ("/credit/designations", {None, "farmer", "bank1", "supervisor", "registrar"}),
])
def test_permission_matrix(api: Api, path: str, allowed: set[str | None]) -> None:
    for user in (None, "farmer", "bank1", "supervisor", "registrar"):
        as_user(api, user)
        r = api.client.get(path, follow_redirects=False)
        if user in allowed:
            assert r.status_code == 200, (user, path)
        elif user is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
        else:
            assert r.status_code == 403, (user, path, r.status_code)


def test_navigation_links_the_pages(api: Api) -> None:
    as_user(api, "farmer")
    assert 'href="/credit">我的信用<' in api.client.get("/").text
    as_user(api, "bank1")
    assert 'href="/credit">信用档案<' in api.client.get("/").text
    as_user(api, None)
    home = api.client.get("/").text
    assert 'href="/credit/designations">信用村镇<' in home and 'href="/credit">' not in home

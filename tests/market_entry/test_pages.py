# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""Market-entry pages (issue #15, 一次不跑): every step is done on the case file, server-rendered, through the same
code path as the API. The permission matrix of the page forms (anonymous → login; wrong role or another
collective → the 403 page; the right party → the form is shown and the step moves the case), bad input → the
page again with the message and a 4xx status and nothing changed, the case opened from the queue page, uploads
from the case file, and 代办 by a township desk only with the collective's authorisation on file."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from landbridge.kernel.clock import now
from landbridge.ledger.models import LedgerEvent
from landbridge.market_entry.models import EntryCase, EntryDocument
from tests.exchange.test_pages import login
from tests.market_entry.test_api import ACK, PDF, Api, api, authorise, open_body, post, state  # noqa: F401

CONDITIONS = {"land_use": "0601", "ind_max_plot_ratio": "1.2", "ind_max_height_m": "24",
              "industry_requirements": "农产品加工，无重污染", "environment_requirements": "环评备案，雨污分流",
              "acknowledgement": ACK}


def as_user(api: Api, user: str | None) -> None:
    api.client.cookies.clear()
    if user is not None:
        login(api.client, user)


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def page(api: Api, cid: int, lang: str = "") -> Any:
    return api.client.get(f"/market-entry/cases/{cid}{lang}")


def step(api: Api, cid: int, name: str, fields: dict[str, str], lang: str = "") -> Any:
    """Post a step's form from the case file as the signed-in user (the token from the page)."""
    csrf = token(page(api, cid).text)
    return api.client.post(f"/market-entry/cases/{cid}/steps/{name}{lang}", data={**fields, "csrf": csrf},
                           follow_redirects=False)


def status_of(api: Api, cid: int) -> str:
    with api.db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        return case.status


def opened(api: Api) -> int:
    r = post(api, "/cases", "clerk", open_body(api))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_anonymous_is_sent_to_login_and_nothing_changes(api: Api) -> None:
    cid = opened(api)
    before = state(api.db)
    r = api.client.post(f"/market-entry/cases/{cid}/steps/issue-conditions", data=CONDITIONS,
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = api.client.post("/market-entry/cases", data={"unit_id": str(api.unit), "acknowledgement": ACK},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert state(api.db) == before


@pytest.mark.parametrize(("user", "code"), [("exchange", "auth.forbidden_role"), ("clerk", "auth.forbidden_role"),
                                            ("registrar", "auth.forbidden_role"), ("member", "auth.forbidden_role")])
def test_a_wrong_role_gets_the_403_page_and_no_form(api: Api, user: str, code: str) -> None:
    cid = opened(api)
    as_user(api, user)
    shown = page(api, cid)
    assert 'id="step-issue-conditions"' not in shown.text
    csrf = token(api.client.get("/market-entry").text if user != "member" else api.client.get("/login").text)
    before = state(api.db)
    r = api.client.post(f"/market-entry/cases/{cid}/steps/issue-conditions", data={**CONDITIONS, "csrf": csrf},
                        follow_redirects=False)
    assert r.status_code == 403, r.text[:300]
    assert code in r.text
    assert state(api.db) == before


def test_another_collectives_clerk_gets_the_403_page(api: Api) -> None:
    cid = opened(api)
    as_user(api, "clerk2")
    assert page(api, cid).status_code == 403
    csrf = token(api.client.get("/market-entry").text)
    before = state(api.db)
    r = api.client.post(f"/market-entry/cases/{cid}/steps/withdraw",
                        data={"reason": "不入市了", "acknowledgement": ACK, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 403 and "market_entry.forbidden" in r.text
    assert state(api.db) == before


def test_the_bureau_issues_conditions_on_the_page(api: Api) -> None:
    cid = opened(api)
    as_user(api, "nr")
    shown = page(api, cid)
    assert shown.status_code == 200
    form = shown.text.split('id="step-issue-conditions"')[1].split("</form>")[0]
    for name in ("land_use", "ind_max_plot_ratio", "ind_max_building_density", "ind_max_height_m",
                 "ind_min_green_ratio", "industry_requirements", "environment_requirements", "acknowledgement"):
        assert f'name="{name}"' in form
    assert "容积率上限" in form and "办理人签署确认" in form
    assert 'id="step-draft-plan"' not in shown.text  # the collective's, and not due yet
    r = step(api, cid, "issue-conditions", CONDITIONS)
    assert r.status_code == 303 and r.headers["location"] == f"/market-entry/cases/{cid}"
    after = api.client.get(r.headers["location"])
    assert "已办理：核发规划条件" in after.text
    assert status_of(api, cid) == "conditions_issued"
    with api.db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.conditions is not None
        assert case.conditions["land_use"] == "0601" and case.conditions["max_plot_ratio"] == "1.200"
        assert case.conditions["max_height_m"] == "24.00"
        acks = list(s.execute(select(LedgerEvent).where(LedgerEvent.event_type == "step_acknowledged")).scalars())
    assert len(acks) == 2  # the opening's and this step's
    # now the collective's step: the clerk sees the plan form, prefilled from the conditions
    as_user(api, "clerk")
    shown = page(api, cid).text
    assert 'id="step-draft-plan"' in shown and 'id="step-issue-conditions"' not in shown
    plan_form = shown.split('id="step-draft-plan"')[1].split("</form>")[0]
    assert 'value="0601"' in plan_form and "农产品加工，无重污染" in plan_form


@pytest.mark.parametrize(("fields", "message"), [
    ({"ind_max_plot_ratio": "很高"}, "“容积率上限”填写有误：须为数字"),
    ({"land_use": ""}, "“用途（GB/T 21010 地类）”填写有误：必填"),
    ({"acknowledgement": "  "}, "须由办理人签署确认"),
    ({"land_use": "0" * 9}, "“用途（GB/T 21010 地类）”填写有误：格式或范围不符"),
    ({"ind_max_building_density": "1.5"}, None),  # the planning rules' own refusal (a ratio above 1)
])
def test_bad_input_re_renders_the_page_with_the_message_and_changes_nothing(api: Api, fields: dict[str, str],
                                                                           message: str | None) -> None:
    cid = opened(api)
    as_user(api, "nr")
    before = state(api.db)
    r = step(api, cid, "issue-conditions", {**CONDITIONS, **fields})
    assert 400 <= r.status_code < 500, r.text[:300]
    assert 'id="step-error"' in r.text and 'id="step-issue-conditions"' in r.text  # the form again, to mend
    if message is not None:
        assert message in r.text
    assert "农产品加工，无重污染" in r.text  # what was entered is kept
    assert state(api.db) == before
    assert status_of(api, cid) == "opened"


def test_messages_in_english_with_lang_en(api: Api) -> None:
    cid = opened(api)
    as_user(api, "nr")
    shown = page(api, cid, "?lang=en").text
    assert "Issue the planning conditions" in shown and "Max. plot ratio" in shown
    assert f'action="/market-entry/cases/{cid}/steps/issue-conditions?lang=en"' in shown
    r = step(api, cid, "issue-conditions", {**CONDITIONS, "ind_max_plot_ratio": "x"}, lang="?lang=en")
    assert r.status_code == 422
    assert "the field “Max. plot ratio” is not valid: must be a number" in r.text
    r = step(api, cid, "issue-conditions", CONDITIONS, lang="?lang=en")
    assert r.headers["location"] == f"/market-entry/cases/{cid}?lang=en"
    assert "done: issue the planning conditions" in api.client.get(r.headers["location"]).text


def test_a_form_without_its_token_is_refused(api: Api) -> None:
    cid = opened(api)
    as_user(api, "nr")
    before = state(api.db)
    r = api.client.post(f"/market-entry/cases/{cid}/steps/issue-conditions", data=CONDITIONS,
                        follow_redirects=False)
    assert r.status_code == 403 and "web.csrf_failed" in r.text
    assert state(api.db) == before


def test_the_plan_council_vote_and_filing_on_the_pages(api: Api) -> None:
    from tests.collective.test_service import passed_motion

    cid = opened(api)
    as_user(api, "nr")
    assert step(api, cid, "issue-conditions", CONDITIONS).status_code == 303
    as_user(api, "clerk")
    shown = page(api, cid).text
    plan_form = shown.split('id="step-draft-plan"')[1].split("</form>")[0]
    number = re.search(r'name="plan_conditions" type="text" value="([^"]+)"', plan_form)
    assert number
    plan = {"plan_boundary": "东至村道，南至河", "plan_area_m2": "400.00", "plan_land_use": "0601",
            "plan_conditions": number.group(1), "plan_industry_requirements": "农产品加工",
            "plan_environment_requirements": "环评备案", "plan_term_years": "50", "plan_method": "grant",
            "plan_transaction_method": "listing", "plan_floor_price": "70000.00", "plan_retained_share": "0.30",
            "acknowledgement": ACK}
    before = state(api.db)
    r = step(api, cid, "draft-plan", {**plan, "plan_term_years": "60"})  # over the industrial cap of 50
    assert r.status_code == 422 and "最长 50 年" in r.text
    r = step(api, cid, "draft-plan", {**plan, "plan_term_years": "五十"})
    assert r.status_code == 422 and "“使用期限（年）”填写有误：须为整数" in r.text
    r = step(api, cid, "draft-plan", {**plan, "plan_method": "gift"})
    assert r.status_code == 422 and "须从选项中选择" in r.text
    assert state(api.db) == before
    assert step(api, cid, "draft-plan", plan).status_code == 303
    with api.db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.plan is not None
        assert case.plan["term_years"] == 50 and case.plan["revenue_arrangement"] == {"retained_share": "0.30"}
        assert "land_grade" not in case.plan and "equity_share" not in case.plan
        number_of_case = case.number
    r = step(api, cid, "consult-council", {"held_at": "2026-03-05T09:30", "attendees": "7",
                                           "opinion": "同意提交成员大会表决", "acknowledgement": ACK})
    assert r.status_code == 303 and status_of(api, cid) == "council_consulted"
    with api.db.transaction() as s:
        motion = passed_motion(s, api.village, "market_entry_consent", subject_ref=number_of_case)
    r = step(api, cid, "record-vote", {"motion_id": str(motion + 1000), "acknowledgement": ACK})
    assert 400 <= r.status_code < 500 and status_of(api, cid) == "council_consulted"
    assert step(api, cid, "record-vote", {"motion_id": str(motion), "acknowledgement": ACK}).status_code == 303
    shown = page(api, cid).text
    file_form = shown.split('id="step-file"')[1].split("</form>")[0]
    earliest = re.search(r'name="transaction_on" type="date" value="([^"]+)"', file_form)
    assert earliest  # the earliest transaction day the filing's lead time allows, prefilled
    r = step(api, cid, "file", {"transaction_on": now().date().isoformat(), "acknowledgement": ACK})
    assert r.status_code == 422 and "备案须在交易前至少" in r.text
    r = step(api, cid, "file", {"transaction_on": earliest.group(1), "acknowledgement": ACK})
    assert r.status_code == 303 and status_of(api, cid) == "filed"
    # the bureau may not clear before the window closes: the page says so, nothing changes
    as_user(api, "nr")
    r = step(api, cid, "clear", {"acknowledgement": ACK})
    assert r.status_code == 409 and "异议期至" in r.text and status_of(api, cid) == "filed"
    _ = timedelta


def test_the_clerk_opens_a_case_from_the_queue_page(api: Api) -> None:
    as_user(api, "clerk")
    shown = api.client.get("/market-entry").text
    assert 'id="open-form"' in shown and 'name="collective_id"' not in shown  # the clerk's own collective
    before = state(api.db)
    r = api.client.post("/market-entry/cases", data={"unit_id": str(api.other_unit), "acknowledgement": ACK,
                                                     "csrf": token(shown)}, follow_redirects=False)
    assert r.status_code == 422 and "该单元没有本集体登记的所有权" in r.text  # another collective's unit
    r = api.client.post("/market-entry/cases", data={"unit_id": "abc", "acknowledgement": ACK, "csrf": token(shown)},
                        follow_redirects=False)
    assert r.status_code == 422 and "“不动产单元编号”填写有误：须为整数" in r.text
    assert state(api.db) == before
    r = api.client.post("/market-entry/cases", data={"unit_id": str(api.unit), "acknowledgement": ACK,
                                                     "csrf": token(shown)}, follow_redirects=False)
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    assert status_of(api, cid) == "opened"
    assert "已申请入市" in api.client.get(r.headers["location"]).text
    as_user(api, "nr")
    assert 'id="open-form"' not in api.client.get("/market-entry").text


def test_a_document_is_uploaded_from_the_case_file(api: Api) -> None:
    cid = opened(api)
    as_user(api, "clerk")
    csrf = token(page(api, cid).text)

    def up(content: bytes, media: str) -> Any:
        return api.client.post(f"/market-entry/cases/{cid}/documents",
                               data={"step": "consult-council", "acknowledgement": ACK, "csrf": csrf},
                               files={"file": ("会议记录.pdf", content, media)}, follow_redirects=False)
    before = state(api.db)
    r = up(b"GIF89a....", "image/gif")
    assert r.status_code == 422 and "上传文件无效" in r.text
    assert state(api.db) == before
    r = up(PDF, "application/pdf")
    assert r.status_code == 303
    shown = api.client.get(r.headers["location"]).text
    assert "已上传 会议记录.pdf" in shown and "会议记录.pdf" in shown.split('id="documents"')[1]
    with api.db.transaction() as s:
        assert s.execute(select(EntryDocument.filename)).scalars().all() == ["会议记录.pdf"]
    as_user(api, "clerk2")
    r = api.client.post(f"/market-entry/cases/{cid}/documents",
                        data={"step": "open", "acknowledgement": ACK,
                              "csrf": token(api.client.get("/market-entry").text)},
                        files={"file": ("x.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 403


def test_a_township_desk_acts_for_the_collective_only_with_its_authorisation(api: Api) -> None:
    cid = opened(api)
    as_user(api, "nr")
    assert step(api, cid, "issue-conditions", CONDITIONS).status_code == 303
    as_user(api, "township")
    shown = page(api, cid).text
    assert 'id="step-draft-plan"' not in shown and 'id="no-authorisation"' in shown
    before = state(api.db)
    r = step(api, cid, "withdraw", {"reason": "暂缓入市", "acknowledgement": ACK})
    assert r.status_code == 409 and "乡镇服务站没有该集体的有效委托书" in r.text
    assert state(api.db) == before
    as_user(api, None)
    assert authorise(api, "clerk").status_code == 201  # the clerk puts the authorisation on file (API)
    as_user(api, "township")
    shown = page(api, cid).text
    assert 'id="step-draft-plan"' in shown and 'id="other-steps"' in shown
    r = step(api, cid, "withdraw", {"reason": "暂缓入市", "acknowledgement": ACK})
    assert r.status_code == 303 and status_of(api, cid) == "withdrawn"
    signed = api.client.get(r.headers["location"]).text.split('id="signed-steps"')[1].split("</section>")[0]
    assert signed.count('class="on-behalf"') == 1 and "代办（乡镇服务站）" in signed and "撤回入市申请" in signed


def entry_world(api: Api) -> Any:
    """The api fixture's village and unit as conftest's EntryWorld, with two bidders, for ``to_state``."""
    from landbridge import registry
    from tests.market_entry.conftest import OPERATOR, EntryWorld
    from tests.registry.conftest import resident_id

    with api.db.transaction() as s:
        right = registry.current_rights(s, api.unit)[0].id
        w = EntryWorld(api.village, api.unit, right, registry.get_unit(s, api.unit).parcel_id)
        for i in range(2):
            pid = registry.create_party(s, kind="person", name=f"竞买企业{i}", id_number=resident_id(900 + i),
                                        actor=OPERATOR).id
            w.bidders.append(pid)
            w.names[pid] = f"竞买企业{i}"
    return w


def test_the_county_rules_on_an_objection_on_the_page(api: Api, clock: Any) -> None:
    from tests.market_entry.conftest import to_state

    cid = to_state(api.db, clock, entry_world(api), "filed")
    as_user(api, "nr")
    shown = page(api, cid).text
    assert 'id="step-rule-objection"' not in shown  # nothing to rule on yet
    assert 'id="step-objections"' in shown.split('id="other-steps"')[1]
    assert step(api, cid, "objections", {"text": "四至与邻地重叠", "acknowledgement": ACK}).status_code == 303
    shown = page(api, cid).text
    assert 'id="step-rule-objection"' in shown and 'id="step-clear"' not in shown
    before = state(api.db)
    r = step(api, cid, "rule-objection", {"uphold": "perhaps", "reason": "核实", "acknowledgement": ACK})
    assert r.status_code == 422 and "“处理结果”填写有误：须从选项中选择" in r.text
    assert state(api.db) == before
    r = step(api, cid, "rule-objection", {"uphold": "yes", "reason": "四至需重新核定", "acknowledgement": ACK})
    assert r.status_code == 303 and status_of(api, cid) == "revision_required"
    as_user(api, "clerk")
    assert 'id="step-draft-plan"' in page(api, cid).text  # back to the collective to revise the plan


def test_the_result_is_confirmed_on_the_page_only_once_the_exchange_has_decided(api: Api, clock: Any) -> None:
    from tests.market_entry.conftest import to_state, win

    w = entry_world(api)
    cid = to_state(api.db, clock, w, "listed")
    as_user(api, "exchange")
    shown = page(api, cid).text
    assert 'id="step-confirm-result"' not in shown and 'id="step-mark-unsuccessful"' not in shown
    assert 'id="nothing-to-do"' in shown and 'id="lot-phase"' in shown
    win(api.db, clock, w, cid)
    as_user(api, "exchange")  # days have passed: a fresh sign-in
    shown = page(api, cid).text
    assert 'id="step-confirm-result"' in shown and 'id="step-mark-unsuccessful"' not in shown
    r = step(api, cid, "confirm-result", {"acknowledgement": ACK})
    assert r.status_code == 303 and status_of(api, cid) == "result_confirmed"
    assert "101000" in api.client.get(r.headers["location"]).text
    as_user(api, "clerk")
    assert 'id="step-sign-contract"' in page(api, cid).text

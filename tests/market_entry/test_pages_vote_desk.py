# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""Market-entry pages (issue #15): the vote step picks the members' decision from the collective's sealed, passed
motions on the case (the equity motion too, for a plan by contribution as equity), and the collective's clerk
puts a township desk's authorisation (代办授权) on file from the queue page, a refusal showing the page again
with its message and nothing changed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from landbridge.auth.models import Organisation
from landbridge.kernel.clock import Clock
from landbridge.market_entry import desk
from landbridge.market_entry.models import DeskAuthorisation, EntryCase
from tests.collective.test_service import passed_motion
from tests.market_entry.conftest import to_state
from tests.market_entry.test_api import ACK, PDF, Api, api, state  # noqa: F401
from tests.market_entry.test_pages import as_user, entry_world, page, step, token

EQUITY = {"method": "equity", "equity_share": "3/10", "term_years": 30}


def vote_form(html: str) -> str:
    return html.split('id="step-record-vote"')[1].split("</form>")[0]


def options(form: str, name: str) -> list[str]:
    select = form.split(f'name="{name}"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"', select)


def case_number(api: Api, cid: int) -> str:
    with api.db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        return case.number


def test_the_vote_picks_the_passed_motions_on_the_case(api: Api, clock: Clock) -> None:
    w = entry_world(api)
    cid = to_state(api.db, clock, w, "council_consulted", **EQUITY)
    number = case_number(api, cid)
    as_user(api, "clerk")
    form = vote_form(page(api, cid).text)
    # nothing to pick yet: the page says the members vote first
    assert options(form, "motion_id") == [] and 'id="no-motion-motion_id"' in form
    assert 'id="no-motion-equity_motion_id"' in form and "尚无本案件已封存且通过的表决事项" in form
    with api.db.transaction() as s:
        failed = passed_motion(s, api.village, "market_entry_consent", subject_ref=number, yes=1)
        elsewhere = passed_motion(s, api.village, "market_entry_consent", subject_ref="RS2026-99999")
        consent = passed_motion(s, api.village, "market_entry_consent", subject_ref=number)
        equity = passed_motion(s, api.village, "equity_contribution", subject_ref=number)
        other_kind = passed_motion(s, api.village, "revenue_distribution", subject_ref=number)
    shown = page(api, cid).text
    form = vote_form(shown)
    # only this collective's sealed, passed motions of the right kind on this case, the newest chosen
    assert options(form, "motion_id") == [str(consent)]
    assert options(form, "equity_motion_id") == [str(equity)]
    assert f'<option value="{consent}" selected>' in form and f'<option value="{equity}" selected>' in form
    assert all(str(m) not in options(form, "motion_id") for m in (failed, elsewhere, other_kind))
    assert '<select name="equity_motion_id" id="pick-equity_motion_id" required>' in form
    assert "入市表决事项" in form and "土地作价入股表决事项" in form and "表决事项编号" in form
    # the equity motion left out: refused with its message, nothing changed (in English too)
    before = state(api.db)
    r = step(api, cid, "record-vote", {"motion_id": str(consent), "equity_motion_id": "", "acknowledgement": ACK})
    assert r.status_code == 422 and "作价入股方式入市须有成员对本案件通过的土地作价入股表决事项" in r.text
    r = step(api, cid, "record-vote", {"motion_id": str(consent), "equity_motion_id": "", "acknowledgement": ACK},
             "?lang=en")
    assert r.status_code == 422 and "passed equity contribution motion on this case" in r.text
    english = vote_form(r.text)
    assert "Consent motion" in english and "Equity contribution motion" in english and "Motion no." in english
    assert state(api.db) == before
    r = step(api, cid, "record-vote", {"motion_id": str(consent), "equity_motion_id": str(equity),
                                       "acknowledgement": ACK})
    assert r.status_code == 303
    with api.db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "vote_passed"
        assert case.motion_id == consent and case.equity_motion_id == equity
    assert "Equity contribution motion" in page(api, cid).text  # the case file shows it (still in English)


def test_a_grant_is_not_asked_for_an_equity_motion(api: Api, clock: Clock) -> None:
    cid = to_state(api.db, clock, entry_world(api), "council_consulted")
    with api.db.transaction() as s:
        consent = passed_motion(s, api.village, "market_entry_consent", subject_ref=case_number(api, cid))
    as_user(api, "clerk")
    form = vote_form(page(api, cid).text)
    assert options(form, "motion_id") == [str(consent)] and "equity_motion_id" not in form


def desk_org(api: Api, name: str = "余江区锦江镇人民政府") -> int:
    with api.db.transaction() as s:
        return int(s.execute(select(Organisation.id).where(Organisation.name == name)).scalar_one())


def authorisations(api: Api) -> int:
    with api.db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(DeskAuthorisation)).scalar_one())


def put_on_file(api: Api, fields: dict[str, str], content: bytes = PDF, media: str = "application/pdf",
                lang: str = "") -> Any:
    csrf = token(api.client.get("/market-entry").text)
    return api.client.post(f"/market-entry/desk-authorisations{lang}", data={**fields, "csrf": csrf},
                           files={"file": ("委托书.pdf", content, media)}, follow_redirects=False)


def test_the_clerk_puts_a_desk_authorisation_on_file_from_the_queue_page(api: Api) -> None:
    township = desk_org(api)
    as_user(api, "clerk")
    shown = api.client.get("/market-entry").text
    panel = shown.split('id="desk"')[1].split("</section>")[0]
    assert "乡镇服务站代办授权" in panel and 'id="no-desk-authorisation"' in panel
    assert f'<option value="{township}">余江区锦江镇人民政府</option>' in panel
    good = {"desk_organisation_id": str(township), "valid_until": (date(2026, 3, 2) + timedelta(days=365)).isoformat()}
    before = state(api.db), authorisations(api)
    refusals = [
        ({**good, "valid_until": "2026-01-01"}, PDF, "application/pdf", "委托书有效期须晚于今天"),
        (good, b"MZ\x90\x00 not a pdf", "application/pdf", "上传文件无效"),
        ({**good, "desk_organisation_id": str(desk_org(api, "锦江村股份经济合作社"))}, PDF, "application/pdf",
         "不是该集体所在乡镇的服务站"),
        ({**good, "valid_until": "明年"}, PDF, "application/pdf", "“有效期至”填写有误"),
    ]
    for fields, content, media, message in refusals:
        r = put_on_file(api, fields, content, media)
        assert r.status_code == 422 and message in r.text.split('id="desk-error"')[1].split("</p>")[0], r.text[:300]
        assert f'value="{fields["valid_until"]}"' in r.text  # the values entered are kept
        assert (state(api.db), authorisations(api)) == before
    r = put_on_file(api, good)
    assert r.status_code == 303 and r.headers["location"] == "/market-entry#desk"
    with api.db.transaction() as s:
        assert desk.desk_authorised(s, api.village.collective_id, township)
    table = api.client.get("/market-entry").text.split('id="desk-authorisations"')[1].split("</table>")[0]
    assert "余江区锦江镇人民政府" in table and good["valid_until"] in table and "有效" in table
    r = put_on_file(api, {**good, "valid_until": "2026-01-01"}, lang="?lang=en")
    assert r.status_code == 422 and "the authorisation must be valid beyond today" in r.text
    assert authorisations(api) == 1
    # another role has no such form and is refused; another collective's clerk may not revoke it
    as_user(api, "township")
    assert 'id="desk-form"' not in api.client.get("/market-entry").text
    r = put_on_file(api, good)
    assert r.status_code == 403 and authorisations(api) == 1
    with api.db.transaction() as s:
        row_id = s.execute(select(DeskAuthorisation.id)).scalar_one()

    def revoke() -> Any:
        csrf = token(api.client.get("/market-entry").text)
        return api.client.post(f"/market-entry/desk-authorisations/{row_id}/revoke", data={"csrf": csrf},
                               follow_redirects=False)

    as_user(api, "clerk2")
    before = state(api.db)
    r = revoke()
    assert r.status_code == 409 and "乡镇服务站没有该集体的有效委托书" in r.text and state(api.db) == before
    as_user(api, "clerk")
    assert f'id="revoke-{row_id}"' in api.client.get("/market-entry").text
    assert revoke().status_code == 303
    with api.db.transaction() as s:
        assert not desk.desk_authorised(s, api.village.collective_id, township)
    table = api.client.get("/market-entry").text.split('id="desk-authorisations"')[1].split("</table>")[0]
    assert "已撤销" in table and f'id="revoke-{row_id}"' not in table

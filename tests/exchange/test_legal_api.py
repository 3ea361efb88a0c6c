"""The exchange's remaining legal rules through the API and the lot page (issue #24): a land management right lot
won by a member's pre-emption, with the permission matrix of each new route (nothing changes on denial), the
page explaining the pre-emption before anyone bids, the results notice and an objection ruled on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from landbridge import registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import run_due
from landbridge.exchange.legal_models import ConsortiumMember, PreemptionClaim, ResultObjection
from landbridge.exchange.models import Lot
from landbridge.ledger import current_size
from tests.exchange.conftest import OPERATOR, put_on_roll
from tests.exchange.test_api import Api, api, auth, make_lot, pay  # noqa: F401 - api is a fixture
from tests.registry.conftest import VILLAGE, resident_id


def legal_state(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), *(s.scalar(select(func.count()).select_from(m)) or 0
                                   for m in (PreemptionClaim, ConsortiumMember, ResultObjection)))


def test_a_member_wins_by_pre_emption_through_the_api_and_the_page(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    with db.transaction() as s:
        member = registry.create_party(s, kind="person", name="范建国", id_number=resident_id(990),
                                       region_code=VILLAGE, actor=OPERATOR).id
        put_on_roll(s, member)
        org = create_organisation(s, name="范家村村民", kind=OrgKind.individual, region_code="360600000000")
        create_user(s, username="villager", password="demo", display_name="范建国", role=Role.bidder,
                    organisation_id=org.id, party_id=member, is_demo=True)
    lot = make_lot(api)
    lid = lot["id"]
    base = f"/api/v1/exchange/lots/{lid}"
    rules = c.get(base + "/legal-rules").json()["rules"]  # public, as the page shows it before anyone bids
    assert rules["preemption_grounds"]["value"] == ["co_owner", "lessee", "member"]
    assert "农村土地承包法 art. 38" in rules["preemption_grounds"]["source"]
    page = c.get(f"/exchange/lots/{lid}?lang=zh_CN").text
    assert 'id="preemption-grounds"' in page and "本集体经济组织成员" in page and "48 小时内" in page
    regs = {}
    for user, name in (("villager", "范建国"), ("bidder2", api.world.names[api.world.bidders[1]]),
                       ("bidder3", api.world.names[api.world.bidders[2]])):
        reg = c.post(base + "/applications", headers=auth(c, user)).json()
        assert pay(api, reg["sub_account"], lot["deposit_cny"], name, f"D-{user}").status_code == 200
        regs[user] = reg
    # the permission matrix of registering a pre-emption, nothing changed on denial
    before = legal_state(db)
    for user, status, code in ((None, 401, "auth."), ("exchange", 403, "auth."), ("nobody", 422,
                                                                                   "exchange.party_required"),
                               ("bidder", 404, "exchange.bidder_not_found"),
                               ("bidder2", 422, "exchange.preemption_ground_unproven")):
        r = c.post(base + "/preemption", json={"ground": "member"}, headers=auth(c, user))
        assert r.status_code == status and r.json()["code"].startswith(code), (user, r.text)
    assert c.post(base + "/preemption", json={"ground": "x" * 17}, headers=auth(c, "villager")).status_code == 422
    assert legal_state(db) == before
    r = c.post(base + "/preemption", json={"ground": "member"}, headers=auth(c, "villager"))
    assert r.status_code == 201 and r.json()["rank"] == 2, r.text
    api.clock.set(api.clock.now() + timedelta(days=8))
    for user, amount in (("bidder2", "100000"), ("bidder3", "101000")):
        r = c.post(base + "/bids", json={"amount_cny": amount, "idempotency_key": user}, headers=auth(c, user))
        assert r.status_code == 201, r.text
    with db.transaction() as s:
        row = s.get(Lot, lid)
        assert row is not None and row.ends_at is not None
        api.clock.set(row.ends_at + timedelta(seconds=301))
        run_due(s)
    page = c.get(f"/exchange/lots/{lid}?lang=zh_CN").text
    assert 'id="preemption-open"' in page and "期满后方可确认成交" in page
    h = auth(c, "exchange")
    r = c.post(base + "/award/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "exchange.preemption_pending"
    before = legal_state(db)
    for user, status in ((None, 401), ("exchange", 403), ("bidder2", 409)):
        assert c.post(base + "/preemption/match", headers=auth(c, user)).status_code == status, user
    assert legal_state(db) == before
    r = c.post(base + "/preemption/match", headers=auth(c, "villager"))
    assert r.status_code == 200 and r.json()["status"] == "exercised", r.text
    assert c.post(base + "/award/confirm", headers=h).status_code == 200
    notice = c.get(base + "/results-notice").json()  # anonymous: the member's name masked by the rules
    assert notice["transferee"] == "范**" and notice["price_cny"] == "101000.00" and notice["open"]
    page = c.get(f"/exchange/lots/{lid}?lang=zh_CN").text
    assert 'id="preemption-exercised"' in page and 'id="results-notice"' in page and "同等条件下行使优先购买权" in page
    # objections: a signed-in party within the period; the ruling by the lot's operator only
    assert c.post(base + "/result-objections", json={"grounds": "x"}).status_code == 401
    r = c.post(base + "/result-objections", json={"grounds": "价格异常"}, headers=auth(c, "bidder2"))
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    before = legal_state(db)
    for user, status in ((None, 401), ("bidder2", 403), ("exchange2", 403)):
        r = c.post(base + f"/result-objections/{oid}/ruling", json={"upheld": False, "ruling": "不成立"},
                   headers=auth(c, user))
        assert r.status_code == status, (user, r.text)
    assert legal_state(db) == before
    r = c.post(base + f"/result-objections/{oid}/ruling", json={"upheld": False, "ruling": "异议不成立"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert c.get(base + "/results-notice").json()["objections"][0]["status"] == "dismissed"


def test_a_consortium_applies_through_the_api(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    lot = make_lot(api)
    base = f"/api/v1/exchange/lots/{lot['id']}"
    a, b = api.world.bidders[0], api.world.bidders[1]
    body = {"members": [{"party_id": a, "share": "1/4"}, {"party_id": b, "share": "3/4"}]}
    before = legal_state(db)
    for user, status in ((None, 401), ("exchange", 403), ("bidder2", 403)):  # bidder2 may not lead for another
        assert c.post(base + "/consortium", json=body, headers=auth(c, user)).status_code == status, user
    assert c.post(base + "/consortium", json={"members": body["members"][:1]},
                  headers=auth(c, "bidder")).status_code == 422
    assert legal_state(db) == before
    r = c.post(base + "/consortium", json=body, headers=auth(c, "bidder"))
    assert r.status_code == 201, r.text
    assert r.json()["members"] == [{"party_id": a, "share": "1/4"}, {"party_id": b, "share": "3/4"}]

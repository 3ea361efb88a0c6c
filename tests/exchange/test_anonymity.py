"""Bidders stay anonymous while a lot is open (issue #12 item 3; F4, P2).

A lot is opened, three bidders register and bid; then every exchange URL an anonymous visitor or another bidder
can read (API list, detail, bid history, result, tenders, time; the list and lot pages in both languages; the
live stream's snapshot and its projection of every lot event; the award documents) is searched for any party
id, name, username, display name, organisation or deposit sub-account of a bidder: none is there. The lot's
operator and supervisors see who the bidders are; a bidder sees itself. Once the award is confirmed the public
sees the transferee as the rule set publishes it (an organisation by name, a person by a masked name) and the
bidders that lost stay codes. The ledger envelope's subject of every exchange event names the lot (or a bar-list
entry or bank credit), never a party or a user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import disclosure, live, run_due
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import SURNAME_MASK, Publication, published_transferee_name
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from landbridge.main import create_app
from landbridge.privacy import list_reads
from tests.exchange.conftest import build_world, company
from tests.exchange.test_api import Api, auth, lot_body, pay
from tests.exchange.test_pages import login

BIDDER_ORG = "竞买测试用户组甲"  # the organisation of the bidders' accounts: never shown publicly either
PERSON_NAME = re.compile(r"竞买人\d+-\d+")


@dataclass
class Who:
    """One bidder: its account, party and what identifies it."""

    username: str
    display: str
    party_id: int
    name: str
    code: str = ""
    sub_account: str = ""
    bidder_id: int = 0


@dataclass
class Scene:
    api: Api
    db: Database
    who: dict[str, Who] = field(default_factory=dict)

    @property
    def client(self) -> TestClient:
        return self.api.client

    @property
    def clock(self) -> Clock:
        return self.api.clock

    def headers(self, username: str | None) -> dict[str, str]:
        return auth(self.client, username)


@pytest.fixture
def scene(db: Database, clock: Clock) -> Iterator[Scene]:
    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s, n_bidders=3)
        org_party = company(s, 7)
        other = create_organisation(s, name="贵溪市农村产权交易所", kind=OrgKind.exchange, region_code="360681000000")
        create_user(s, username="exchange2", password="demo", display_name="外县交易所", role=Role.exchange_operator,
                    organisation_id=other.id, is_demo=True)
        people = create_organisation(s, name=BIDDER_ORG, kind=OrgKind.individual, region_code="360600000000")
        parties = [*world.bidders[:3], org_party]
        names = [world.names[p] for p in world.bidders[:3]] + ["测试公司7"]
        who = {}
        for username, display, party, name in zip(("qalpha", "qbeta", "qgamma", "qdelta"),
                                                   ("显示名甲", "显示名乙", "显示名丙", "显示名丁"), parties, names,
                                                   strict=True):
            create_user(s, username=username, password="demo", display_name=display, role=Role.bidder,
                        organisation_id=people.id, party_id=party, is_demo=True)
            who[username] = Who(username, display, party, name)
    with TestClient(create_app()) as c:
        yield Scene(Api(c, world, clock), db, who)


def _open_lot(sc: Scene, bidders: tuple[str, ...]) -> int:
    """The operator lists a lot; ``bidders`` apply and pay their deposits; the listing opens."""
    h = sc.headers("exchange")
    r = sc.client.post("/api/v1/exchange/lots", json=lot_body(sc.api), headers=h)
    assert r.status_code == 201, r.text
    lot_id = int(r.json()["id"])
    assert sc.client.post(f"/api/v1/exchange/lots/{lot_id}/publish", headers=h).status_code == 200
    for i, username in enumerate(bidders):
        me = sc.who[username]
        r = sc.client.post(f"/api/v1/exchange/lots/{lot_id}/applications", headers=sc.headers(username))
        assert r.status_code == 201, r.text
        reg = r.json()
        # a bidder sees its own identity and code
        assert (reg["party_id"], reg["party_name"], reg["bidder_code"]) == (me.party_id, me.name, reg["bidder_code"])
        me.code, me.sub_account, me.bidder_id = reg["bidder_code"], reg["sub_account"], reg["id"]
        paid = pay(sc.api, me.sub_account, reg["deposit_cny"], me.name, f"DEP{lot_id}-{i}")
        assert paid.status_code == 200, paid.text
    sc.clock.set(sc.clock.now() + timedelta(days=8))
    return lot_id


def _bid(sc: Scene, lot_id: int, username: str, amount: str) -> Any:
    return sc.client.post(f"/api/v1/exchange/lots/{lot_id}/bids", headers=sc.headers(username),
                          json={"amount_cny": amount, "idempotency_key": f"{username}-{amount}"})


def _secrets(sc: Scene, hidden: list[str]) -> list[str]:
    """The strings that identify the ``hidden`` bidders: name, username, display name, sub-account, and the
    organisation of their accounts."""
    out = [BIDDER_ORG]
    for username in hidden:
        w = sc.who[username]
        out += [w.name, w.username, w.display, w.sub_account]
    return [x for x in out if x]


IDENTITY_KEYS = {"party_id", "party_name", "party_kind", "user_id", "sub_account", "username", "display_name",
                 "payer_name", "organisation", "organisation_id", "winner_party_id"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _assert_anonymous(label: str, text: str, secrets: list[str], party_ids: list[int]) -> None:
    for secret in secrets:
        assert secret not in text, f"{label}: {secret!r} is shown"
    for pid in party_ids:
        assert not re.search(rf"(party[_:/-]?(id)?[\"'=: ]*{pid}\b)|parties/{pid}\b", text), f"{label}: party {pid}"
    try:
        body = json.loads(text)
    except ValueError:
        return
    leaked = {k for k in _keys(body) if k in IDENTITY_KEYS}
    assert not leaked, f"{label}: identity fields {leaked}"


def _live_texts(sc: Scene, lot_id: int) -> list[str]:
    """What the live stream sends: its snapshot and the public projection of every lot event."""
    with sc.db.transaction(readonly=True) as s:
        first, lot = live.snapshot(s, lot_id, history_tail=50)
        changes = live.changes_after(s, lot, 0) or []
        return [first.encode().decode()] + [e.encode().decode() for c in changes for e in c.events]


def _crawl(sc: Scene, lot_id: int, viewer: str | None) -> dict[str, str]:
    """Every exchange URL of the lot that ``viewer`` (None: anonymous) may try, with what it answers."""
    h = sc.headers(viewer)
    api = f"/api/v1/exchange/lots/{lot_id}"
    urls = ["/api/v1/exchange/lots", "/api/v1/exchange/lots?limit=5", api, f"{api}/bids", f"{api}/bids?limit=1000",
            f"{api}/result", f"{api}/tenders", f"{api}/bidders", f"{api}/settlement", f"{api}/reserve",
            f"{api}/objections", f"{api}/documents", "/api/v1/exchange/time", "/api/v1/exchange/flags"]
    out = {u: sc.client.get(u, headers=h).text for u in urls}
    sc.client.cookies.clear()
    if viewer is not None:
        login(sc.client, viewer)
    for page in ("/exchange", f"/exchange/lots/{lot_id}", f"/exchange/lots/{lot_id}/tenders",
                 f"/exchange/lots/{lot_id}/award.pdf", f"/exchange/lots/{lot_id}/contract.pdf"):
        for lang in ("zh_CN", "en"):
            r = sc.client.get(f"{page}?lang={lang}")
            out[f"page {page} {lang}"] = r.text if "pdf" not in r.headers.get("content-type", "") else \
                r.content.decode("latin-1")
    sc.client.cookies.clear()
    for i, text in enumerate(_live_texts(sc, lot_id)):
        out[f"live {i}"] = text
    return out


def test_open_lot_shows_codes_only_to_the_public_and_other_bidders(scene: Scene) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qbeta", "qgamma"))
    for username, amount in (("qalpha", "100000.00"), ("qbeta", "101000.00"), ("qgamma", "102000.00"),
                             ("qalpha", "103000.00")):
        r = _bid(sc, lot_id, username, amount)
        assert r.status_code == 201 and r.json()["bidder_code"] == sc.who[username].code, r.text
    refused = _bid(sc, lot_id, "qgamma", "103000.00")  # below the next increment: the error names nobody
    assert refused.status_code == 422 and refused.json()["code"] == "exchange.bid_below_increment"
    again = sc.client.post(f"/api/v1/exchange/lots/{lot_id}/applications", headers=sc.headers("qbeta"))
    assert again.status_code == 409  # a closed or repeated registration names no other registration either
    alpha, beta, gamma = (sc.who[u] for u in ("qalpha", "qbeta", "qgamma"))
    everyone = [alpha, beta, gamma]

    anonymous = _crawl(sc, lot_id, None)
    for label, text in {**anonymous, "refused bid": refused.text, "repeated application": again.text}.items():
        _assert_anonymous(label, text, _secrets(sc, ["qalpha", "qbeta", "qgamma"]), [w.party_id for w in everyone])
    # the public does see the bidding: prices and the leader by code
    detail = json.loads(anonymous[f"/api/v1/exchange/lots/{lot_id}"])
    assert detail["leader_code"] == alpha.code and detail["current_price_cny"] == "103000.00"
    history = json.loads(anonymous[f"/api/v1/exchange/lots/{lot_id}/bids"])
    assert [b["bidder_code"] for b in history] == [alpha.code, gamma.code, beta.code, alpha.code]
    assert alpha.code in anonymous[f"page /exchange/lots/{lot_id} zh_CN"]
    assert '"bidders":3' in anonymous["live 0"] and alpha.code in anonymous["live 0"]

    # another bidder (gamma) sees the others by code only, and itself whole
    seen_by_gamma = _crawl(sc, lot_id, "qgamma")
    for label, text in seen_by_gamma.items():
        _assert_anonymous(label, text, _secrets(sc, ["qalpha", "qbeta"]), [alpha.party_id, beta.party_id])
    mine = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/me", headers=sc.headers("qgamma")).json()
    assert (mine["party_id"], mine["party_name"], mine["bidder_code"], mine["sub_account"]) == (
        gamma.party_id, gamma.name, gamma.code, gamma.sub_account)
    page = seen_by_gamma[f"page /exchange/lots/{lot_id} zh_CN"]
    assert gamma.code in page and gamma.sub_account in page

    # the lot's operator and supervisors see who bids
    for viewer in ("exchange", "supervisor"):
        rows = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/bidders", headers=sc.headers(viewer)).json()
        assert {(b["bidder_code"], b["party_id"], b["party_name"]) for b in rows} == {
            (w.code, w.party_id, w.name) for w in everyone}
        login(sc.client, viewer)
        html = sc.client.get(f"/exchange/lots/{lot_id}").text
        sc.client.cookies.clear()
        assert all(w.name in html for w in everyone), viewer
    # an operator of another area does not
    for label, text in _crawl(sc, lot_id, "exchange2").items():
        _assert_anonymous(label, text, _secrets(sc, ["qalpha", "qbeta", "qgamma"]), [w.party_id for w in everyone])


def _close_and_confirm(sc: Scene, lot_id: int) -> None:
    sc.clock.set(sc.clock.now() + timedelta(days=30))
    with sc.db.transaction() as s:
        assert run_due(s) >= 1
    r = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/result")
    assert r.status_code == 200 and r.json()["winner_name"] is None, r.text  # decided, not yet confirmed
    r = sc.client.post(f"/api/v1/exchange/lots/{lot_id}/award/confirm", headers=sc.headers("exchange"))
    assert r.status_code == 200, r.text


def test_after_the_confirmed_award_a_person_is_published_masked_and_losers_stay_codes(scene: Scene) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qbeta", "qgamma"))
    for username, amount in (("qbeta", "100000.00"), ("qgamma", "101000.00"), ("qalpha", "102000.00")):
        assert _bid(sc, lot_id, username, amount).status_code == 201
    alpha = sc.who["qalpha"]
    _close_and_confirm(sc, lot_id)
    masked = alpha.name[0] + SURNAME_MASK
    result = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/result").json()
    assert (result["winner_code"], result["winner_name"]) == (alpha.code, masked)
    crawl = _crawl(sc, lot_id, None)
    for label, text in crawl.items():
        if "pdf" in label:
            continue  # the award documents go to the parties only (403 here), checked below
        # the winner's full name, account and sub-account stay hidden; the losers stay codes forever
        _assert_anonymous(label, text, [alpha.name, alpha.username, alpha.display, alpha.sub_account,
                                        *_secrets(sc, ["qbeta", "qgamma"])],
                          [w.party_id for w in sc.who.values()])
    assert f'id="winner-name">{masked}<' in crawl[f"page /exchange/lots/{lot_id} zh_CN"]
    assert any('"winner_name":"' + masked + '"' in text for label, text in crawl.items() if label.startswith("live"))
    for label in (f"page /exchange/lots/{lot_id}/award.pdf zh_CN", f"page /exchange/lots/{lot_id}/contract.pdf en"):
        assert alpha.name not in crawl[label]
    history = json.loads(crawl[f"/api/v1/exchange/lots/{lot_id}/bids"])
    assert {b["bidder_code"] for b in history} == {w.code for w in sc.who.values() if w.code}


def test_an_organisation_transferee_is_published_by_name(scene: Scene) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qdelta"))
    assert _bid(sc, lot_id, "qalpha", "100000.00").status_code == 201
    assert _bid(sc, lot_id, "qdelta", "101000.00").status_code == 201
    delta, alpha = sc.who["qdelta"], sc.who["qalpha"]
    open_view = sc.client.get(f"/exchange/lots/{lot_id}").text
    assert delta.name not in open_view  # while the lot is open an organisation is a code too
    _close_and_confirm(sc, lot_id)
    result = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/result").json()
    assert (result["winner_code"], result["winner_name"]) == (delta.code, delta.name)
    page = sc.client.get(f"/exchange/lots/{lot_id}?lang=en").text
    assert delta.name in page and alpha.name not in page and alpha.code in page


MATRIX = [(None, 401), ("qalpha", 403), ("qbeta", 403), ("exchange2", 403), ("bank", 403), ("admin", 403),
          ("member", 403), ("exchange", 200), ("supervisor", 200)]


@pytest.mark.parametrize(("user", "status"), MATRIX)
def test_who_may_read_the_bidders_identities(scene: Scene, user: str | None, status: int) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qbeta"))
    with sc.db.transaction(readonly=True) as s:
        before = s.get(Lot, lot_id).version  # type: ignore[union-attr]
    headers = sc.headers(user)
    r = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/bidders", headers=headers)
    assert r.status_code == status, r.text
    names = {sc.who[u].name for u in ("qalpha", "qbeta")}
    persons = {sc.who[u].party_id for u in ("qalpha", "qbeta")}
    if status == 200:
        assert {b["party_name"] for b in r.json()} == names
        assert _reads(sc, "exchange.lot_bidders") == persons  # each person's name shown whole is a recorded read
    else:
        assert r.json()["code"].startswith("auth.") and not any(n in r.text for n in names)
        assert _reads(sc, "exchange.lot_bidders") == set()
    with sc.db.transaction(readonly=True) as s:
        assert s.get(Lot, lot_id).version == before  # type: ignore[union-attr]
    # the lot page shows the names to the same people only
    if user is not None:
        login(sc.client, user)
    html = sc.client.get(f"/exchange/lots/{lot_id}").text
    assert all(n in html for n in names) == (status == 200)
    assert (PERSON_NAME.search(html) is not None) == (status == 200)
    assert _reads(sc, "exchange.lot_page_bidders") == (persons if status == 200 else set())


def _reads(sc: Scene, purpose: str) -> set[int]:
    """The persons whose records were recorded as read for ``purpose`` (issue #12 item 4)."""
    with sc.db.transaction(readonly=True) as s:
        return {r.party_id for r in list_reads(s, limit=500) if r.purpose == purpose and r.party_id is not None}


def test_exchange_ledger_subjects_name_no_party_or_user(scene: Scene) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qbeta"))
    assert _bid(sc, lot_id, "qalpha", "100000.00").status_code == 201
    r = sc.client.post("/api/v1/exchange/barred", headers=sc.headers("exchange"),
                       json={"party_id": sc.who["qgamma"].party_id, "reason": "失信被执行人"})
    assert r.status_code == 201, r.text
    _close_and_confirm(sc, lot_id)
    with sc.db.transaction(readonly=True) as s:
        events = list_events(s, module="exchange", limit=1000)  # envelope + private part (issue #12 item 1)
        subjects = {e.subject for e in events}
        barred = [json.loads(e.body) for e in events if e.event_type == "party_barred"]
        assert all(e.public_subject in (None, e.subject) for e in events)
    assert subjects and all(re.fullmatch(r"(lot|bar|bank_credit):\d+", x) for x in subjects), subjects
    assert f"lot:{lot_id}" in subjects and len(barred) == 1
    assert barred[0]["payload"]["party_id"] == sc.who["qgamma"].party_id  # in the private part, not the subject


@given(st.text(min_size=1, max_size=12).filter(lambda x: x.strip()),
       st.sampled_from(list(Publication)), st.sampled_from(list(Publication)), st.booleans())
def test_published_transferee_name_follows_the_rule(name: str, org_rule: Publication, person_rule: Publication,
                                                    organisation: bool) -> None:
    out = published_transferee_name(name, organisation=organisation, organisation_rule=org_rule,
                                    person_rule=person_rule)
    rule = org_rule if organisation else person_rule
    if rule is Publication.code:
        assert out is None
    elif rule is Publication.name:
        assert out == name.strip()
    else:  # the surname and a fixed mask: neither the given name nor its length
        assert out == name.strip()[0] + SURNAME_MASK


def test_publication_rules_are_rule_data(scene: Scene) -> None:
    sc = scene
    lot_id = _open_lot(sc, ())
    with sc.db.transaction(readonly=True) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        assert disclosure.publication_rules(lot) == (Publication.name, Publication.masked_name)


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("exchange", 403), ("supervisor", 403), ("admin", 403),
                                              ("qdelta", 404), ("qbeta", 200)])
def test_a_bidder_reads_only_its_own_registration(scene: Scene, user: str | None, status: int) -> None:
    sc = scene
    lot_id = _open_lot(sc, ("qalpha", "qbeta"))
    r = sc.client.get(f"/api/v1/exchange/lots/{lot_id}/me", headers=sc.headers(user))
    assert r.status_code == status, r.text
    alpha = sc.who["qalpha"]
    assert alpha.name not in r.text and alpha.sub_account not in r.text
    if status == 200:
        beta = sc.who["qbeta"]
        assert (r.json()["party_name"], r.json()["bidder_code"]) == (beta.name, beta.code)

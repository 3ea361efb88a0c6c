"""What an outsider can read reveals no one (issue #12 "Done means"; P2, R1-R3, C1, F4; 个人信息保护法).

A small demo world is built; a registrar registers a new person and their parcel through the API; a member
votes online; three bidders bid on a lot that is still open. Then an anonymous client crawls everything it can
reach: every GET operation of the OpenAPI (path parameters filled with the ids that exist), every page linked
from the public map, and every ledger event. No response may hold a resident ID number, a bare or keyed
digest of one, a phone number, an unmasked person's name, a voter next to a choice, or the identity of a
bidder on the open lot. Finally the ledger verifies, with the deployment's keys and without them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.exchange.models import Deposit, Lot
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import bid, enrol, new_lot, to
from tests.registry.conftest import resident_id

CLERK_VILLAGE = "360603101001"  # 锦江村: the demo clerk's and member's village
HREF = re.compile(r"""(?:href|src|action)=["']([^"'#]+)""")
MAX_PAGES = 400
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
ASCII_TOKEN = re.compile(r"[0-9A-Za-z]+")
# assets, the login form and live streams (server-sent events never end) are not crawled
SKIP_PATH = re.compile(r"/(static|logout|login)\b|/stream\b|/live\b|/lots/[^/]+/events$"
                       r"|\.(png|js|css|pdf|ico|svg|woff2?)$")


@dataclass
class Secrets:
    """What no anonymous response may contain, each with what it is (for the failure message)."""

    texts: dict[str, str] = field(default_factory=dict)
    bidder_parties: set[int] = field(default_factory=set)
    voter_marks: set[str] = field(default_factory=set)
    ids: set[int] = field(default_factory=set)  # the ids of what the journey made, for the crawl's URLs

    def cjk_lengths(self) -> list[int]:
        return sorted({len(v) for v in self.texts if CJK_RUN.fullmatch(v)})

    def add(self, value: str | None, what: str) -> None:
        if value and len(value) >= 2:
            self.texts[value] = what


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def world(db: Database, clock: Clock) -> Iterator[tuple[TestClient, Secrets]]:
    profile = get_profile()
    geo = build_geography(profile, seed=7)
    build_world(db, profile, seed=7, today=date(2026, 3, 1), villages={CLERK_VILLAGE: 120}, geography=geo)
    secrets = Secrets()
    with TestClient(create_app()) as client:
        registrar = _token(client, "registrar")
        # a registration through the API: a new person and their homestead
        person = {"kind": "person", "name": "隐私测试人", "id_type": "resident_id", "id_number": resident_id(901),
                  "phone": "13912345678", "region_code": CLERK_VILLAGE}
        r = client.post("/api/v1/parties", json=person, headers=registrar)
        assert r.status_code == 201, r.text
        secrets.add(person["name"], "name of a person registered through the API")
        secrets.ids.add(r.json()["id"])
        # an online ballot by the demo member on an open motion of their collective
        member, clerk = _token(client, "member"), _token(client, "clerk")
        me = client.get("/api/v1/collective/me", headers=member)
        assert me.status_code == 200, me.text
        _vote(client, clerk, member, me.json(), secrets)
        # three bidders on a lot that is still open
        _bids(db, clock, secrets)
        with db.transaction(readonly=True) as s:
            _personal_secrets(s, secrets)
        yield client, secrets


def _vote(client: TestClient, clerk: dict[str, str], member: dict[str, str], me: dict[str, Any],
          secrets: Secrets) -> None:
    membership = me["memberships"][0]["member"]
    collective_id = int(me["memberships"][0]["collective"]["id"])
    meeting = client.post(f"/api/v1/collective/collectives/{collective_id}/meetings", headers=clerk,
                          json={"body": "members_assembly", "title": "隐私测试会议",
                                "scheduled_at": "2026-03-02T02:00:00+00:00", "location": "村委会"})
    assert meeting.status_code == 201, meeting.text
    motion = client.post(f"/api/v1/collective/meetings/{meeting.json()['id']}/motions", headers=clerk,
                         json={"title": "隐私测试议题", "text": "是否同意修缮村道", "kind": "general"})
    assert motion.status_code == 201, motion.text
    motion_id = motion.json()["id"]
    secrets.ids.update({motion_id, meeting.json()["id"], collective_id, int(membership["id"])})
    opened = client.post(f"/api/v1/collective/motions/{motion_id}/open", headers=clerk, json={})
    assert opened.status_code == 200, opened.text
    cast = client.post(f"/api/v1/collective/motions/{motion_id}/ballots", headers=member, json={"choice": "no"})
    assert cast.status_code == 201, cast.text
    secrets.voter_marks.add(str(membership["id"]))


def _bids(db: Database, clock: Clock, secrets: Secrets) -> None:
    from tests.exchange.conftest import build_world as exchange_world

    with db.transaction() as s:
        w = exchange_world(s, n_bidders=3, col=40)
        lot = new_lot(s, w)
        bidders = [enrol(s, lot, w, party) for party in w.bidders]
        lot_id, opens = lot.id, lot.starts_at
        for bidder in bidders:
            deposit = s.execute(select(Deposit).where(Deposit.bidder_id == bidder.id)).scalar_one()
            secrets.add(deposit.sub_account, "a bidder's deposit sub-account")
    to(clock, opens, timedelta(minutes=1))
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        for k, bidder in enumerate(bidders):
            assert bid(s, lot, bidder, str(100_000 + 1_000 * (k + 1))).accepted
        assert lot.phase not in ("award_pending", "concluded", "failed", "settled")
    secrets.bidder_parties.update(w.bidders)
    secrets.ids.update({lot_id, *(b.id for b in bidders)})
    for party_id in w.bidders:
        secrets.add(w.names[party_id], "the name of a bidder on an open lot")


def _personal_secrets(s: Any, secrets: Secrets) -> None:
    """Every person's name, ID number (and its bare and keyed digests) and phone, read as the platform."""
    from landbridge.registry.models import Party

    for party in s.execute(select(Party).where(Party.kind == "person")).scalars():
        secrets.add(party.name, "a person's name")
        number = _plain(party, "id_number")
        if number:
            secrets.add(number, "a resident ID number")
            secrets.add(hashlib.sha256(number.encode()).hexdigest(), "an unkeyed SHA-256 of an ID number")
            try:
                from landbridge.privacy import blind_index

                for purpose in ("registry.party.id_number", "party.id_number"):
                    secrets.add(blind_index(number, purpose=purpose), "a keyed digest of an ID number")
            except ImportError:  # pragma: no cover - the privacy package is on main
                pass
        secrets.add(_plain(party, "phone"), "a phone number")


def _plain(party: Any, name: str) -> str | None:
    reveal = getattr(party, f"{name}_plain", None)
    value = reveal() if callable(reveal) else getattr(party, name, None)
    return None if value is None else str(value)


def _fill(path: str, ids: list[int]) -> Iterator[str]:
    params = re.findall(r"{(\w+)(?::\w+)?}", path)
    if not params:
        yield path
        return
    for value in ids:
        yield re.sub(r"{\w+(?::\w+)?}", str(value), path)


def _urls(client: TestClient, ids: list[int]) -> Iterator[str]:
    """Every GET operation of the OpenAPI and every GET page route of the app, with ids filled in."""
    spec = client.get("/api/v1/openapi.json").json()
    paths = [path for path, ops in spec["paths"].items() if "get" in ops]
    app: Any = client.app
    paths += [route.path for route in app.routes
              if "GET" in (getattr(route, "methods", None) or set()) and not route.path.startswith("/api/")]
    for path in dict.fromkeys(paths):
        if not SKIP_PATH.search(path) and "{" not in path.split("/")[1]:
            yield from _fill(path, ids)


def _walk(node: Any, found: list[str], secrets: Secrets, where: str) -> None:
    if isinstance(node, dict):
        keys = set(node)
        if "choice" in keys and keys & {"member_id", "voter", "voter_id", "user", "actor", "name", "party_id"}:
            found.append(f"{where}: a choice next to its voter {sorted(keys)}")
        for key, value in node.items():
            if "party" in key and isinstance(value, int) and value in secrets.bidder_parties:
                found.append(f"{where}: bidder party id {value} under {key!r}")
            _walk(value, found, secrets, where)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found, secrets, where)


def _check(url: str, text: str, secrets: Secrets, found: list[str]) -> None:
    texts, lengths = secrets.texts, secrets.cjk_lengths()
    for run in CJK_RUN.findall(text):  # names: every substring of a run of Chinese characters
        for length in lengths:
            for i in range(len(run) - length + 1):
                if run[i:i + length] in texts:
                    found.append(f"{url}: {texts[run[i:i + length]]} ({run[i:i + length][:1]}…)")
    for token in ASCII_TOKEN.findall(text):  # ID numbers, digests, phones, sub-accounts: whole tokens
        if token in texts:
            found.append(f"{url}: {texts[token]} ({token[:4]}…)")
    for mark in secrets.voter_marks:
        if f'"{mark}"' in text and '"choice"' in text:
            found.append(f"{url}: the voter {mark} and a choice in one response")
    try:
        body = json.loads(text)
    except ValueError:
        return
    _walk(body, found, secrets, url)


def test_an_outsider_reads_nothing_personal(world: tuple[TestClient, Secrets], db: Database) -> None:
    client, secrets = world
    assert len(secrets.texts) > 100 and secrets.bidder_parties
    client.cookies.clear()
    found: list[str] = []
    seen, timings = 0, []
    for url in _urls(client, sorted({1, 2, 3, *secrets.ids, *secrets.bidder_parties})):
        started = time.perf_counter()
        r = client.get(url, follow_redirects=False)
        timings.append((time.perf_counter() - started, url))
        assert r.status_code < 500, f"{url}: {r.status_code} {r.text[:200]}"
        if r.status_code == 200:
            seen += 1
            _check(url, r.text, secrets, found)
    pages, queue = set(), ["/"]
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url in pages:
            continue
        pages.add(url)
        started = time.perf_counter()
        r = client.get(url, follow_redirects=False)
        timings.append((time.perf_counter() - started, url))
        assert r.status_code < 500, f"{url}: {r.status_code}"
        if r.status_code != 200:
            continue
        _check(url, r.text, secrets, found)
        if "text/html" in r.headers.get("content-type", ""):
            for href in HREF.findall(r.text):
                target = urljoin(url, html.unescape(href))
                parts = urlsplit(target)
                if parts.netloc in ("", "testserver") and not SKIP_PATH.search(parts.path) and len(target) < 500:
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    size = client.get("/api/v1/ledger/head").json()["tree_size"]
    for seq in range(1, size + 1):
        r = client.get(f"/api/v1/ledger/events/{seq}")
        assert r.status_code == 200, r.text
        _check(f"ledger event {seq}", r.text, secrets, found)
        if '"choice"' in r.text:
            found.append(f"ledger event {seq}: a ballot choice, readable by anyone")
    print(sorted(timings, reverse=True)[:15])
    print(f"crawled {seen} API answers, {len(pages)} pages, {size} ledger events; {len(secrets.texts)} secrets")
    assert seen > 40 and size > 100
    assert not found, "\n".join(sorted(set(found))[:40])

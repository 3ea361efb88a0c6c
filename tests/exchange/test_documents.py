"""Award confirmation and contract PDFs (issue #6 item 6): issued once on confirmation with number, digest and a
ledger event; the PDF carries the price in figures and capitals and the lot kind's mandatory clauses; a
regenerated PDF has the recorded digest; the permission matrix (nothing changes on denial)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user, link_user_party
from landbridge.db import Database
from landbridge.errors import NotFound
from landbridge.exchange import documents
from landbridge.exchange.document_models import ExchangeDocument
from landbridge.exchange.documents import DocumentKind
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events
from landbridge.main import create_app
from landbridge.schema import alembic_config, upgrade
from tests.exchange.conftest import OPERATOR, World, bid, build_world, enrol, new_lot, to
from tests.exchange.test_api import auth
from tests.scratch import scratch_database

PRICE = "1234567.89"


def awarded(db: Database, clock: Clock, world: World, *, kind: str = "land_management_right") -> int:
    """A lot won at 1,234,567.89 by the world's first bidder (a second bidder paid but did not bid)."""
    a, b = world.bidders[:2]
    with db.transaction() as s:
        lot = new_lot(s, world, kind=kind, start_price=PRICE, increment="1000.00")
        ba, _ = enrol(s, lot, world, a), enrol(s, lot, world, b)
        lot_id = lot.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        exchange.run_due(s)
        assert bid(s, s.get(Lot, lot_id), ba, PRICE).accepted  # type: ignore[arg-type]
    to(clock, lot.ends_at, timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
        assert s.get(Lot, lot_id).phase == "award_pending"  # type: ignore[union-attr]
    return lot_id


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_confirmation_issues_both_documents_once(db: Database, clock: Clock, world: World) -> None:
    lot_id = awarded(db, clock, world)
    with db.transaction() as s:
        with pytest.raises(NotFound) as err:
            documents.issue_documents(s, lot_id=lot_id, actor=OPERATOR)
        assert err.value.code == "exchange.documents_not_available"
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction() as s:
        docs = documents.list_documents(s, lot_id)
        assert [d.kind for d in docs] == ["award_confirmation", "contract"]
        award, contract = docs
        assert award.number.startswith("CJ-JY") and contract.number.startswith("HT-JY")
        again = documents.issue_documents(s, lot_id=lot_id, actor=OPERATOR)
        assert [(d.id, d.content_sha256) for d in again] == [(d.id, d.content_sha256) for d in docs]  # issued once
        events = [e for e in list_events(s, limit=1000) if e.event_type == "document_issued"]
        assert len(events) == 2 and all(d.content_sha256 in " ".join(e.body for e in events) for d in docs)
        assert {d.ledger_seq for d in docs} == {e.seq for e in events}
        assert all(d.sha256 is None and d.rendered_at is None for d in docs)  # the PDFs are the worker's
        # not yet rendered: a reader still gets the PDF of the recorded content, and nothing is written
        early = documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind.contract)[1]
        assert early.startswith(b"%PDF") and award.sha256 is None
    with db.transaction() as s:
        assert documents.render_pending(s, limit=1) == 1  # a batch at a time, oldest first
        assert documents.render_pending(s) == 1
        assert documents.render_pending(s) == 0  # a rendered document is never rendered again
    with db.transaction() as s:
        docs = documents.list_documents(s, lot_id)
        rendered = [e for e in list_events(s, limit=1000) if e.event_type == "document_rendered"]
        assert len(rendered) == 2 and {d.render_seq for d in docs} == {e.seq for e in rendered}
        assert all(d.sha256 is not None and d.sha256 in " ".join(e.body for e in rendered) for d in docs)
        assert hashlib.sha256(early).hexdigest() == docs[1].sha256  # the early copy is the recorded file
        for doc in docs:
            regenerated, pdf = documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind(doc.kind))
            assert hashlib.sha256(pdf).hexdigest() == doc.sha256 == regenerated.sha256 and len(pdf) == doc.size_bytes
        text = pdf_text(documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind.contract)[1])
        assert "1,234,567.89" in text and "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in text
        assert "123,456.79" in text and "壹拾贰万叁仟肆佰伍拾陆元柒角玖分" in text  # the 10 % deposit converted
        assert "1,111,111.10" in text  # the balance
        assert "不得改变土地所有权的性质和土地的农业用途" in text and "农村土地承包法 第38条" in text
        assert "不超过承包期的剩余期限" in text and "2036年5月31日" in text
        assert "竞买人0-0" in text and "出让人0" in text and world.names[world.bidders[0]] in text
        award_text = pdf_text(documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind.award_confirmation)[1])
        assert "成 交 确 认 书" in award_text and "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in award_text
        assert award.number in award_text and "不得改变土地" not in award_text  # clauses belong to the contract


def test_tampered_content_fails_the_digest(db: Database, clock: Clock, world: World) -> None:
    lot_id = awarded(db, clock, world)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction() as s:
        doc = s.execute(select(ExchangeDocument).where(ExchangeDocument.kind == "contract")).scalar_one()
        doc.content = {**doc.content, "price": "1.00"}
    with db.transaction() as s, pytest.raises(Exception) as err:
        documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind.contract)  # not yet rendered: content digest
    assert getattr(err.value, "code", None) == "exchange.document_digest_mismatch"
    with pytest.raises(Exception) as err, db.transaction() as s:
        documents.render_pending(s)  # the renderer stops at it too, and its batch's transaction keeps nothing
    assert getattr(err.value, "code", None) == "exchange.document_digest_mismatch"
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(ExchangeDocument)
                        .where(ExchangeDocument.rendered_at.is_not(None))) == 0


def test_a_rendered_pdf_must_keep_its_recorded_digest(db: Database, clock: Clock, world: World) -> None:
    lot_id = awarded(db, clock, world)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction() as s:
        assert documents.render_pending(s) == 2
    with db.transaction() as s:
        doc = s.execute(select(ExchangeDocument).where(ExchangeDocument.kind == "award_confirmation")).scalar_one()
        doc.sha256 = "0" * 64  # the file of record differs from what the content renders to now
    with db.transaction() as s, pytest.raises(Exception) as err:
        documents.document_pdf(s, lot_id=lot_id, kind=DocumentKind.award_confirmation)
    assert getattr(err.value, "code", None) == "exchange.document_digest_mismatch"


def test_collateral_contract_carries_the_judicial_clauses(db: Database, clock: Clock, world: World) -> None:
    with db.transaction():
        clauses = documents.contract_clauses("collateral", clock.now().date())
        assert {c["code"] for c in clauses} >= {"as_is", "taxes", "earnest_money"}
        assert all(c["source"] for c in clauses)
        land = {c["code"] for c in documents.contract_clauses("collective_construction_land", clock.now().date())}
        assert {"planning_use", "collective_resolution"} <= land


# --- API and permission matrix ------------------------------------------------------------------

@dataclass
class Api:
    client: TestClient
    lot_id: int


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        other = create_organisation(s, name="贵溪市农村产权交易所", kind=OrgKind.exchange, region_code="360681000000")
        create_user(s, username="exchange2", password="demo", display_name="外县交易所", role=Role.exchange_operator,
                    organisation_id=other.id, is_demo=True)
        people = create_organisation(s, name="其他竞买人", kind=OrgKind.individual, region_code="360600000000")
        link_user_party(s, username="bidder", party_id=world.bidders[0])  # the winner
        for name, party in (("loser", world.bidders[1]), ("seller", world.seller), ("stranger", world.bidders[3])):
            create_user(s, username=name, password="demo", display_name=name, role=Role.bidder,
                        organisation_id=people.id, party_id=party, is_demo=True)
    lot_id = awarded(db, clock, world)
    with TestClient(create_app()) as c:
        yield Api(c, lot_id)




def state(db: Database) -> tuple[int, int]:
    with db.transaction(readonly=True) as s:
        return current_size(s), s.scalar(select(func.count()).select_from(ExchangeDocument)) or 0


def test_documents_permission_matrix(api: Api, db: Database) -> None:
    c, lot_id = api.client, api.lot_id
    r = c.get(f"/api/v1/exchange/lots/{lot_id}/documents", headers=auth(c, "exchange"))
    assert r.status_code == 404 and r.json()["code"] == "exchange.documents_not_available"  # not yet confirmed
    r = c.post(f"/api/v1/exchange/lots/{lot_id}/award/confirm", headers=auth(c, "exchange"))
    assert r.status_code == 200, r.text
    before = state(db)
    assert before[1] == 2
    denied = {None: 401, "loser": 403, "stranger": 403, "exchange2": 403, "member": 403}
    for user, code in denied.items():
        r = c.get(f"/api/v1/exchange/lots/{lot_id}/documents", headers=auth(c, user))
        assert r.status_code == code, (user, r.text)
        for path in ("award.pdf", "contract.pdf"):
            r = c.get(f"/exchange/lots/{lot_id}/{path}", headers=auth(c, user), follow_redirects=False)
            assert r.status_code == (303 if user is None else code), (user, path, r.status_code)
    assert state(db) == before
    with db.transaction() as s:
        assert documents.render_pending(s) == 2  # the worker renders them after the award's commit
    before = state(db)
    digests: dict[str, set[str]] = {}
    for user in ("bidder", "seller", "exchange", "supervisor"):
        h = auth(c, user)
        r = c.get(f"/api/v1/exchange/lots/{lot_id}/documents", headers=h)
        assert r.status_code == 200, (user, r.text)
        listed = {d["kind"]: d for d in r.json()}
        for kind, path in (("award_confirmation", "award.pdf"), ("contract", "contract.pdf")):
            pdf = c.get(f"/exchange/lots/{lot_id}/{path}", headers=h)
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            assert hashlib.sha256(pdf.content).hexdigest() == listed[kind]["sha256"] == pdf.headers["x-content-sha256"]
            digests.setdefault(kind, set()).add(listed[kind]["sha256"])
    assert all(len(v) == 1 for v in digests.values())  # every reader gets the same file
    assert state(db) == before  # downloads change nothing
    assert c.get("/api/v1/exchange/lots/999999/documents", headers=auth(c, "exchange")).status_code == 404
    page = c.get(f"/exchange/lots/{lot_id}", headers=auth(c, "bidder"))
    assert f'/exchange/lots/{lot_id}/contract.pdf' in page.text and "交易合同（PDF）" in page.text


def test_migration_0032_keeps_documents_rendered_before_it(tmp_path: Path, clock: Clock) -> None:
    """Documents issued before 0032 were rendered at issue: the upgrade records their content digest (the one
    ``content_digest`` computes), their issue time as render time and their issue event as render event."""
    with scratch_database(tmp_path, "documents_migration") as url:
        upgrade(url)
        db = Database(url)
        try:
            with db.transaction() as s:
                world = build_world(s)
            lot_id = awarded(db, clock, world)
            with db.transaction() as s:
                exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
            with db.transaction() as s:
                assert documents.render_pending(s) == 2
                before = {d.number: (d.sha256, d.size_bytes, d.issued_at, d.ledger_seq)
                          for d in documents.list_documents(s, lot_id)}
        finally:
            db.dispose()
        command.downgrade(alembic_config(url), "0031")
        command.upgrade(alembic_config(url), "0032")
        db = Database(url)
        try:
            with db.transaction(readonly=True) as s:
                docs = documents.list_documents(s, lot_id)
                assert {d.number: (d.sha256, d.size_bytes, d.issued_at, d.ledger_seq) for d in docs} == before
                assert all(d.content_sha256 == documents.content_digest(d.content) for d in docs)
                assert all(d.rendered_at == d.issued_at and d.render_seq == d.ledger_seq for d in docs)
                assert documents.render_pending(s) == 0  # nothing to render again
        finally:
            db.dispose()

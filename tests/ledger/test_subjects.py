"""Uniform ledger subjects and the subject index (issue #14 item 7): subjects built in one place, every event indexed
under every record it concerns in the append's transaction, ``GET /api/v1/ledger/events`` by subject with proofs
under the privacy model, history panels, and a parcel's history across registry, valuation and exchange."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge import registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import (
    append_event,
    current_size,
    history,
    history_panel,
    list_events,
    subject_reference,
    subjects,
    verify_ledger,
)
from landbridge.ledger.models import LedgerEvent, LedgerSubject
from landbridge.main import create_app
from landbridge.valuation.sales import service as valuation
from tests.collective.conftest import accounts_world
from tests.collective.test_api import auth
from tests.exchange.conftest import build_world, new_lot

KINDS = st.sampled_from(sorted({*subjects.LEGACY_KINDS, *subjects.LEGACY_KINDS.values(), "parcel", "unit"}))


@given(KINDS, st.integers(min_value=0, max_value=10**12))
def test_canonical_is_idempotent_and_keeps_the_key(kind: str, key: int) -> None:
    once = subjects.canonical(f"{kind}:{key}")
    assert subjects.canonical(once) == once and once.endswith(f":{key}")
    assert subjects.kind_of(once) not in subjects.LEGACY_KINDS


@given(st.dictionaries(st.sampled_from([*subjects.PAYLOAD_REFERENCE_KEYS, "name", "count"]),
                       st.one_of(st.integers(0, 10**6), st.text(max_size=5), st.booleans())))
def test_payload_references_name_only_integer_ids(payload: dict[str, object]) -> None:
    found = subjects.payload_references(payload)
    assert len(found) == len(set(found))
    for item in found:
        kind, _, key = item.partition(":")
        assert key.isdigit() and kind in subjects.PAYLOAD_REFERENCE_KEYS.values()
    expected = {f"{subjects.PAYLOAD_REFERENCE_KEYS[k]}:{v}" for k, v in payload.items()
                if k in subjects.PAYLOAD_REFERENCE_KEYS and isinstance(v, int) and not isinstance(v, bool)}
    assert set(found) == expected


def test_builders_and_index_subjects() -> None:
    assert (subjects.parcel(7), subjects.unit(3), subjects.lot(9), subjects.motion(5)) == \
        ("parcel:7", "unit:3", "lot:9", "motion:5")
    assert subjects.index_subjects("exchange.lot:9", ["unit:3", "exchange.lot:9", "unit:3"]) == \
        ["exchange.lot:9", "lot:9", "unit:3"]


def _index_rows(db: Database, seq: int) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(LedgerSubject).where(LedgerSubject.seq == seq)) or 0)


def test_index_is_written_with_the_append_and_rolled_back_with_it(db: Database) -> None:
    with db.transaction() as s:
        seq = append_event(s, module="registry", event_type="e", subject="application:1", actor="t",
                           payload={}, also=[subjects.unit(3), subjects.parcel(2), subjects.party(4)]).seq
    assert _index_rows(db, seq) == 4
    with pytest.raises(RuntimeError), db.transaction() as s:
        append_event(s, module="registry", event_type="e", subject="application:2", actor="t", payload={},
                     also=[subjects.parcel(2)])
        raise RuntimeError("the caller's transaction fails")
    with db.transaction(readonly=True) as s:
        assert current_size(s) == seq  # neither the event ...
        assert s.scalar(select(func.count()).select_from(LedgerSubject)) == 4  # ... nor its index rows
        assert [e.seq for e in list_events(s, subject="parcel:2")] == [seq]
        assert [e.seq for e in list_events(s, subject="party:4")] == [seq]
        assert verify_ledger(s).ok


def test_legacy_and_uniform_spellings_find_the_same_events(db: Database) -> None:
    with db.transaction() as s:
        old = append_event(s, module="exchange", event_type="e", subject="exchange.lot:9", actor="t", payload={}).seq
        new = append_event(s, module="exchange", event_type="e", subject="lot:9", actor="t", payload={}).seq
        assert [e.seq for e in list_events(s, subject="lot:9")] == [old, new]
        assert [e.seq for e in list_events(s, subject="exchange.lot:9")] == [old, new]
        # an envelope's own subject reference still finds its event
        ref = s.scalar(select(LedgerEvent.subject_ref).where(LedgerEvent.seq == old))
        assert [e.seq for e in list_events(s, subject_ref=ref)] == [old]


@pytest.fixture
def client(db: Database, clock: Clock) -> TestClient:
    with db.transaction() as s:
        accounts_world(s)
    return TestClient(create_app())


def _append_many(db: Database, n: int, subject: str, module: str = "registry") -> list[int]:
    with db.transaction() as s:
        return [append_event(s, module=module, event_type="e", subject=subjects.application(900 + i), actor="t",
                             payload={"name": "王小明"}, also=[subject]).seq for i in range(n)]


def test_api_pages_a_public_subject_with_proofs(db: Database, client: TestClient) -> None:
    seqs = _append_many(db, 5, subjects.parcel(77))
    r = client.get("/api/v1/ledger/events", params={"subject": "parcel:77", "limit": 2, "proofs": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["seq"] for e in body["events"]] == seqs[:2] and body["next_after"] == seqs[1]
    first = body["events"][0]
    assert first["private"] is None and "王小明" not in r.text  # anonymous: envelopes only
    proof = client.get(first["inclusion_proof_url"]).json()
    assert first["inclusion_proof"] == proof and proof["leaf_hash"] == first["leaf_hash"]
    rest = client.get("/api/v1/ledger/events", params={"subject": "parcel:77", "after": body["next_after"]}).json()
    assert [e["seq"] for e in rest["events"]] == seqs[2:] and rest["next_after"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"after": -1}, {"subject": ""},
                                    {"subject": "x" * 201}, {"subject_ref": "zz"}, {"module": "m" * 41}])
def test_api_refuses_bad_input(client: TestClient, params: dict[str, object]) -> None:
    assert client.get("/api/v1/ledger/events", params=params).status_code == 422


@pytest.mark.parametrize(("who", "status"), [(None, 403), ("clerk", 403), ("registrar", 200), ("supervisor", 200)])
def test_api_personal_subject_matrix(db: Database, client: TestClient, who: str | None, status: int) -> None:
    """Looking up a person's history (``party:``) is for roles that read that module's private parts; a denial
    shows nothing; a granted read of private parts is recorded."""
    seqs = _append_many(db, 2, subjects.party(4242))
    r = client.get("/api/v1/ledger/events", params={"subject": "party:4242", "module": "registry"},
                   headers=auth(client, who))
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["code"] == "ledger.subject_search_forbidden" and "王小明" not in r.text
        return
    events = r.json()["events"]
    assert [e["seq"] for e in events] == seqs and events[0]["private"]["payload"]["name"] == "王小明"


def test_a_parcels_history_across_registry_valuation_and_exchange(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        w = build_world(s, n_bidders=1)
        parcel_id = registry.get_unit(s, w.unit).parcel_id
        valuation.record_sale(s, sale_date=date(2025, 5, 1), price_cny=Decimal("120000"), area_m2=Decimal("400"),
                              land_use_class="0101", region_code=registry.get_unit(s, w.unit).region_code,
                              right_type="land_contract_right", method="transfer", source="registry", actor="t",
                              parcel_id=parcel_id)
        lot = new_lot(s, w)
    with db.transaction(readonly=True) as s:
        found = history(s, [subjects.parcel(parcel_id)])
        kinds = {(e.module, e.event_type) for e in found}
        assert {("registry", "application_lodged"), ("registry", "application_approved"),
                ("registry", "certificate_issued"), ("valuation", "sale_recorded")} <= kinds
        assert any(e.module == "exchange" and e.subject == subjects.lot(lot.id) for e in found)
        assert [e.seq for e in found] == sorted((e.seq for e in found), reverse=True)  # newest first
        unit_history = {e.event_type for e in history(s, [subjects.unit(w.unit)])}
        assert "application_approved" in unit_history
        party_history = {e.event_type for e in list_events(s, subject=subjects.party(w.seller))}
        assert {"party_created", "application_approved"} <= party_history
        panel = history_panel(s, [subjects.parcel(parcel_id)])
        assert panel.rows and panel.rows[0].proof_url.endswith(f"/proofs/inclusion/{panel.rows[0].seq}")
        assert verify_ledger(s).ok


def test_subject_references_in_index_match_the_envelopes(db: Database) -> None:
    with db.transaction() as s:
        seq = append_event(s, module="registry", event_type="e", subject="party:5", actor="t", payload={}).seq
        row = s.execute(select(LedgerSubject).where(LedgerSubject.seq == seq)).scalar_one()
        assert row.subject_ref == subject_reference("party:5") and row.public_subject is None and row.kind == "party"

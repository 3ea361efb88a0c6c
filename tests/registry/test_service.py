"""Registry service: every rule of rules.md (Registry) on the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from shapely.geometry import Polygon
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.kernel.geo import area_m2
from landbridge.ledger import current_size, list_events, verify_ledger
from landbridge.registry import (
    add_source_document,
    approve_application,
    certificates_of_application,
    create_party,
    current_restrictions,
    current_rights,
    get_application,
    get_certificate_by_token,
    get_unit,
    holders_of,
    issue_certificate,
    list_applications,
    list_parcels_in_bbox,
    lodge_advance_notice,
    lodge_cancellation,
    lodge_first_registration,
    lodge_mortgage,
    lodge_objection,
    lodge_right_on_unit,
    lodge_seizure,
    lodge_transfer,
    parcel_detail,
    record_suit_filed,
    reject_application,
    run_due,
    unit_as_of,
    withdraw_application,
)
from landbridge.registry.models import Certificate, Parcel, PropertyUnit, RecordStatus, Restriction, Right
from landbridge.registry.queries import current_extent
from landbridge.registry.rules import Layer, parse_unit_code
from tests.registry.conftest import ACTOR, VILLAGE, People, org_uscc, register, resident_id, square

# --- parties -----------------------------------------------------------------------------------

def test_party_needs_valid_id_and_is_unique(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        p = create_party(s, kind="person", name="张三", id_number=resident_id(7), actor=ACTOR)
        assert p.id_type == "resident_id"
    bad = resident_id(8)[:-1] + ("0" if resident_id(8)[-1] != "0" else "1")
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_party(s, kind="person", name="李四", id_number=bad, actor=ACTOR)
    assert exc.value.code == "registry.invalid_id_number"
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_party(s, kind="organisation", name="公司", id_number="91360600MA00000000", actor=ACTOR)
    assert exc.value.code == "registry.invalid_id_number"
    with db.transaction() as s, pytest.raises(Conflict) as c:
        create_party(s, kind="person", name="张三二", id_number=resident_id(7), actor=ACTOR)
    assert c.value.code == "registry.party_exists"
    with db.transaction() as s:
        assert create_party(s, kind="organisation", name="银行", id_number=org_uscc(9), actor=ACTOR).id_type == "uscc"


def test_group_member_shares_sum_to_one(db: Database, people: People) -> None:
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        create_party(s, kind="group", name="户", members=[(people.a, "户主", "1/2"), (people.b, "子", "1/3")],
                     actor=ACTOR)
    assert exc.value.code == "registry.shares_not_one"


# --- first registration ------------------------------------------------------------------------

def test_first_registration_pending_until_approved(db: Database, people: People) -> None:
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0101",
                                       location="范家村", right_type="land_contract_right",
                                       holders=[(people.a, "1/2"), (people.b, "1/2")])
        unit_id = app.payload["unit_id"]
    with db.transaction() as s:
        unit = get_unit(s, unit_id)
        assert unit.status == RecordStatus.pending
        assert unit.unit_code == f"{VILLAGE}JD00001W00000000"
        assert parse_unit_code(unit.unit_code) is not None
        assert list_parcels_in_bbox(s, (116, 28, 118, 29))[1] == 0
        assert current_rights(s, unit_id) == []
    with db.transaction() as s:
        approved = approve_application(s, application_id=app.id, actor=ACTOR)
        assert approved.status == "approved"
    with db.transaction() as s:
        unit = get_unit(s, unit_id)
        assert unit.status == RecordStatus.current and unit.begin_lifespan is not None
        rights = current_rights(s, unit_id)
        assert [r.right_type for r in rights] == ["land_contract_right"]
        assert sum(share for _, share in holders_of(s, rights[0].id)) == 1
        features, total = list_parcels_in_bbox(s, (116, 28, 118, 29))
        assert total == 1 and features[0]["properties"]["unit_codes"] == [unit.unit_code]
        assert features[0]["properties"]["right_types"] == ["land_contract_right"]
        assert Decimal(features[0]["properties"]["area_m2"]) == pytest.approx(Decimal(400), abs=Decimal(10))
        certs = certificates_of_application(s, app.id)
        assert len(certs) == 1 and certs[0].number == "赣(2026)鹰潭市不动产权第0000001号"
        assert get_certificate_by_token(s, certs[0].verify_token).id == certs[0].id
        assert issue_certificate(s, application_id=app.id, actor=ACTOR) == certs  # idempotent
        types = [e.event_type for e in list_events(s, module="registry", limit=1000)]
        assert "application_lodged" in types and "application_approved" in types and "certificate_issued" in types
        assert verify_ledger(s).ok
        # a second parcel gets the next sequence number in the same sub-district
    with db.transaction() as s:
        second = get_unit(s, register(s, square(1), [(people.c, "1")], approve=False))
        assert second.unit_code == f"{VILLAGE}JD00002W00000000"


def test_invalid_geometry_is_422(db: Database, people: People) -> None:
    bowtie = Polygon([(116.90, 28.20), (116.901, 28.201), (116.901, 28.20), (116.90, 28.201)])
    far = square(0).__class__([(100.0, 10.0), (100.001, 10.0), (100.001, 10.001), (100.0, 10.001)])
    for geom in (bowtie, far):
        with db.transaction() as s, pytest.raises(RuleViolation) as exc:
            register(s, geom, [(people.a, "1")])
        assert exc.value.code == "registry.invalid_geometry"


def test_shares_must_sum_to_one(db: Database, people: People) -> None:
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        register(s, square(0), [(people.a, "1/2"), (people.b, "1/3")])
    assert exc.value.code == "registry.shares_not_one"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 0


def test_overlap_refused_against_current_and_pending(db: Database, people: People) -> None:
    with db.transaction() as s:
        register(s, square(0), [(people.a, "1")])
        register(s, square(1), [(people.b, "1")], approve=False)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        register(s, square(0, shift_m=10), [(people.c, "1")])
    assert exc.value.code == "registry.parcel_overlap"
    assert exc.value.details["parcel_codes"] == [f"{VILLAGE}JD00001"]
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        register(s, square(1, shift_m=5), [(people.c, "1")], approve=False)
    assert exc.value.details["parcel_codes"] == [f"{VILLAGE}JD00002"]
    # touching along an edge is not an overlap
    with db.transaction() as s:
        register(s, square(0, shift_m=20), [(people.c, "1")])


def test_ownership_and_use_parcels_are_separate_layers(db: Database, people: People) -> None:
    """A village's ownership parcel (JA) covers its use-right parcels; each layer still tiles (R1)."""
    with db.transaction() as s:
        register(s, square(0), [(people.a, "1")])
        territory = square(0, size_m=90)
        register(s, territory, [(people.household, "1")], right_type="collective_land_ownership")
        register(s, square(0, shift_m=40), [(people.b, "1")])  # a second use parcel inside the territory
    with db.transaction() as s, pytest.raises(Conflict) as exc:  # a second ownership parcel on the same ground
        register(s, square(0, size_m=30, shift_m=50), [(people.c, "1")], right_type="collective_land_ownership")
    assert exc.value.code == "registry.parcel_overlap"
    assert exc.value.details["parcel_codes"] == [f"{VILLAGE}JA00002"]
    with db.transaction() as s, pytest.raises(Conflict) as exc:  # use parcels still conflict with each other
        register(s, square(0, shift_m=10), [(people.c, "1")])
    assert exc.value.details["parcel_codes"] == [f"{VILLAGE}JD00001"]
    box = square(0, size_m=90).bounds
    with db.transaction(readonly=True) as s:  # the map's viewport query by layer (overview: territories only)
        ownership, n_own = list_parcels_in_bbox(s, box, layer=Layer.ownership)
        use, n_use = list_parcels_in_bbox(s, box, layer=Layer.use)
        both, n_both = list_parcels_in_bbox(s, box)
        assert current_extent(s) == pytest.approx(box)
    assert [f["properties"]["parcel_code"] for f in ownership] == [f"{VILLAGE}JA00002"] and n_own == 1
    assert sorted(f["properties"]["parcel_code"] for f in use) == [f"{VILLAGE}JD00001", f"{VILLAGE}JD00003"]
    assert n_use == 2
    assert n_both == 3 and len(both) == 3


def test_overlap_rechecked_at_approval(db: Database, people: People) -> None:
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(3), land_use_class="0101",
                                       location=None, right_type="land_contract_right", holders=[(people.a, "1")])
    with db.transaction() as s:  # a current parcel arrives meanwhile (e.g. a bulk import)
        geom = square(3, shift_m=10)
        minx, miny, maxx, maxy = geom.bounds
        s.add(Parcel(parcel_code=f"{VILLAGE}JD09999", land_use_class="0101", geom=geom,
                     area_m2=Decimal("400.00"), minx=minx, miny=miny, maxx=maxx, maxy=maxy,
                     status=RecordStatus.current, region_code=VILLAGE))
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        approve_application(s, application_id=app.id, actor=ACTOR)
    assert exc.value.code == "registry.parcel_overlap"
    with db.transaction() as s:
        assert get_application(s, app.id).status == "lodged"


def test_house_and_land_same_holder(db: Database, people: People) -> None:
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0702",
                                 location=None, right_type="homestead_use_right", holders=[(people.a, "1")],
                                 attachment="F", house_holders=[(people.b, "1")])
    assert exc.value.code == "registry.house_land_holder_mismatch"
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")], right_type="homestead_use_right", attachment="F")
        unit = get_unit(s, unit_id)
        assert unit.unit_code == f"{VILLAGE}JC00001F00010001"
        rights = current_rights(s, unit_id)
        assert sorted(r.right_type for r in rights) == ["homestead_use_right", "house_ownership"]
        assert holders_of(s, rights[0].id) == holders_of(s, rights[1].id)
        assert len(certificates_of_application(s, rights[0].application_id or 0)) == 1  # 房地一体: one certificate


def test_one_homestead_per_household_warns(db: Database, people: People) -> None:
    with db.transaction() as s:
        register(s, square(0), [(people.a, "1")], right_type="homestead_use_right", attachment="F")
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(1), land_use_class="0702",
                                       location=None, right_type="homestead_use_right",
                                       holders=[(people.household, "1")])
        warnings = app.payload["warnings"]
        assert [w["code"] for w in warnings] == ["registry.one_homestead_per_household"]
        approve_application(s, application_id=app.id, actor=ACTOR)  # warn, do not block
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(2), land_use_class="0702",
                                       location=None, right_type="homestead_use_right", holders=[(people.c, "1")])
        assert app.payload["warnings"] == []


def test_land_management_right_needs_five_years(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        contract = current_rights(s, unit_id)[0].id
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        lodge_right_on_unit(s, actor=ACTOR, unit_id=unit_id, right_type="land_management_right",
                            holders=[(people.c, "1")], term_start=date(2026, 3, 1), term_end=date(2031, 2, 28),
                            predecessor_id=contract)
    assert exc.value.code == "registry.term_too_short"
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        lodge_right_on_unit(s, actor=ACTOR, unit_id=unit_id, right_type="land_management_right",
                            holders=[(people.c, "1")], term_start=date(2026, 3, 1), term_end=date(2031, 3, 1))
    assert exc.value.code == "registry.predecessor_required"
    with db.transaction() as s:
        app = lodge_right_on_unit(s, actor=ACTOR, unit_id=unit_id, right_type="land_management_right",
                                  holders=[(people.c, "1")], term_start=date(2026, 3, 1), term_end=date(2031, 3, 1),
                                  predecessor_id=contract)
        approve_application(s, application_id=app.id, actor=ACTOR)
    with db.transaction() as s:
        rights = {r.right_type: r for r in current_rights(s, unit_id)}
        assert rights["land_management_right"].predecessor_id == contract
        assert holders_of(s, rights["land_contract_right"].id)[0][0] == people.a


# --- transfers and restrictions -------------------------------------------------------------------

def _approve(s, app_id: int) -> None:  # type: ignore[no-untyped-def]
    approve_application(s, application_id=app_id, actor=ACTOR)


def test_transfer_supersedes_right_and_keeps_history(db: Database, people: People, clock: Clock) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        old_right = current_rights(s, unit_id)[0].id
    before = clock.now()
    clock.advance(timedelta(days=1))
    with db.transaction() as s:
        app = lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "2/3"), (people.c, "1/3")],
                             reason="互换")
        _approve(s, app.id)
    with db.transaction() as s:
        rights = current_rights(s, unit_id)
        assert len(rights) == 1 and rights[0].supersedes_id == old_right
        assert {p for p, _ in holders_of(s, rights[0].id)} == {people.b, people.c}
        old = s.get(Right, old_right)
        assert old is not None and old.status == RecordStatus.historic and old.end_lifespan is not None
        then = unit_as_of(s, unit_id, before + timedelta(hours=1))
        assert [h["party_id"] for h in then["rights"][0]["holders"]] == [people.a]
        detail = parcel_detail(s, get_unit(s, unit_id).parcel_id)
        assert [h["id"] for h in detail["history"] if h["object"] == "right"] == [old_right, rights[0].id]
        assert detail["units"][0]["rights"][0]["id"] == rights[0].id
        old_cert = s.scalars(select(Certificate).where(Certificate.right_id == old_right)).one()
        assert old_cert.status == "void"
        assert s.scalar(select(func.count()).select_from(Right)) == 2  # nothing deleted


def test_transfer_blocked_by_seizure(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        seizure = lodge_seizure(s, actor=ACTOR, unit_id=unit_id, document_no="(2026)赣0603执1号")
        _approve(s, seizure.id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖")
    assert exc.value.code == "registry.transfer_blocked"
    assert exc.value.details["restriction_kind"] == "seizure"
    assert exc.value.details["restriction_id"] == seizure.payload["restriction_ids"][0]


def test_seizure_approved_after_transfer_lodged_blocks_its_approval(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        transfer = lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖")
        seizure = lodge_seizure(s, actor=ACTOR, unit_id=unit_id, document_no="(2026)赣0603执2号")
        _approve(s, seizure.id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        _approve(s, transfer.id)
    assert exc.value.code == "registry.transfer_blocked"


def test_transfer_blocked_by_advance_notice_of_someone_else(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        _approve(s, lodge_advance_notice(s, actor=ACTOR, unit_id=unit_id, holder_party_id=people.b).id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.c, "1")], reason="买卖")
    assert exc.value.details["restriction_kind"] == "advance_notice"
    with db.transaction() as s:  # the notice holder may take the transfer; the notice is fulfilled
        _approve(s, lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖").id)
    with db.transaction() as s:
        assert current_restrictions(s, unit_id) == []


def test_expired_advance_notice_lapses_and_no_longer_blocks(db: Database, people: People, clock: Clock) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        _approve(s, lodge_advance_notice(s, actor=ACTOR, unit_id=unit_id, holder_party_id=people.b).id)
    clock.advance(timedelta(days=89))
    with db.transaction() as s:
        assert run_due(s) == 0
    clock.advance(timedelta(days=2))
    with db.transaction() as s:
        assert run_due(s) == 1
        assert run_due(s) == 0
    with db.transaction() as s:
        _approve(s, lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.c, "1")], reason="买卖").id)


def test_second_pending_application_on_unit_is_409(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖")
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.c, "1")], reason="买卖")
    assert exc.value.code == "registry.unit_has_pending_application"


def test_no_transfer_mortgage_blocks_unless_consent_and_mortgage_follows(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        m = lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank,
                           secured_amount=Decimal("100000.00"), no_transfer_agreement=True)
        _approve(s, m.id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖")
    assert exc.value.code == "registry.transfer_blocked"
    assert exc.value.details["restriction_kind"] == "mortgage"
    with db.transaction() as s:
        t = lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖",
                           mortgagee_consent=True)
        _approve(s, t.id)
    with db.transaction() as s:
        new_right = current_rights(s, unit_id)[0]
        mortgages = current_restrictions(s, unit_id)
        assert len(mortgages) == 1 and mortgages[0].right_id == new_right.id and mortgages[0].rank == 1
        assert mortgages[0].supersedes_id == m.payload["restriction_ids"][0]
        notified = [e for e in list_events(s, module="registry", limit=1000) if e.event_type == "mortgagee_notified"]
        assert len(notified) == 1 and str(people.bank) in notified[0].body


def test_plain_mortgage_follows_transfer(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        _approve(s, lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank,
                                   secured_amount="50000").id)
        _approve(s, lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="继承").id)
    with db.transaction() as s:
        (mortgage,) = current_restrictions(s, unit_id)
        assert mortgage.right_id == current_rights(s, unit_id)[0].id
        assert mortgage.secured_amount_cny == Decimal("50000.00")
        kinds = {c.kind: c.status for c in s.scalars(select(Certificate))
                 if c.right_id == mortgage.right_id or c.restriction_id is not None}
        assert kinds == {"ownership": "valid", "encumbrance": "valid"}  # the mortgage certificate stays valid
        assert s.scalar(select(func.count()).select_from(Certificate).where(Certificate.status == "void")) == 1
        assert s.scalar(select(func.count()).select_from(Restriction)) == 2


def test_mortgages_rank_by_registration_time(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        first = lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank, secured_amount="1000")
        _approve(s, first.id)
        second = lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank2,
                                secured_amount="2000")
        _approve(s, second.id)
    with db.transaction() as s:
        ranks = {r.holder_party_id: r.rank for r in current_restrictions(s, unit_id)}
        assert ranks == {people.bank: 1, people.bank2: 2}
        certs = certificates_of_application(s, second.id)
        assert certs[0].kind == "encumbrance" and certs[0].number == "赣(2026)鹰潭市不动产证明第0000002号"
        # discharge the first mortgage: the second keeps its rank, a third one ranks after it
        _approve(s, lodge_cancellation(s, actor=ACTOR, unit_id=unit_id, reason="还清",
                                       restriction_id=first.payload["restriction_ids"][0]).id)
        third = lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank, secured_amount="3000")
        _approve(s, third.id)
    with db.transaction() as s:
        assert sorted(r.rank or 0 for r in current_restrictions(s, unit_id)) == [2, 3]


def test_objection_lapses_after_15_days_without_suit(db: Database, people: People, clock: Clock) -> None:
    with db.transaction() as s:
        unit_a = register(s, square(0), [(people.a, "1")])
        unit_b = register(s, square(1), [(people.a, "1")])
        oa = lodge_objection(s, actor=ACTOR, unit_id=unit_a, objector_party_id=people.b, reason="权属争议")
        ob = lodge_objection(s, actor=ACTOR, unit_id=unit_b, objector_party_id=people.c, reason="权属争议")
        _approve(s, oa.id)
        _approve(s, ob.id)
    clock.advance(timedelta(days=10))
    with db.transaction() as s:
        record_suit_filed(s, restriction_id=ob.payload["restriction_ids"][0], actor=ACTOR,
                          case_no="(2026)赣0603民初1号")
        assert run_due(s) == 0
    clock.advance(timedelta(days=5, seconds=1))
    size_before = 0
    with db.transaction() as s:
        size_before = current_size(s)
        assert run_due(s) == 1
    with db.transaction() as s:
        assert run_due(s) == 0  # idempotent
        assert current_size(s) == size_before + 1
        assert current_restrictions(s, unit_a) == []
        (kept,) = current_restrictions(s, unit_b)
        assert kept.kind == "objection" and kept.suit_filed_at is not None
    with db.transaction() as s, pytest.raises(Conflict):
        record_suit_filed(s, restriction_id=oa.payload["restriction_ids"][0], actor=ACTOR, case_no="x")


def test_cancel_right_refused_while_mortgaged(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        right_id = current_rights(s, unit_id)[0].id
        _approve(s, lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank,
                                   secured_amount="10").id)
        app = lodge_cancellation(s, actor=ACTOR, unit_id=unit_id, reason="灭失", right_id=right_id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        _approve(s, app.id)
    assert exc.value.code == "registry.right_encumbered"


def test_reject_and_withdraw_cancel_pending_rows(db: Database, people: People) -> None:
    with db.transaction() as s:
        a = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0101",
                                     location=None, right_type="land_contract_right", holders=[(people.a, "1")])
        b = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(1), land_use_class="0101",
                                     location=None, right_type="land_contract_right", holders=[(people.a, "1")])
    with db.transaction() as s, pytest.raises(RuleViolation):
        reject_application(s, application_id=a.id, actor=ACTOR, reason=" ")
    with db.transaction() as s:
        reject_application(s, application_id=a.id, actor=ACTOR, reason="材料不全")
        withdraw_application(s, application_id=b.id, actor=ACTOR)
    with db.transaction() as s:
        assert {p.status for p in s.scalars(select(Parcel))} == {"cancelled"}
        assert {u.status for u in s.scalars(select(PropertyUnit))} == {"cancelled"}
        with pytest.raises(Conflict) as exc:
            approve_application(s, application_id=a.id, actor=ACTOR)
        assert exc.value.code == "registry.application_not_lodged"
        apps, total = list_applications(s, status="rejected")
        assert total == 1 and apps[0].id == a.id
        assert list_applications(s, region_prefix="360603")[1] == 2
        assert list_applications(s, region_prefix="360681")[1] == 0
    with db.transaction() as s:  # the area is free again
        register(s, square(0), [(people.b, "1")])


def test_source_document_sha256_and_size_limit(db: Database, people: People, monkeypatch: pytest.MonkeyPatch,
                                               ) -> None:
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0101",
                                       location=None, right_type="land_contract_right", holders=[(people.a, "1")])
        doc = add_source_document(s, application_id=app.id, kind="contract", filename="合同.pdf",
                                  content_type="application/pdf", content=b"%PDF-1.4 test", actor=ACTOR)
        assert doc.sha256 == hashlib.sha256(b"%PDF-1.4 test").hexdigest()
    from landbridge.config import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_bytes", 4)
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        add_source_document(s, application_id=app.id, kind="contract", filename="a.pdf",
                            content_type="application/pdf", content=b"12345", actor=ACTOR)
    assert exc.value.code == "registry.document_too_large"
    with db.transaction() as s, pytest.raises(NotFound):
        add_source_document(s, application_id=999, kind="x", filename="a", content_type="t", content=b"1",
                            actor=ACTOR)


def test_area_measured_in_projected_crs(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0, size_m=50), [(people.a, "1")])
        parcel = s.get(Parcel, get_unit(s, unit_id).parcel_id)
        assert parcel is not None
        assert parcel.area_m2 == Decimal(str(round(area_m2(square(0, size_m=50), 4548), 2)))


def test_worker_runs_registry_deadlines(db: Database, people: People, clock: Clock) -> None:
    from landbridge.worker import run_due_jobs

    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        app = lodge_objection(s, actor=ACTOR, unit_id=unit_id, objector_party_id=people.b, reason="争议")
        _approve(s, app.id)
    clock.advance(timedelta(days=15, minutes=1))
    assert run_due_jobs() == 1
    assert run_due_jobs() == 0
    with db.transaction() as s:
        (restriction,) = s.scalars(select(Restriction)).all()
        assert restriction.status == "historic" and restriction.attrs.get("lapsed") is True
        (cert,) = certificates_of_application(s, app.id)
        assert cert.status == "void"


def test_seizure_on_a_right_transferred_meanwhile_is_refused(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
        seizure = lodge_seizure(s, actor=ACTOR, unit_id=unit_id, document_no="(2026)赣0603执5号")
        _approve(s, lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖").id)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        _approve(s, seizure.id)
    assert exc.value.code == "registry.right_not_current"
    with db.transaction() as s:  # lodged again on the current right, it applies
        _approve(s, lodge_seizure(s, actor=ACTOR, unit_id=unit_id, document_no="(2026)赣0603执5号").id)
        assert [r.kind for r in current_restrictions(s, unit_id)] == ["seizure"]

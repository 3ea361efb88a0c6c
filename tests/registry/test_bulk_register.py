"""Bulk first registration of units with rights, holders and certificates (R1, P2), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update

from landbridge.db import Database
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events, verify_ledger
from landbridge.registry import current_rights, get_party, holders_of
from landbridge.registry.bulk_register import (
    PartyIn,
    UnitRegistration,
    bulk_create_parties,
    bulk_register,
    verify_bulk_registration,
)
from landbridge.registry.models import Certificate, Parcel, Party, PropertyUnit, RightHolder
from tests.registry.conftest import ACTOR, VILLAGE, People, org_uscc, resident_id, square

HALF = Fraction(1, 2)


def _rows(people: People) -> list[UnitRegistration]:
    return [
        UnitRegistration(geometry=square(0, size_m=90), region_code=VILLAGE, land_use_class="0101",
                         right_type="collective_land_ownership", holders=[(people.household, Fraction(1))]),
        UnitRegistration(geometry=square(0), region_code=VILLAGE, land_use_class="0702",
                         right_type="homestead_use_right", attachment="F", house=True,
                         holders=[(people.a, HALF), (people.b, HALF)], unit_attrs={"floors": 2}),
        UnitRegistration(geometry=square(0, shift_m=40), region_code=VILLAGE, land_use_class="0101",
                         right_type="land_contract_right", holders=[(people.household, Fraction(1))],
                         term_start=date(1998, 1, 1), term_end=date(2057, 12, 31), location="范家村3组"),
    ]


def test_bulk_register_makes_everything_current_with_certificates(db: Database, people: People) -> None:
    size_before = 0
    with db.transaction() as s:
        size_before = current_size(s)
        report = bulk_register(s, _rows(people), actor=ACTOR, chunk=2)
    assert len(report.unit_ids) == 3 and report.certificate_count == 3
    with db.session() as s:
        codes = [s.get(PropertyUnit, u).unit_code for u in report.unit_ids]  # type: ignore[union-attr]
        assert codes[0][12:14] == "JA" and codes[1][12:14] == "JC" and codes[1][19] == "F"
        assert codes[1].endswith("F00010001") and codes[2].endswith("W00000000")
        rights = current_rights(s, report.unit_ids[1])
        assert sorted(r.right_type for r in rights) == ["homestead_use_right", "house_ownership"]
        for r in rights:  # 房地一体: the house has the homestead's holders
            assert holders_of(s, r.id) == sorted([(people.a, HALF), (people.b, HALF)])
        assert s.scalar(select(func.count()).select_from(Certificate)) == 3  # one for homestead + house
        assert s.scalar(select(func.count()).select_from(RightHolder)) == 1 + 4 + 1
        events = list_events(s, module="registry", limit=100)
        chunks = [e for e in events if e.event_type == "units_registered"]
        assert len(chunks) == 2 and current_size(s) == size_before + 2
        assert verify_ledger(s).ok


@pytest.mark.parametrize("mutate, code", [
    (lambda rows: rows[2].__class__(**{**rows[2].__dict__, "holders": [(rows[2].holders[0][0], HALF)]}),
     "registry.shares_not_one"),
    (lambda rows: rows[2].__class__(**{**rows[2].__dict__, "right_type": "mortgage"}), "registry.invalid_right_type"),
    (lambda rows: rows[2].__class__(**{**rows[2].__dict__, "house": True}), "registry.house_needs_homestead"),
    (lambda rows: rows[2].__class__(**{**rows[2].__dict__, "geometry": square(0, shift_m=10)}),
     "registry.parcel_overlap"),
])
def test_bulk_register_refuses_a_bad_row_and_writes_nothing(db: Database, people: People, mutate, code) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(people)
    rows[2] = mutate(rows)
    with db.transaction() as s, pytest.raises((RuleViolation, Conflict)) as exc:
        bulk_register(s, rows, actor=ACTOR)
    assert exc.value.code == code
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 0


def test_bulk_register_checks_existing_parcels_and_parties(db: Database, people: People) -> None:
    with db.transaction() as s:
        bulk_register(s, _rows(people)[:2], actor=ACTOR)
    with db.transaction() as s, pytest.raises((RuleViolation, Conflict)) as exc:  # the same homestead ground again
        bulk_register(s, _rows(people)[1:2], actor=ACTOR)
    assert exc.value.code == "registry.parcel_overlap"
    bad = UnitRegistration(geometry=square(3), region_code=VILLAGE, land_use_class="0101",
                           right_type="land_contract_right", holders=[(999_999, Fraction(1))])
    with db.transaction() as s, pytest.raises(NotFound) as nf:
        bulk_register(s, [bad], actor=ACTOR)
    assert nf.value.code == "registry.party_not_found"


def test_bulk_create_parties_households_with_members(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        people = bulk_create_parties(s, [PartyIn(kind="person", name=f"村民{i}", id_number=resident_id(100 + i),
                                                 region_code=VILLAGE) for i in range(4)]
                                     + [PartyIn(kind="organisation", name="范家村股份经济合作社",
                                                id_number=org_uscc(5))], actor=ACTOR, chunk=3)
        groups = bulk_create_parties(s, [
            PartyIn(kind="group", name="村民0户", members=[(people[0], "户主", HALF), (people[1], "配偶", HALF)]),
            PartyIn(kind="group", name="村民2户", members=[(people[2], "户主", Fraction(1))]),
        ], actor=ACTOR)
    with db.session() as s:
        assert [get_party(s, pid).name for pid in people] == ["村民0", "村民1", "村民2", "村民3",
                                                              "范家村股份经济合作社"]
        assert get_party(s, groups[0]).kind == "group"
        events = [e for e in list_events(s, module="registry", limit=100) if e.event_type == "parties_registered"]
        assert len(events) == 3 and verify_ledger(s).ok


@pytest.mark.parametrize("party, code", [
    (PartyIn(kind="person", name="甲", id_number="360622198001010000"), "registry.invalid_id_number"),
    (PartyIn(kind="person", name=" ", id_number=resident_id(1)), "registry.name_required"),
    (PartyIn(kind="group", name="户", members=[(1, "户主", HALF)]), "registry.shares_not_one"),
    (PartyIn(kind="alien", name="户"), "registry.invalid_party_kind"),
])
def test_bulk_create_parties_refuses_bad_rows(db: Database, clock: Clock, party: PartyIn, code: str) -> None:
    with db.transaction() as s, pytest.raises(RuleViolation) as exc:
        bulk_create_parties(s, [PartyIn(kind="person", name="乙", id_number=resident_id(2)), party], actor=ACTOR)
    assert exc.value.code == code and exc.value.details["item_index"] == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 0


def test_bulk_create_parties_refuses_duplicates(db: Database, clock: Clock) -> None:
    row = PartyIn(kind="person", name="丙", id_number=resident_id(3))
    with db.transaction() as s, pytest.raises(Conflict):
        bulk_create_parties(s, [row, row], actor=ACTOR)
    with db.transaction() as s:
        bulk_create_parties(s, [row], actor=ACTOR)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        bulk_create_parties(s, [PartyIn(kind="person", name="丁", id_number=resident_id(4)), row], actor=ACTOR)
    assert exc.value.details["item_index"] == 1


@pytest.mark.parametrize("tamper", ["share", "land_use", "certificate"])
def test_verify_bulk_registration_detects_a_changed_row(db: Database, people: People, tamper: str) -> None:
    with db.transaction() as s:
        report = bulk_register(s, _rows(people), actor=ACTOR, chunk=2)
    with db.session() as s:
        assert verify_bulk_registration(s, report.application_number) == []
    with db.transaction() as s:  # someone edits the tables behind the registry's back
        if tamper == "share":
            s.execute(update(RightHolder).where(RightHolder.party_id == people.b).values(share_num=2, share_den=3))
        elif tamper == "land_use":
            s.execute(update(Parcel).where(Parcel.id == report.parcel_ids[2]).values(land_use_class="0103"))
        else:
            s.execute(update(Certificate).where(Certificate.right_id == report.right_ids[0]).values(number="forged"))
    with db.session() as s:
        assert verify_bulk_registration(s, report.application_number) == ([1] if tamper == "land_use" else [0])


@pytest.mark.parametrize("party", [
    PartyIn(kind="person", name="甲", id_number="360622198001010000"),
    PartyIn(kind="organisation", name="合作社", id_number="91360600MA0000000X"),
    PartyIn(kind="group", name="户", id_number=resident_id(7)),
    PartyIn(kind="person", name="甲", id_number=resident_id(8), members=[(1, "户主", Fraction(1))]),
    PartyIn(kind="person", name=" ", id_number=resident_id(9)),
    PartyIn(kind="alien", name="户"),
])
def test_bulk_and_single_party_paths_apply_the_same_rules(db: Database, clock: Clock, party: PartyIn) -> None:
    """One party through ``create_party`` and the same party in a bulk batch fail with the same code and message,
    the bulk one naming its row (issue #14 item 3: the bulk path calls the single path's rule functions)."""
    from landbridge.registry.service import create_party

    with db.transaction() as s, pytest.raises(RuleViolation) as single:
        create_party(s, kind=party.kind, name=party.name, id_number=party.id_number, members=party.members or None,
                     actor=ACTOR)
    with db.transaction() as s, pytest.raises(RuleViolation) as bulk:
        bulk_create_parties(s, [party], actor=ACTOR)
    assert bulk.value.code == single.value.code
    assert bulk.value.message == f"第 0 项：{single.value.message}"
    assert bulk.value.message_en == f"item 0: {single.value.message_en}"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 0


@pytest.mark.parametrize(("right_type", "attachment", "house", "code"), [
    ("homestead_use_right", "X", False, "registry.invalid_attachment"),
    ("land_contract_right", "F", True, "registry.house_needs_homestead"),
    ("homestead_use_right", "W", True, "registry.house_needs_homestead"),
])
def test_bulk_and_single_unit_paths_apply_the_same_rules(db: Database, clock: Clock, people: People,
                                                         right_type: str, attachment: str, house: bool,
                                                         code: str) -> None:
    """A unit's attachment and the house-with-its-homestead rule: same code and message one by one and in bulk."""
    from landbridge.registry.service import lodge_first_registration

    holders = [(people.a, Fraction(1))]
    with db.transaction() as s, pytest.raises(RuleViolation) as single:
        lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(3), land_use_class="0702",
                                 location=None, right_type=right_type, holders=holders, attachment=attachment,
                                 house_holders=holders if house else None)
    with db.transaction() as s, pytest.raises(RuleViolation) as bulk:
        bulk_register(s, [UnitRegistration(geometry=square(3), region_code=VILLAGE, land_use_class="0702",
                                           right_type=right_type, attachment=attachment, house=house,
                                           holders=holders)], actor=ACTOR)
    assert single.value.code == bulk.value.code == code
    assert bulk.value.message == f"第 0 项：{single.value.message}"

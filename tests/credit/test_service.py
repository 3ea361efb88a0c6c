"""Credit on the database: the file gathered from the platform, the grade, objections, court listings feeding the
exchange's bar list and refused by lending, the grade read by lending, designations (issue #18)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from landbridge import credit, exchange, registry
from landbridge.credit.models import CreditCorrection, CreditRecord
from landbridge.credit.models import Designation as DesignationRow
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from landbridge.lending import service as lending
from tests.credit.conftest import World
from tests.registry.conftest import ACTOR, VILLAGE, resident_id

OFFICER = "user:7:bank_officer"
MEMBER = "user:3:member"
D = Decimal


def apply_loan(db: Database, world: World) -> int:
    with db.transaction() as s:
        return lending.apply_for_loan(s, borrower_party_id=world.borrower, right_id=world.right,
                                      product_code="two_rights", principal="100000", annual_rate="0.0435",
                                      months=12, method="annuity", start=date(2026, 3, 15),
                                      bank_organisation_id=world.bank_org, actor=MEMBER).id


def records(db: Database, party_id: int) -> dict[str, tuple[int, str, str]]:
    with db.transaction(readonly=True) as s:
        return {r.kind: (r.value, r.source, r.status) for r in credit.records_of(s, party_id)}


def test_grade_from_the_platform_with_its_provenance(db: Database, world: World, clock: Clock) -> None:
    with db.transaction() as s:
        borrower = credit.grade_party(s, world.borrower, actor=ACTOR)
        other = credit.grade_party(s, world.other, actor=ACTOR)
    # two rights held: 21 + 15 + 20 + 15 + 10 = 81 → AAA; nothing held: 66 → A
    assert (borrower.points, borrower.grade) == (D("81.00"), "AAA")
    assert (other.points, other.grade) == (D("66.00"), "A")
    assert records(db, world.borrower) == {"rights_held": (2, "registry", "active")}
    assert records(db, world.other) == {}
    with db.transaction(readonly=True) as s:
        assert credit.grade_fact(s, world.borrower) == "AAA"
        assert credit.grade_fact(s, world.bank_party) is None  # never graded
        events = list_events(s, module="credit")
        assert events and all("party" not in e.subject for e in events)


def test_a_seizure_lowers_the_grade_and_an_upheld_objection_corrects_it(db: Database, world: World,
                                                                        clock: Clock) -> None:
    with db.transaction() as s:
        app = registry.lodge_seizure(s, actor=ACTOR, unit_id=world.unit, document_no="(2026)赣0622执9号",
                                     right_id=world.right)
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        assert credit.grade_party(s, world.borrower, actor=ACTOR).grade == "AA"  # 81 - 10 = 71
    assert records(db, world.borrower)["seizures"] == (1, "registry", "active")
    with db.transaction(readonly=True) as s:
        record_id = s.scalar(select(CreditRecord.id).where(CreditRecord.party_id == world.borrower,
                                                           CreditRecord.kind == "seizures"))
    assert record_id is not None
    with db.transaction() as s, pytest.raises(DomainError) as info:
        credit.file_objection(s, record_id=record_id, party_id=world.other, reason="不是我的", actor=MEMBER)
    assert info.value.code == "credit.not_your_record"
    with db.transaction() as s:
        objection = credit.file_objection(s, record_id=record_id, party_id=world.borrower, claimed_value=0,
                                          reason="查封已由法院解除", actor=MEMBER)
        assert objection.due_on == objection.filed_on + timedelta(days=20)  # 征信业管理条例 art. 25
        objection_id = objection.id
    with db.transaction() as s, pytest.raises(DomainError) as info:
        credit.file_objection(s, record_id=record_id, party_id=world.borrower, reason="再次", actor=MEMBER)
    assert info.value.code == "credit.objection_open"
    with db.transaction() as s:
        credit.uphold_objection(s, objection_id=objection_id, actor=OFFICER, note="法院解除查封裁定已核实")
    with db.transaction(readonly=True) as s:
        grade = credit.current_grade(s, world.borrower)
        assert grade is not None and (grade.points, grade.grade) == (D("81.00"), "AAA")
        correction = s.scalars(select(CreditCorrection)).one()
        assert (correction.old_value, correction.new_value, correction.objection_id) == (1, 0, objection_id)
    # the next yearly run keeps the correction although the registry still shows the seizure
    with db.transaction() as s:
        assert credit.grade_parties(s, None, actor=ACTOR)[world.borrower].grade == "AAA"
    with db.transaction() as s, pytest.raises(DomainError) as info:
        credit.reject_objection(s, objection_id=objection_id, actor=OFFICER, note="晚了")
    assert info.value.code == "credit.invalid_transition"


def test_a_rejected_objection_stands_and_an_undecided_one_is_flagged_overdue(db: Database, world: World,
                                                                            clock: Clock) -> None:
    with db.transaction() as s:
        credit.grade_party(s, world.borrower, actor=ACTOR)
        record_id = credit.records_of(s, world.borrower)[0].id
        filed = credit.file_objection(s, record_id=record_id, party_id=world.borrower, reason="我只有一项权利",
                                      claimed_value=1, actor=MEMBER, day=date(2026, 3, 2))
        filed_id = filed.id
    with db.transaction() as s:
        assert credit.flag_overdue_objections(s, day=date(2026, 3, 22)) == 0  # the 20th day: still in time
        assert credit.flag_overdue_objections(s, day=date(2026, 3, 23)) == 1
        assert credit.flag_overdue_objections(s, day=date(2026, 3, 24)) == 0  # flagged once
    with db.transaction() as s:
        row = credit.reject_objection(s, objection_id=filed_id, actor=OFFICER, note="两项权利均已登记")
        assert row.overdue and row.status == "rejected"
    assert records(db, world.borrower)["rights_held"] == (2, "registry", "active")


def test_a_court_listing_bars_bidding_and_borrowing_naming_the_listing_and_its_end(db: Database, world: World,
                                                                                   clock: Clock) -> None:
    loan_id = apply_loan(db, world)  # applied before the listing
    with db.transaction() as s:
        listing = credit.list_defaulter(s, party_id=world.borrower, court="余江区人民法院", case_no="(2026)赣0622执1号",
                                        listed_on=date(2026, 3, 1), actor=ACTOR)
        assert listing.ends_on == date(2028, 3, 1)  # 2 years (法释〔2017〕7号 art. 2)
        listing_id = listing.id
        assert exchange.party_is_barred(s, world.borrower)  # fed into the exchange's own bar list
        assert credit.current_grade(s, world.borrower).grade == "A"  # type: ignore[union-attr]  # 81 - 20
    with pytest.raises(DomainError) as info:
        apply_loan(db, world)
    assert info.value.code == "lending.borrower_barred"
    assert info.value.details["listed_until"] == "2028-03-01"
    assert "(2026)赣0622执1号" in info.value.details["listing"] and "2028-03-01" in str(info.value)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        listed = next(r for r in credit.records_of(s, world.borrower) if r.kind == "listed")
        credit.file_objection(s, record_id=listed.id, party_id=world.borrower, reason="已履行", actor=MEMBER)
    assert info.value.code == "credit.court_record"  # the court corrects its list, not the credit file
    with db.transaction() as s, pytest.raises(DomainError) as info:
        lending.decide_loan(s, loan_id=loan_id, approve=True, actor=OFFICER, mortgagee_party_id=world.bank_party)
    assert info.value.code == "lending.borrower_barred"
    with db.transaction() as s, pytest.raises(DomainError) as info:
        credit.extend_listing(s, listing_id=listing_id, years=4, actor=ACTOR)
    assert info.value.code == "credit.bad_extension"
    with db.transaction() as s:
        assert credit.extend_listing(s, listing_id=listing_id, years=2, actor=ACTOR).ends_on == date(2030, 3, 1)
    with pytest.raises(DomainError) as info:
        apply_loan(db, world)
    assert info.value.details["listed_until"] == "2030-03-01"
    with db.transaction() as s:
        assert credit.lapse_listings(s, day=date(2030, 3, 1)) == 0
        assert credit.lapse_listings(s, day=date(2030, 3, 2)) == 1
        assert not exchange.party_is_barred(s, world.borrower, date(2030, 3, 2))
        assert credit.current_grade(s, world.borrower).grade == "AAA"  # type: ignore[union-attr]


def test_lending_reads_the_grade_and_falls_back_to_its_default(db: Database, world: World, clock: Clock) -> None:
    first = apply_loan(db, world)
    with db.transaction() as s:
        loan = lending.decide_loan(s, loan_id=first, approve=True, actor=OFFICER, mortgagee_party_id=world.bank_party)
        assert (loan.grade, loan.annual_rate) == ("A", D("0.043500"))  # no grade: the default admits, no discount
        lending.withdraw_loan(s, loan_id=first, actor=MEMBER)
        credit.grade_party(s, world.borrower, actor=ACTOR)  # AAA
    second = apply_loan(db, world)
    with db.transaction() as s:
        loan = lending.decide_loan(s, loan_id=second, approve=True, actor=OFFICER,
                                   mortgagee_party_id=world.bank_party)
        assert (loan.grade, loan.annual_rate) == ("AAA", D("0.038500"))  # 0.0435 - 0.0050 = 0.0385 (the floor)


def _party(s: Any, n: int, region: str) -> int:
    return registry.create_party(s, kind="person", name=f"村民{n}", id_number=resident_id(100 + n),
                                 region_code=region, actor=ACTOR).id


def test_designations_yearly_and_revoked(db: Database, world: World, clock: Clock) -> None:
    other_village = VILLAGE[:9] + "009"
    with db.transaction() as s:
        ours = [_party(s, n, VILLAGE) for n in range(3)]      # graded A (66) each: 3 of 3 credit households
        theirs = [_party(s, 10 + n, other_village) for n in range(2)]
        credit.grade_parties(s, None, actor=ACTOR)
        rows = {(r.level, r.region_code): r for r in credit.designate(s, year=2026, actor=ACTOR)}
    assert rows[("village", VILLAGE)].status == "designated"
    assert rows[("village", VILLAGE)].share == D("1.0000") and rows[("village", VILLAGE)].households == 3
    assert rows[("township", VILLAGE[:9])].status == "designated"
    third = VILLAGE[:9] + "010"
    with db.transaction() as s:
        newcomer = _party(s, 30, third)
        credit.grade_party(s, newcomer, actor=ACTOR)
        for pid in (*ours[:2], *theirs, newcomer):
            credit.list_defaulter(s, party_id=pid, court="余江区人民法院", case_no=f"(2026)执{pid}号",
                                  listed_on=date(2026, 3, 1), actor=ACTOR)  # 66 - 20 = 46: none
        rows = {(r.level, r.region_code): r for r in credit.designate(s, year=2027, actor=ACTOR)}
    assert rows[("village", VILLAGE)].status == "revoked" and rows[("village", VILLAGE)].failed == ["share"]
    assert rows[("village", other_village)].status == "revoked"  # designated in 2026 (2 of 2)
    assert rows[("village", third)].status == "not_designated"  # never designated
    assert rows[("township", VILLAGE[:9])].status == "revoked"
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(DesignationRow.share).where(DesignationRow.year == 2027,
                                                           DesignationRow.region_code == VILLAGE)) == D("0.3333")


def test_gathering_is_set_based(db: Database, world: World, clock: Clock) -> None:
    with db.transaction() as s:
        few = [_party(s, n, VILLAGE) for n in range(3)]
        many = [_party(s, 20 + n, VILLAGE) for n in range(40)]
    counts = []
    for ids in (few, few + many):
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)  # noqa: B023
        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            with db.transaction() as s:
                credit.grade_parties(s, ids, actor=ACTOR)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(sum(1 for st in statements if st.lstrip().upper().startswith("SELECT")))
    assert counts[0] == counts[1]

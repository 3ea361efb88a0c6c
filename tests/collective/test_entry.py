"""What the collective records for a market entry (issue #15): the affairs council's consultation and land
revenue split into the retained fund and the members' distribution by shares, decided by the consent motion."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.collective.models import Book, BookEntry, DividendLine
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from tests.collective.conftest import ACTOR, Village, quantify
from tests.collective.test_service import passed_motion


def test_council_consultation_is_a_held_meeting_with_its_opinion(db: Database, clock: Clock,
                                                                 village: Village) -> None:
    with db.transaction() as s:
        meeting = collective.consult_affairs_council(s, collective_id=village.collective_id, subject_ref="RS2026-00001",
                                                     held_at=datetime(2026, 3, 2, 2, tzinfo=UTC), attendees=7,
                                                     opinion="同意提交表决", actor=ACTOR)
        info = collective.council_consultation(s, meeting.id)
        assert info is not None and info["minutes_sha256"]
        with pytest.raises(DomainError):
            collective.consult_affairs_council(s, collective_id=village.collective_id, subject_ref="x",
                                               held_at=datetime(2026, 3, 2, tzinfo=UTC), attendees=0, opinion="y",
                                               actor=ACTOR)


def test_land_revenue_split_to_the_fen_and_decided_by_the_consent_motion(db: Database, clock: Clock,
                                                                          village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        general = passed_motion(s, village, "general")
        consent = passed_motion(s, village, "market_entry_consent", subject_ref="RS2026-00001")
    with pytest.raises(DomainError) as e, db.transaction() as s:
        collective.distribute_land_revenue(s, collective_id=village.collective_id, amount="80800.01",
                                           retained="24240.00", period="RS2026-00001", motion_id=general,
                                           memo="入市收益", actor=ACTOR)
    assert e.value.code == "collective.wrong_motion"
    with db.transaction() as s:
        run = collective.distribute_land_revenue(s, collective_id=village.collective_id, amount="80800.01",
                                                 retained="24240.00", period="RS2026-00001", motion_id=consent,
                                                 memo="入市收益", actor=ACTOR)
        assert run is not None and run.amount_cny == Decimal("56560.01")
        lines = s.execute(select(func.sum(DividendLine.amount_cny)).where(DividendLine.run_id == run.id)).scalar_one()
        assert Decimal(str(lines)) in (Decimal("56560.01"), Decimal(5656001))
        book = s.execute(select(Book).where(Book.collective_id == village.collective_id,
                                            Book.owner == "collective")).scalar_one()
        assert book.balance_cny == Decimal("24240.00")


def _book(s: Session, village: Village) -> Book:
    return s.execute(select(Book).where(Book.collective_id == village.collective_id,
                                        Book.owner == "collective")).scalar_one()


def test_the_fees_of_an_entry_in_kind_are_paid_from_the_book_both_or_neither(db: Database, clock: Clock,
                                                                              village: Village) -> None:
    """作价入股: the collective pays the adjustment fee and the exchange's service fee from its own book, each an
    outgo of its own category; a book holding less than both posts neither; the categories are not for clerks."""
    with db.transaction() as s:
        book_id = _book(s, village).id
        collective.record_book_entry(s, book_id=book_id, direction="income", amount="3000.00",
                                     category="operating_income", memo="租金", actor=ACTOR)
    with pytest.raises(DomainError) as e, db.transaction() as s:
        collective.pay_land_entry_fees(s, collective_id=village.collective_id, adjustment_fee="2500.00",
                                       service_fee="500.01", reference="RS2026-00002", actor=ACTOR)
    assert e.value.code == "collective.insufficient_funds"
    with db.transaction() as s:
        assert _book(s, village).balance_cny == Decimal("3000.00")
        assert s.execute(select(func.count()).select_from(BookEntry)
                         .where(BookEntry.book_id == book_id)).scalar_one() == 1
        for category in ("entry_adjustment_fee", "entry_service_fee"):  # only through pay_land_entry_fees
            with pytest.raises(DomainError) as e:
                collective.record_book_entry(s, book_id=book_id, direction="outgo", amount="1.00",
                                             category=category, memo="手工", actor=ACTOR)
            assert e.value.code == "collective.category_mismatch"
    with db.transaction() as s:
        posted = collective.pay_land_entry_fees(s, collective_id=village.collective_id, adjustment_fee="2500.00",
                                                service_fee="500.00", reference="RS2026-00002", actor=ACTOR)
        assert [(p.direction, p.category, p.amount_cny) for p in posted] == [
            ("outgo", "entry_adjustment_fee", Decimal("2500.00")), ("outgo", "entry_service_fee", Decimal("500.00"))]
        assert all("RS2026-00002" in p.memo for p in posted)
        assert _book(s, village).balance_cny == Decimal("0.00")
        assert collective.pay_land_entry_fees(s, collective_id=village.collective_id, adjustment_fee="0",
                                              service_fee="0.00", reference="RS2026-00003", actor=ACTOR) == []


def test_a_consortiums_contribution_names_its_members_with_shares_summing_to_one(db: Database, clock: Clock,
                                                                                   village: Village) -> None:
    from fractions import Fraction

    from landbridge.registry import create_party
    from tests.collective.conftest import make_uscc
    from tests.collective.test_service import passed_motion
    from tests.registry.conftest import register, square

    with db.transaction() as s:
        unit = register(s, square(3, row=7), [(village.party_id, "1")],
                        right_type="collective_construction_land_use_right")
        lead, other = (create_party(s, kind="organisation", name=f"联合体公司{i}", id_number=make_uscc("91", 90 + i),
                                    actor=ACTOR).id for i in range(2))
        motion = passed_motion(s, village, "equity_contribution", subject_ref=f"registry.unit:{unit}")

    def contribute(partners: list[tuple[int, Fraction]]) -> object:
        with db.transaction() as s:
            return collective.contribute_land_equity(
                s, collective_id=village.collective_id, unit_id=unit, project_name="联合体项目", project_party_id=lead,
                valuation="500000.00", equity_share="1/5", motion_id=motion, actor=ACTOR, partners=partners).partners

    invalid = "collective.invalid_partners"
    for bad, code in (([(lead, Fraction(1, 2)), (other, Fraction(1, 3))], invalid),  # shares not summing to 1
                      ([(other, Fraction(1))], invalid),  # the project party is not a member
                      ([(lead, Fraction(1, 2)), (lead, Fraction(1, 2))], invalid),  # a member twice
                      ([(lead, Fraction(3, 2)), (other, Fraction(-1, 2))], invalid),  # a share not positive
                      ([(lead, Fraction(1, 2)), (village.persons[0], Fraction(1, 2))],  # a natural person
                       "collective.not_an_organisation")):
        with pytest.raises(DomainError) as e:
            contribute(bad)
        assert e.value.code == code
    assert contribute([(other, Fraction(2, 5)), (lead, Fraction(3, 5))]) == [
        {"party_id": lead, "share": "3/5"}, {"party_id": other, "share": "2/5"}]  # the project party first

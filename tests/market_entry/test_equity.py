"""Market entry by contribution as equity (作价入股, issue #15): the members' equity motion recorded at the vote,
the collective's contribution recorded with the confirmed result (the buyer as project party, the price as
valuation, the plan's share), and each refusal with its own code, changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.collective.models import EquityContribution
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.models import Bidder
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from landbridge.market_entry import deal, service
from landbridge.market_entry.models import EntryCase
from tests.collective.test_service import passed_motion
from tests.market_entry.conftest import ACTOR, OPERATOR, EntryWorld, company_bidders, lot_of, to_state, win
from tests.market_entry.test_service import refused, snapshot

EQUITY = {"method": "equity", "equity_share": "3/10", "term_years": 30}


def contributions(db: Database) -> int:
    with db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(EquityContribution)).scalar_one())


def test_an_equity_case_records_the_contribution_when_the_result_is_confirmed(db: Database, clock: Clock,
                                                                             world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "listed", **EQUITY)
    assert contributions(db) == 0  # nothing is contributed before the deal
    win(db, clock, world, cid)
    with db.transaction() as s:
        case = deal.confirm_result(s, case_id=cid, actor=OPERATOR)
        assert case.equity_motion_id is not None and case.equity_contribution_id is not None
        row = s.get(EquityContribution, case.equity_contribution_id)
        assert row is not None
        # the buyer is the project party, the price the valuation, the plan's share the collective's equity
        assert row.project_party_id == case.buyer_party_id == world.bidders[1]
        assert row.valuation_cny == case.price_cny == Decimal("101000.00")
        assert Fraction(row.equity_num, row.equity_den) == Fraction(3, 10)
        assert row.collective_id == world.village.collective_id and row.unit_id == world.unit
        assert row.right_id == world.right and row.motion_id == case.equity_motion_id
        assert case.number in row.project_name and "入股项目公司1" in row.project_name
        events = list_events(s, limit=500)
        contributed = [e for e in events if e.event_type.endswith("land_contributed_as_equity")]
        assert len(contributed) == 1 and contributed[0].payload["contribution_id"] == row.id
        assert contributed[0].payload["valuation_cny"] == "101000.00"
        assert contributed[0].payload["motion_id"] == case.equity_motion_id
        confirmed = [e for e in events if e.event_type.endswith("result_confirmed")]
        assert confirmed[-1].payload["equity_contribution_id"] == row.id
        assert confirmed[-1].payload["equity_share"] == "3/10"
    # the rest of the case runs as for a grant, the contract citing the contribution; the buyer holds the new right
    with db.transaction() as s:
        deal.sign_contract(s, case_id=cid, actor=ACTOR)
        case = s.get(EntryCase, cid)
        assert case is not None
        body = deal.contract_text(case, case.conditions or {})
        assert body["equity_contribution_id"] == case.equity_contribution_id and body["equity_share"] == "3/10"
    assert contributions(db) == 1


def test_a_grant_records_no_contribution(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "result_confirmed")
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.equity_contribution_id is None and case.equity_motion_id is None
    assert contributions(db) == 0


def test_the_vote_of_an_equity_case_needs_the_members_equity_motion(db: Database, clock: Clock,
                                                                   world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "council_consulted", **EQUITY)
    v = world.village
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        number = case.number
        consent = passed_motion(s, v, "market_entry_consent", subject_ref=number)
        other_case = passed_motion(s, v, "equity_contribution", subject_ref="RS2026-99999")
        wrong_kind = passed_motion(s, v, "revenue_distribution", subject_ref=number)
        failed = passed_motion(s, v, "equity_contribution", subject_ref=number, yes=1)
        good = passed_motion(s, v, "equity_contribution", subject_ref=number)

    def vote(equity: int | None) -> Callable[[Session], Any]:
        return lambda s: service.record_vote(s, case_id=cid, motion_id=consent, equity_motion_id=equity, actor=ACTOR)

    refused(db, "market_entry.equity_motion_required", vote(None), cid)
    refused(db, "market_entry.wrong_equity_motion", vote(other_case), cid)
    refused(db, "market_entry.wrong_equity_motion", vote(wrong_kind), cid)
    refused(db, "market_entry.wrong_equity_motion", vote(consent), cid)  # the consent is not the equity decision
    refused(db, "market_entry.equity_motion_not_passed", vote(failed), cid)
    with db.transaction() as s:
        case = service.record_vote(s, case_id=cid, motion_id=consent, equity_motion_id=good, actor=ACTOR)
        assert case.status == "vote_passed" and case.motion_id == consent and case.equity_motion_id == good


def test_a_grant_takes_no_equity_motion(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "council_consulted")
    with db.transaction() as s:
        number = s.get(EntryCase, cid).number  # type: ignore[union-attr]
        consent = passed_motion(s, world.village, "market_entry_consent", subject_ref=number)
        equity = passed_motion(s, world.village, "equity_contribution", subject_ref=number)
    refused(db, "market_entry.equity_motion_not_for_method",
            lambda s: service.record_vote(s, case_id=cid, motion_id=consent, equity_motion_id=equity, actor=ACTOR),
            cid)


def test_an_equity_lot_admits_no_natural_person(db: Database, clock: Clock, world: EntryWorld) -> None:
    """The exchange refuses a person's enrolment (alone or in a consortium) on an equity entry lot; a grant lot
    takes the same person."""
    person = world.bidders[0]
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "listed", **EQUITY)
    lot_id = lot_of(db, cid)

    def bidders() -> int:
        with db.transaction() as s:
            return int(s.execute(select(func.count()).select_from(Bidder).where(Bidder.lot_id == lot_id))
                       .scalar_one())

    for act in (lambda s: exchange.apply_for_lot(s, lot_id=lot_id, party_id=person, actor=f"party:{person}"),
                lambda s: exchange.apply_as_consortium(s, lot_id=lot_id, members=[(world.bidders[0], "1/2"),
                                                                                  (person, "1/2")], actor="x")):
        before = snapshot(db, cid), bidders()
        with pytest.raises(DomainError) as e, db.transaction() as s:
            act(s)
        assert e.value.code == "exchange.equity_bidder_not_organisation"
        assert e.value.http_status == 422 and "自然人" in e.value.message and "natural person" in e.value.message_en
        assert (snapshot(db, cid), bidders()) == before
    with db.transaction() as s:  # a company enrols
        assert exchange.apply_for_lot(s, lot_id=lot_id, party_id=world.bidders[0], actor="party").party_id \
            == world.bidders[0]


def test_a_natural_person_who_won_an_equity_lot_is_refused_at_the_result(db: Database, clock: Clock,
                                                                        world: EntryWorld,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A lot won by a natural person otherwise (enrolled before the exchange's check, say) makes no contribution:
    the result is refused with its code and nothing changes."""
    cid = to_state(db, clock, world, "listed", **EQUITY)
    import landbridge.exchange.service as exchange_service

    monkeypatch.setattr(exchange_service, "check_equity_bidder", lambda *a, **k: None)
    win(db, clock, world, cid)
    monkeypatch.undo()
    with db.transaction() as s:
        assert registry.get_party(s, world.bidders[1]).kind == "person"
    refused(db, "market_entry.equity_buyer_not_organisation",
            lambda s: deal.confirm_result(s, case_id=cid, actor=OPERATOR), cid)
    assert contributions(db) == 0
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.buyer_party_id is None and case.equity_contribution_id is None

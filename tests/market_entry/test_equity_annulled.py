"""A contribution as equity (作价入股, issue #15) made on a confirmed result that the exchange later annuls (an
objection to the result upheld): the case follows the land back to listed on the reopened lot and the collective's
books reverse the contribution (a named transition with its ledger event); the next result records a new one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge import collective, exchange
from landbridge.collective.models import EquityContribution
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, subjects
from landbridge.market_entry import deal
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import OPERATOR, EntryWorld, company_bidders, lot_of, to_state, win
from tests.market_entry.test_service import refused

EQUITY = {"method": "equity", "equity_share": "3/10", "term_years": 30}


def test_an_annulled_result_reverses_the_contribution_and_relists_the_case(db: Database, clock: Clock,
                                                                           world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "result_confirmed", **EQUITY)
    old_lot = lot_of(db, cid)
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.equity_contribution_id is not None
        first = case.equity_contribution_id
    # while the result stands there is nothing to annul
    refused(db, "market_entry.result_not_annulled", lambda s: deal.annul_result(s, case_id=cid, actor=OPERATOR), cid)
    with db.transaction() as s:  # the losing company objects; the exchange upholds the objection
        objection = exchange.file_objection(s, lot_id=old_lot, party_id=world.bidders[0], grounds="成交人与出让方串通",
                                            actor="party:loser")
        ruled = exchange.rule_result_objection(s, lot_id=old_lot, objection_id=objection.id, upheld=True,
                                               ruling="异议成立，撤销成交结果", actor=OPERATOR)
        assert ruled.reopened_lot_id is not None
        assert exchange.get_settlement(s, old_lot).status == "annulled"  # the settlement in kind is never made
        new_lot = ruled.reopened_lot_id
    with db.transaction() as s:
        case = deal.annul_result(s, case_id=cid, actor=OPERATOR)
        assert case.status == "listed" and case.lot_id == new_lot and case.attempts == 2
        assert case.price_cny is None and case.buyer_party_id is None and case.equity_contribution_id is None
        row = s.get(EquityContribution, first)
        assert row is not None and row.reversed_at is not None and row.reversed_by == OPERATOR
        assert row.reversal_reason is not None and case.number in row.reversal_reason
        reversed_ = [e for e in list_events(s, subject=subjects.collective(world.village.collective_id), limit=500)
                     if e.event_type.endswith("land_equity_contribution_reversed")]
        assert len(reversed_) == 1 and reversed_[0].payload["contribution_id"] == first
        annulled = [e for e in list_events(s, subject=subjects.entry_case(cid), limit=200)
                    if e.event_type.endswith("result_annulled")]
        assert annulled[-1].payload["reversed_contribution_id"] == first
        assert annulled[-1].payload["previous_lot_id"] == old_lot and annulled[-1].payload["lot_id"] == new_lot
    # a second reversal of the same contribution is refused
    with pytest.raises(DomainError) as e, db.transaction() as s:
        collective.reverse_land_equity_contribution(s, contribution_id=first, reason="再次撤销", actor=OPERATOR)
    assert e.value.code == "collective.contribution_reversed"
    # the reopened lot is won again: a new contribution is recorded, the reversed one stays on file
    win(db, clock, world, cid)
    with db.transaction() as s:
        case = deal.confirm_result(s, case_id=cid, actor=OPERATOR)
        assert case.equity_contribution_id not in (None, first) and case.price_cny == Decimal("101000.00")
        rows = s.execute(select(EquityContribution).where(EquityContribution.unit_id == world.unit)
                         .order_by(EquityContribution.id)).scalars().all()
        assert [r.id for r in rows] == [first, case.equity_contribution_id]
        assert rows[0].reversed_at is not None and rows[1].reversed_at is None

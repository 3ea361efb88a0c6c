"""Demo market-entry cases (issue #15 item 6): the small demo world has a case in every state of the case machine,
in several villages and by all three entry methods, each driven through the services on a clock that only moves
forward; the cases in use have the buyer's entered right registered and their price in the sales record."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.collective.models import BookEntry, EquityContribution
from landbridge.db import Database
from landbridge.demo.world import build_world
from landbridge.exchange.models import Deposit, Lot
from landbridge.ledger import list_events, subjects
from landbridge.market_entry.models import EntryCase
from landbridge.registry.models import RightHolder
from landbridge.valuation.sales.models import Sale, SaleSource

TODAY = date(2026, 6, 1)
STATES = {"opened", "conditions_issued", "plan_drafted", "council_consulted", "vote_passed", "filed",
          "revision_required", "cleared", "listed", "suspended", "unsuccessful", "result_confirmed", "contract_signed",
          "paid", "fees_settled", "revenue_distributed", "registered", "in_use", "withdrawn", "terminated"}


def test_the_small_demo_world_has_a_case_in_every_state(db: Database) -> None:
    report = build_world(db, get_profile(), scale="small", seed=20260101, today=TODAY)
    with db.transaction(readonly=True) as s:
        cases = s.execute(select(EntryCase).order_by(EntryCase.id)).scalars().all()
        assert report.entry_cases == len(cases) >= len(STATES) + 1
        states = Counter(c.status for c in cases)
        assert set(states) >= STATES, STATES - set(states)
        assert len({c.region_code[:12] for c in cases}) >= 2  # several villages
        assert len({c.region_code[:12] for c in cases if c.status in ("in_use", "registered", "paid",
                                                                          "revenue_distributed")}) >= 2
        filed = [c for c in cases if c.status == "filed"]
        assert any(c.objection_status == "pending" for c in filed)  # an objection lodged, the county to rule
        assert all(c.objection_status == "upheld" for c in cases if c.status == "revision_required")
        methods = {c.plan["method"] for c in cases if c.plan}
        assert methods == {"grant", "lease", "equity"}
        assert all(c.plan["equity_share"] == "3/10" for c in cases if c.plan and c.plan["method"] == "equity")
        for c in cases:  # each case's history runs forward in time
            times = [e.recorded_at for e in list_events(s, subject=subjects.entry_case(c.id), limit=200)]
            assert times == sorted(times) and len(times) >= 1
            if c.status in ("listed", "suspended"):
                lot = s.get(Lot, c.lot_id)
                assert lot is not None and lot.phase == "announced"  # opens after today
            if c.status == "terminated":
                lot = s.get(Lot, c.lot_id)
                assert lot is not None and lot.phase == "cancelled"
        in_use = [c for c in cases if c.status == "in_use"]
        assert len(in_use) >= 2
        sales = s.execute(select(Sale).where(Sale.source == SaleSource.exchange)).scalars().all()
        for c in in_use:
            assert c.buyer_party_id is not None and c.price_cny is not None and c.price_cny >= c.start_price_cny
            entered = [r for r in registry.current_rights(s, c.unit_id) if registry.is_entered_right(r)]
            holders = {h.party_id for r in entered for h in s.scalars(select(RightHolder).where(
                RightHolder.right_id == r.id))}
            assert entered and c.buyer_party_id in holders  # the buyer's new termed right is registered
            assert entered[0].attrs["entry_method"] == c.plan["method"]
            assert [x for x in sales if x.parcel_id == c.parcel_id and x.price_cny == c.price_cny]  # in the sales
        assert report.sales >= len(in_use) + report.entries
        # a contribution as equity in use: the collective's books hold the land contributed to the buyer's company
        # at the price, for the plan's share, decided by the representatives' equity motion (作价入股)
        dealt = [c for c in cases if c.plan and c.plan["method"] == "equity" and c.buyer_party_id is not None]
        assert any(c.status == "in_use" for c in dealt)
        for c in dealt:
            row = s.get(EquityContribution, c.equity_contribution_id)
            assert row is not None and row.project_party_id == c.buyer_party_id and row.valuation_cny == c.price_cny
            assert (row.equity_num, row.equity_den) == (3, 10) and row.motion_id == c.equity_motion_id
            assert registry.get_party(s, c.buyer_party_id).kind == "organisation"
        # settled in kind (以地作价入股): no price paid, the deposits refunded, the fees from the collective's book,
        # nothing distributed to the members
        past_paid = [c for c in dealt if c.status in ("paid", "fees_settled", "revenue_distributed", "registered",
                                                      "in_use")]
        assert any(c.status == "in_use" for c in past_paid)
        for c in past_paid:
            row = exchange.get_settlement(s, c.lot_id)
            assert row.status == "in_kind" and row.paid_cny == row.balance_cny == Decimal("0.00")
            assert {d.status for d in s.scalars(select(Deposit).where(Deposit.lot_id == c.lot_id))} <= {
                "refund_due", "refunded"}
            if c.status == "paid":
                continue
            assert c.proceeds_cny == Decimal("0.00") and c.adjustment_fee_cny == row.adjustment_fee_cny
            memo = s.scalars(select(BookEntry.memo).where(BookEntry.category == "entry_adjustment_fee",
                                                          BookEntry.amount_cny == row.adjustment_fee_cny)).all()
            assert [m for m in memo if c.number in m]  # charged to the collective's book
            if c.status != "fees_settled":
                assert c.members_cny == Decimal("0.00") and c.dividend_run_id is None


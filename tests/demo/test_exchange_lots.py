"""Demo exchange lots on a small world: lots of several kinds over registered rights, confirmed deposits,
bids, one lot awarded, confirmed, settled and handed over; the ledger still verifies; the same seed gives the
same lots."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from landbridge.auth.models import User
from landbridge.auth.service import principal_for
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.exchange_legal import TITLE
from landbridge.demo.exchange_lots import seed_exchange
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.exchange import notice_of
from landbridge.exchange.entry_models import EntryTerms
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot, LotResult
from landbridge.exchange.reconcile import Category, reconcile_deposits
from landbridge.exchange.settlement_models import Settlement
from landbridge.exchange.todos import todos as exchange_todos
from landbridge.land_quota.models import QuotaLot
from landbridge.ledger import verify_ledger
from landbridge.valuation.sales.models import Sale
from tests.demo.test_world import SEED, TODAY, _plan


def test_seed_exchange_on_a_small_world(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 120) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)  # seeds the lots
    with db.transaction(readonly=True) as s:
        entered = set(s.scalars(select(EntryTerms.lot_id)))  # market entries (issue #15), checked below
        quota = set(s.scalars(select(QuotaLot.lot_id)))  # quota sold on the exchange: land quota's demo (issue #16)
        every = [lot for lot in s.scalars(select(Lot).order_by(Lot.id)).all() if lot.id not in entered | quota]
        assert report.lots == len(every)
        preempted = [lot for lot in every if lot.title.startswith(TITLE)]  # issue #24's lot (below)
        lots = [lot for lot in every if lot not in preempted]
        assert len(lots) >= 3
        kinds = {lot.kind for lot in lots}
        assert {"land_management_right", "collateral"} <= kinds and len(kinds) >= 3
        assert all(lot.unit_id is not None and lot.right_id is not None for lot in lots)
        finished = [lot for lot in lots if lot.phase == "handed_over"]
        assert len(finished) == 1
        result = s.scalars(select(LotResult).where(LotResult.lot_id == finished[0].id)).one()
        assert result.outcome == "award" and result.confirmation_no and result.price_cny
        assert result.registry_application_id is not None  # handed over only after the price was settled
        paid = s.scalars(select(Settlement).where(Settlement.lot_id == finished[0].id)).one()
        assert paid.status == "paid" and paid.paid_cny == result.price_cny - paid.earnest_cny
        assert paid.paid_at is not None and result.handed_over_at is not None and paid.paid_at < result.handed_over_at
        assert result.price_cny > finished[0].start_price_cny
        open_lots = [lot for lot in lots if lot.phase in ("listing", "live_auction")]
        assert len(open_lots) == len(lots) - 1
        assert all(lot.current_price_cny is not None for lot in open_lots)
        confirmed = s.scalar(select(func.count()).select_from(Deposit).where(Deposit.status != "pending"))
        assert confirmed == s.scalar(select(func.count()).select_from(Deposit)) >= 3 + 2 * len(open_lots)
        assert s.scalar(select(func.count()).select_from(Bid).where(Bid.status == "rejected")) == 0
        # the simulated bank's credits are kept as the callback keeps them: the demo reconciles cleanly
        rec = reconcile_deposits(s, date_from=TODAY - timedelta(days=365), date_to=TODAY)
        kinds = Counter(line.category for line in rec.lines)
        assert kinds[Category.confirmed_without_credit] == 0
        # an entry contributed as equity (作价入股) is settled in kind: no balance credited (issue #15)
        in_kind = s.scalar(select(func.count()).select_from(EntryTerms).where(EntryTerms.method == "equity"))
        assert kinds[Category.settlement_in_kind] == in_kind
        assert kinds[Category.settlement_paid] == 1 + report.entries - in_kind
        assert kinds[Category.matched] == confirmed + 1 + report.entries - in_kind  # deposits, the settled balances
        # the market entries: each handed over, a new termed right registered, its price in the sales record
        # (the small world's one operating parcel is on the exchange already: tests/exchange/test_market_entry.py
        # seeds the entries on a world that has free ones)
        assert report.entries == len(entered)
        assert all(s.get(Lot, i).phase == "handed_over" for i in entered)  # type: ignore[union-attr]
        fed = s.scalars(select(Sale).where(Sale.source == "exchange")).all()
        assert len(fed) == len(entered) + 1  # the entries and the demo's finished lot
        collateral = next(lot for lot in lots if lot.kind == "collateral")
        assert collateral.method == "auction" and collateral.excluded_party_ids
        assert collateral.start_price_cny >= collateral.appraised_value_cny * 7 / 10  # type: ignore[operator]
        # issue #24: a member of the collective took a lot over the best outside offer by pre-emption; its
        # results notice is published and an objection to it was dismissed
        assert len(preempted) == 1 and preempted[0].phase == "confirmed"
        won = s.scalars(select(LotResult).where(LotResult.lot_id == preempted[0].id)).one()
        assert won.reason == "preemption" and won.confirmation_no
        notice = notice_of(s, preempted[0])
        assert notice is not None and [o.status for o in notice.objections] == ["dismissed"]
        assert verify_ledger(s).ok
        assert min(lot.announced_at for lot in lots).date() < date(2026, 5, 1)  # type: ignore[union-attr]
        # issue #20: the demo bidder account is a person enrolled on a lot open today, which its hall lists
        user = s.scalars(select(User).where(User.username == "bidder")).one()
        assert user.party_id is not None and user.display_name.startswith("竞买人 ")
        mine = {b.lot_id for b in s.scalars(select(Bidder).where(Bidder.party_id == user.party_id))}
        assert mine & {lot.id for lot in open_lots}
        hall = list(exchange_todos(s, principal_for(s, user)))
        assert {t.href for t in hall} >= {f"/exchange/lots/{i}" for i in mine & {lot.id for lot in open_lots}}
    with db.transaction() as s:  # called again on the same world: another set of lots, nothing refused
        assert seed_exchange(s, today=TODAY, seed=8, actor="system:demo") == len(lots)

"""An entry contributed as equity (作价入股, issue #15) settles in kind: the winning company pays no price (the deposit
is refunded, nothing falls due), the settlement reads paid in kind at the transaction value, the collective pays
the adjustment fee (on that value) and the exchange's service fee from its own book, and nothing is distributed to
the members; the case still reaches registration and use. A grant keeps the cash path."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import exchange, registry
from landbridge.collective.models import Book, BookEntry, DividendRun, EquityContribution
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange import reconcile
from landbridge.exchange.models import Deposit, Lot
from landbridge.exchange.settlement_models import SettlementInstalment
from landbridge.kernel.clock import Clock, now, to_local
from landbridge.ledger import list_events, subjects
from landbridge.main import create_app
from landbridge.market_entry import deal
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import (
    ACTOR,
    OPERATOR,
    EntryWorld,
    company_bidders,
    fund_book,
    lot_of,
    pay_all,
    to_state,
)
from tests.market_entry.test_service import refused, snapshot

EQUITY = {"method": "equity", "equity_share": "3/10", "term_years": 30}
PRICE = Decimal("101000.00")  # the winning bid of ``win``
FEN = Decimal("0.01")


def book_of(db: Database, w: EntryWorld) -> tuple[Decimal, list[tuple[str, str, Decimal]]]:
    """The collective's book: its balance and its entries (direction, category, amount) in order."""
    with db.transaction() as s:
        book = s.execute(select(Book).where(Book.collective_id == w.village.collective_id,
                                            Book.owner == "collective")).scalar_one()
        entries = s.execute(select(BookEntry).where(BookEntry.book_id == book.id).order_by(BookEntry.id)).scalars()
        return book.balance_cny, [(e.direction, e.category, e.amount_cny) for e in entries]


def dividend_runs(db: Database) -> int:
    with db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(DividendRun)).scalar_one())


def lot_events(db: Database, lot_id: int, name: str) -> list[dict[str, object]]:
    with db.transaction() as s:
        return [e.payload for e in list_events(s, subject=subjects.lot(lot_id), limit=500)
                if e.event_type.endswith(name)]


def test_an_equity_entry_is_settled_in_kind_end_to_end(db: Database, clock: Clock, world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "result_confirmed", **EQUITY)
    lot_id = lot_of(db, cid)
    with db.transaction() as s:  # the award opened no cash settlement: no balance, no instalments, no deadline
        row = exchange.get_settlement(s, lot_id)
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.phase == "confirmed" and lot.next_due_at is None
        assert row.status == "in_kind_due" and row.price_cny == PRICE
        assert (row.earnest_cny, row.balance_cny, row.payout_cny) == (Decimal("0.00"),) * 3
        assert s.execute(select(func.count()).select_from(SettlementInstalment)
                         .where(SettlementInstalment.settlement_id == row.id)).scalar_one() == 0
        # the service fee and the adjustment fee on the transaction value, owed by the seller
        assert row.fee_cny == (PRICE * Decimal(row.fee_rate)).quantize(FEN, ROUND_HALF_UP) == Decimal("1010.00")
        assert row.adjustment_rate is not None and row.adjustment_base_cny == PRICE
        adjustment = (PRICE * Decimal(row.adjustment_rate)).quantize(FEN, ROUND_HALF_UP)
        assert row.adjustment_fee_cny == adjustment > 0
        fee, sub_account, winner = row.fee_cny, row.sub_account, row.bidder_id
        winner_name = registry.get_party(s, row.party_id).name
        earnest = s.execute(select(Deposit).where(Deposit.bidder_id == winner)).scalar_one()
        assert earnest.status == "converted"
        deposit_amount = earnest.amount_cny
    opened = lot_events(db, lot_id, "settlement_opened")
    assert opened[-1]["in_kind"] == "以地作价入股" and opened[-1]["balance_cny"] == "0.00"
    assert opened[-1]["instalments"] == [] and opened[-1]["fees_payer"] == "seller"
    # the company has nothing to pay: any credit to the sub-account is refused
    with pytest.raises(DomainError) as e, db.transaction() as s:
        exchange.pay_balance(s, sub_account=sub_account, amount="1.00", payer_name=winner_name, bank_ref="B-X",
                             actor="bank:callback")
    assert e.value.code == "exchange.settlement_not_due"
    clock.advance(timedelta(days=30))  # no balance deadline: the worker records no default
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        assert exchange.get_settlement(s, lot_id).status == "in_kind_due"
        deal.sign_contract(s, case_id=cid, actor=ACTOR)
    pay_all(db, world, cid)  # nothing to pay
    with db.transaction() as s:
        case = deal.record_payment(s, case_id=cid, actor=OPERATOR)
        assert case.status == "paid"
        row = exchange.get_settlement(s, lot_id)
        assert row.status == "in_kind" and row.paid_cny == Decimal("0.00") and row.paid_at is not None
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.phase == "settled"
        earnest = s.execute(select(Deposit).where(Deposit.bidder_id == winner)).scalar_one()
        assert earnest.status == "refund_due" and earnest.refund_due_on is not None  # refunded, not applied
        # every deposit of the lot is refunded: nobody paid anything towards a price
        assert {d.status for d in s.execute(select(Deposit).where(Deposit.lot_id == lot_id)).scalars()} \
            == {"refund_due"}
        paid = [e for e in list_events(s, subject=subjects.entry_case(cid), limit=200)
                if e.event_type.endswith("price_paid")]
        assert paid[-1].payload["in_kind"] == "以地作价入股" and paid[-1].payload["paid_cny"] == "0.00"
        assert paid[-1].payload["value_cny"] == "101000.00"
    settled = lot_events(db, lot_id, "settle_in_kind")
    assert len(settled) == 1 and settled[0]["value_cny"] == "101000.00" and settled[0]["paid_cny"] == "0.00"
    assert settled[0]["deposit_refunded"]["amount_cny"] == f"{deposit_amount:.2f}"  # type: ignore[index]
    assert not lot_events(db, lot_id, "seller_payout")  # no cash payout to the seller
    # the collective pays the adjustment fee and the service fee from its own book
    fund_book(db, world, "25000.00")
    before, entries_before = book_of(db, world)
    runs = dividend_runs(db)
    with db.transaction() as s:
        case = deal.settle_fees(s, case_id=cid, actor=OPERATOR)
        assert case.status == "fees_settled" and case.proceeds_cny == Decimal("0.00")
        assert (case.fee_cny, case.adjustment_fee_cny) == (fee, adjustment)
    after, entries = book_of(db, world)
    assert after == before - fee - adjustment
    assert entries[len(entries_before):] == [("outgo", "entry_adjustment_fee", adjustment),
                                             ("outgo", "entry_service_fee", fee)]
    with db.transaction() as s:
        events = list_events(s, subject=subjects.collective(world.village.collective_id), limit=500)
        charged = [e for e in events if e.event_type.endswith("land_entry_fees_paid")]
        assert len(charged) == 1 and charged[0].payload["adjustment_fee_cny"] == f"{adjustment:.2f}"
        assert charged[0].payload["service_fee_cny"] == "1010.00"
    # nothing is distributed: the collective's asset is its equity share
    with db.transaction() as s:
        case = deal.distribute_revenue(s, case_id=cid, actor=ACTOR)
        assert case.status == "revenue_distributed" and case.dividend_run_id is None
        assert (case.retained_cny, case.members_cny) == (Decimal("0.00"), Decimal("0.00"))
    assert book_of(db, world) == (after, entries) and dividend_runs(db) == runs
    assert not [c for _, c, _ in entries if c in ("land_revenue", "dividend")]
    with db.transaction() as s:
        case = deal.register(s, case_id=cid, actor=OPERATOR)
        assert case.registry_application_id is not None
        registry.approve_application(s, application_id=case.registry_application_id, actor="user:1:registrar")
        case = deal.put_in_use(s, case_id=cid, actor="user:1:registrar")
        assert case.status == "in_use"
        entered = [r for r in registry.current_rights(s, world.unit) if registry.is_entered_right(r)]
        assert entered and entered[0].attrs["entry_method"] == "equity"
        assert case.buyer_party_id in {p for p, _ in registry.holders_of(s, entered[0].id)}
    # the exchange's reconciliation shows the settlement in kind, no cash, its fees and the deposits refunded
    day = to_local(now()).date()
    with db.transaction() as s:
        report = reconcile.reconcile_deposits(s, date_from=day - timedelta(days=120), date_to=day)
    in_kind = [x for x in report.lines if x.category == reconcile.Category.settlement_in_kind]
    assert len(in_kind) == 1 and in_kind[0].amount_cny == Decimal("0.00") and in_kind[0].expected_cny == 0
    assert "value 101000.00" in in_kind[0].detail and "fee 1010.00" in in_kind[0].detail
    assert f"adjustment fee {adjustment:.2f}" in in_kind[0].detail and "payout 0.00" in in_kind[0].detail
    assert not [x for x in report.lines if x.category in (reconcile.Category.settlement_paid,
                                                          reconcile.Category.converted)]


def test_the_fees_of_an_entry_in_kind_need_the_collectives_funds(db: Database, clock: Clock,
                                                                  world: EntryWorld) -> None:
    """A book holding less than both fees: refused with its own code, nothing posted, the case unchanged; once
    funded the step goes through."""
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "paid", **EQUITY)
    fund_book(db, world, "1000.00")  # less than the service fee alone
    book = book_of(db, world)
    refused(db, "market_entry.fees_unfunded", lambda s: deal.settle_fees(s, case_id=cid, actor=OPERATOR), cid)
    assert book_of(db, world) == book
    fund_book(db, world, "29000.00")
    with db.transaction() as s:
        assert deal.settle_fees(s, case_id=cid, actor=OPERATOR).status == "fees_settled"


def test_settle_in_kind_guards_itself(db: Database, clock: Clock, world: EntryWorld) -> None:
    """The exchange's transition refuses a grant lot (its settlement is in cash) and a lot already settled; the
    grant keeps the cash path: balance due, deposit applied, the price paid and distributed."""
    grant = to_state(db, clock, world, "result_confirmed")
    lot_id = lot_of(db, grant)
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        assert row.status == "due" and row.balance_cny == PRICE - row.earnest_cny and row.earnest_cny > 0
    before = snapshot(db, grant)
    with pytest.raises(DomainError) as e, db.transaction() as s:
        exchange.settle_in_kind(s, lot_id=lot_id, actor=OPERATOR)
    assert e.value.code == "exchange.not_in_kind" and e.value.http_status == 409
    assert "作价入股" in e.value.message and snapshot(db, grant) == before
    with db.transaction() as s:
        deal.sign_contract(s, case_id=grant, actor=ACTOR)
    pay_all(db, world, grant)
    with db.transaction() as s:
        deal.record_payment(s, case_id=grant, actor=OPERATOR)
        deal.settle_fees(s, case_id=grant, actor=OPERATOR)
        case = deal.distribute_revenue(s, case_id=grant, actor=ACTOR)
        assert case.proceeds_cny is not None and case.proceeds_cny > 0 and case.members_cny is not None \
            and case.members_cny > 0 and case.dividend_run_id is not None


def test_an_equity_lot_cannot_be_settled_in_kind_twice(db: Database, clock: Clock, world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "paid", **EQUITY)
    lot_id = lot_of(db, cid)
    before = snapshot(db, cid)
    with pytest.raises(DomainError) as e, db.transaction() as s:
        exchange.settle_in_kind(s, lot_id=lot_id, actor=OPERATOR)
    assert e.value.code == "exchange.invalid_transition" and snapshot(db, cid) == before
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "paid"


def win_as_consortium(db: Database, clock: Clock, w: EntryWorld, cid: int) -> None:
    """Companies 0 (lead, 3/5) and 2 (2/5) bid jointly against company 1 and win at 101 000; the award is
    confirmed."""
    lot_id = lot_of(db, cid)
    lead, single, partner = w.bidders
    with db.transaction() as s:
        lot = exchange.get_lot(s, lot_id)
        joint = exchange.apply_as_consortium(s, lot_id=lot_id, members=[(lead, "3/5"), (partner, "2/5")],
                                             actor=f"party:{lead}")
        alone = exchange.apply_for_lot(s, lot_id=lot_id, party_id=single, actor=f"party:{single}")
        for b in (alone, joint):
            d = s.execute(select(Deposit).where(Deposit.bidder_id == b.id)).scalar_one()
            exchange.confirm_deposit(s, sub_account=d.sub_account, amount=d.amount_cny,
                                     payer_name=w.names[b.party_id], bank_ref=f"BANK-{d.sub_account}",
                                     actor="bank:callback")
        order = [(alone.id, alone.party_id), (joint.id, joint.party_id)]
        starts, ends = lot.starts_at, lot.ends_at
    clock.set(starts)
    with db.transaction() as s:
        for i, (bidder_id, party) in enumerate(order):
            assert exchange.place_bid(s, lot_id=lot_id, bidder_id=bidder_id, amount=str(100000 + 1000 * i),
                                      idempotency_key=f"k{bidder_id}", actor=f"party:{party}").accepted
    assert ends is not None
    clock.set(ends + timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)


def test_a_contribution_won_by_a_consortium_names_every_member(db: Database, clock: Clock,
                                                                world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    lead, _, partner = world.bidders
    cid = to_state(db, clock, world, "listed", **EQUITY)
    win_as_consortium(db, clock, world, cid)
    with db.transaction() as s:
        case = deal.confirm_result(s, case_id=cid, actor=OPERATOR)
        row = s.get(EquityContribution, case.equity_contribution_id)
        assert row is not None and row.project_party_id == case.buyer_party_id == lead
        assert row.partners == [{"party_id": lead, "share": "3/5"}, {"party_id": partner, "share": "2/5"}]
        events = list_events(s, limit=500)
        contributed = [e for e in events if e.event_type.endswith("land_contributed_as_equity")]
        assert contributed[-1].payload["partners"] == row.partners
        confirmed = [e for e in events if e.event_type.endswith("result_confirmed")]
        assert confirmed[-1].payload["partners"] == row.partners


def test_a_single_company_contribution_names_no_partners(db: Database, clock: Clock, world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "result_confirmed", **EQUITY)
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        row = s.get(EquityContribution, case.equity_contribution_id)
        assert row is not None and row.partners is None and row.project_party_id == case.buyer_party_id


def test_the_lot_page_reads_paid_in_kind(db: Database, clock: Clock, world: EntryWorld) -> None:
    with db.transaction() as s:
        company_bidders(s, world)
    cid = to_state(db, clock, world, "result_confirmed", **EQUITY)
    lot_id = lot_of(db, cid)
    with TestClient(create_app()) as c:
        due = c.get(f"/exchange/lots/{lot_id}?lang=zh_CN")
        assert due.status_code == 200 and "待以地作价入股结算" in due.text and 'id="in-kind"' in due.text
        assert "作价金额（元） 101,000.00" in due.text and "付款期限" not in due.text
        with db.transaction() as s:
            deal.sign_contract(s, case_id=cid, actor=ACTOR)
            deal.record_payment(s, case_id=cid, actor=OPERATOR)
        done = c.get(f"/exchange/lots/{lot_id}?lang=zh_CN")
        assert "以地作价入股（实物结算）" in done.text and "价款余额已付" not in done.text
        assert "Paid in kind (land contributed as equity)" in c.get(f"/exchange/lots/{lot_id}?lang=en").text

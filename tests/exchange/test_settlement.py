"""Price settlement (价款结算, issue #6 item 6): the pure balance, fee and due-day rules; the lifecycle (paid in
time -> settled -> handover; a wrong amount refused and kept for reconciliation; overdue -> default -> the
runner-up promoted or the lot failed; handover before settlement refused); the API's permission matrix."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge import exchange
from landbridge.db import Database
from landbridge.errors import Conflict, RuleViolation
from landbridge.exchange import reconcile
from landbridge.exchange.document_models import BankCredit, ExchangeDocument
from landbridge.exchange.models import Lot
from landbridge.exchange.settlement_models import Settlement
from landbridge.exchange.settlement_rules import balance_due_on, is_overdue, overdue_at, settlement_terms
from landbridge.exchange.views import sign_callback
from landbridge.kernel.clock import Clock, ensure_utc, to_local
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import current_size, list_events, verify_ledger
from tests.exchange.conftest import OPERATOR, World
from tests.exchange.settling import awarded, pay_balance
from tests.exchange.test_api import Api, api, auth, make_lot, pay  # noqa: F401 - api is a fixture
from tests.exchange.test_service import deposits, lot_of, run_due

FEN = Decimal("0.01")
fen_amounts = st.integers(min_value=1, max_value=10**12).map(lambda n: Decimal(n) * FEN)


# --- pure rules -----------------------------------------------------------------------------------

@given(price=fen_amounts, share=st.integers(min_value=0, max_value=100), rate=st.integers(0, 999))
def test_terms_are_fen_exact_and_add_up(price: Decimal, share: int, rate: int) -> None:
    earnest = (price * share / 100).quantize(FEN, rounding="ROUND_DOWN")
    fee_rate = Decimal(rate) / 1000
    t = settlement_terms(price, earnest, fee_rate)
    assert t.balance + t.earnest == price and t.fee + t.payout == price
    assert all(v == v.quantize(FEN) for v in (t.balance, t.fee, t.payout))
    assert abs(t.fee - price * fee_rate) <= Decimal("0.005")
    assert 0 <= t.balance <= price and 0 <= t.fee <= price and t.payout >= 0  # half-up: a tiny price may round up


@given(price=fen_amounts, extra=fen_amounts)
def test_terms_refuse_earnest_above_price_and_bad_rates(price: Decimal, extra: Decimal) -> None:
    with pytest.raises(RuleViolation) as err:
        settlement_terms(price, price + extra, Decimal("0.01"))
    assert err.value.code == "exchange.invalid_settlement"
    for rate in (Decimal("-0.01"), Decimal("1")):
        with pytest.raises(RuleViolation) as bad:
            settlement_terms(price, Decimal(0), rate)
        assert bad.value.code == "exchange.invalid_fee_rate"


def test_due_day_follows_the_contract_and_overdue_starts_at_local_midnight() -> None:
    # confirmed Friday 3 April 2026 (Qingming holiday 4-6 April): +10 working days to sign, +20 to pay
    due = balance_due_on(date(2026, 4, 3), 10, 20)
    assert due == add_workdays(add_workdays(date(2026, 4, 3), 10), 20)
    assert due.weekday() < 5 and due > date(2026, 4, 3) + timedelta(days=30 * 7 // 5)
    limit = overdue_at(due)
    assert to_local(limit).date() == due + timedelta(days=1) and to_local(limit).hour == 0
    assert not is_overdue(due, limit - timedelta(seconds=1)) and is_overdue(due, limit)


# --- lifecycle --------------------------------------------------------------------------------------

def test_paid_in_time_settles_pays_the_seller_and_allows_the_handover(db: Database, clock: Clock,
                                                                     world: World) -> None:
    lot_id, (ba, bb, bc) = awarded(db, clock, world)
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.phase == "confirmed"
        assert (row.price_cny, row.earnest_cny, row.balance_cny) == (Decimal("102000.00"), Decimal("10000.00"),
                                                                    Decimal("92000.00"))
        assert (row.fee_rate, row.fee_cny, row.payout_cny) == ("0.01", Decimal("1020.00"), Decimal("100980.00"))
        assert row.status == "due" and row.bidder_id == bc.id and row.payout_party_id == world.seller
        assert ensure_utc(lot.next_due_at) == overdue_at(row.due_on)  # type: ignore[arg-type]
        contract = s.scalar(select(ExchangeDocument).where(ExchangeDocument.lot_id == lot_id,
                                                           ExchangeDocument.kind == "contract"))
        assert contract is not None
        d = row.due_on
        assert contract.content["pay_by"] == f"{d.year}年{d.month}月{d.day}日"  # the day the contract prints
        assert contract.content["balance"] == "92,000.00"
        with pytest.raises(Conflict) as early:
            exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        assert early.value.code == "exchange.not_settled"
        sub = row.sub_account
    assert deposits(db, lot_id)[bb.id] == "confirmed"  # the runner-up stays held until the price is paid
    for amount, payer, code in (("91999.99", world.names[bc.party_id], "exchange.settlement_amount_mismatch"),
                                ("92000.00", "别人", "exchange.settlement_payer_mismatch"),
                                ("92000.001", world.names[bc.party_id], "exchange.invalid_amount")):
        with db.transaction() as s, pytest.raises(RuleViolation) as err:
            exchange.pay_balance(s, sub_account=sub, amount=amount, payer_name=payer, bank_ref=f"R-{amount}",
                                 actor="bank:callback")
        assert err.value.code == code
    with db.transaction() as s:
        paid = pay_balance(s, lot_id, ref="PAY-1")
        assert paid.status == "paid" and paid.paid_cny == Decimal("92000.00") and paid.payout_at is not None
        assert pay_balance(s, lot_id, ref="PAY-1").id == paid.id  # the bank repeats its callback
        with pytest.raises(Conflict) as twice:
            pay_balance(s, lot_id, ref="PAY-2")
        assert twice.value.code == "exchange.settlement_not_due"
    assert lot_of(db, lot_id).phase == "settled" and lot_of(db, lot_id).next_due_at is None
    assert run_due(db) == 1  # the runner-up's refund (the first bidder's came with the decision)
    assert deposits(db, lot_id) == {ba.id: "refunded", bb.id: "refunded", bc.id: "converted"}
    with db.transaction() as s:
        assert exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR).registry_application_id is not None
    with db.transaction(readonly=True) as s:
        events = [e for e in list_events(s, limit=1000) if e.subject == f"lot:{lot_id}"]
        kinds = [e.event_type for e in events]
        assert kinds.index("confirm_award") < kinds.index("settlement_opened") < kinds.index("settle") \
            < kinds.index("seller_payout") < kinds.index("hand_over")
        payout = json.loads(next(e for e in events if e.event_type == "seller_payout").body)["payload"]
        assert payout["payout_cny"] == "100980.00" and payout["fee_cny"] == "1020.00"
        assert verify_ledger(s).ok


def test_overdue_balance_defaults_the_winner_and_promotes_the_runner_up(db: Database, clock: Clock,
                                                                         world: World) -> None:
    lot_id, (_ba, bb, bc) = awarded(db, clock, world)
    with db.transaction() as s:
        first = exchange.get_settlement(s, lot_id)
        limit, sub = first.overdue_at, first.sub_account
    clock.set(ensure_utc(limit) - timedelta(seconds=1))
    assert run_due(db) == 0  # the balance is not overdue yet
    clock.set(ensure_utc(limit))
    assert run_due(db) >= 1
    lot = lot_of(db, lot_id)
    assert lot.phase == "award_pending" and lot.next_due_at is None
    status = deposits(db, lot_id)
    assert status[bc.id] == "forfeited" and status[bb.id] == "converted"
    with db.transaction() as s:
        old = s.get(Settlement, first.id)
        assert old is not None and old.status == "defaulted" and old.defaulted_at is not None
        with pytest.raises(Conflict) as late:  # the defaulted winner's late payment is refused
            exchange.pay_balance(s, sub_account=sub, amount="92000.00", payer_name=world.names[bc.party_id],
                                 bank_ref="LATE", actor="bank:callback")
        assert late.value.code == "exchange.settlement_not_due"
    with db.transaction() as s:
        result = exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        assert result.winner_bidder_id == bb.id and result.price_cny == Decimal("101000.00")
        second = exchange.get_settlement(s, lot_id)
        assert second.id != first.id and second.bidder_id == bb.id and second.balance_cny == Decimal("91000.00")
    with db.transaction(readonly=True) as s:
        kinds = [e.event_type for e in list_events(s, limit=1000) if e.subject == f"lot:{lot_id}"]
        assert {"settlement_defaulted", "deposit_forfeited"} <= set(kinds) and kinds.count("settlement_opened") == 2
        report = reconcile.reconcile_deposits(s, date_from=to_local(limit).date() - timedelta(days=60),
                                              date_to=to_local(limit).date())
        overdue = [x for x in report.lines if x.category == reconcile.Category.settlement_overdue]
        assert [(x.sub_account, x.expected_cny) for x in overdue] == [(sub, Decimal("92000.00"))]
        assert verify_ledger(s).ok


def test_overdue_without_a_runner_up_fails_the_lot(db: Database, clock: Clock, world: World) -> None:
    lot_id, (ba,) = awarded(db, clock, world, n=1)
    with db.transaction() as s:
        limit = exchange.get_settlement(s, lot_id).overdue_at
    clock.set(ensure_utc(limit) + timedelta(days=1))
    with db.transaction() as s:  # paid a day late: the pending default is recorded first, then the credit refused
        with pytest.raises(Conflict) as late:
            pay_balance(s, lot_id, ref="LATE")
        assert late.value.code == "exchange.settlement_not_due"
    run_due(db)
    assert lot_of(db, lot_id).phase == "unsuccessful" and deposits(db, lot_id)[ba.id] == "forfeited"
    with db.transaction() as s, pytest.raises(Conflict) as err:
        exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
    assert err.value.code == "exchange.invalid_transition"


# --- API ------------------------------------------------------------------------------------------

def callback(client_api: Api, sub_account: str, amount: str, name: str, ref: str, *, sign: bool = True) -> int:
    raw = json.dumps({"sub_account": sub_account, "amount_cny": amount, "payer_name": name, "bank_ref": ref}).encode()
    headers = {"x-bank-signature": sign_callback(raw) if sign else "sha256=00", "content-type": "application/json"}
    return int(client_api.client.post("/api/v1/exchange/bank/callback", content=raw, headers=headers).status_code)


def state(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), *(s.scalar(select(func.count()).select_from(m)) or 0
                                   for m in (Settlement, BankCredit)),
                *(s.scalars(select(Settlement.status).order_by(Settlement.id)).all()))  # type: ignore[arg-type]


def test_settlement_api_permissions_wrong_amount_kept_and_page(api: Api, db: Database) -> None:  # noqa: F811
    lot = make_lot(api)
    lid = lot["id"]
    winner = api.world.names[api.world.bidders[0]]
    reg = api.client.post(f"/api/v1/exchange/lots/{lid}/applications", headers=auth(api.client, "bidder")).json()
    assert pay(api, reg["sub_account"], "10000.00", winner, "D1").status_code == 200
    url = f"/api/v1/exchange/lots/{lid}/settlement"
    h = auth(api.client, "exchange")
    assert api.client.get(url, headers=h).json()["code"] == "exchange.settlement_not_found"
    api.clock.set(api.clock.now() + timedelta(days=8))
    r = api.client.post(f"/api/v1/exchange/lots/{lid}/bids", json={"amount_cny": "100000", "idempotency_key": "w"},
                        headers=auth(api.client, "bidder"))
    assert r.status_code == 201
    api.clock.set(api.clock.now() + timedelta(days=30))
    with db.transaction() as s:
        exchange.run_due(s)
    h = auth(api.client, "exchange")  # a fresh token after the month
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/award/confirm", headers=h).status_code == 200
    for user, status in ((None, 401), ("bidder2", 403), ("exchange2", 403), ("bank", 403), ("admin", 403)):
        r = api.client.get(url, headers=auth(api.client, user))
        assert r.status_code == status, (user, r.text)
        assert r.json()["code"].startswith("auth.")
    for user in ("exchange", "supervisor", "bidder"):
        r = api.client.get(url, headers=auth(api.client, user))
        assert r.status_code == 200, (user, r.text)
    due = r.json()
    assert (due["status"], due["balance_cny"], due["earnest_cny"], due["overdue"]) == ("due", "90000.00",
                                                                                      "10000.00", False)
    before = state(db)
    assert callback(api, due["sub_account"], "90000.00", winner, "S0", sign=False) == 401
    assert state(db) == before  # a forged credit changes nothing
    assert callback(api, due["sub_account"], "89000.00", winner, "S1") == 422  # refused, kept for reconciliation
    with db.transaction(readonly=True) as s:
        kept = s.scalar(select(BankCredit).where(BankCredit.bank_ref == "S1"))
        assert kept is not None and kept.outcome == "exchange.settlement_amount_mismatch" and kept.lot_id == lid
        assert exchange.get_settlement(s, lid).status == "due"
    r = api.client.get(f"/exchange/lots/{lid}?lang=en")
    assert r.status_code == 200 and "Price balance due" in r.text and "90,000.00" in r.text
    assert "价款余额待付" in api.client.get(f"/exchange/lots/{lid}?lang=zh_CN").text
    assert callback(api, due["sub_account"], "90000.00", winner, "S2") == 200
    assert api.client.get(url, headers=h).json()["status"] == "paid"
    assert callback(api, due["sub_account"], "90000.00", winner, "S2") == 200  # the bank repeats itself
    assert "Price balance paid" in api.client.get(f"/exchange/lots/{lid}?lang=en").text
    today = to_local(api.clock.now()).date()
    with db.transaction(readonly=True) as s:
        report = reconcile.reconcile_deposits(s, date_from=today, date_to=today)
    lines = {(x.category.value, x.bank_ref, x.amount_cny, x.expected_cny) for x in report.lines
             if x.sub_account == due["sub_account"]}
    assert lines == {("amount_mismatch", "S1", Decimal("89000.00"), Decimal("90000.00")),
                     ("matched", "S2", Decimal("90000.00"), Decimal("90000.00")),
                     ("settlement_paid", "S2", Decimal("90000.00"), Decimal("90000.00"))}
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/handover", headers=h).status_code == 200

"""Settlement by instalments (分期付款, issue #6 item 6; L6): the pure schedule (fen exact, summing to the balance,
due days after the contract), the rule data per lot kind, the credit that pays the next instalment or the whole
remaining balance, an overdue instalment as the winner's default, the API read, the lot page and the
reconciliation lines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge import exchange
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.errors import Conflict, RuleViolation
from landbridge.exchange import reconcile
from landbridge.exchange.document_models import ExchangeDocument
from landbridge.exchange.documents import document_html
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.settlement import instalments_of
from landbridge.exchange.settlement_rules import (
    InstalmentTerm,
    add_months,
    instalment_schedule,
    instalment_terms,
    instalments_covered,
    overdue_at,
    payment_plan,
)
from landbridge.kernel.clock import Clock, ensure_utc, to_local
from landbridge.kernel.money import round_fen
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import list_events, verify_ledger
from tests.exchange.conftest import OPERATOR, World, start_in
from tests.exchange.settling import awarded, confirmed_by_api
from tests.exchange.test_api import Api, api, auth, lot_body, pay  # noqa: F401 - api is a fixture
from tests.exchange.test_service import deposits, lot_of, run_due

FEN = Decimal("0.01")
fen_amounts = st.integers(min_value=1, max_value=10**12).map(lambda n: Decimal(n) * FEN)
CCL = "collective_construction_land"


# --- pure rules -----------------------------------------------------------------------------------

@st.composite
def shares(draw: st.DrawFn) -> list[Decimal]:
    """Strictly rising cumulative shares ending at 1 (whole per cent)."""
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=99), max_size=5)))
    return [Decimal(c) / 100 for c in cuts] + [Decimal(1)]


@given(price=fen_amounts, earnest_share=st.integers(0, 100), cumulative=shares(),
       months=st.lists(st.integers(1, 24), min_size=6, max_size=6).map(sorted))
def test_schedule_is_fen_exact_sums_to_the_balance_and_meets_each_share(price: Decimal, earnest_share: int,
                                                                        cumulative: list[Decimal],
                                                                        months: list[int]) -> None:
    earnest = (price * earnest_share / 100).quantize(FEN, rounding="ROUND_DOWN")
    terms = [InstalmentTerm(s, months=m) for s, m in zip(cumulative, months, strict=False)]
    contract_on = date(2026, 1, 31)
    plan = instalment_schedule(price, earnest, terms, contract_on)
    assert sum(i.amount for i in plan) == price - earnest  # exactly the balance
    assert [i.seq for i in plan] == list(range(1, len(plan) + 1))
    assert all(i.amount == i.amount.quantize(FEN) and i.amount >= 0 for i in plan)
    assert all(i.amount > 0 for i in plan) or (len(plan) == 1 and earnest == price)
    assert all(a.due_on <= b.due_on for a, b in pairwise(plan))
    for term in terms:  # by each term's due day the paid part of the price (earnest first) reaches its share
        due = add_months(contract_on, term.months)
        paid = earnest + sum((i.amount for i in plan if i.due_on <= due), Decimal(0))
        assert paid >= round_fen(price * term.share)
        assert paid - earnest <= price - earnest  # never more than the balance


def test_collective_construction_land_pays_half_in_a_month_and_the_rest_in_a_year() -> None:
    rules = get_profile().rules("exchange").version_at(date(2026, 11, 1)).rules
    raw = rules[f"{CCL}.instalments"]
    assert raw.source and raw.verified is False  # a platform default to be confirmed by the city [V]
    # price 1 000 000, earnest 200 000 (20 % deposit): 300 000 within a month of the contract, 500 000 in a year
    plan = payment_plan(Decimal("1000000.00"), Decimal("200000.00"), date(2026, 3, 2), raw.value, 10, 20)
    contract_on = add_workdays(date(2026, 3, 2), 10)
    assert [(i.seq, i.amount, i.due_on) for i in plan] == [
        (1, Decimal("300000.00"), add_months(contract_on, 1)), (2, Decimal("500000.00"), add_months(contract_on, 12))]
    # the default for every other kind: one payment within the balance-payment working days (today's behaviour)
    assert rules["default.instalments"].value == []
    one = payment_plan(Decimal("102000.00"), Decimal("10000.00"), date(2026, 3, 2), [], 10, 20)
    assert [(i.amount, i.due_on) for i in one] == [(Decimal("92000.00"), add_workdays(contract_on, 20))]
    for name, rule in rules.items():  # every kind's instalment rule is a valid schedule
        if name.endswith(".instalments"):
            assert instalment_terms(rule.value, 20)[-1].share == 1


def test_earnest_covering_a_share_drops_that_instalment() -> None:
    terms = instalment_terms([{"share": "0.2", "working_days": 5}, {"share": "1", "months": 3}], 20)
    plan = instalment_schedule(Decimal("100.00"), Decimal("30.00"), terms, date(2026, 5, 29))
    assert [(i.seq, i.amount, i.due_on) for i in plan] == [(1, Decimal("70.00"), date(2026, 8, 29))]
    whole = instalment_schedule(Decimal("100.00"), Decimal("100.00"), terms, date(2026, 5, 29))
    assert [i.amount for i in whole] == [Decimal("0.00")]


@pytest.mark.parametrize("raw", [[{"share": "0.5", "months": 1}], [{"share": "0.6", "months": 1},
                                                                   {"share": "0.5", "months": 2},
                                                                   {"share": "1", "months": 3}],
                                 [{"share": "1", "months": 1, "working_days": 3}], [{"share": "1"}],
                                 [{"share": "0", "months": 1}, {"share": "1", "months": 2}]])
def test_a_schedule_that_cannot_work_is_a_configuration_error(raw: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError):
        instalment_terms(raw, 20)


def test_months_are_calendar_months_clamped_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)


@given(amounts=st.lists(fen_amounts, min_size=1, max_size=5), other=fen_amounts)
def test_a_credit_pays_the_next_instalment_or_the_whole_rest(amounts: list[Decimal], other: Decimal) -> None:
    assert instalments_covered(amounts, amounts[0]) == 1
    assert instalments_covered(amounts, sum(amounts, Decimal(0))) == len(amounts)
    if other not in (amounts[0], sum(amounts, Decimal(0))):
        assert instalments_covered(amounts, other) == 0
    assert instalments_covered([], amounts[0]) == 0


# --- lifecycle --------------------------------------------------------------------------------------

def awarded_ccl(db: Database, clock: Clock, world: World, *, n: int = 2) -> tuple[int, list[Bidder]]:
    """A collective construction land lot (deposit 20 % of the start price) awarded to the last of ``n`` bidders
    (100 000, 101 000 yuan) and confirmed."""
    return awarded(db, clock, world, n=n, kind=CCL, starts_at=start_in(21))


def credit(db: Database, lot_id: int, amount: str, ref: str, name: str) -> str:
    """The simulated bank credits the lot's settlement sub-account; returns the settlement's status."""
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        return exchange.pay_balance(s, sub_account=row.sub_account, amount=amount, payer_name=name, bank_ref=ref,
                                    actor="bank:callback").status


def lot_events(db: Database, lot_id: int) -> list[tuple[str, dict[str, object]]]:
    with db.transaction(readonly=True) as s:
        return [(e.event_type, json.loads(e.body)["payload"]) for e in list_events(s, limit=2000)
                if e.subject == f"lot:{lot_id}"]


def test_instalments_paid_in_order_settle_the_lot(db: Database, clock: Clock, world: World) -> None:
    lot_id, (ba, bb) = awarded_ccl(db, clock, world)
    name = world.names[bb.party_id]
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        parts = instalments_of(s, row.id)
        contract_on = add_workdays(to_local(row.opened_at).date(), 10)
        # price 101 000, earnest 20 000 (20 % of the start price): half the price (50 500) within a month, the
        # rest within a year
        assert (row.price_cny, row.earnest_cny, row.balance_cny) == (Decimal("101000.00"), Decimal("20000.00"),
                                                                    Decimal("81000.00"))
        assert [(p.seq, p.amount_cny, p.due_on, p.status) for p in parts] == [
            (1, Decimal("30500.00"), add_months(contract_on, 1), "due"),
            (2, Decimal("50500.00"), add_months(contract_on, 12), "due")]
        assert row.due_on == parts[0].due_on and "50 %" in (row.schedule_source or "")
        lot = s.get(Lot, lot_id)
        assert lot is not None and ensure_utc(lot.next_due_at) == overdue_at(parts[0].due_on)  # type: ignore[arg-type]
        contract = s.query(ExchangeDocument).filter_by(lot_id=lot_id, kind="contract").one()
        assert [i["amount"] for i in contract.content["instalments"]] == ["30,500.00", "50,500.00"]
        printed = document_html(contract.content)  # what the contract PDF prints
        assert "余款 ¥81,000.00 元分 2 期支付" in printed and "第 2 期 ¥50,500.00 元" in printed
        assert "一次付清" not in printed
        d = parts[1].due_on
        assert contract.content["pay_by"] == f"{d.year}年{d.month}月{d.day}日"  # the last day, as printed
    for amount, code in (("50500.00", "exchange.settlement_amount_mismatch"),  # the second before the first
                         ("30000.00", "exchange.settlement_amount_mismatch")):
        with db.transaction() as s, pytest.raises(RuleViolation) as err:
            exchange.pay_balance(s, sub_account=row.sub_account, amount=amount, payer_name=name, bank_ref="X",
                                 actor="bank:callback")
        assert err.value.code == code and err.value.details["due"] == "30500.00"
    assert credit(db, lot_id, "30500.00", "I-1", name) == "due"
    assert credit(db, lot_id, "30500.00", "I-1", name) == "due"  # the bank repeats itself: nothing twice
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        parts = instalments_of(s, row.id)
        assert [p.status for p in parts] == ["paid", "due"] and parts[0].bank_ref == "I-1"
        assert row.paid_cny == Decimal("30500.00") and row.due_on == parts[1].due_on
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.phase == "confirmed"
        assert ensure_utc(lot.next_due_at) == overdue_at(parts[1].due_on)  # type: ignore[arg-type]
        with pytest.raises(Conflict) as early:
            exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        assert early.value.code == "exchange.not_settled"  # registration only after full payment
    clock.set(ensure_utc(overdue_at(parts[0].due_on)) + timedelta(days=1))
    assert run_due(db) == 0  # the first instalment's day has passed, but it is paid: no default
    assert deposits(db, lot_id)[ba.id] == "confirmed"  # the runner-up stays held until the whole price is paid
    assert credit(db, lot_id, "50500.00", "I-2", name) == "paid"
    assert lot_of(db, lot_id).phase == "settled" and lot_of(db, lot_id).next_due_at is None
    assert deposits(db, lot_id) == {ba.id: "refund_due", bb.id: "converted"}
    events = lot_events(db, lot_id)
    kinds = [k for k, _ in events]
    paid = [p for k, p in events if k == "instalment_paid"]
    assert [(p["seq"], p["of"], p["amount_cny"], p["bank_ref"], p["remaining_cny"]) for p in paid] == [
        (1, 2, "30500.00", "I-1", "50500.00"), (2, 2, "50500.00", "I-2", "0.00")]
    assert kinds.index("settlement_opened") < kinds.index("instalment_paid") < kinds.index("settle") \
        < kinds.index("seller_payout")
    opened = next(p for k, p in events if k == "settlement_opened")
    assert [i["amount_cny"] for i in opened["instalments"]] == ["30500.00", "50500.00"]  # type: ignore[index]
    with db.transaction() as s:
        assert exchange.get_settlement(s, lot_id).paid_cny == Decimal("81000.00")
        assert exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR).registry_application_id is not None
        assert verify_ledger(s).ok


def test_the_whole_remaining_balance_pays_every_instalment_left(db: Database, clock: Clock, world: World) -> None:
    lot_id, (_ba, bb) = awarded_ccl(db, clock, world)
    assert credit(db, lot_id, "81000.00", "ALL", world.names[bb.party_id]) == "paid"
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        assert [(p.status, p.bank_ref) for p in instalments_of(s, row.id)] == [("paid", "ALL"), ("paid", "ALL")]
    kinds = [k for k, _ in lot_events(db, lot_id)]
    assert kinds.count("instalment_paid") == 2 and kinds.count("settle") == 1


def test_an_overdue_later_instalment_is_the_winners_default(db: Database, clock: Clock, world: World) -> None:
    lot_id, (ba, bb) = awarded_ccl(db, clock, world)
    name = world.names[bb.party_id]
    assert credit(db, lot_id, "30500.00", "I-1", name) == "due"
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        last = instalments_of(s, row.id)[1]
    clock.set(overdue_at(last.due_on) - timedelta(seconds=1))
    assert run_due(db) == 0
    clock.set(overdue_at(last.due_on))
    assert run_due(db) >= 1
    assert lot_of(db, lot_id).phase == "award_pending"  # the runner-up is promoted, as after any default
    assert deposits(db, lot_id)[bb.id] == "forfeited" and deposits(db, lot_id)[ba.id] == "converted"
    with db.transaction() as s, pytest.raises(Conflict) as late:
        exchange.pay_balance(s, sub_account=row.sub_account, amount="50500.00", payer_name=name, bank_ref="LATE",
                             actor="bank:callback")
    assert late.value.code == "exchange.settlement_not_due"
    defaulted = next(p for k, p in lot_events(db, lot_id) if k == "settlement_defaulted")
    assert defaulted["paid_cny"] == "30500.00" and defaulted["due_on"] == last.due_on.isoformat()


# --- API, page, reconciliation -------------------------------------------------------------------------

def test_instalments_in_the_api_the_lot_page_and_the_reconciliation(api: Api, db: Database) -> None:  # noqa: F811
    lid = confirmed_by_api(api, db, kind=CCL)
    h = auth(api.client, "exchange")
    winner = api.world.names[api.world.bidders[0]]
    url = f"/api/v1/exchange/lots/{lid}/settlement"
    due = api.client.get(url, headers=auth(api.client, "bidder")).json()
    assert [(i["seq"], i["amount_cny"], i["status"], i["overdue"]) for i in due["instalments"]] == [
        (1, "30000.00", "due", False), (2, "50000.00", "due", False)]
    assert due["due_on"] == due["instalments"][0]["due_on"] and "50 %" in due["schedule_source"]
    assert pay(api, due["sub_account"], "50000.00", winner, "S1").status_code == 422  # not the next one
    assert pay(api, due["sub_account"], "30000.00", winner, "S2").status_code == 200
    after = api.client.get(url, headers=h).json()
    assert (after["status"], after["paid_cny"], after["due_on"]) == ("due", "30000.00",
                                                                     after["instalments"][1]["due_on"])
    assert [i["status"] for i in after["instalments"]] == ["paid", "due"]
    page = api.client.get(f"/exchange/lots/{lid}?lang=en").text
    assert 'id="instalments"' in page and "Payment by instalments" in page and "50,000.00" in page
    assert "Paid so far" in page and "30,000.00" in page
    zh = api.client.get(f"/exchange/lots/{lid}?lang=zh_CN").text
    assert "分期付款" in zh and "已付价款" in zh
    assert pay(api, due["sub_account"], "50000.00", winner, "S3").status_code == 200
    assert api.client.get(url, headers=h).json()["status"] == "paid"
    today = to_local(api.clock.now()).date()
    with db.transaction(readonly=True) as s:
        report = reconcile.reconcile_deposits(s, date_from=today, date_to=today)
    lines = {(x.category.value, x.bank_ref, x.expected_cny, x.amount_cny) for x in report.lines
             if x.sub_account == due["sub_account"]}
    assert lines == {("amount_mismatch", "S1", Decimal("30000.00"), Decimal("50000.00")),
                     ("matched", "S2", Decimal("30000.00"), Decimal("30000.00")),
                     ("matched", "S3", Decimal("50000.00"), Decimal("50000.00")),
                     ("instalment_paid", "S2", Decimal("30000.00"), Decimal("30000.00")),
                     ("instalment_paid", "S3", Decimal("50000.00"), Decimal("50000.00")),
                     ("settlement_paid", "S3", Decimal("80000.00"), Decimal("80000.00"))}

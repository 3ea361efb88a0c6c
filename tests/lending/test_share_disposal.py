"""Selling pledged collective asset shares after a default (质权实现, issue #17): the loan enters disposal without an
exchange lot; the pledgee sells the shares to an eligible member of the collective at no less than the floor of
the day (rules ``share_valuation_method`` × ``share_sale_floor_ratio``); the pledge is released and the shares move
in the share register in the same transaction as the loan is settled through its waterfall and loss sharing. Every
refusal is typed and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from landbridge import collective
from landbridge.collective.models import ShareAccount, ShareEntry, SharePledge
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events, subjects
from landbridge.lending import service, servicing, share_disposal, share_pledge
from landbridge.lending.models import Claim, Payment
from tests.collective.conftest import ACTOR, build_village
from tests.lending.conftest import ShareWorld
from tests.lending.test_service import BANK
from tests.lending.test_share_pledge import apply, approve, snapshot, users

D = Decimal
DEFAULTED_ON = date(2026, 8, 1)  # the first instalment (2026-04-15) 108 days past due
SOLD_ON = date(2026, 9, 1)


def in_default(db: Database, sw: ShareWorld, **kw: object) -> int:
    loan_id = apply(db, sw, **kw)
    approve(db, sw, loan_id)
    with db.transaction() as s:
        service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        service.disburse(s, loan_id=loan_id, actor=BANK)
    with db.transaction() as s:
        assert servicing.default_loan(s, loan_id=loan_id, day=DEFAULTED_ON, actor=BANK).status == "defaulted"
    return loan_id


def in_disposal(db: Database, sw: ShareWorld, **kw: object) -> int:
    loan_id = in_default(db, sw, **kw)
    with db.transaction() as s:
        loan = servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="200")
        assert loan.status == "in_disposal" and loan.lot_id is None  # no exchange lot for collective shares
    return loan_id


def floor_of(sw: ShareWorld, shares: Decimal, per_share: Decimal | None = None) -> Decimal:
    value = (shares * (per_share or sw.per_share)).quantize(D("0.01"))
    return (value * D("0.70")).quantize(D("0.01"), rounding=ROUND_CEILING)


def sell(db: Database, loan_id: int, **kw: Any) -> Any:
    with db.transaction() as s:
        return share_disposal.sell_pledged_shares(s, **({"loan_id": loan_id, "day": SOLD_ON, "actor": BANK} | kw))


def register(db: Database) -> tuple[object, ...]:
    with db.transaction(readonly=True) as s:
        return (tuple(s.execute(select(ShareAccount.id, ShareAccount.balance_shares, ShareAccount.pledged_shares)
                                .order_by(ShareAccount.id)).all()),
                tuple(s.execute(select(SharePledge.id, SharePledge.status)).all()),
                s.scalar(select(func.count()).select_from(ShareEntry)),
                s.scalar(select(func.count()).select_from(Payment)))


def test_pledged_shares_sold_to_a_member_and_the_loan_settled(db: Database, sw: ShareWorld) -> None:
    loan_id = in_disposal(db, sw)
    buyer = sw.village.persons[2]  # a member of another household of the same collective
    price = floor_of(sw, sw.balance)
    with db.transaction(readonly=True) as s:
        started = next(e for e in list_events(s, subject=subjects.loan(loan_id))
                       if e.event_type == "loan.disposal_started").payload
        assert started["share_sale"] is True and D(started["floor_cny"]) == price
        assert started["valuation_basis"] == "book_value_per_share"
        pledge_id = service.get_loan(s, loan_id).share_pledge_id
    loan = sell(db, loan_id, buyer_party_id=buyer, price=str(price), sale_costs="300")
    assert loan.status == "settled"
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert loan.status == "settled" and loan.outstanding_cny == 0 and loan.costs_cny == 0
        pledge = s.get(SharePledge, pledge_id)
        assert pledge is not None and pledge.status == "released"
        source = s.get(ShareAccount, sw.account)
        assert source is not None and source.balance_shares == 0 and source.pledged_shares == 0
        bought = s.execute(select(ShareAccount).where(ShareAccount.holder_party_id == buyer)).scalar_one()
        assert bought.balance_shares == sw.balance and bought.pledged_shares == 0
        assert collective.reconcile_shares(s, sw.village.collective_id).ok
        pay = s.execute(select(Payment).where(Payment.loan_id == loan_id)
                        .where(Payment.kind == "disposal")).scalar_one()
        surplus = D(pay.detail["surplus_cny"])
        assert pay.amount_cny + surplus + D("300") == price  # every fen of the price lands once
        assert pay.to_costs_cny == D("200.00") and pay.to_principal_cny == D("10000.00")
        assert surplus > 0 and loan.loss_cny == 0
        claims = {c.party: c for c in s.execute(select(Claim).where(Claim.loan_id == loan_id)).scalars()}
        assert claims["guarantor"].status == "settled" and all(c.loss_cny == 0 for c in claims.values())
        kinds = [e.event_type for e in list_events(s, subject=subjects.loan(loan_id))]
        assert kinds[-2:] == ["loan.pledged_shares_sold", "loan.settled"]
        sold = next(e for e in list_events(s, subject=subjects.loan(loan_id))
                    if e.event_type == "loan.pledged_shares_sold").payload
        assert sold["buyer_party_id"] == buyer and D(sold["price_cny"]) == price and D(sold["shares"]) == sw.balance
        assert D(sold["floor_cny"]) == price and sold["floor_ratio"] == "0.70"
        register_events = [e.event_type for e in list_events(s, subject=subjects.share_account(sw.account))]
        assert "pledged_shares_sold" in register_events
        entries = s.execute(select(ShareEntry.kind, ShareEntry.delta_shares, ShareEntry.pledged_delta_shares)
                            .where(ShareEntry.pledge_id == pledge_id).order_by(ShareEntry.id)).all()
        assert [e.kind for e in entries] == ["pledge", "release", "transfer_out", "transfer_in"]
    with db.transaction() as s:  # closes; the pledge was released by the sale, nothing left to release
        closed = servicing.release_lien(s, loan_id=loan_id, actor=BANK)
        assert closed.status == "closed"


@pytest.mark.parametrize("who", ["outsider", "borrower", "household", "bank"])
def test_ineligible_buyer_refused(db: Database, sw: ShareWorld, who: str) -> None:
    loan_id = in_disposal(db, sw)
    with db.transaction() as s:
        other = build_village(s, seed=1, region="360603101002")
    buyer = {"outsider": other.persons[0], "borrower": sw.borrower, "household": sw.village.households[0],
             "bank": sw.village.bank_id}[who]
    before, shares = snapshot(db), register(db)
    with pytest.raises(DomainError) as info:
        sell(db, loan_id, buyer_party_id=buyer, price=str(floor_of(sw, sw.balance) + 1000))
    assert info.value.code == "lending.buyer_ineligible" and "本集体" in info.value.message
    assert snapshot(db) == before and register(db) == shares


def test_price_under_the_floor_of_the_day_refused(db: Database, sw: ShareWorld) -> None:
    loan_id = in_disposal(db, sw)
    buyer = sw.village.persons[2]
    floor = floor_of(sw, sw.balance)
    before, shares = snapshot(db), register(db)
    with pytest.raises(DomainError) as info:
        sell(db, loan_id, buyer_party_id=buyer, price=str(floor - D("0.01")))
    assert info.value.code == "lending.price_below_floor"
    assert info.value.details["floor_cny"] == str(floor)
    with pytest.raises(DomainError) as info:  # the sale's costs may not exceed the price
        sell(db, loan_id, buyer_party_id=buyer, price=str(floor), sale_costs=str(floor + 1))
    assert info.value.code == "lending.proceeds_invalid"
    assert snapshot(db) == before and register(db) == shares
    with db.transaction() as s:  # the collective books more assets: the value per share, and the floor, go up
        collective.record_asset(s, collective_id=sw.village.collective_id, name="村集体仓库", category="building",
                                value="600000.00", acquired_on=date(2026, 8, 20), actor=ACTOR)
        per_share = collective.book_value_per_share(s, sw.village.collective_id)
    assert per_share is not None and per_share > sw.per_share
    with pytest.raises(DomainError) as info:  # yesterday's floor is no longer enough
        sell(db, loan_id, buyer_party_id=buyer, price=str(floor))
    assert info.value.code == "lending.price_below_floor"
    assert info.value.details["floor_cny"] == str(floor_of(sw, sw.balance, per_share))
    assert sell(db, loan_id, buyer_party_id=buyer, price=str(floor_of(sw, sw.balance, per_share))).status == "settled"


def test_sale_before_the_disposal_refused(db: Database, sw: ShareWorld) -> None:
    loan_id = in_default(db, sw)
    before, shares = snapshot(db), register(db)
    with pytest.raises(DomainError) as info:
        sell(db, loan_id, buyer_party_id=sw.village.persons[2], price=str(floor_of(sw, sw.balance)))
    assert info.value.code == "lending.not_in_disposal" and info.value.details["status"] == "defaulted"
    with db.transaction() as s, pytest.raises(DomainError) as info:  # bad costs: the disposal does not start
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="abc")
    assert info.value.code == "lending.invalid_amount"
    assert snapshot(db) == before and register(db) == shares


def test_exchange_only_steps_refused_for_a_share_loan(db: Database, sw: ShareWorld) -> None:
    loan_id = in_disposal(db, sw)
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # typed proceeds need a registry mortgage
        servicing.settle_disposal(s, loan_id=loan_id, proceeds="50000", sale_costs="0", day=SOLD_ON, actor=BANK)
    assert info.value.code == "lending.not_a_mortgage"
    assert snapshot(db) == before


def test_valuation_method_is_the_rule(db: Database, sw: ShareWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from landbridge.cityprofile import get_profile

    rs = get_profile().rules("lending")
    assert rs.value("share_valuation_method", date(2026, 12, 7)) == "book_value_per_share"
    assert rs.value("share_sale_floor_ratio", date(2026, 12, 7)) == "0.70"
    assert share_pledge._rule("share_valuation_method", date(2026, 3, 15)) == "book_value_per_share"  # before it
    loan_id = apply(db, sw)
    real = share_pledge._rule
    monkeypatch.setattr(share_pledge, "_rule",
                        lambda name, day: "market_quote" if name == "share_valuation_method" else real(name, day))
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=sw.village.bank_id,
                            grade="AA")
    assert info.value.code == "lending.unknown_valuation_method"
    assert snapshot(db) == before


def test_api_and_portal_sell_the_pledged_shares(db: Database, sw: ShareWorld) -> None:
    from fastapi.testclient import TestClient

    from landbridge.main import create_app
    from tests.exchange.test_pages import login
    from tests.lending.test_api import auth
    from tests.lending.test_portal import token

    loan_id = in_default(db, sw)
    users(db, sw)
    buyer, floor = sw.village.persons[2], floor_of(sw, sw.balance)
    body = {"buyer_party_id": buyer, "price_cny": str(floor), "day": SOLD_ON.isoformat()}
    with TestClient(create_app()) as c:
        bank, farmer = auth(c, "bank1"), auth(c, "farmer")
        url = f"/api/v1/lending/loans/{loan_id}/disposal/share-sale"
        r = c.post(url, json=body, headers=bank)
        assert r.status_code == 409 and r.json()["code"] == "lending.not_in_disposal"
        login(c, "bank1")
        page = c.get(f"/lending/loans/{loan_id}").text  # a share loan is not offered on the exchange
        assert 'id="action-share-disposal"' in page and 'id="action-disposal"' not in page
        r = c.post(f"/lending/loans/{loan_id}/actions/share-disposal", data={"costs_cny": "", "csrf": token(page)},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        assert c.post(url, json=body, headers=farmer).status_code == 403
        r = c.post(url, json=body | {"price_cny": str(floor - 1)}, headers=bank)
        assert r.status_code == 422 and r.json()["code"] == "lending.price_below_floor", r.text
        page = c.get(f"/lending/loans/{loan_id}").text
        assert 'id="action-share-sale"' in page and 'name="buyer_party_id"' in page and "出售质押股权" in page
        assert str(floor) in page and 'id="action-settle-sale"' not in page and 'id="action-fixed-price"' not in page
        form = {"buyer_party_id": str(sw.village.bank_id), "price_cny": str(floor), "sale_costs_cny": "",
                "day": SOLD_ON.isoformat(), "csrf": token(page)}
        r = c.post(f"/lending/loans/{loan_id}/actions/share-sale", data=form, follow_redirects=False)
        assert r.status_code == 422 and "受让方须为本集体" in r.text
        en = c.get(f"/lending/loans/{loan_id}?lang=en").text
        assert "Sell the pledged shares to a member" in en and "Least price today" in en
        r = c.post(f"/lending/loans/{loan_id}/actions/share-sale", data=form | {"buyer_party_id": str(buyer)},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        r = c.get(f"/api/v1/lending/loans/{loan_id}", headers=bank)
        assert r.json()["status"] == "settled"


def test_shortfall_is_shared_as_bound(db: Database, sw: ShareWorld) -> None:
    shares = D("2.00")
    value = (shares * sw.per_share).quantize(D("0.01"))
    principal = (value * D("0.50")).quantize(D("0.01"), rounding="ROUND_DOWN")
    loan_id = in_default(db, sw, shares=str(shares), principal=str(principal))
    with db.transaction() as s:  # heavy enforcement costs: the floor price no longer covers the claim
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs=str(value))
    price = floor_of(sw, shares)
    loan = sell(db, loan_id, buyer_party_id=sw.village.persons[4], price=str(price))
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        pay = s.execute(select(Payment).where(Payment.loan_id == loan_id, Payment.kind == "disposal")).scalar_one()
        assert pay.amount_cny == price and D(pay.detail["surplus_cny"]) == 0
        assert pay.to_costs_cny == price and pay.to_principal_cny == 0  # costs first (民法典 art. 561)
        assert loan.loss_cny == principal and loan.status == "settled"
        claims = {c.party: c for c in s.execute(select(Claim).where(Claim.loan_id == loan_id)).scalars()}
        assert claims["guarantor"].loss_cny == (principal * D("0.80")).quantize(D("0.01"))
        assert sum((c.loss_cny for c in claims.values()), D("0")) == principal  # every fen of the loss once

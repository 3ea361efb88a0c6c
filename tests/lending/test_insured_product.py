# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""A loan product binding an insurer (两权抵押保证保险贷款, 银政保; issue #17), through approval: the risk-share
snapshot taken at approval comes from the product's rule data (no hand-set sharers), the insurer's claim at
default, its advance (代偿), its loss share and true-up at settlement; a later recovery is a payment of the loan
(its payment history shows it) split in proportion to the losses borne; once written off (核销) the loan shows
what is unrecovered as written off, not as outstanding, on its page and in the API; reconciliation holds."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events, subjects
from landbridge.lending import claims, service, servicing
from landbridge.lending.models import Claim, FundEntry, Payment
from tests.lending.test_api import Api, api, auth  # noqa: F401
from tests.lending.test_portal import as_user
from tests.lending.test_service import BANK, apply, to_disbursed

D = Decimal
FUND = "user:5:fund_manager"
INSURER = "user:7:insurer_officer"
PRODUCT = "two_rights_insured"


def share(loss: Decimal, part: str, cap: str) -> Decimal:
    return min((loss * D(part)).quantize(D("0.01")), D(cap))


def test_products_before_and_from_2026_12_07() -> None:
    assert PRODUCT not in service.products(date(2026, 12, 6))  # the rule data's new version, not a literal
    product = service.products(date(2026, 12, 7))[PRODUCT]
    assert [(s.party, s.share, s.cap, s.advance) for s in product.sharers] == [
        ("fund", D("0.40"), D("50000"), True), ("insurer", D("0.30"), D("200000"), False)]
    assert set(service.products(date(2026, 12, 7))) >= {"two_rights", "share_pledge"}  # the others unchanged
    assert service.products(date(2026, 12, 7))["two_rights"].raw == service.products(date(2026, 12, 6))[
        "two_rights"].raw


def test_an_insured_loan_from_approval_to_default_settlement_recovery_and_write_off(api: Api, db: Database) -> None:
    world = api.world
    with db.transaction() as s:
        servicing.contribute_to_fund(s, amount="1000000", day=date(2026, 12, 1), actor=FUND)
    loan_id = apply(db, world, product_code=PRODUCT, principal="500000", months=12, method="bullet",
                    start=date(2026, 12, 15))
    to_disbursed(db, world, loan_id)  # approval snapshots the product's risk share
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert [(x["party"], x["share"], x["cap"], x["advance"]) for x in loan.sharers] == [
            ("fund", "0.40", "50000", True), ("insurer", "0.30", "200000", False)]
        approved = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.approved"]
        assert json.loads(approved[0].private_body or "{}")["payload"]["sharers"] == loan.sharers
    c = api.client
    read = c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, "insurer"))
    assert read.status_code == 200 and read.json()["sharers"][1]["party"] == "insurer"  # the insurer sees it now
    with db.transaction() as s:  # interest due monthly from 2027-01-15, never paid: in default on 2027-04-20
        assert servicing.run_cob(s, day=date(2027, 4, 20), actor="system:cli").defaulted == 1
        got = {x.party: x for x in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        # fund 40 % of 500,000 capped at 50,000, advanced at once (its advance flag); insurer 30 % = 150,000 (its
        # cap 200,000 not reached), lodged with the product's 30-day deadline
        assert {p: (x.claimed_cny, x.advanced_cny, x.status, x.deadline) for p, x in got.items()
                if p != "bank"} == {"fund": (D("50000.00"), D("50000.00"), "advanced", date(2027, 5, 20)),
                                    "insurer": (D("150000.00"), D("0.00"), "lodged", date(2027, 5, 20))}
        insurer_claim = got["insurer"].id
    with db.transaction() as s, pytest.raises(DomainError) as info:  # the fund's officer cannot pay the insurer's
        claims.advance_claim(s, claim_id=insurer_claim, party="fund", amount="10", day=date(2027, 5, 1), actor=FUND)
    assert info.value.code == "lending.claim_not_yours"
    with db.transaction() as s:  # the insurer pays its claim (代偿), in full
        claims.advance_claim(s, claim_id=insurer_claim, party="insurer", amount="150000", day=date(2027, 5, 1),
                             actor=INSURER)
        assert claims.get_claim(s, insurer_claim).status == "advanced"
        assert claims.shadow_ledger(s)["insurer"].subrogation == D("150000.00")
        assert claims.reconcile(s) == []
    with db.transaction() as s:
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="15000")
        loan = servicing.settle_disposal(s, loan_id=loan_id, proceeds="380000", sale_costs="5000",
                                         day=date(2027, 6, 1), actor=BANK)
        loss = loan.loss_cny
        assert loss > 0 and loan.outstanding_cny == loss
        got = {x.party: x for x in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        assert got["insurer"].loss_cny == share(loss, "0.30", "200000")
        assert got["fund"].loss_cny == share(loss, "0.40", "50000")
        assert sum(x.loss_cny for x in got.values()) == loss  # every fen once; the bank bears the rest
        settled = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.settled"][-1]
        facts = json.loads(settled.private_body or "{}")["payload"]
        assert D(facts["true_up"]["insurer"]) == D("150000.00") - got["insurer"].loss_cny  # refunded to it
        assert got["fund"].loss_cny == D("50000.00") and "fund" not in facts["true_up"]  # advanced its capped loss
        assert claims.shadow_ledger(s)["insurer"].true_up == D("150000.00") - got["insurer"].loss_cny
        assert claims.reconcile(s) == []
        fund_before = servicing.fund_balance(s)
    with db.transaction() as s:  # a later recovery: a payment row, split in proportion to the losses borne
        split = servicing.record_recovery(s, loan_id=loan_id, amount="10000", day=date(2027, 7, 1), actor=BANK)
        got = {x.party: x for x in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        assert sum(split.values()) == D("10000.00") and set(split) == set(got)
        assert abs(split["insurer"] - D("10000") * got["insurer"].loss_cny / loss) < D("0.01")
        assert {p: x.recovered_cny for p, x in got.items()} == split
        pay = s.execute(select(Payment).where(Payment.loan_id == loan_id, Payment.kind == "recovery")).scalar_one()
        assert (pay.amount_cny, pay.to_principal_cny, pay.paid_on) == (D("10000.00"), D("10000.00"),
                                                                         date(2027, 7, 1))
        assert pay.detail["split"] == {p: str(v) for p, v in split.items()} and pay.ledger_seq is not None
        assert service.get_loan(s, loan_id).outstanding_cny == loss - D("10000.00")  # owed by the borrower
        assert servicing.fund_balance(s) == fund_before + split["fund"]
        assert s.scalars(select(FundEntry.amount_cny).where(FundEntry.kind == "recovery")).all() == [split["fund"]]
        assert claims.reconcile(s) == []
    as_user(api, "bank1")
    page = api.client.get(f"/lending/loans/{loan_id}").text
    assert "追偿回收" in page and 'id="outstanding"' in page and 'id="written-off"' not in page  # the payment history
    with db.transaction() as s:  # 核销: the unrecovered loss is written off
        assert servicing.release_lien(s, loan_id=loan_id, actor=BANK, write_off=True).status == "written_off"
    unrecovered = loss - D("10000.00")
    as_user(api, None)
    body = c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, "bank1")).json()
    assert body["status"] == "written_off" and body["outstanding_cny"] == "0.00"
    assert D(body["written_off_cny"]) == unrecovered
    as_user(api, "bank1")
    page = api.client.get(f"/lending/loans/{loan_id}").text
    assert f'<dd id="written-off">{unrecovered} 元</dd>' in page and '<dd id="outstanding">0.00 元</dd>' in page
    portal = api.client.get("/lending").text  # the bank's list too
    assert f'<td id="outstanding-{loan_id}">0.00 <span class="muted small">(已核销 {unrecovered})</span></td>' in portal
    with db.transaction() as s:  # recovered after the write-off (核销后收回): still a payment, still split
        servicing.record_recovery(s, loan_id=loan_id, amount="2000", day=date(2027, 9, 1), actor=BANK)
        kinds = s.scalars(select(Payment.kind).where(Payment.loan_id == loan_id).order_by(Payment.id)).all()
        assert kinds == ["disposal", "recovery", "recovery"]
        assert claims.reconcile(s) == []
    as_user(api, None)
    body = c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, "bank1")).json()
    assert D(body["written_off_cny"]) == unrecovered - D("2000.00") and body["outstanding_cny"] == "0.00"

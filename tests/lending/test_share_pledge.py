"""Loans against pledged collective asset shares (股权质押, issue #17): a member applies against shares they hold
unpledged; the pledge is valued at the collective's book value per share under the product's LTV cap, recorded in
the share register (no registry mortgage) before any money moves, and released at close; each refusal is typed and
changes nothing; disposal of pledged shares is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from landbridge import collective
from landbridge.auth import OrgKind, create_organisation
from landbridge.collective.models import ShareAccount, SharePledge
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import current_size, list_events, subjects
from landbridge.lending import service, servicing
from landbridge.lending.models import Loan
from tests.collective.conftest import build_village
from tests.lending.conftest import ShareWorld
from tests.lending.test_service import BANK

D = Decimal
START = date(2026, 3, 15)
CONSENT = "户内共有人同意书 2026-001"  # the household account's other member consents


def apply(db: Database, sw: ShareWorld, **kw: object) -> int:
    args: dict[str, object] = {"borrower_party_id": sw.borrower, "collective_id": sw.village.collective_id,
                               "shares": str(sw.balance), "product_code": "share_pledge", "principal": "10000",
                               "annual_rate": "0.0500", "months": 12, "method": "annuity", "start": START,
                               "bank_organisation_id": sw.bank_org, "actor": "user:1:member",
                               "consent_document": CONSENT}
    args.update(kw)
    with db.transaction() as s:
        return service.apply_for_share_loan(s, **args).id  # type: ignore[arg-type]


def approve(db: Database, sw: ShareWorld, loan_id: int) -> None:
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=sw.village.bank_id,
                            grade="AA")


def snapshot(db: Database) -> tuple[object, ...]:
    with db.transaction(readonly=True) as s:
        pledged = s.execute(select(ShareAccount.id, ShareAccount.pledged_shares).order_by(ShareAccount.id)).all()
        return (current_size(s), s.scalar(select(func.count()).select_from(Loan)),
                s.scalar(select(func.count()).select_from(SharePledge)), tuple(pledged),
                tuple(s.execute(select(Loan.id, Loan.status, Loan.version)).all()))


def test_book_value_per_share_is_assets_over_issued_shares(db: Database, sw: ShareWorld) -> None:
    with db.transaction(readonly=True) as s:
        issued = s.scalar(select(func.sum(ShareAccount.balance_shares))
                          .where(ShareAccount.collective_id == sw.village.collective_id))
    assert issued is not None and D(issued) > 0
    assert sw.per_share == (D("600000.00") / D(issued)).quantize(D("0.0001"))


def test_share_pledge_loan_end_to_end(db: Database, sw: ShareWorld) -> None:
    shares = (sw.balance / 2).quantize(D("0.01"))
    loan_id = apply(db, sw, shares=str(shares))
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert loan.right_id is None and loan.unit_id is None and loan.collective_id == sw.village.collective_id
        assert loan.share_account_id == sw.account and loan.pledged_shares == shares
        assert loan.right_type == "collective_asset_share" and loan.status == "applied"
    approve(db, sw, loan_id)
    value = (shares * sw.per_share).quantize(D("0.01"))
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert loan.status == "approved" and loan.appraised_cny == value and loan.grade == "AA"
        assert [x["party"] for x in loan.sharers] == ["guarantor"]  # the product's risk share, snapshotted
        approved = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.approved"]
        assert approved[0].payload["valuation_basis"] == "book_value_per_share"
        assert approved[0].payload["book_value_per_share"] == str(sw.per_share)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # no money before the pledge is recorded
        service.disburse(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.lien_not_registered"
    with db.transaction() as s:
        loan = service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        assert loan.status == "lien_registered" and loan.share_pledge_id is not None
        assert loan.lien_application_id is None and loan.restriction_id is None  # no registry mortgage
        pledge = s.get(SharePledge, loan.share_pledge_id)
        assert pledge is not None and pledge.status == "active" and pledge.quantity_shares == shares
        assert pledge.pledgee_party_id == sw.village.bank_id and pledge.reference == loan.loan_no
        assert s.get(ShareAccount, sw.account).pledged_shares == shares  # type: ignore[union-attr]
    with db.transaction() as s:
        loan = service.disburse(s, loan_id=loan_id, actor=BANK)
        assert loan.status == "disbursed" and loan.outstanding_cny == D("10000.00")
        assert servicing.reconcile_liens(s) == []  # an active pledge is no mismatch
    with db.transaction() as s:  # COB as for any loan
        run = servicing.run_cob(s, day=date(2026, 3, 20), actor=BANK)
        assert run.status == "done"
    with db.transaction() as s, pytest.raises(DomainError) as info:
        servicing.release_lien(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.invalid_transition"
    with db.transaction() as s:
        rows = servicing._instalments(s, loan_id)
        total = sum((r.principal_cny + r.interest_cny for r in rows), D("0"))
        for r in rows:
            servicing.repay(s, loan_id=loan_id, amount=str(r.principal_cny + r.interest_cny), paid_on=r.due_date,
                            actor=BANK)
        loan = service.get_loan(s, loan_id)
        assert loan.status == "repaid" and loan.outstanding_cny == 0 and total > D("10000")
    with db.transaction() as s:
        loan = servicing.release_lien(s, loan_id=loan_id, actor=BANK)
        assert loan.status == "closed" and loan.release_application_id is None
        pledge = s.get(SharePledge, loan.share_pledge_id)
        assert pledge is not None and pledge.status == "released"
        assert s.get(ShareAccount, sw.account).pledged_shares == 0  # type: ignore[union-attr]
        closed = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.closed"]
        assert closed[0].payload["pledge_released"] is True


def test_ltv_cap_is_the_share_rule(db: Database, sw: ShareWorld) -> None:
    shares = D("1.00")
    most = (shares * sw.per_share * D("0.50")).quantize(D("0.01"), rounding="ROUND_DOWN")
    loan_id = apply(db, sw, shares="1.00", principal=str(most + D("100")))
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=sw.village.bank_id,
                            grade="AA")
    assert info.value.code == "lending.ltv_exceeded"
    assert snapshot(db) == before


@pytest.mark.parametrize(("kw", "code"), [
    ({"shares": "+1"}, None),  # placeholder replaced below: more shares than held
    ({"shares": "0"}, "lending.invalid_shares"),
    ({"shares": "1.001"}, "lending.invalid_shares"),
    ({"shares": "1E+30"}, "lending.invalid_shares"),  # past what the register holds: refused, never a 500
    ({"product_code": "two_rights"}, "lending.product_not_for_shares"),
    ({"product_code": "nope"}, "lending.product_not_found"),
    ({"collective_id": -1}, "lending.not_a_member"),
])
def test_application_refusals_change_nothing(db: Database, sw: ShareWorld, kw: dict[str, object],
                                             code: str | None) -> None:
    if code is None:
        kw, code = {"shares": str(sw.balance + D("0.01"))}, "lending.shares_not_held"
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, sw, **kw)
    assert info.value.code == code
    assert snapshot(db) == before


def test_not_a_member_refused(db: Database, sw: ShareWorld) -> None:
    with db.transaction() as s:
        other = build_village(s, seed=1, region="360603101002")
    before = snapshot(db)
    with pytest.raises(DomainError) as info:  # a member of another collective
        apply(db, sw, borrower_party_id=other.persons[0])
    assert info.value.code == "lending.not_a_member"
    with pytest.raises(DomainError) as info:  # a bank is nobody's member
        apply(db, sw, borrower_party_id=sw.village.bank_id)
    assert info.value.code == "lending.not_a_member"
    assert snapshot(db) == before


def test_shares_already_pledged_refused(db: Database, sw: ShareWorld) -> None:
    first = apply(db, sw, shares=str(sw.balance - D("1.00")))
    approve(db, sw, first)
    with db.transaction() as s:
        service.lodge_lien(s, loan_id=first, actor=BANK)
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, sw, shares="2.00")
    assert info.value.code == "lending.shares_unavailable"
    assert info.value.details["pledged"] == str(sw.balance - D("1.00")) and "已质押" in info.value.message
    assert snapshot(db) == before
    second = apply(db, sw, shares="1.00")  # what is left is still free
    with db.transaction(readonly=True) as s:
        assert service.get_loan(s, second).pledged_shares == D("1.00")


def test_second_application_for_the_same_shares_refused_at_application(db: Database, sw: ShareWorld) -> None:
    a = apply(db, sw)  # asks for every share: they are reserved before any pledge is recorded
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, sw)
    assert info.value.code == "lending.shares_reserved"
    assert info.value.details["reserved"] == str(sw.balance) and "预留" in info.value.message
    assert snapshot(db) == before
    with db.transaction() as s:  # withdrawn: the reservation is gone and the shares are free again
        service.withdraw_loan(s, loan_id=a, actor="user:1:member")
    b = apply(db, sw)
    with db.transaction() as s:
        service.decide_loan(s, loan_id=b, approve=False, actor=BANK, reason="资料不全")  # refused frees them too
    c = apply(db, sw)
    approve(db, sw, c)
    with pytest.raises(DomainError) as info:  # approved, pledge not yet recorded: still reserved
        apply(db, sw, shares="1.00")
    assert info.value.code == "lending.shares_reserved"
    with db.transaction() as s:
        service.lodge_lien(s, loan_id=c, actor=BANK)
    with pytest.raises(DomainError) as info:  # recorded: now pledged in the register
        apply(db, sw, shares="1.00")
    assert info.value.code == "lending.shares_unavailable"


def test_partial_reservations_leave_the_rest_free(db: Database, sw: ShareWorld) -> None:
    apply(db, sw, shares=str(sw.balance - D("1.00")))
    with pytest.raises(DomainError) as info:
        apply(db, sw, shares="1.01")
    assert info.value.code == "lending.shares_reserved"
    last = apply(db, sw, shares="1.00")
    with db.transaction(readonly=True) as s:
        assert service.get_loan(s, last).pledged_shares == D("1.00")


def test_household_shares_need_the_co_holders_consent(db: Database, sw: ShareWorld) -> None:
    before = snapshot(db)
    for missing in (None, "   "):
        with pytest.raises(DomainError) as info:
            apply(db, sw, consent_document=missing)
        assert info.value.code in ("lending.co_holder_consent_missing", "lending.invalid_text")
    with pytest.raises(DomainError) as info:
        apply(db, sw, consent_document=None)
    assert info.value.code == "lending.co_holder_consent_missing" and info.value.details["count"] == 1
    assert "共有人" in info.value.message
    assert snapshot(db) == before
    loan_id = apply(db, sw)
    with db.transaction(readonly=True) as s:
        assert service.get_loan(s, loan_id).consent_document == CONSENT
        applied = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.applied"]
        assert applied[0].payload["co_holders"] == 1 and applied[0].payload["consent_document"] == CONSENT


def test_personal_account_needs_no_co_holder_consent(db: Database, sw: ShareWorld) -> None:
    with db.transaction() as s:  # the member's whole household account passed to the member's own account
        account = s.get(ShareAccount, sw.account)
        assert account is not None
        collective.transfer_shares(s, from_account_id=sw.account, to_party_id=sw.borrower, quantity="3.00",
                                   ground="户内分户", actor="user:9:test-clerk")
    loan_id = apply(db, sw, shares="3.00", consent_document=None)
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert loan.share_account_id != sw.account and loan.consent_document is None


def test_pledge_released_outside_shows_in_reconciliation(db: Database, sw: ShareWorld) -> None:
    loan_id = apply(db, sw)
    approve(db, sw, loan_id)
    with db.transaction() as s:
        service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        pledge_id = service.disburse(s, loan_id=loan_id, actor=BANK).share_pledge_id
    with db.transaction() as s:
        assert pledge_id is not None
        collective.release_pledge(s, pledge_id=pledge_id, actor="user:9:test-clerk")
    with db.transaction() as s:
        assert servicing.reconcile_liens(s) == [loan_id]


def test_collateral_is_exactly_one_kind(db: Database, sw: ShareWorld) -> None:
    loan_id = apply(db, sw)
    with pytest.raises(IntegrityError), db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        loan.right_id, loan.unit_id, loan.parcel_id = 1, 1, 1  # both kinds at once
        s.flush()
    with pytest.raises(IntegrityError), db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        loan.pledged_shares = None  # a share pledge without its shares
        s.flush()


def users(db: Database, sw: ShareWorld) -> None:
    from landbridge.auth import Role, create_user

    with db.transaction() as s:
        people = create_organisation(s, name="村民", kind=OrgKind.individual, region_code="360600000000").id
        create_user(s, username="farmer", password="demo", display_name="farmer", role=Role.member,
                    organisation_id=people, party_id=sw.borrower, is_demo=True)
        create_user(s, username="bank1", password="demo", display_name="bank1", role=Role.bank_officer,
                    organisation_id=sw.bank_org, party_id=sw.village.bank_id, is_demo=True)


def test_portal_apply_page_offers_the_share_pledge(db: Database, sw: ShareWorld) -> None:
    from fastapi.testclient import TestClient

    from landbridge.main import create_app
    from tests.exchange.test_pages import login
    from tests.lending.test_portal import token

    users(db, sw)
    with TestClient(create_app()) as c:
        login(c, "farmer")
        page = c.get("/lending/apply").text
        assert 'name="shares"' in page and f'name="collective_id" value="{sw.village.collective_id}"' in page
        assert f"{sw.balance}" in page  # the free shares shown
        data = {"right_id": "", "collective_id": str(sw.village.collective_id), "shares": "1.50",
                "product_code": "share_pledge", "principal_cny": "15000", "annual_rate": "0.0500", "months": "12",
                "method": "annuity", "start": "2026-03-15", "bank_organisation_id": str(sw.bank_org),
                "grace_months": "0", "consent_document": CONSENT, "intent": "apply", "csrf": token(page)}
        before = snapshot(db)
        r = c.post("/lending/apply", data=data | {"shares": "abc"}, follow_redirects=False)
        assert r.status_code == 422 and "lending.invalid_shares" not in r.text and "质押股数" in r.text
        assert snapshot(db) == before
        r = c.post("/lending/apply", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text[:400]
        page = c.get(r.headers["location"]).text
        assert "质押股份" in page and "1.50" in page
    with db.transaction(readonly=True) as s:
        loan = s.execute(select(Loan)).scalar_one()
        assert loan.pledged_shares == D("1.50") and loan.right_id is None and loan.principal_cny == D("15000.00")


def test_api_applies_with_a_share_pledge(db: Database, sw: ShareWorld) -> None:
    from fastapi.testclient import TestClient

    from landbridge.main import create_app
    from tests.lending.test_api import auth

    users(db, sw)
    body: dict[str, object] = {"collective_id": sw.village.collective_id, "shares": "2.50",
                               "product_code": "share_pledge", "principal_cny": "20000", "annual_rate": "0.0500",
                               "months": 12, "method": "annuity", "start": "2026-03-15",
                               "bank_organisation_id": sw.bank_org, "consent_document": CONSENT}
    with TestClient(create_app()) as c:
        farmer, bank = auth(c, "farmer"), auth(c, "bank1")
        before = snapshot(db)
        for bad in ({"right_id": 1}, {"shares": None}):  # both kinds, or a collective without shares
            r = c.post("/api/v1/lending/loans", json=body | bad, headers=farmer)
            assert r.status_code == 422 and r.json()["code"] == "lending.collateral_kind", r.text
        r = c.post("/api/v1/lending/loans", json=body | {"shares": "99.00"}, headers=farmer)
        assert r.status_code == 409 and r.json()["code"] == "lending.shares_not_held"
        assert snapshot(db) == before
        r = c.post("/api/v1/lending/loans", json=body, headers=farmer)
        assert r.status_code == 201, r.text
        loan = r.json()
        assert loan["pledged_shares"] == "2.50" and loan["right_id"] is None
        assert loan["collective_id"] == sw.village.collective_id
        r = c.post(f"/api/v1/lending/loans/{loan['id']}/decision", headers=bank,
                   json={"approve": True, "mortgagee_party_id": sw.village.bank_id, "grade": "AA"})
        assert r.status_code == 200, r.text
        assert c.post(f"/api/v1/lending/loans/{loan['id']}/lien", headers=bank).status_code == 200
        r = c.post(f"/api/v1/lending/loans/{loan['id']}/disburse", headers=bank)
        assert r.status_code == 200, r.text
        r = c.get(f"/api/v1/lending/loans/{loan['id']}", headers=farmer)
        assert r.json()["status"] == "disbursed" and r.json()["share_pledge_id"] is not None
    with db.transaction(readonly=True) as s:  # the contract prints the pledge, not a unit
        from landbridge.lending.models import LoanContract

        content = s.execute(select(LoanContract.content).where(LoanContract.loan_id == loan["id"])).scalar_one()
        assert content["collateral"]["pledged_shares"] == "2.50" and content["collateral"]["unit_code"] == "—"


def test_cob_reclassifies_an_overdue_share_pledge_loan(db: Database, sw: ShareWorld) -> None:
    loan_id = apply(db, sw)
    approve(db, sw, loan_id)
    with db.transaction() as s:
        service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        service.disburse(s, loan_id=loan_id, actor=BANK)
    with db.transaction() as s:  # the first instalment (2026-04-15) unpaid for 35 days
        run = servicing.run_cob(s, day=date(2026, 5, 20), actor=BANK)
        assert run.status == "done" and run.reclassified == 1 and run.lien_mismatches == []
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        assert loan.tier == "special_mention" and loan.days_past_due == 35
        events = list_events(s, subject=subjects.share_account(sw.account))
        assert "loan.reclassified" in [e.event_type for e in events]


def test_concurrent_applications_for_the_same_shares_reserve_them_once(db: Database, sw: ShareWorld) -> None:
    """Threads apply together for every share: exactly one is lodged, the others are refused at application (the
    share account's row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite: no check-then-act)."""
    from tests.exchange.test_race import together

    codes: list[str] = []

    def work(i: int) -> None:
        try:
            apply(db, sw)
        except DomainError as exc:
            codes.append(exc.code)

    assert together(4, work) == []
    assert codes == ["lending.shares_reserved"] * 3
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Loan)) == 1

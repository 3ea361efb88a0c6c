"""Lending services end to end on the database: application to disbursement, repayment, COB, default, disposal,
loss sharing, recovery and lien release; each refusal typed and changing nothing (issue #17)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import event, func, select

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange import bar_party
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events, subjects
from landbridge.lending import jobs, service, servicing
from landbridge.lending.jobs import confirm_registered_liens
from landbridge.lending.models import Claim, FundEntry, Loan
from tests.lending.conftest import World
from tests.registry.conftest import ACTOR

BANK = "user:9:bank_officer"
D = Decimal


def apply(db: Database, world: World, **kw: object) -> int:
    args: dict[str, object] = {"borrower_party_id": world.borrower, "right_id": world.right,
                               "product_code": "two_rights", "principal": "500000", "annual_rate": "0.0435",
                               "months": 12, "method": "annuity", "start": date(2026, 3, 15),
                               "bank_organisation_id": world.bank_org, "actor": "user:1:member"}
    args.update(kw)
    with db.transaction() as s:
        return service.apply_for_loan(s, **args).id  # type: ignore[arg-type]


def to_disbursed(db: Database, world: World, loan_id: int) -> None:
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
    to_disbursed_from_approved(db, loan_id)


def to_disbursed_from_approved(db: Database, loan_id: int) -> None:
    with db.transaction() as s:
        loan = service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        app_id = loan.lien_application_id
    with db.transaction() as s, pytest.raises(DomainError) as info:
        service.disburse(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.lien_not_registered"
    with db.transaction() as s:
        registry.approve_application(s, application_id=app_id, actor=ACTOR)
    with db.transaction() as s:
        assert confirm_registered_liens(s) == 1
    with db.transaction() as s:
        service.disburse(s, loan_id=loan_id, actor=BANK)


def snapshot(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), *(s.scalar(select(func.count()).select_from(m)) or 0
                                   for m in (Loan, Claim, FundEntry)))


def test_application_to_repaid_and_release(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="12000", months=6)
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        assert loan.status == "disbursed" and loan.lien_rank == 1 and loan.outstanding_cny == D("12000.00")
        assert loan.sharers[0]["party"] == "fund"
        servicing.repay(s, loan_id=loan_id, amount="2100", paid_on=date(2026, 4, 15), actor=BANK)
        owed, later = servicing.owed_on(loan, servicing._instalments(s, loan_id), date(2026, 4, 15))
        assert owed.total == 0
        rest = later + sum(r.interest_cny - r.paid_interest_cny for r in servicing._instalments(s, loan_id)
                           if r.due_date <= date(2026, 4, 15))
        with pytest.raises(DomainError) as info:
            servicing.repay(s, loan_id=loan_id, amount=str(rest + 1), paid_on=date(2026, 4, 15), actor=BANK)
        assert info.value.code == "lending.overpayment"
        servicing.repay(s, loan_id=loan_id, amount=str(rest), paid_on=date(2026, 4, 15), actor=BANK)
        assert loan.status == "repaid"
        service_loan = servicing.release_lien(s, loan_id=loan_id, actor=BANK)
        assert service_loan.status == "closed" and service_loan.release_application_id is not None


@pytest.mark.parametrize(("kw", "code"), [
    ({"principal": "800000"}, None),  # LTV: 60 % of 1,000,000 for a forest right → refused at the decision
    ({"months": 3}, "lending.term_out_of_range"),
    ({"method": "bullet", "product_code": "share_pledge"}, "lending.right_type_not_accepted"),
    ({"annual_rate": "0.09"}, "lending.rate_out_of_range"),
    ({"right_id": 999999}, "lending.right_not_found"),
])
def test_application_refusals_change_nothing(db: Database, world: World, kw: dict[str, object],
                                             code: str | None) -> None:
    before = snapshot(db)
    if code is None:
        loan_id = apply(db, world, **kw)
        before = snapshot(db)
        with db.transaction() as s, pytest.raises(DomainError) as info:
            service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
        assert info.value.code == "lending.ltv_exceeded"
    else:
        with pytest.raises(DomainError) as info:
            apply(db, world, **kw)
        assert info.value.code == code
    assert snapshot(db) == before


def test_seized_collateral_expiring_right_barred_borrower_missing_consent(db: Database, world: World) -> None:
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, world, borrower_party_id=world.other)
    assert info.value.code == "lending.not_holder"
    with pytest.raises(DomainError) as info:
        apply(db, world, product_code="two_rights", months=60, start=date(2056, 6, 1))
    assert info.value.code == "lending.right_expires"
    with db.transaction() as s:
        bar_party(s, party_id=world.borrower, reason="法院失信名单", actor=ACTOR)
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, world)
    assert info.value.code == "lending.borrower_barred"
    assert snapshot(db) == before


def test_seizure_refused(db: Database, world: World) -> None:
    with db.transaction() as s:
        app = registry.lodge_seizure(s, actor=ACTOR, unit_id=world.unit, document_no="(2026)赣0622执1号",
                                     right_id=world.right)
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
    before = snapshot(db)
    with pytest.raises(DomainError) as info:
        apply(db, world)
    assert info.value.code == "lending.collateral_seized"
    assert snapshot(db) == before


def test_cob_default_disposal_loss_sharing_recovery(db: Database, world: World) -> None:
    with db.transaction() as s:
        servicing.contribute_to_fund(s, amount="1000000", day=date(2026, 3, 1), actor="user:5:fund_manager")
    loan_id = apply(db, world, principal="500000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    # nothing paid: the first interest falls due 2026-04-15; close 2026-05-01 (16 days past due)
    with db.transaction() as s:
        run = servicing.run_cob(s, day=date(2026, 5, 1), actor="system:cli", limit=10)
        assert run.status == "done" and run.processed == 1 and run.reclassified == 1
        closed = [e for e in list_events(s, module="lending") if e.event_type == "cob.closed"]
        facts = json.loads(closed[-1].private_body or "{}")["payload"]  # 500,000 lent against a 1,000,000 fund
        assert (facts["fund_leverage"], facts["fund_leverage_min"], facts["below_leverage_floor"]) == (
            "0.50", "10", True)
    with db.transaction() as s:
        again = servicing.run_cob(s, day=date(2026, 5, 1), actor="system:cli")
        assert again.processed == 1  # the rerun did nothing twice
        loan = service.get_loan(s, loan_id)
        assert loan.tier == "special_mention" and loan.days_past_due == 16
        assert loan.penalty_cny == 0  # penalty accrues on overdue principal; a bullet owes only interest yet
        with pytest.raises(DomainError) as info:
            servicing.default_loan(s, loan_id=loan_id, day=date(2026, 5, 1), actor=BANK)
        assert info.value.code == "lending.not_defaulted"
    with db.transaction() as s:
        run = servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli")
        assert run.defaulted == 1
        loan = service.get_loan(s, loan_id)
        assert loan.status == "defaulted" and loan.tier == "substandard"
        claims = {c.party: c for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        assert claims["fund"].advanced_cny == D("50000.00")  # capped advance
        assert claims["guarantor"].claimed_cny == D("200000.00")
    with db.transaction() as s:
        lot_loan = servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="15000")
        lot = exchange.get_lot(s, lot_loan.lot_id or 0)
        assert lot.kind == "collateral" and lot.start_price_cny == D("700000.00")  # 70 % of 1,000,000
        loan = servicing.settle_disposal(s, loan_id=loan_id, proceeds="380000", sale_costs="5000",
                                         day=date(2026, 9, 1), actor=BANK)
        assert loan.status == "settled"
        claims = {c.party: c for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        loss = loan.loss_cny
        assert claims["fund"].loss_cny == min(D("50000"), (loss * D("0.4")).quantize(D("0.01")))
        assert sum(c.loss_cny for c in claims.values()) == loss
        split = servicing.record_recovery(s, loan_id=loan_id, amount="10000.01", day=date(2026, 10, 1), actor=BANK)
        assert sum(split.values()) == D("10000.01")
        closed = servicing.release_lien(s, loan_id=loan_id, actor=BANK, write_off=True)
        assert closed.status == "written_off" and closed.release_application_id is not None
        assert servicing.fund_balance(s) == D("1000000") - D("50000") + split["fund"]


def test_cob_writes_the_reclassification_before_the_default(db: Database, world: World) -> None:
    """A loan that is reclassified and defaults at the same close of business: the ledger tells it in order."""
    loan_id = apply(db, world, principal="100000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:  # first interest due 2026-04-15, never paid: 96 days past due on 2026-07-20
        run = servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli")
        assert run.reclassified == 0 and run.defaulted == 1
        loan = service.get_loan(s, loan_id)
        assert loan.status == "defaulted" and loan.tier == "substandard"
        events = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.module == "lending"]
        types = [e.event_type for e in events]
        assert types[-2:] == ["loan.reclassified", "loan.defaulted"]
        assert loan.ledger_seq == events[-1].seq


def test_penalty_accrues_on_the_day_count_of_the_rule_set(db: Database, world: World,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Penalty interest on overdue principal: one day at the contract rate × (1 + markup) ÷ the rule's year."""
    rs = service.rule_set()
    june = date(2026, 6, 1)
    assert rs.int("day_count_year_days", june) == 360 and rs.rule("day_count_year_days", june).source
    assert servicing.year_days(date(2026, 5, 1)) == 360  # before the rule was stated: its first value
    loan_id = apply(db, world, principal="120000", months=12, method="equal_principal")
    to_disbursed(db, world, loan_id)
    rate = D("0.0435") * (1 + rs.decimal("penalty_rate_markup", date(2026, 6, 1)))
    with db.transaction() as s:  # instalments 1 and 2 (10,000 principal each) due 04-15 and 05-15, unpaid
        servicing.run_cob(s, day=date(2026, 6, 2), actor="system:cli")
        assert service.get_loan(s, loan_id).penalty_cny == (D("20000") * rate / 360).quantize(D("0.01"), ROUND_HALF_UP)
    monkeypatch.setattr(servicing, "year_days", lambda day: 365)
    with db.transaction() as s:  # the next day on a 365-day year: still 20,000 overdue
        before = service.get_loan(s, loan_id).penalty_cny
        servicing.run_cob(s, day=date(2026, 6, 3), actor="system:cli")
        accrued = service.get_loan(s, loan_id).penalty_cny - before
        assert accrued == (D("20000") * rate / 365).quantize(D("0.01"), ROUND_HALF_UP)


def test_a_backlog_of_pending_mortgages_hides_no_approved_one(db: Database, world: World,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The lien job looks at every waiting loan, a chunk at a time: with a chunk of one, the first loan's mortgage
    still pending, the second loan's approved mortgage is confirmed in the same call (it read only the first 500
    before, so 500 pending ones starved every later loan)."""
    monkeypatch.setattr(jobs, "LIEN_CHUNK", 1)
    loans = [apply(db, world, principal="100000"), apply(db, world, principal="100000", right_id=world.house_right)]
    apps = []
    for loan_id in loans:
        with db.transaction() as s:
            service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
            apps.append(service.lodge_lien(s, loan_id=loan_id, actor=BANK).lien_application_id)
    with db.transaction() as s:
        registry.approve_application(s, application_id=apps[1], actor=ACTOR)  # only the later loan's
    with db.transaction() as s:
        assert jobs.confirm_registered_liens(s) == 1
    with db.transaction() as s:
        assert [service.get_loan(s, i).status for i in loans] == ["lien_lodged", "lien_registered"]
        assert jobs.confirm_registered_liens(s) == 0  # nothing twice


def test_lien_jobs_read_the_registry_once_for_many_loans(db: Database, world: World) -> None:
    """Confirming liens and reconciling them read the units' restrictions in one query, not one per loan."""
    loans = [apply(db, world, principal="100000"), apply(db, world, principal="100000", right_id=world.house_right)]
    apps = []
    for loan_id in loans:
        with db.transaction() as s:
            service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
            apps.append(service.lodge_lien(s, loan_id=loan_id, actor=BANK).lien_application_id)
    with db.transaction() as s:
        for app_id in apps:
            registry.approve_application(s, application_id=app_id, actor=ACTOR)
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM registry_restriction" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.transaction() as s:
            assert confirm_registered_liens(s) == 2
        assert len(reads) == 1
        for loan_id in loans:
            with db.transaction() as s:
                service.disburse(s, loan_id=loan_id, actor=BANK)
        reads.clear()
        with db.transaction() as s:
            assert servicing.reconcile_liens(s) == []
        assert len(reads) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    with db.transaction() as s:  # the registrar cancels one mortgage: the reconciliation names that loan
        loan = service.get_loan(s, loans[1])
        cancel = registry.lodge_cancellation(s, actor=ACTOR, unit_id=loan.unit_id, reason="测试",
                                             restriction_id=loan.restriction_id)
        registry.approve_application(s, application_id=cancel.id, actor=ACTOR)
    with db.transaction() as s:
        assert servicing.reconcile_liens(s) == [loans[1]]


def test_fund_balance_is_one_sum_in_the_database(db: Database, world: World) -> None:
    with db.transaction() as s:
        assert servicing.fund_position(s) == (D("0.00"), None)
        for amount in ("1000000.01", "0.02", "249999.97"):
            servicing.contribute_to_fund(s, amount=amount, day=date(2026, 3, 1), actor="user:5:fund_manager")
    to_disbursed(db, world, apply(db, world, principal="100000"))  # the fund shares it
    apply(db, world, principal="200000", right_id=world.house_right)  # applied only: no exposure yet
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM lending_fund_entry" in statement or "FROM lending_loan" in statement:
            reads.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.transaction() as s:
            balance, leverage = servicing.fund_position(s)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert balance == D("1250000.00") and leverage == D("0.08")  # 100,000 ÷ 1,250,000
    assert len(reads) == 2 and all("sum(" in x for x in reads)


def test_loan_numbers_stay_distinct_same_day_and_after_a_deletion(db: Database, world: World) -> None:
    first, second = apply(db, world), apply(db, world)
    with db.transaction() as s:
        numbers = {service.get_loan(s, i).loan_no for i in (first, second)}
        assert len(numbers) == 2 and all(n.startswith("LN") and len(n) <= 24 for n in numbers)
        s.delete(service.get_loan(s, first))  # a row gone: a count of rows would hand out the second's number again
    third = apply(db, world)
    with db.transaction() as s:
        loans = {i: service.get_loan(s, i) for i in (second, third)}
        assert loans[second].loan_no != loans[third].loan_no
        assert loans[third].loan_no == service.loan_number(loans[third].created_at, third)
        applied = [e for e in list_events(s, subject=subjects.loan(third)) if e.event_type == "loan.applied"]
        assert len(applied) == 1


def test_lodging_without_a_mortgagee_is_refused_before_anything_moves(db: Database, world: World) -> None:
    loan_id = apply(db, world)
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK)  # approved with no mortgagee named
    before = snapshot(db)
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        version, size = loan.version, current_size(s)
        with pytest.raises(DomainError) as info:
            service.lodge_lien(s, loan_id=loan_id, actor=BANK)
        assert info.value.code == "lending.mortgagee_missing"
        s.flush()  # the caller's session goes on: the refused loan is unchanged in it too
        assert (loan.status, loan.version, loan.lien_application_id, current_size(s)) == ("approved", version,
                                                                                          None, size)
    assert snapshot(db) == before
    with db.transaction() as s:
        assert service.get_loan(s, loan_id).status == "approved"


def test_an_assessed_grade_earns_its_rate_discount(db: Database, world: World) -> None:
    """守信激励: the bank's AA grade takes 0.30 % off the rate (rule grade_discounts) and the schedule follows; a loan
    decided on the placeholder default grade keeps the rate applied for."""
    graded, plain = apply(db, world, principal="120000"), apply(db, world, principal="120000")
    with db.transaction() as s:
        discounts = service.rule_set().value("grade_discounts", date(2026, 3, 15))
        service.decide_loan(s, loan_id=graded, approve=True, actor=BANK, mortgagee_party_id=world.bank_party,
                            grade="AA")
        service.decide_loan(s, loan_id=plain, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
        loans = {i: service.get_loan(s, i) for i in (graded, plain)}
        assert loans[graded].annual_rate == D("0.0435") - D(discounts["AA"]) == D("0.0405")
        assert loans[plain].annual_rate == D("0.0435") and loans[plain].grade == "A"
        approved = [e for e in list_events(s, subject=subjects.loan(graded)) if e.event_type == "loan.approved"]
        facts = json.loads(approved[0].private_body or "{}")["payload"]
        assert (facts["applied_rate"], facts["annual_rate"], facts["grade"]) == ("0.043500", "0.040500", "AA")
    to_disbursed_from_approved(db, graded)
    with db.transaction() as s:
        first = servicing._instalments(s, graded)[0]
        assert first.interest_cny == D("405.00")  # 120,000 × 4.05 % ÷ 12


def lodged(db: Database, world: World, right_id: int) -> tuple[int, int]:
    loan_id = apply(db, world, principal="100000", right_id=right_id)
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
        return loan_id, service.lodge_lien(s, loan_id=loan_id, actor=BANK).lien_application_id or 0


def test_registration_constitutive_or_not_decides_disbursement_before_registration(db: Database, world: World,
                                                                                    clock: Clock) -> None:
    """民法典 art. 402: a forest mortgage exists only once registered, so no money before 登簿; 承包法 art. 47: a
    land management right's mortgage arises on contract and registration sets it up against third parties, so
    (from the rule's 2026-06-01) money may move while it is lodged: flagged, listed by the COB until registered."""
    rs, june = service.rule_set(), date(2026, 6, 2)
    assert "forest_right" in rs.value("constitutive_registration", june)
    assert rs.value("opposable_registration", june) == ["land_management_right"]
    loan_id, app_id = lodged(db, world, world.house_right)
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # 2026-03-02: the rule is not yet stated
        service.disburse(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.lien_not_registered" and snapshot(db) == before
    forest_id, _ = lodged(db, world, world.right)
    clock.set(datetime(2026, 6, 2, 1, tzinfo=UTC))
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # constitutive: never before 登簿
        service.disburse(s, loan_id=forest_id, actor=BANK)
    assert info.value.code == "lending.lien_not_registered" and snapshot(db) == before
    with db.transaction() as s:
        loan = service.disburse(s, loan_id=loan_id, actor=BANK)
        assert (loan.status, loan.restriction_id) == ("disbursed", None)
        disbursed = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.disbursed"]
        assert json.loads(disbursed[0].private_body or "{}")["payload"]["registration_pending"] is True
        assert servicing.reconcile_liens(s) == [loan_id]
    with db.transaction() as s:
        registry.approve_application(s, application_id=app_id, actor=ACTOR)
    with db.transaction() as s:
        assert confirm_registered_liens(s) == 1
        loan = service.get_loan(s, loan_id)
        assert loan.status == "disbursed" and loan.restriction_id is not None and loan.lien_rank == 1
        assert servicing.reconcile_liens(s) == []
        assert confirm_registered_liens(s) == 0  # recorded once


def test_no_disbursement_against_a_refused_mortgage(db: Database, world: World, clock: Clock) -> None:
    loan_id, app_id = lodged(db, world, world.house_right)
    clock.set(datetime(2026, 6, 2, 1, tzinfo=UTC))
    with db.transaction() as s:
        registry.reject_application(s, application_id=app_id, actor=ACTOR, reason="材料不全")
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        service.disburse(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.lien_not_registered"
    assert snapshot(db) == before


def test_a_loan_repaid_before_registration_withdraws_the_lodging(db: Database, world: World, clock: Clock) -> None:
    loan_id, app_id = lodged(db, world, world.house_right)
    clock.set(datetime(2026, 6, 2, 1, tzinfo=UTC))
    with db.transaction() as s:
        loan = service.disburse(s, loan_id=loan_id, actor=BANK)
        owed, later = servicing.owed_on(loan, servicing._instalments(s, loan_id), date(2026, 3, 20))
        servicing.repay(s, loan_id=loan_id, amount=str(owed.total + later), paid_on=date(2026, 3, 20), actor=BANK)
        closed = servicing.release_lien(s, loan_id=loan_id, actor=BANK)
        assert closed.status == "closed" and closed.release_application_id is None
        assert registry.get_application(s, app_id).status == "withdrawn"

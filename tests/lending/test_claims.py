"""Claims to the risk sharers (issue #17): advances through the named transition, deadlines flagged overdue, the
true-up at settlement for every sharer, the fund's ledger, and the shadow ledger reconciled to the loans."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock, now
from landbridge.ledger import list_events, subjects
from landbridge.lending import claims, jobs, service, servicing
from landbridge.lending.models import Claim, FundEntry
from tests.lending.conftest import World
from tests.lending.test_service import BANK, apply, snapshot, to_disbursed
from tests.registry.test_race import race

D = Decimal
FUND = "user:5:fund_manager"
GUARANTOR = "user:6:guarantor_officer"
INSURER = "user:7:insurer_officer"
SHARERS = [{"party": "fund", "share": "0.40", "cap": "50000", "advance": False, "claim_deadline_days": 30},
           {"party": "guarantor", "share": "0.30", "cap": None, "advance": False, "claim_deadline_days": 30},
           {"party": "insurer", "share": "0.10", "cap": None, "advance": False, "claim_deadline_days": 30}]


def defaulted(db: Database, world: World, sharers: list[dict[str, object]] | None = None) -> tuple[int, dict[str, int]]:
    """A 500,000 bullet loan (first interest due 2026-04-15, never paid) in default on 2026-07-20, its snapshot
    binding the fund (40 %, cap 50,000), a guarantor (30 %) and an insurer (10 %), none advancing at default."""
    loan_id = apply(db, world, principal="500000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        service.get_loan(s, loan_id).sharers = sharers or SHARERS  # a product binding an insurer as well
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli").defaulted == 1
        ids = {c.party: c.id for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
    return loan_id, ids


def claim(db: Database, claim_id: int) -> Claim:
    with db.transaction(readonly=True) as s:
        c = claims.get_claim(s, claim_id)
        s.expunge(c)
        return c


def test_claims_advances_deadlines_true_up_and_shadow_ledger(db: Database, world: World) -> None:
    with db.transaction() as s:
        servicing.contribute_to_fund(s, amount="1000000", day=date(2026, 3, 1), actor=FUND)
    loan_id, ids = defaulted(db, world)
    c = {p: claim(db, i) for p, i in ids.items()}
    assert {p: (x.claimed_cny, x.advanced_cny, x.status, x.deadline) for p, x in c.items()} == {
        "fund": (D("50000.00"), D("0.00"), "lodged", date(2026, 8, 19)),
        "guarantor": (D("150000.00"), D("0.00"), "lodged", date(2026, 8, 19)),
        "insurer": (D("50000.00"), D("0.00"), "lodged", date(2026, 8, 19))}
    # refusals: another party's claim, more than the share left, a non-amount; nothing changes
    before = snapshot(db)
    for party, claim_id, amount, code in (("guarantor", ids["insurer"], "10", "lending.claim_not_yours"),
                                          ("guarantor", ids["guarantor"], "150000.01", "lending.advance_exceeds_share"),
                                          ("fund", ids["fund"], "-5", "lending.invalid_amount")):
        with db.transaction() as s, pytest.raises(DomainError) as info:
            claims.advance_claim(s, claim_id=claim_id, party=party, amount=amount, day=date(2026, 8, 1),
                                 actor=GUARANTOR)
        assert info.value.code == code
    assert snapshot(db) == before and claim(db, ids["guarantor"]).advanced_cny == 0
    with db.transaction() as s:
        claims.advance_claim(s, claim_id=ids["guarantor"], party="guarantor", amount="100000", day=date(2026, 8, 1),
                             actor=GUARANTOR)
        claims.advance_claim(s, claim_id=ids["fund"], party="fund", amount="30000", day=date(2026, 8, 1), actor=FUND)
        fund_advances = s.scalars(select(FundEntry.amount_cny).where(FundEntry.kind == "advance")).all()
        assert fund_advances == [D("-30000.00")]  # the fund's advance is in the fund's ledger; the guarantor's not
    assert claim(db, ids["guarantor"]).status == "lodged"  # part paid
    # the deadline: on 08-19 nothing is late yet; the next day the three unpaid claims are flagged, once
    with db.transaction() as s:
        assert claims.flag_overdue_claims(s, day=date(2026, 8, 19), actor="system:worker") == 0
        assert claims.flag_overdue_claims(s, day=date(2026, 8, 20), actor="system:worker") == 3
        assert claims.flag_overdue_claims(s, day=date(2026, 8, 21), actor="system:worker") == 0
    assert {p: claim(db, i).status for p, i in ids.items()} == {"fund": "overdue", "guarantor": "overdue",
                                                               "insurer": "overdue"}
    with db.transaction() as s:  # paid late, in full: advanced, the event says late
        claims.advance_claim(s, claim_id=ids["guarantor"], party="guarantor", amount="50000",
                             day=date(2026, 8, 21), actor=GUARANTOR)
        events = list(list_events(s, subject=subjects.subject("claim", ids["guarantor"])))
        facts = json.loads(events[-1].private_body or "{}")["payload"]
        assert (events[-1].event_type, facts["late"], facts["claim_status"]) == ("claim.advanced", True, "advanced")
        assert "村民" not in json.dumps(facts, ensure_ascii=False)
        with pytest.raises(DomainError) as info:
            claims.advance_claim(s, claim_id=ids["guarantor"], party="guarantor", amount="0.01",
                                 day=date(2026, 8, 22), actor=GUARANTOR)
        assert info.value.code == "lending.claim_closed"  # paid in full: nothing more to advance
        assert claims.reconcile(s) == []
        ledger = claims.shadow_ledger(s)
        assert ledger["guarantor"].exposure == D("150000.00") and ledger["guarantor"].subrogation == D("150000.00")
        assert ledger["bank"].exposure == D("250000.00")  # 500,000 less 40 % capped at 50,000, 30 %, 10 %
    with db.transaction() as s:  # sold for 380,000 less 5,000: principal short 149,062.50 (see the docstring)
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="15000")
        loan = servicing.settle_disposal(s, loan_id=loan_id, proceeds="380000", sale_costs="5000",
                                         day=date(2026, 9, 1), actor=BANK)
        assert loan.loss_cny == D("149062.50")
        settled = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.settled"][-1]
        facts = json.loads(settled.private_body or "{}")["payload"]
        # fund 40 % = 59,625 capped at 50,000 (advanced 30,000: pays in 20,000); guarantor 30 % = 44,718.75
        # (advanced 150,000: refunded 105,281.25); insurer 10 % = 14,906.25 (advanced nothing: pays it in)
        assert facts["loss_shares"] == {"fund": "50000", "guarantor": "44718.75", "insurer": "14906.25",
                                        "bank": "39437.50"}
        assert facts["true_up"] == {"fund": "-20000.00", "guarantor": "105281.25", "insurer": "-14906.25"}
        assert servicing.fund_balance(s) == D("1000000") - D("30000") - D("20000")
        assert claims.reconcile(s) == []
        ledger = claims.shadow_ledger(s)
        assert ledger["guarantor"].true_up == D("105281.25") and ledger["insurer"].true_up == D("-14906.25")
        assert ledger["bank"].exposure == 0 and ledger["bank"].losses == D("39437.50")
        split = servicing.record_recovery(s, loan_id=loan_id, amount="10000", day=date(2026, 10, 1), actor=BANK)
        assert claims.reconcile(s) == []
        ledger = claims.shadow_ledger(s)
        assert {p: ledger[p].recoveries for p in split} == split
        assert ledger["fund"].subrogation == D("50000.00") - split["fund"]
        with pytest.raises(DomainError) as info:  # a settled claim takes no advance
            claims.advance_claim(s, claim_id=ids["insurer"], party="insurer", amount="1", day=date(2026, 10, 2),
                                 actor=INSURER)
        assert info.value.code == "lending.claim_closed"


def test_reconciliation_finds_what_does_not_add_up(db: Database, world: World) -> None:
    loan_id, ids = defaulted(db, world)
    with db.transaction() as s:
        claims.advance_claim(s, claim_id=ids["fund"], party="fund", amount="1000", day=date(2026, 8, 1), actor=FUND)
        assert claims.reconcile(s) == []
    with db.transaction() as s:  # a fund entry with no claim behind it
        s.add(FundEntry(kind="advance", amount_cny=D("-5.00"), loan_id=loan_id, entry_date=date(2026, 8, 2),
                        actor=FUND, created_at=now(), note="stray"))
    with db.transaction() as s:
        assert claims.reconcile(s) == ["fund advance: ledger -1005.00 != claims -1000.00"]
        s.execute(FundEntry.__table__.delete().where(FundEntry.note == "stray"))
        service.get_loan(s, loan_id).outstanding_cny -= D("1.00")  # the loan moved under the claims: still splits
        assert claims.reconcile(s) == []
        claims.get_claim(s, ids["insurer"]).advanced_cny = D("50000.01")
        assert claims.reconcile(s) == [f"loan {loan_id}: a claim advanced 50000.01 beyond its 50000.00"]


def test_the_worker_flags_overdue_claims(db: Database, world: World, clock: Clock) -> None:
    _, ids = defaulted(db, world)
    clock.set(datetime(2026, 8, 19, 4, 0, tzinfo=UTC))  # the deadline's day in Yingtan: not late yet
    with db.transaction() as s:
        jobs.run_due(s)
    assert claim(db, ids["guarantor"]).status == "lodged"
    clock.set(datetime(2026, 8, 20, 4, 0, tzinfo=UTC))
    with db.transaction() as s:
        jobs.run_due(s)
    assert {p: claim(db, i).status for p, i in ids.items()} == dict.fromkeys(ids, "overdue")


def test_two_advances_cannot_exceed_the_share(db: Database, world: World) -> None:
    """Two advances at once that together exceed the guarantor's share: one is paid, the other refused."""
    _, ids = defaulted(db, world)
    results = race(db, [lambda s: claims.advance_claim(s, claim_id=ids["guarantor"], party="guarantor",
                                                       amount="100000", day=date(2026, 8, 1),
                                                       actor=GUARANTOR).advanced_cny] * 2)
    assert [r for r in results if not isinstance(r, DomainError)] == [D("100000.00")], results
    assert [r.code for r in results if isinstance(r, DomainError)] == ["lending.advance_exceeds_share"]
    assert claim(db, ids["guarantor"]).advanced_cny == D("100000.00")

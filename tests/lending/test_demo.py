"""Demo loans (issue #17 demo world): the small demo world has loans in every state of the loan machine, overdue
loans in each five-tier class, claims lodged with the sharers, a collateral lot on the exchange, a loss shared,
and a fund with contributions, advances and recoveries, all through the services (ledger events for each); how
many loans of each scenario is rule data (``demo_world`` rule ``demo_loans``), one of them under the product that
binds an insurer."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.lending_loans import SCENARIOS, loan_counts
from landbridge.demo.world import build_world
from landbridge.ledger.models import LedgerEvent
from landbridge.lending import servicing
from landbridge.lending.models import Claim, FundEntry, Loan

TODAY = date(2026, 12, 7)  # the insurer-binding product is in force (lending rule data from 2026-12-07)
STATES = {"applied", "refused", "withdrawn", "approved", "lien_lodged", "lien_registered", "disbursed", "defaulted",
          "in_disposal", "settled", "written_off", "repaid", "closed"}


def test_the_small_demo_world_has_loans_in_every_state(db: Database) -> None:
    report = build_world(db, get_profile(), scale="small", seed=20260101, today=TODAY)
    with db.transaction(readonly=True) as s:
        loans = s.execute(select(Loan).order_by(Loan.id)).scalars().all()
        assert report.loans == len(loans) == sum(loan_counts(get_profile(), TODAY).values())  # none skipped
        insured = [x for x in loans if x.product_code == "two_rights_insured"]
        assert len(insured) == loan_counts(get_profile(), TODAY)["insured"] and insured[0].status == "disbursed"
        assert [x["party"] for x in insured[0].sharers] == ["fund", "insurer"]
        states = Counter(x.status for x in loans)
        assert set(states) >= STATES, STATES - set(states)
        tiers = {x.tier for x in loans if x.status in ("disbursed", "defaulted")}
        assert tiers >= {"normal", "special_mention", "substandard", "doubtful", "loss"}, tiers
        assert all(x.lot_id is not None for x in loans if x.status == "in_disposal")
        assert all(x.loss_cny > 0 for x in loans if x.status in ("settled", "written_off"))
        claims = s.execute(select(Claim)).scalars().all()
        assert {c.party for c in claims} >= {"fund", "guarantor"}
        assert any(c.loss_cny > 0 for c in claims) and any(c.recovered_cny > 0 for c in claims)
        kinds = set(s.execute(select(FundEntry.kind)).scalars())
        assert kinds >= {"contribution", "advance", "recovery"}, kinds
        balance, leverage = servicing.fund_position(s)
        assert balance > 0 and leverage is not None and leverage >= servicing.leverage_floor(TODAY)
        events = s.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.module == "lending"))
        assert (events or 0) >= len(loans) * 2


def test_the_demo_loan_counts_are_rule_data() -> None:
    profile = get_profile()
    counts = loan_counts(profile, TODAY)
    assert counts == profile.rules("demo_world").value("demo_loans", TODAY)
    assert set(counts) == {state for state, _, _ in SCENARIOS}  # every scenario has its number
    assert loan_counts(profile, date(2026, 12, 1)) == counts  # before the rule was stated: its first value

"""``landbridge credit train`` on the platform's loan outcomes (issue #18 scope 3): defaulted loans are bad, repaid
and closed ones good, running ones left out; the model is registered as the next version with its training data
digest, metrics, points table and a ledger event."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from landbridge.auth.models import Organisation
from landbridge.cli import app
from landbridge.credit.scorecard import outcomes, registry
from landbridge.credit.scorecard.models import ScorecardModel
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger.models import LedgerEvent
from landbridge.lending.models import Loan

runner = CliRunner()


def add_loans(db: Database, n: int, *, seed: int = 3, running: int = 5) -> tuple[int, int]:
    """``n`` finished loans (bad more likely at a high loan-to-value, a high rate, grade B) and ``running`` open
    ones; returns (bad, good)."""
    rnd = random.Random(seed)
    bad = good = 0
    with db.transaction() as s:
        bank = Organisation(name="鹰潭农商银行", kind="bank", region_code="360600", created_at=datetime.now(UTC))
        s.add(bank)
        s.flush()
        for i in range(n + running):
            ltv = rnd.uniform(0.2, 0.7)
            rate = rnd.choice(["0.0435", "0.0550", "0.0650"])
            grade = rnd.choice(["AAA", "AA", "A", "B", None])
            risk = 0.02 + 1.2 * (ltv - 0.2) + (0.25 if rate == "0.0650" else 0) + (0.25 if grade == "B" else 0)
            defaulted = rnd.random() < risk
            status = "disbursed" if i >= n else ("settled" if defaulted else rnd.choice(["repaid", "closed"]))
            if i < n:
                bad, good = (bad + 1, good) if defaulted else (bad, good + 1)
            principal = Decimal(rnd.randrange(20_000, 300_000, 1000))
            s.add(Loan(loan_no=f"L{i:06d}", product_code=rnd.choice(["forest", "land"]), rules_digest="x" * 64,
                       borrower_party_id=i + 1, bank_organisation_id=bank.id, right_id=i + 1, unit_id=i + 1,
                       parcel_id=i + 1, right_type="land_management_right", principal_cny=principal,
                       annual_rate=Decimal(rate), months=rnd.choice([12, 24, 36]), method="annuity",
                       start_date=date(2024, 1, 1), maturity=date(2026, 1, 1), grade=grade,
                       appraised_cny=(principal / Decimal(str(ltv))).quantize(Decimal("0.01")),
                       defaulted_on=date(2025, 3, 1) if defaulted and i < n else None, status=status,
                       region_code=rnd.choice(["360602101001", "360681102003"]), created_at=datetime.now(UTC)))
    return bad, good


def test_outcomes_are_the_finished_loans_and_defaulted_ones_are_bad(db: Database) -> None:
    bad, good = add_loans(db, 40, running=7)
    with db.transaction() as s:
        rows = outcomes.outcome_rows(s)
    assert len(rows) == 40 and sum(r["bad"] for r in rows) == bad and bad > 0 and good > 0
    assert {r["county"] for r in rows} <= {"360602", "360681"}
    assert all(0.19 < r["ltv"] < 0.71 for r in rows)
    assert outcomes.digest(rows) == outcomes.digest(list(rows)) and len(outcomes.digest(rows)) == 64


def test_train_registers_versioned_models_with_digest_metrics_points_and_a_ledger_event(db: Database) -> None:
    add_loans(db, 300)
    first = runner.invoke(app, ["credit", "train", "--json", "--actor", "user:1:admin"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["version"] == 1 and (summary["n_train"], summary["n_test"]) == (210, 90)
    assert summary["auc"] > 0.6, summary  # the synthetic defaults depend on ltv, rate and grade
    second = json.loads(runner.invoke(app, ["credit", "train", "--json", "--seed", "1"]).stdout)
    assert second["version"] == 2 and second["data_sha256"] == summary["data_sha256"]
    with db.transaction() as s:
        model = registry.get(s, 1)
        assert model.created_by == "user:1:admin" and model.n_rows == 300
        assert model.metrics["auc"] == summary["auc"] and model.table_sha256 == summary["points_table_digest"]
        assert registry.points_table(model).digest() == model.table_sha256
        assert registry.get(s).version == 2
        event = s.scalar(select(LedgerEvent).where(LedgerEvent.seq == model.ledger_seq))
        assert event is not None and event.event_type == "credit.scorecard_registered"
        with pytest.raises(DomainError, match="scorecard_model_not_found"):
            registry.get(s, 9)
    listed = runner.invoke(app, ["credit", "models", "--json"])
    assert [json.loads(line)["version"] for line in listed.stdout.splitlines()] == [2, 1]


def test_monitor_reads_a_registered_model_and_alerts_on_a_riskier_book(db: Database, tmp_path: Path) -> None:
    add_loans(db, 300)
    assert runner.invoke(app, ["credit", "train"]).exit_code == 0
    with db.transaction() as s:
        rows = outcomes.outcome_rows(s)
    same, later = tmp_path / "same.csv", tmp_path / "later.csv"
    same.write_bytes(outcomes.as_csv(rows))
    later.write_bytes(outcomes.as_csv([{**r, "ltv": min(0.95, r["ltv"] + 0.3)} for r in rows]))
    stable = json.loads(runner.invoke(app, ["credit", "monitor", "--model", "1", "--input", str(same)]).stdout)
    assert stable["alerts"] == [] and stable["score"]["status"] == "stable"
    drifted = json.loads(runner.invoke(app, ["credit", "monitor", "--model", "0", "--input", str(later)]).stdout)
    assert "ltv" in drifted["alerts"] and drifted["n"] == 300
    missing = runner.invoke(app, ["credit", "monitor", "--model", "5", "--input", str(same)])
    assert missing.exit_code == 2 and missing.stderr.startswith("credit.scorecard_model_not_found")
    both = runner.invoke(app, ["credit", "monitor", "--input", str(same)])
    assert both.exit_code == 2


def test_train_without_enough_outcomes_is_refused_and_registers_nothing(db: Database) -> None:
    add_loans(db, 0, running=4)
    done = runner.invoke(app, ["credit", "train"])
    assert done.exit_code == 2 and done.stderr.startswith("credit.scorecard_no_outcomes")
    with db.transaction() as s:
        assert s.scalar(select(ScorecardModel)) is None

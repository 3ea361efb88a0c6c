"""The household scorecard (issue #18): trained through ``landbridge credit train --kind household`` on the graded
households that borrowed (bad = a loan defaulted), registered as ``household_default``; the yearly run then grades
AND scores every household (score, reason codes and model version on the grade row, the run's record says so),
shown on the household's page and the bank's view. Without such a model the run grades only and says so."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

from sqlalchemy import select
from typer.testing import CliRunner

from landbridge import credit
from landbridge.cli import app
from landbridge.credit import service
from landbridge.credit.models import CreditGrade, GradingRun
from landbridge.credit.rules import Facts
from landbridge.credit.scorecard import households
from landbridge.credit.scorecard.models import ScorecardModel
from landbridge.credit.scorecard.points import PointsTable
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.registry.models import Party
from tests.credit.test_api import Api, api, auth
from tests.credit.test_pages import as_user, text

__all__ = ["api"]
runner = CliRunner()
LATER = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # the scorecard's rule set is in force (not yet on the world's day)


def graded_households(db: Database, n: int, seed: int = 7) -> int:
    """``n`` parties with a stored grade whose file says they borrowed; a default is likelier with a loan overdue, a
    seizure, a forfeited deposit or a listing. Returns how many went bad."""
    rnd = random.Random(seed)
    bad = 0
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with db.transaction() as s:
        s.execute(Party.__table__.insert(), [{"kind": "group", "name": f"训练户{i}", "region_code": "360602101001",
                                              "created_at": stamp} for i in range(n)])
        ids = list(s.scalars(select(Party.id).where(Party.name.like("训练户%")).order_by(Party.id)))
        rows = []
        for pid in ids:
            f = Facts(loans=rnd.choice([1, 1, 2, 3]), loans_overdue=int(rnd.random() < 0.2),
                      rights_held=rnd.randrange(4), seizures=int(rnd.random() < 0.1),
                      exchange_defaults=int(rnd.random() < 0.05), listed=rnd.random() < 0.05)
            risk = 0.05 + 0.4 * f.loans_overdue + 0.3 * f.seizures + 0.3 * f.listed - 0.03 * f.rights_held
            defaulted = int(rnd.random() < risk)
            f = f.corrected({"loans_defaulted": defaulted, "loans_repaid": f.loans - defaulted - f.loans_overdue})
            bad += defaulted
            rows.append({"party_id": pid, "region_code": "360602101001", "points": 70, "grade": "A",
                         "facts": service.facts_json(f), "rules_digest": "x" * 64, "graded_on": date(2026, 1, 1),
                         "borrowing": True, "on_time": not (defaulted or f.loans_overdue), "outstanding_fen": 0,
                         "non_performing_fen": 0})
        s.execute(CreditGrade.__table__.insert(), rows)
    return bad


def test_without_a_household_model_the_run_grades_only_and_says_so(api: Api, db: Database) -> None:
    sup = auth(api.client, "supervisor")
    r = api.client.post("/api/v1/credit/grading", headers=sup)
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "graded_only" and run["scored"] == 0 and run["graded"] >= 2
    assert "no household model" in run["note"]
    with db.transaction(readonly=True) as s:
        assert all(g.score is None and g.score_model is None for g in s.scalars(select(CreditGrade)))
    as_user(api, "farmer")
    assert 'id="not-scored"' in api.client.get("/credit").text
    listed = api.client.get("/api/v1/credit/grading", headers=sup).json()
    assert [x["id"] for x in listed] == [run["id"]]


def test_train_on_households_then_the_yearly_run_grades_and_scores_everyone(api: Api, db: Database,
                                                                           clock: Clock) -> None:
    clock.set(LATER)
    bad = graded_households(db, 400)
    done = runner.invoke(app, ["credit", "train", "--kind", "household", "--json", "--actor", "user:1:admin"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["name"] == "household_default" and summary["n_train"] + summary["n_test"] == 400
    assert summary["auc"] > 0.6, summary  # the synthetic defaults follow overdue loans, seizures, listings
    with db.transaction(readonly=True) as s:
        model = s.scalar(select(ScorecardModel).where(ScorecardModel.name == "household_default"))
        assert model is not None and model.n_rows == 400 and bad > 10
        assert {f["name"] for f in model.points_table["features"]} <= set(households.FEATURES)
        table = PointsTable(model.points_table)
        version = model.version
    r = api.client.post("/api/v1/credit/grading", headers=auth(api.client, "supervisor"))
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "completed" and run["score_model"] == version and run["scored"] == run["graded"]
    with db.transaction(readonly=True) as s:
        grades = list(s.scalars(select(CreditGrade)))
        assert len(grades) == run["graded"] and all(g.score_model == version for g in grades)
        for g in grades:  # the stored score and reasons are the points table's reading of the stored facts
            one = table.score(households.row_of(Facts().corrected(json.loads(g.facts))))
            assert float(g.score) == round(one.score, 2), (g.facts, g.score, one.score)
            assert (g.score_reasons or "") == ",".join(x.feature for x in one.reasons)
        assert len({g.score for g in grades}) >= 2  # the regraded files are clean but for the world's rights
        runs = list(s.scalars(select(GradingRun)))
        assert [x.status for x in runs] == ["completed"]
    # the household's page and the bank's view show the score and what cost it points
    as_user(api, "farmer")
    page = api.client.get("/credit").text
    assert 'id="score-value"' in page and f"v{version}" in page
    with db.transaction(readonly=True) as s:
        mine = s.scalar(select(CreditGrade).where(CreditGrade.party_id == api.world.borrower))
        assert mine is not None
        shown = f'id="score-value">{round(mine.score)}<'
    assert shown in page
    english = text(api.client.get("/credit?lang=en").text)
    assert "Credit score" in english
    # the bank's view, with the household's authorisation on record
    as_user(api, None)
    granted = api.client.post("/api/v1/credit/me/authorisations", headers=auth(api.client, "farmer"),
                              json={"organisation_id": api.world.bank_org, "purpose": "贷款审查",
                                    "valid_until": "2027-06-30"})
    assert granted.status_code == 201, granted.text
    as_user(api, "bank1")
    bank_page = api.client.get(f"/credit/parties/{api.world.borrower}").text
    assert shown in bank_page and 'id="not-scored"' not in bank_page


def test_a_household_graded_on_its_own_is_scored_too(api: Api, db: Database, clock: Clock) -> None:
    clock.set(LATER)
    graded_households(db, 300, seed=3)
    assert runner.invoke(app, ["credit", "train", "--kind", "household"]).exit_code == 0
    with db.transaction() as s:
        before = credit.grade_party(s, api.world.borrower, actor="user:9:supervisor")
        row = s.scalar(select(CreditGrade).where(CreditGrade.party_id == api.world.borrower))
        assert row is not None and row.score is not None and before.grade == row.grade
        other = s.scalar(select(CreditGrade).where(CreditGrade.party_id == api.world.other))
        assert other is not None and other.score is None  # not regraded: its grade row is as the fixture left it


def test_train_on_households_without_enough_outcomes_is_refused(db: Database) -> None:
    done = runner.invoke(app, ["credit", "train", "--kind", "household"])
    assert done.exit_code == 2 and done.stderr.startswith("credit.scorecard_no_outcomes")
    wrong = runner.invoke(app, ["credit", "train", "--kind", "villages"])
    assert wrong.exit_code == 2 and wrong.stderr.startswith("credit.bad_input")
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(ScorecardModel)) is None



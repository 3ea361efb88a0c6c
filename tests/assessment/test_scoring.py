"""Assessment scoring, review and publication (issue #19 scope 4; P2, S2): county scores against hand-computed
values on the supervision fixture, scores re-derived equal, adjustment with a written reason, the transitions
guarded and each one a ledger event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge import assessment
from landbridge.assessment import scoring
from landbridge.assessment.models import AssessmentScore
from landbridge.assessment.sets import by_version, parse
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger.models import LedgerEvent
from tests.assessment.conftest import COUNTY_TOTALS
from tests.supervision.conftest import AS_OF, SupervisionWorld

ACTOR = "user:1:supervisor"


def totals(db: Database, run_id: int) -> dict[str, Decimal]:
    with db.transaction(readonly=True) as s:
        return {r.subject_code: r.computed for r in s.scalars(select(AssessmentScore)
                                                               .where(AssessmentScore.run_id == run_id))}


def test_county_scores_equal_hand_computed(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        run = assessment.score_year(s, year=2026, subject_kind="county", actor=ACTOR)
        run_id, as_of, version = run.id, run.as_of, run.set_version
        assert (run.status, run.set_version) == ("scored", "2026-county-1")
        assert run.code_version.endswith("+assessment.r1") and len(run.set_digest) == 64
    assert as_of == AS_OF
    assert totals(db, run_id) == COUNTY_TOTALS
    with db.transaction(readonly=True) as s:  # re-derived from the same dated records: the same totals
        derived = scoring.derive(s, by_version(version, scoring.today()), as_of)
        assert {k: v[0] for k, v in derived.items()} == COUNTY_TOTALS
        details = {d["indicator"]: d for d in derived["360603000000"][1]}
        assert details["lending.npl_ratio"]["value"] == "66.6667" and details["lending.npl_ratio"]["score"] == "7.50"
        yuehu = {d["indicator"]: d for d in derived["360602000000"][1]}["lending.npl_ratio"]
        assert (yuehu["no_data"], yuehu["score"]) == (True, "0.00")  # no loans: no data, not a perfect ratio


def test_townships_and_departments_are_scored(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        town = assessment.score_year(s, year=2026, subject_kind="township", actor=ACTOR).id
        dept = assessment.score_year(s, year=2026, subject_kind="department", actor=ACTOR).id
    towns = totals(db, town)
    assert len(towns) == 38  # every township of the profile
    depts = totals(db, dept)
    assert len(depts) == 3  # exchange, finance bureau, agriculture: the owners of the set's indicators
    with db.transaction(readonly=True) as s:
        names = {r.name_zh for r in s.scalars(select(AssessmentScore).where(AssessmentScore.run_id == dept))}
    assert "市农村产权交易中心" in names


def test_review_adjust_publish_with_ledger_events(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        run_id = assessment.score_year(s, year=2026, subject_kind="county", actor=ACTOR).id
    with db.transaction() as s:
        with pytest.raises(DomainError) as err:
            assessment.adjust_score(s, run_id, "360603000000", score=Decimal(40), reason="  ", actor=ACTOR)
        assert err.value.code == "assessment.reason_required"
        with pytest.raises(DomainError) as err:
            assessment.adjust_score(s, run_id, "360603000000", score=Decimal(121), reason="x", actor=ACTOR)
        assert err.value.code == "assessment.invalid_score"
        with pytest.raises(DomainError) as err:
            assessment.publish(s, run_id, actor=ACTOR)
        assert err.value.code == "assessment.invalid_transition"
    with db.transaction() as s:
        row = assessment.adjust_score(s, run_id, "360603000000", score=Decimal("40"),
                                      reason="不良贷款已于年中核销，核减影响", actor=ACTOR)
        assert (row.computed, row.adjusted) == (Decimal("32.75"), Decimal("40.00"))
        assessment.review(s, run_id, actor=ACTOR)
    with db.transaction() as s:
        with pytest.raises(DomainError) as err:
            assessment.adjust_score(s, run_id, "360603000000", score=Decimal(50), reason="again", actor=ACTOR)
        assert err.value.code == "assessment.invalid_transition"
        assessment.publish(s, run_id, actor=ACTOR)
        assert [r.id for r in assessment.published_runs(s)] == [run_id]
    with db.transaction(readonly=True) as s:
        events = [e.event_type for e in s.scalars(select(LedgerEvent).where(LedgerEvent.module == "assessment")
                                                   .order_by(LedgerEvent.seq))]
    assert events == ["assessment_scored", "assessment_score_adjusted", "assessment_reviewed", "assessment_published"]
    with db.transaction() as s, pytest.raises(DomainError) as err:
        assessment.score_year(s, year=2026, subject_kind="county", actor=ACTOR)
    assert err.value.code == "assessment.already_scored"


def test_bad_inputs_are_refused(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        for year, kind, code in ((2027, "county", "assessment.invalid_year"), (2025, "county", "assessment.no_set"),
                                 (2026, "village", "assessment.no_set")):
            with pytest.raises(DomainError) as err:
                assessment.score_year(s, year=year, subject_kind=kind, actor=ACTOR)
            assert err.value.code == code
        with pytest.raises(DomainError) as err:
            assessment.score_year(s, year=2026, subject_kind="county", actor=ACTOR, as_of=date(2026, 7, 1))
        assert err.value.code == "assessment.invalid_year"


def test_a_set_in_force_cannot_be_edited() -> None:
    text = """[[set]]
version = "v"
year = 2026
subject_kind = "county"
effective_from = 2026-01-01
full = "100"
cap = "120"
best = "100"
worst = "60"
source = "s"
[[set.item]]
indicator = "lending.npl_ratio"
weight = "1"
target = "5"
direction = "lower"
method = "linear"
source = "s"
"""
    with pytest.raises(DomainError) as err:
        parse(text, {"v": "0" * 64}, date(2026, 6, 1))
    assert err.value.code == "assessment.sets_changed"
    assert parse(text, {}, date(2025, 6, 1))[0].items[0].target == Decimal(5)  # not in force yet: no lock needed
    with pytest.raises(DomainError) as err:
        parse(text.replace('method = "linear"', 'method = "guess"'), {}, date(2025, 6, 1))
    assert err.value.code == "assessment.sets_invalid"


def test_the_lock_covers_every_set_so_a_later_one_loads_on_its_day() -> None:
    """A set added for a later year is locked when written, as the supervision indicators are: on its first day it
    loads (a lock of the sets in force only would refuse every set then)."""
    from landbridge.assessment import sets
    assert sets.lock_text() == sets.LOCK.read_text(encoding="utf-8")

"""The demo world's assessment and task board (issue #19 scope 4): the year's county and township assessments
published (one score adjusted with its reason), the departments' waiting for review, and a dozen tasks in every
state with the late ones alerted; the ledger verifies."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from landbridge.assessment import tasks
from landbridge.assessment.models import AssessmentRun, AssessmentScore, BoardTask
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.ledger import verify_ledger
from tests.demo.test_world import SEED, TODAY, _plan


def test_the_demo_world_has_published_assessments_and_tasks_in_every_state(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 80) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)
    with db.transaction(readonly=True) as s:
        runs = {r.subject_kind: r for r in s.scalars(select(AssessmentRun))}
        assert report.assessment_runs == len(runs) == 3
        assert (runs["county"].status, runs["township"].status, runs["department"].status) == (
            "published", "published", "scored")
        adjusted = list(s.scalars(select(AssessmentScore).where(AssessmentScore.reason.is_not(None))))
        assert len(adjusted) == 1 and adjusted[0].run_id == runs["township"].id
        board = list(s.scalars(select(BoardTask)))
        assert report.board_tasks == len(board) == 12
        assert set(Counter(t.status for t in board)) == {"planned", "in_progress", "done"}
        late = tasks.late_task_ids(s, [t.id for t in board])
        assert {tasks.flag(t, t.id in late) for t in board} == {"on_track", "late", "done"}
        assert all(t.lon is not None for t in board)
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok

"""The demo world's demands (issue #20 item 3): every state across the demo departments, escalations fired by the
worker's own job, ratings good and bad, and the ledger still verifies."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from landbridge import demands
from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.demands.models import DemandTicket
from landbridge.demo.demands import STORIES, seed_demands
from landbridge.ledger import verify_ledger

TODAY = date(2026, 12, 7)


def test_the_demo_demands_are_in_every_state_across_departments(db: Database) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
        assert seed_demands(s, today=TODAY) == len(STORIES)
    with db.transaction(readonly=True) as s:
        rows = list(s.scalars(select(DemandTicket)))
        assert set(Counter(t.status for t in rows)) == {"pending", "dispatched", "accepted", "answered", "closed",
                                                        "rejected", "extension_asked", "merged"}
        assert any(t.urgent for t in rows) and any(t.reopens for t in rows) and any(t.extensions for t in rows)
        merged = next(t for t in rows if t.status == "merged")
        assert s.get(DemandTicket, merged.merged_into_id).title == "宅基地自愿有偿退出补偿标准"  # type: ignore[union-attr]
        assert len({t.department_id for t in rows if t.department_id is not None}) >= 4
        assert {t.channel for t in rows} == {"online", "phone", "desk"}
        assert {t.escalation for t in rows} >= {1, 2}
        assert {t.satisfaction for t in rows if t.satisfaction} == {1, 3, 5}
        assert any(t.reason and t.status == "pending" for t in rows)  # the returned one
        figures = demands.by_department(s)
        assert sum(f.answered for f in figures) == 4 and sum(f.on_time for f in figures) == 3
        assert verify_ledger(s).ok

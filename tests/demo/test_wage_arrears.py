"""The demo world's wage-arrears cases (issue #20 item 4): every state, escalations fired by the job, an employer with
a login that sees its cases, and the ledger still verifies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from landbridge import wage_arrears
from landbridge.auth import create_demo_accounts
from landbridge.auth.models import Organisation, User
from landbridge.db import Database
from landbridge.demo.wage_arrears import STORIES, seed_wage_arrears
from landbridge.ledger import verify_ledger
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment

TODAY = date(2026, 12, 7)


def test_the_demo_cases_are_in_every_state(db: Database) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
        assert seed_wage_arrears(s, today=TODAY) == len(STORIES)
    with db.transaction(readonly=True) as s:
        rows = list(s.scalars(select(WageArrearsCase)))
        assert {c.status for c in rows} == {s.value for s in wage_arrears.CaseStatus}
        assert {c.escalation for c in rows} >= {0, 2, 3}
        assert any(c.confirmed_at is not None and c.rating for c in rows)
        assert s.scalars(select(WageArrearsPayment.status).where(WageArrearsPayment.status == "claimed")).all()
        employer = s.scalar(select(Organisation.uscc).join(User, User.organisation_id == Organisation.id)
                            .where(User.username == "employer"))
        assert sum(1 for c in rows if c.employer_uscc == employer) >= 3
        assert all(c.paid_fen <= c.owed_fen for c in rows)
        assert verify_ledger(s).ok

"""The demo world's employment register (issue #20 item 4): postings in every state, the member registered as a
seeker with consent and an application waiting for the employer; the ledger still verifies."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from landbridge.auth import create_demo_accounts, link_user_party
from landbridge.db import Database
from landbridge.demo.employment import POSTINGS, seed_employment
from landbridge.demo.world_state import MEMBER_USERNAME
from landbridge.employment.models import (
    EmploymentJob,
    JobApplication,
    JobSeeker,
    TrainingCourse,
    TrainingEnrolment,
)
from landbridge.ledger import verify_ledger

TODAY = date(2026, 12, 7)


def test_the_demo_register_fills_every_state(db: Database) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
        link_user_party(s, username=MEMBER_USERNAME, party_id=777)
        assert seed_employment(s, today=TODAY) == len(POSTINGS)
    with db.transaction(readonly=True) as s:
        assert set(Counter(j.status for j in s.scalars(select(EmploymentJob)))) == {"published", "submitted",
                                                                                    "closed"}
        seekers = list(s.scalars(select(JobSeeker)))
        assert seekers and all(x.consent for x in seekers)
        assert [a.status for a in s.scalars(select(JobApplication))] == ["applied"]
        course = s.scalar(select(TrainingCourse))
        assert course is not None and course.enrolled == len(seekers)
        certificates = [e.certificate_no for e in s.scalars(select(TrainingEnrolment).order_by(TrainingEnrolment.id))]
        assert certificates[0] and not any(certificates[1:])  # one trainee attended enough; the others are short
        assert verify_ledger(s).ok

"""Employment's steps (issue #20 item 4, requirements E1, E2): USCC-verified employers, the job's review and
expiry, seekers with consent (withdrawn: hidden at once), matching with reasons, applications and outcomes; every
refusal typed and changing nothing; no seeker data in the ledger."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import employment
from landbridge.employment import rules as er
from landbridge.employment.models import EmploymentJob
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock, set_clock
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent, LedgerPrivate
from tests.employment.world import CLOSES, FAR, TOWN, VILLAGE, EmploymentWorld, build

OFFICER = "user:4:employment_officer"


@pytest.fixture
def world(session: Session, clock: Clock) -> EmploymentWorld:
    return build(session)


def post(s: Session, w: EmploymentWorld, who: str = "acme", **more: Any) -> EmploymentJob:
    args: dict[str, Any] = {"title": "铜杆连铸操作工", "industry": "copper", "description": "三班倒",
                            "region_code": TOWN, "wage_min": Decimal("4500"), "wage_max": Decimal("6500.50"),
                            "headcount": 5,
                            "skills": "电工、叉车", "closes_on": CLOSES, **more}
    return employment.post_job(s, actor=f"user:{w.users[who]}:employer", employer_id=w.orgs[who], **args)


def seeker(s: Session, w: EmploymentWorld, who: str = "worker", party: int | None = 9001, **more: Any) -> Any:
    args: dict[str, Any] = {"region_code": VILLAGE, "industry": "copper", "skills": ["电工", "焊工"],
                            "wage_expect": "5000", "consent": True, **more}
    return employment.register_seeker(s, actor="user:5:member", user_id=w.users[who], party_id=party, **args)


def refused(s: Session, code: str, fn: Any, *args: Any, **kwargs: Any) -> None:
    before = current_size(s)
    with pytest.raises(DomainError) as e:
        fn(*args, **kwargs)
    assert e.value.code == code
    assert current_size(s) == before


def test_uscc_check_digit() -> None:
    assert er.valid_uscc("91360600MA39E8K10F")
    assert not er.valid_uscc("91360600MA39E8K10G") and not er.valid_uscc("") and not er.valid_uscc(None)


def test_job_posted_reviewed_published_and_money_in_fen(session: Session, world: EmploymentWorld) -> None:
    job = post(session, world)
    assert (job.status, job.wage_min_fen, job.wage_max_fen, job.skills) == ("submitted", 450000, 650050,
                                                                           ["叉车", "电工"])
    employment.publish_job(session, job.id, actor=OFFICER)
    assert job.status == "published" and job.reviewed_by == OFFICER
    refused(session, "employment.invalid_step", employment.publish_job, session, job.id, actor=OFFICER)
    other = post(session, world)
    employment.reject_job(session, other.id, actor=OFFICER, reason="岗位信息不完整")
    assert other.status == "rejected" and other.reason == "岗位信息不完整"


@pytest.mark.parametrize(("more", "code"), [
    ({"industry": "mining"}, "employment.unknown_industry"),
    ({"wage_min": Decimal("7000")}, "employment.invalid_wage"),
    ({"wage_max": Decimal("1e9")}, "employment.invalid_wage"),
    ({"wage_min": Decimal("1.001")}, "employment.invalid_wage"),
    ({"headcount": 0}, "employment.invalid_headcount"),
    ({"skills": ["x" * 21]}, "employment.invalid_skills"),
    ({"closes_on": date(2026, 3, 2)}, "employment.invalid_closing"),
    ({"closes_on": date(2027, 3, 2)}, "employment.invalid_closing"),
    ({"region_code": "3606"}, "employment.invalid_region"),
    ({"title": " "}, "employment.invalid_text"),
])
def test_bad_postings_refused(session: Session, world: EmploymentWorld, more: dict[str, Any], code: str) -> None:
    refused(session, code, post, session, world, **more)


def test_employer_needs_a_valid_uscc(session: Session, world: EmploymentWorld) -> None:
    refused(session, "employment.employer_unverified", post, session, world, "shady")
    assert session.scalar(select(EmploymentJob.id)) is None


def test_close_own_job_only_and_expiry_worker(session: Session, world: EmploymentWorld, clock: Clock) -> None:
    job, kept = post(session, world), post(session, world)
    for j in (job, kept):
        employment.publish_job(session, j.id, actor=OFFICER)
    refused(session, "employment.not_yours", employment.close_job, session, job.id, actor="x",
            employer_id=world.orgs["rival"])
    employment.close_job(session, job.id, actor="x", employer_id=world.orgs["acme"])
    assert job.status == "closed"
    assert employment.expire_jobs(session) == 0
    set_clock(Clock(datetime(2026, 5, 1, 2, tzinfo=UTC)))
    assert employment.expire_jobs(session) == 1
    assert employment.expire_jobs(session) == 0
    session.refresh(kept)
    assert kept.status == "expired"


def test_seeker_needs_person_and_consent(session: Session, world: EmploymentWorld) -> None:
    refused(session, "employment.person_required", seeker, session, world, "nobody", party=None)
    refused(session, "employment.consent_required", seeker, session, world, consent=False)
    s = seeker(session, world)
    assert s.consent and s.wage_expect_fen == 500000
    again = seeker(session, world, skills=["叉车"])  # an update, not a second profile
    assert again.id == s.id and again.skills == ["叉车"]


def test_matching_with_reasons_and_consent_withdrawal(session: Session, world: EmploymentWorld) -> None:
    job = post(session, world)
    employment.publish_job(session, job.id, actor=OFFICER)
    near = seeker(session, world)
    far = seeker(session, world, "worker2", party=9002, region_code=FAR, industry="eyewear", skills=["焊工"],
                 wage_expect="9000")
    found = employment.seekers_for(session, job)
    assert [m.seeker.id for m in found] == [near.id]  # the far one scores below the minimum
    m = found[0]
    assert {r.key: r.points for r in m.reasons} == {"skills": 20, "township": 20, "industry": 25, "wage": 15}
    assert m.score == 80 and m.reasons[0].detail == "电工"
    assert [x.job.id for x in employment.jobs_for(session, near)] == [job.id]
    assert far.id not in [x.seeker.id for x in employment.seekers_for(session, job)]
    employment.withdraw_consent(session, actor="user:5:member", user_id=world.users["worker"])
    assert employment.seekers_for(session, job) == []  # hidden at once


def test_applications_and_outcomes(session: Session, world: EmploymentWorld) -> None:
    job = post(session, world)
    refused(session, "employment.seeker_not_found", employment.apply, session, actor="a",
            user_id=world.users["worker"], job_id=job.id)
    seeker(session, world)
    refused(session, "employment.job_closed", employment.apply, session, actor="a", user_id=world.users["worker"],
            job_id=job.id)
    employment.publish_job(session, job.id, actor=OFFICER)
    app = employment.apply(session, actor="a", user_id=world.users["worker"], job_id=job.id)
    refused(session, "employment.already_applied", employment.apply, session, actor="a",
            user_id=world.users["worker"], job_id=job.id)
    refused(session, "employment.not_yours", employment.decide, session, app.id, step="shortlist", actor="r",
            employer_id=world.orgs["rival"])
    employment.decide(session, app.id, step="shortlist", actor="e", employer_id=world.orgs["acme"])
    refused(session, "employment.invalid_step", employment.decide, session, app.id, step="shortlist", actor="e",
            employer_id=world.orgs["acme"])
    employment.decide(session, app.id, step="hire", actor="e", employer_id=world.orgs["acme"])
    assert app.status == "hired"
    refused(session, "employment.invalid_step", employment.withdraw_application, session, app.id, actor="a",
            user_id=world.users["worker"])
    seeker(session, world, "worker2", party=9002)
    second = employment.apply(session, actor="b", user_id=world.users["worker2"], job_id=job.id)
    refused(session, "employment.not_yours", employment.withdraw_application, session, second.id, actor="a",
            user_id=world.users["worker"])
    employment.withdraw_application(session, second.id, actor="b", user_id=world.users["worker2"])
    assert second.status == "withdrawn"
    employment.withdraw_consent(session, actor="a", user_id=world.users["worker"])
    third = post(session, world)
    employment.publish_job(session, third.id, actor=OFFICER)
    refused(session, "employment.no_consent", employment.apply, session, actor="a", user_id=world.users["worker"],
            job_id=third.id)


def test_no_seeker_data_in_the_ledger(session: Session, world: EmploymentWorld) -> None:
    job = post(session, world)
    employment.publish_job(session, job.id, actor=OFFICER)
    seeker(session, world, skills=["独特技能甲"], wage_expect="5123")
    employment.apply(session, actor="a", user_id=world.users["worker"], job_id=job.id)
    events = session.scalars(select(LedgerEvent).where(LedgerEvent.module == "employment")).all()
    assert {e.event_type for e in events} >= {"job_posted", "job_published", "seeker_registered",
                                              "application_submitted"}
    blob = " ".join(str(e.envelope) for e in events) + " ".join(
        str(p.body) for p in session.scalars(select(LedgerPrivate).where(
            LedgerPrivate.seq.in_([e.seq for e in events]))))
    # the numbers as whole tokens: a bare "9001" also occurs by chance inside an event's hex hash or a timestamp
    assert "独特技能甲" not in blob
    assert not re.search(r"(?<![0-9a-f.])(512300|9001)(?![0-9a-f])", blob)

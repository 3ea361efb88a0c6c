"""The demo world's employment register (就业服务, issue #20 item 4): postings of the demo employer across the "2+3"
industries in every state (published, waiting for review, closed), the residents with a linked person registered as
job seekers with their consent, and one application waiting for the employer, so the hall shows both the officer's
and the employer's to-dos; a skills course under way with the seekers enrolled and one certificate issued.

Everything goes through ``landbridge.employment``'s services on a clock frozen at the demo's day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import employment
from landbridge.auth.models import Organisation, User
from landbridge.demo.exchange_lots import _frozen_at
from landbridge.demo.world_state import MEMBER_USERNAME
from landbridge.employment import training
from landbridge.kernel.clock import SHANGHAI

EMPLOYER = "system:demo:employer"
OFFICER = "system:demo:employment_officer"
SEEKERS_MAX = 4
COURSE_SESSIONS = 5

# title, industry, skills, wage from, wage to, headcount, days open, end state
POSTINGS = (
    ("铜杆连铸操作工", "copper", "电工、叉车", "4500", "6500", 6, 45, "published"),
    ("移动物联网设备装配工", "digital", "电子装配、焊工", "4000", "5500", 10, 30, "published"),
    ("眼镜质检员", "eyewear", "质检、细心", "3500", "4500", 3, 20, "submitted"),
    ("精密元件冲压工", "components", "冲压、机修", "4200", "6000", 4, 25, "closed"),
    ("民宿服务员", "agri_tourism", "客房服务、普通话", "3000", "4000", 2, 60, "published"),
)
SKILLS = (["电工", "焊工"], ["电子装配"], ["客房服务", "普通话"], ["叉车", "冲压"])
INDUSTRIES = ("copper", "digital", "agri_tourism", "components")


def seed_employment(session: Session, *, today: date) -> int:
    """The demo postings, seekers and an application; returns how many postings (0 without the demo employer)."""
    org = session.scalar(select(Organisation).join(User, User.organisation_id == Organisation.id)
                         .where(User.username == "employer"))
    if org is None or not org.uscc:
        return 0
    made = 0
    with _frozen_at(datetime.combine(today, time(9), tzinfo=SHANGHAI)):
        jobs = []
        for title, industry, skills, low, high, count, days, end in POSTINGS:
            job = employment.post_job(session, actor=EMPLOYER, employer_id=org.id, title=title, industry=industry,
                                      description=f"{title}：五险一金，包工作餐，工作地点{org.name}附近。",
                                      region_code=org.region_code, wage_min=Decimal(low), wage_max=Decimal(high),
                                      headcount=count, skills=skills, closes_on=today + timedelta(days=days))
            if end in ("published", "closed"):
                employment.publish_job(session, job.id, actor=OFFICER)
            if end == "closed":
                employment.close_job(session, job.id, actor=EMPLOYER, employer_id=org.id)
            jobs.append(job)
            made += 1
        users = session.execute(select(User.id, User.party_id, User.username).where(User.party_id.is_not(None))
                                .order_by(User.username != MEMBER_USERNAME, User.id).limit(SEEKERS_MAX)).all()
        for i, (uid, party, _) in enumerate(users):
            employment.register_seeker(session, actor=f"user:{uid}:member", user_id=int(uid), party_id=party,
                                       region_code=org.region_code[:9] + "001", industry=INDUSTRIES[i],
                                       skills=SKILLS[i], wage_expect=Decimal(4000 + 500 * i), consent=True)
        if users:
            employment.apply(session, actor=f"user:{users[0][0]}:member", user_id=int(users[0][0]),
                             job_id=jobs[0].id)
        _seed_course(session, org.region_code, users, today)
    return made


def _seed_course(session: Session, region: str, users: Sequence[Any], today: date) -> None:
    """A course of the plan's copper industry begun a fortnight ago: the seekers enrolled, four of its five sessions
    held, the first trainee certified (the others short of the share); the member can see their certificate."""
    course = training.create_course(session, actor=OFFICER, title="铜基新材料技能提升培训班", industry="copper",
                                    region_code=region, sessions=COURSE_SESSIONS, capacity=30,
                                    starts_on=today - timedelta(days=14))
    enrolled = [training.enrol(session, actor=f"user:{uid}:member", course_id=course.id, user_id=int(uid),
                               party_id=party) for uid, party, _ in users]
    for n in range(1, COURSE_SESSIONS):
        present = [e.id for i, e in enumerate(enrolled) if i == 0 or n <= 2]
        if present:
            training.record_attendance(session, actor=OFFICER, course_id=course.id, session_no=n,
                                       enrolment_ids=present)
    if enrolled:
        training.certify(session, actor=OFFICER, enrolment_id=enrolled[0].id)

"""The demo world's wage-arrears cases (欠薪, issue #20 item 4): a dozen complaints in every state — to decide,
accepted, rejected, ordered to pay, overdue at each escalation level, partly paid with an employer's claim waiting,
closed as paid and confirmed by the worker, referred — filed by the demo ``member`` (linked to a registry person) and
at the township's desk, against construction employers named by their USCC; one of them has a login, ``employer``
(its organisation's administrator), which sees the cases against it.

Everything goes through ``landbridge.wage_arrears``'s services on a clock frozen at each step's day, so deadlines,
escalations, ledger events and notices are what the platform itself would have written."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry, wage_arrears
from landbridge.auth import DEMO_PASSWORD, OrgKind, Role, create_organisation, create_user
from landbridge.auth.models import Organisation, User
from landbridge.cityprofile import get_profile
from landbridge.demo.demands import _at
from landbridge.demo.exchange_lots import _frozen_at
from landbridge.demo.people import make_resident_id, make_uscc
from landbridge.demo.world_state import MEMBER_USERNAME, demo_short_name
from landbridge.kernel.money import fen_to_yuan
from landbridge.registry.models import Party

INSPECTOR = "system:demo:labour_inspector"
DESK = "system:demo:desk"
EMPLOYER_LOGIN = "employer"
# invented employers, each with the city's short name
EMPLOYERS = ("{city}锦建建筑劳务有限公司", "{city}鑫达建设工程有限公司", "{city}远航市政工程有限公司")


@dataclass(frozen=True)
class Story:
    """One demo case: who (0 = the demo member's person), against which employer, how much, how long ago, how far."""

    worker: int
    employer: int
    project: str
    amount: str
    workers: int
    days_ago: int
    end: str  # filed, accepted, rejected, ordered, overdue, claimed, closed, confirmed, referred


STORIES = (
    Story(0, 0, "安置房二期 3# 楼", "18600.00", 1, 70, "confirmed"),
    Story(1, 0, "安置房二期 5# 楼", "42350.50", 4, 2, "filed"),
    Story(2, 1, "高标准农田建设项目", "9800.00", 2, 6, "accepted"),
    Story(3, 2, "城区排水管网改造", "3200.00", 1, 8, "rejected"),
    Story(0, 1, "村道硬化工程", "12500.00", 3, 9, "ordered"),
    Story(4, 1, "农村供水管网", "26800.00", 6, 30, "overdue"),
    Story(5, 2, "物流园一期", "56000.00", 8, 60, "overdue"),
    Story(6, 0, "乡镇卫生院扩建", "7400.00", 2, 24, "claimed"),
    Story(7, 2, "老旧小区改造", "15200.00", 3, 40, "closed"),
    Story(8, 2, "景区游步道", "88000.00", 12, 75, "referred"),
)


def _workers(session: Session, needed: int, region: str) -> list[int]:
    """The demo member's person first, then other persons of the registry (made here where there are too few)."""
    member = session.scalar(select(User.party_id).where(User.username == MEMBER_USERNAME))
    others = [int(pid) for pid in session.scalars(select(Party.id).where(Party.kind == "person", Party.id != member)
                                                  .order_by(Party.id).limit(needed + 1))]
    while len(others) < needed + 1:
        n = len(others)
        others.append(registry.create_party(session, kind="person", name=f"务工人员{n + 1}",
                                            id_number=make_resident_id(region[:6], date(1975 + n, 3, 1), 700 + n, True),
                                            actor=DESK).id)
    return [int(member), *others[:needed]] if member is not None else others


def employer_names() -> list[str]:
    return [name.format(city=demo_short_name(get_profile())) for name in EMPLOYERS]


def _employers(session: Session, region: str) -> tuple[list[str], list[str]]:
    """The employers' USCCs and names. The first is the organisation of the ``employer`` login when the profile
    made one (the employment register's demo company), so that one login sees both its job postings and the cases
    against it; otherwise an invented company with an org_admin login ``employer``. The others have no login."""
    rng = random.Random(724)  # 国务院令第724号
    codes = [make_uscc(rng, region[:6], "91") for _ in EMPLOYERS]
    names = employer_names()
    login_org = session.scalar(select(User.organisation_id).where(User.username == EMPLOYER_LOGIN))
    org = session.get(Organisation, login_org) if login_org else None
    if org is None or not org.uscc:
        org = session.scalar(select(Organisation).where(Organisation.name == names[0]))
        if org is None:
            org = create_organisation(session, name=names[0], kind=OrgKind.company,
                                      region_code=region[:6] + "000000", uscc=codes[0])
        if login_org is None:
            create_user(session, username=EMPLOYER_LOGIN, password=DEMO_PASSWORD, display_name="锦建劳务 管理员 邓超",
                        role=Role.org_admin, organisation_id=org.id, is_demo=True)
    codes[0], names[0] = org.uscc or codes[0], org.name
    return codes, names


def seed_wage_arrears(session: Session, *, today: date) -> int:
    """The demo cases; returns how many."""
    township = session.scalar(select(Organisation.region_code).where(Organisation.kind == OrgKind.township.value)
                              .order_by(Organisation.id)) \
        or session.scalar(select(Organisation.region_code).order_by(Organisation.id)) or "000000000000"
    filer = session.scalar(select(User.id).where(User.username == MEMBER_USERNAME)) or 0
    desk = session.scalar(select(User.id).where(User.role == Role.township_official.value).order_by(User.id)) or 0
    people = _workers(session, max(s.worker for s in STORIES), township)  # index 0: the member's person
    codes, names = _employers(session, township)
    for story in STORIES:
        start = today - timedelta(days=story.days_ago)
        with _frozen_at(_at(start, 9)):
            c = wage_arrears.file_case(
                session, actor=f"user:{filer}:member" if story.worker == 0 else DESK,
                filed_by_user_id=filer if story.worker == 0 else desk, worker_party_id=people[story.worker],
                employer_uscc=codes[story.employer], employer_name=names[story.employer], project=story.project,
                region_code=township, period_from=start - timedelta(days=120), period_to=start - timedelta(days=10),
                amount=story.amount, workers=story.workers, evidence="劳动合同、考勤记录、工资条和工友证言")
        _continue(session, c.id, story, start, today)
    with _frozen_at(_at(today, 8)):
        wage_arrears.escalate_overdue(session)
    return len(STORIES)


def _continue(session: Session, case_id: int, story: Story, start: date, today: date) -> None:
    """Take the case from its filing as far as its story goes, each step on its own day."""
    if story.end == "filed":
        return
    with _frozen_at(_at(start + timedelta(days=1), 10)):
        if story.end == "rejected":
            wage_arrears.reject(session, case_id, actor=INSPECTOR,
                                reason="属工程款纠纷而非工资拖欠，已告知通过民事诉讼解决")
            return
        wage_arrears.accept(session, case_id, actor=INSPECTOR)
    if story.end == "accepted":
        return
    with _frozen_at(_at(start + timedelta(days=2), 10)):
        wage_arrears.order_payment(session, case_id, actor=INSPECTOR)
    c = wage_arrears.get_case(session, case_id)
    half = f"{c.owed_fen // 200}.00"
    if story.end in ("claimed", "closed", "confirmed"):
        with _frozen_at(_at(start + timedelta(days=5), 15)):
            wage_arrears.record_payment(session, case_id, actor=INSPECTOR, user_id=0, amount=half)
            rest = wage_arrears.get_case(session, case_id)
            outstanding = str(fen_to_yuan(rest.owed_fen - rest.paid_fen))
            org = _org_of(session, rest.employer_uscc)
            if org:  # the employer with a login claims the rest; the inspector confirms it
                claim = wage_arrears.claim_payment(session, case_id, actor="user:employer",
                                                   organisation_id=org, amount=outstanding, note="银行代发工资流水")
                if story.end == "claimed":
                    return
                wage_arrears.decide_claim(session, claim.id, actor=INSPECTOR, confirm=True)
            else:
                wage_arrears.record_payment(session, case_id, actor=INSPECTOR, user_id=0, amount=outstanding)
            wage_arrears.close_paid(session, case_id, actor=INSPECTOR)
        if story.end == "confirmed":
            with _frozen_at(_at(start + timedelta(days=7), 19)):
                wage_arrears.confirm_receipt(session, case_id, actor="user:member", party_id=c.worker_party_id,
                                             rating=5)
        return
    if story.end == "referred":
        with _frozen_at(_at(today - timedelta(days=1), 8)):
            wage_arrears.escalate_overdue(session)
            wage_arrears.refer(session, case_id, actor=INSPECTOR,
                               reason="逾期拒不支付，列入拖欠农民工工资失信联合惩戒对象名单并移送公安机关")


def _org_of(session: Session, uscc: str) -> int:
    return int(session.scalar(select(Organisation.id).where(Organisation.uscc == uscc)) or 0)

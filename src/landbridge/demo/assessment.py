"""The demo world's assessment and task board (考核评估 and 挂图作战, issue #19 scope 4): the year's county and
township assessments scored from the supervision figures, one township's score adjusted with a reason, reviewed and
published; the departments' assessment scored and waiting for review; and a dozen of the plan's tasks owned by the
townships, in every state: planned, in progress, late (their overdue alerts sent), done.

Everything goes through ``landbridge.assessment``'s services, so the ledger events and notices are what the platform
itself writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import assessment
from landbridge.assessment import scoring, tasks
from landbridge.assessment.models import AssessmentRun
from landbridge.auth import OrgKind
from landbridge.auth.models import Organisation
from landbridge.demo.geo_types import Territory
from landbridge.errors import DomainError

# (title, milestones (title, working days), kind): kind says which state the task is brought to
TASKS: tuple[tuple[str, tuple[tuple[str, int], ...], str], ...] = (
    ("农村集体经营性建设用地入市试点", (("摸底调查", 15), ("入市方案报批", 20), ("挂牌交易", 25)), "planned"),
    ("宅基地确权登记颁证扫尾", (("权籍调查", 20), ("公示", 10), ("登簿发证", 20)), "planned"),
    ("乡镇产权交易服务站建设", (("场所改造", 15), ("人员培训", 10)), "planned"),
    ("林权抵押贷款扩面", (("建档评级", 20), ("银行授信", 30)), "progress"),
    ("集体经济组织股份合作制改革", (("清产核资", 25), ("成员确认", 20), ("折股量化", 20)), "progress"),
    ("高标准农田建设", (("设计招标", 20), ("施工", 40), ("验收", 10)), "progress"),
    ("城乡建设用地增减挂钩项目验收", (("复垦施工", 20), ("自查", 10)), "late"),
    ("农村人居环境整治提升", (("方案编制", 20), ("整治实施", 10)), "late"),
    ("信用村创建", (("信用采集", 20), ("评定公示", 10)), "late_progress"),
    ("承包地经营权流转规范化", (("合同清理", 20), ("平台登记", 10)), "late_progress"),
    ("闲置宅基地盘活利用", (("摸底", 10), ("招商", 10)), "done"),
    ("村级集体经济强村工程", (("项目谋划", 10), ("资金拨付", 10)), "done"),
)


def _owners(session: Session) -> list[tuple[int, str]]:
    """The townships' organisations (id, region), in code order; the city's others when there are none."""
    rows = session.execute(select(Organisation.id, Organisation.region_code).where(
        Organisation.kind == OrgKind.township.value).order_by(Organisation.region_code, Organisation.id)).all()
    if not rows:
        rows = session.execute(select(Organisation.id, Organisation.region_code)
                               .order_by(Organisation.id).limit(4)).all()
    return [(int(i), str(r)) for i, r in rows]


def seed_assessment(session: Session, *, actor: str, townships: Mapping[str, Territory]) -> tuple[int, int]:
    """The year's assessments and the board's tasks; (runs, tasks) made."""
    day = scoring.today()
    runs = 0
    county: AssessmentRun | None
    town: AssessmentRun | None
    try:
        county = assessment.score_year(session, year=day.year, subject_kind="county", actor=actor)
        town = assessment.score_year(session, year=day.year, subject_kind="township", actor=actor)
        assessment.score_year(session, year=day.year, subject_kind="department", actor=actor)
        runs = 3
    except DomainError:  # no set for the demo's year
        county = town = None
    if county is not None and town is not None:
        best = scoring.scores(session, town.id)[-1]
        assessment.adjust_score(session, town.id, best.subject_code, score=min(Decimal(60), best.computed + 5),
                                reason="年中新设乡镇，部分指标数据未满一年，按实际月份折算后调整", actor=actor)
        for run in (county, town):
            assessment.review(session, run.id, actor=actor)
            assessment.publish(session, run.id, actor=actor)
    owners = _owners(session)
    made = 0
    for n, (title, plan, kind) in enumerate(TASKS):
        org, region = owners[n % len(owners)]
        # the tasks lie across the city's townships (the owner's own township first)
        places = [townships[region], *townships.values()] if region in townships else list(townships.values())
        place = places[n % len(places)] if places else None
        point = place.geometry.representative_point() if place is not None else None
        late = kind.startswith("late")
        deadline = day + timedelta(days=7 if late else 120 + 15 * n)
        task = assessment.create_task(session, title=title, owner_org_id=org,
                                      region_code=place.code if place is not None else region,
                                      deadline=_weekday(deadline), plan=list(plan), actor=actor,
                                      lon=point.x if point is not None else None,
                                      lat=point.y if point is not None else None)
        milestones = tasks.milestones(session, task.id)
        if kind in ("progress", "late_progress", "done"):
            assessment.record_progress(session, task.id, progress=35 + 5 * (n % 5), note="按作战图推进，已完成首批节点",
                                       actor=actor)
        if kind == "progress":
            assessment.complete_milestone(session, milestones[0].id, actor=actor)
        if kind == "done":
            for m in milestones:
                assessment.complete_milestone(session, m.id, actor=actor)
            assessment.complete_task(session, task.id, actor=actor)
        made += 1
    assessment.alert_overdue(session)  # the late tasks' overdue alerts: ledger events and notices to the owners
    return runs, made


def _weekday(day: date) -> date:
    """A deadline on a Monday to Friday (the calendar's own working days decide the milestones)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day

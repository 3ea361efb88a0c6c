"""The demo world's demands (群众诉求, issue #20 item 3): seventeen demands in every state (urgent, extended, reopened
and merged ones too) across the departments of
the demo accounts (the township, the natural-resources bureau, the registration centre, the exchange), taken online
by the demo ``member``, by phone and at the desk, some of them weeks ago so that the escalation (督办) has fired and
the statistics show late answers and bad ratings beside good ones.

Everything goes through ``landbridge.demands``'s services on a clock frozen at each demand's day, so the deadlines,
the ledger events and the notices are what the platform itself would have written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import demands
from landbridge.auth.models import Organisation, User
from landbridge.demands.models import DemandTicket
from landbridge.demands.rules import OPEN_STATES
from landbridge.demo.exchange_lots import _frozen_at
from landbridge.demo.world_state import MEMBER_USERNAME
from landbridge.kernel.clock import SHANGHAI

HOTLINE = "system:demo:hotline"
DEPARTMENT = "system:demo:department"


@dataclass(frozen=True)
class Story:
    """One demo demand: what, from where, how it came in, how many days ago, and how far it went."""

    category: str
    demand_type: str
    channel: str
    title: str
    days_ago: int
    end: str              # pending, returned, rejected, dispatched, transferred, accepted, answered, closed, overdue,
    #                       extension_asked, extended, reopened, merged
    rating: int | None = None
    city_wide: bool = False  # the place is the city (no township covers it): a township matter waits for dispatch
    urgent: bool = False     # 紧急: the rule set's shorter deadlines
    duplicate_of: str | None = None  # the title of the open demand this one repeats (并单)


STORIES = (
    Story("land_use", "consult", "online", "承包地上能否建设农机棚", 9, "closed", 5),
    Story("registration", "help", "phone", "宅基地使用权证遗失补办", 14, "closed", 3),
    Story("collective_affairs", "complaint", "online", "村集体收益分配未公示", 6, "answered"),
    Story("homestead", "consult", "online", "宅基地自愿有偿退出补偿标准", 2, "accepted"),
    Story("land_transfer", "consult", "desk", "土地经营权流转合同备案", 1, "dispatched"),
    Story("collective_affairs", "suggestion", "phone", "建议村务公开栏增设电子屏", 10, "overdue"),
    Story("land_use", "help", "desk", "设施农用地备案进度", 20, "overdue_answer"),
    Story("other", "consult", "phone", "农村产权改革政策咨询", 1, "pending", city_wide=True),
    Story("registration", "help", "online", "不动产登记信息更正", 3, "returned"),
    Story("other", "report", "phone", "邻里宅基地界址纠纷已起诉", 2, "rejected", city_wide=True),
    Story("land_use", "consult", "online", "抵押登记需要哪些材料", 4, "transferred"),
    Story("collective_affairs", "complaint", "desk", "征地补偿款发放迟延", 25, "closed_late", 1),
    # the 12345 practice's further steps: urgent, extension asked and granted, reopened, merged duplicate
    Story("other", "help", "phone", "村供水管道爆裂，全组停水", 1, "accepted", urgent=True),
    Story("land_use", "help", "desk", "设施农用地选址是否占用永久基本农田", 3, "extension_asked"),
    Story("homestead", "help", "online", "宅基地资格权认定材料", 6, "extended"),
    Story("collective_affairs", "help", "phone", "村组道路维修款使用情况", 12, "reopened", 2),
    Story("homestead", "consult", "phone", "宅基地退出补偿标准（重复来电）", 1, "merged",
          duplicate_of="宅基地自愿有偿退出补偿标准"),
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def seed_demands(session: Session, *, today: date) -> int:
    """The demo demands; returns how many."""
    member = session.scalar(select(User.id).where(User.username == MEMBER_USERNAME))
    places = [(str(kind), str(code)) for kind, code in session.execute(
        select(Organisation.kind, Organisation.region_code).order_by(Organisation.id))]
    township_place = next((code for kind, code in places if kind == "township"), "")
    city_place = min((code for _, code in places if code.endswith("00000000")), default="000000000000")
    made = 0
    for story in STORIES:
        start = today - timedelta(days=story.days_ago)
        place = city_place if story.city_wide or not township_place else township_place
        with _frozen_at(_at(start, 9)):
            t = demands.submit(session, actor=HOTLINE if story.channel != "online" else f"user:{member}:member",
                               channel=story.channel, demand_type=story.demand_type, category=story.category,
                               title=story.title, description=f"{story.title}，请相关部门尽快办理并答复。",
                               region_code=place, resident_user_id=member if story.channel == "online" else None,
                               contact_name="王建国" if story.channel != "online" else None,
                               contact_phone="13907010000" if story.channel != "online" else None,
                               urgent=story.urgent)
        made += 1
        _continue(session, t.id, story, start, today)
    with _frozen_at(_at(today, 8)):
        demands.escalate_overdue(session)
    return made


def _continue(session: Session, ticket_id: int, story: Story, start: date, today: date) -> None:
    """Take the demand from its intake as far as its story goes, each step at its own moment."""
    t = demands.get_ticket(session, ticket_id)
    if story.duplicate_of is not None:
        found = session.execute(select(DemandTicket.id, DemandTicket.status).where(
            DemandTicket.title == story.duplicate_of, DemandTicket.id != t.id).order_by(DemandTicket.id)).first()
        primary = None if found is None or found.status not in OPEN_STATES else int(found.id)
        if primary is not None:
            with _frozen_at(_at(start, 11)):
                demands.merge(session, t.id, actor=HOTLINE, into_id=primary, reason="同一事项重复来电，并单办理")
        return
    if story.end in ("pending", "overdue") or t.department_id is None:
        if story.end == "rejected" and t.status == "pending":
            with _frozen_at(_at(start, 11)):
                demands.reject(session, t.id, actor=HOTLINE, reason="属诉讼事项，已告知通过司法途径解决")
        return
    held = t.department_id
    if story.end == "returned":
        with _frozen_at(_at(start, 15)):
            demands.return_to_dispatcher(session, t.id, actor=DEPARTMENT, department_id=held,
                                         reason="诉求所在地不属本部门辖区")
        return
    if story.end == "transferred":
        target = session.scalar(select(Organisation.id).where(Organisation.kind == "registration_centre"))
        if target is not None and target != held:
            with _frozen_at(_at(start, 15)):
                demands.transfer(session, t.id, actor=DEPARTMENT, department_id=held, to_department_id=target,
                                 reason="属不动产登记事项")
        return
    if story.end == "dispatched":
        return
    with _frozen_at(_at(start, 14)):
        demands.accept(session, t.id, actor=DEPARTMENT, department_id=held)
    if story.end in ("accepted", "overdue_answer"):
        return
    if story.end in ("extension_asked", "extended"):
        with _frozen_at(_at(min(today, start + timedelta(days=1)), 10)):
            demands.request_extension(session, t.id, actor=DEPARTMENT, department_id=held, days=5,
                                      reason="需现场勘查并征求村民小组意见")
        if story.end == "extended":
            with _frozen_at(_at(min(today, start + timedelta(days=1)), 15)):
                demands.approve_extension(session, t.id, actor=HOTLINE, reason="情况属实，同意延期 5 个工作日")
        return
    late = story.end == "closed_late"
    answered = min(today, start + timedelta(days=story.days_ago - 1 if late else 1))
    with _frozen_at(_at(answered, 16)):
        demands.answer(session, t.id, actor=DEPARTMENT, department_id=held,
                       text="经核查，已按政策办理，具体情况已电话告知诉求人。")
    if story.end == "answered":
        return
    if story.end == "reopened":
        with _frozen_at(_at(min(today, answered + timedelta(days=1)), 10)):
            demands.reopen(session, t.id, actor=HOTLINE, note="回访：道路仍未修复，诉求人不满意，重办",
                           satisfaction=story.rating)
        return
    with _frozen_at(_at(min(today, answered + timedelta(days=1)), 10)):
        if story.channel == "online" and t.resident_user_id is not None and story.rating:
            demands.rate(session, t.id, actor=f"user:{t.resident_user_id}:member", user_id=t.resident_user_id,
                         satisfaction=story.rating, comment="答复清楚" if story.rating >= 4 else None)
        demands.revisit(session, t.id, actor=HOTLINE, note="电话回访，诉求人知悉答复内容",
                        satisfaction=None if t.satisfaction is not None else story.rating)

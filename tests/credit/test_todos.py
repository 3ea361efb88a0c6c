"""Credit's to-dos in the service hall (issue #20 item 1): an open objection waits for a supervisor's decision by its
deadline, and shows on the objecting household's list; it leaves both once decided."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from landbridge import credit, notices, registry
from landbridge.auth import OrgKind, Principal, Role, create_organisation, create_user
from landbridge.credit import actions
from landbridge.credit.models import CreditRecord
from landbridge.credit.todos import OBJECTIONS_PAGE, todos
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.kernel.hall import due_at_end_of
from tests.lending.conftest import World
from tests.registry.conftest import ACTOR


def who(role: Role, party_id: int | None = None) -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role, organisation_id=1,
                     organisation_name="x", region_code="360600000000", party_id=party_id)


def test_an_open_objection_waits_for_the_supervisor_and_the_household(db: Database, world: World,
                                                                       clock: Clock) -> None:
    with db.transaction() as s:
        app = registry.lodge_seizure(s, actor=ACTOR, unit_id=world.unit, document_no="(2026)赣0622执9号",
                                     right_id=world.right)
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        credit.grade_party(s, world.borrower, actor=ACTOR)
        record_id = s.scalar(select(CreditRecord.id).where(CreditRecord.party_id == world.borrower,
                                                           CreditRecord.kind == "seizures"))
        assert record_id is not None
        objection = credit.file_objection(s, record_id=record_id, party_id=world.borrower, claimed_value=0,
                                          reason="查封已由法院解除", actor="user:1:member")
        due, objection_id = due_at_end_of(objection.due_on), objection.id
    with db.transaction(readonly=True) as s:
        supervisor = list(todos(s, who(Role.supervisor)))
        assert [(t.href, t.due, t.urgent) for t in supervisor] == [(OBJECTIONS_PAGE, due, False)]
        assert f"#{objection_id}" in supervisor[0].title_zh
        household = list(todos(s, who(Role.member, world.borrower)))
        assert [(t.href, t.due) for t in household] == [("/credit", due)]
        assert list(todos(s, who(Role.member, world.other))) == []
        assert list(todos(s, who(Role.bank_officer))) == []
    clock.advance(due + timedelta(hours=1) - clock.now())
    with db.transaction(readonly=True) as s:
        assert [t.urgent for t in todos(s, who(Role.supervisor))] == [True]  # overdue
    with db.transaction() as s:  # the household has an account: the decision reaches it as a notice (issue #20)
        org = create_organisation(s, name="锦江村", kind=OrgKind.collective, region_code="360603101001").id
        household = create_user(s, username="hh", password="demo-pass", display_name="村民甲", role=Role.member,
                                organisation_id=org, party_id=world.borrower).id
        actions.reject_objection(s, objection_id=objection_id, actor="user:9:supervisor", note="查封仍有效")
    with db.transaction(readonly=True) as s:
        assert list(todos(s, who(Role.supervisor))) == [] and list(todos(s, who(Role.member, world.borrower))) == []
        told, _ = notices.inbox(s, household)
        assert [(n.title_zh, n.href) for n in told] == [(f"您的信用异议 #{objection_id} 未采纳，记录维持", "/credit")]

"""Collective test helpers: a village collective with households of members, a bank and a committee."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from landbridge import collective
from landbridge.collective import MemberIn
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.registry import create_party

VILLAGE = "360603101001"  # 锦江村: the demo clerk's collective
OTHER_VILLAGE = "360603101002"
ACTOR = "user:9:test-clerk"


def resident_id(n: int, year: int = 1970) -> str:
    """A valid resident ID (余江) for person ``n`` born in ``year``."""
    body = f"360622{date(year, 1 + n % 12, 1 + n % 28):%Y%m%d}{n % 1000:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def make_uscc(prefix: str, n: int) -> str:
    body = f"{prefix}360603MA{n:07d}"
    return body + str(uscc.calc_check_digit(body + "0"))


@dataclass
class Village:
    collective_id: int
    party_id: int
    committee_id: int
    bank_id: int
    members: list[int] = field(default_factory=list)      # member ids
    persons: list[int] = field(default_factory=list)      # party ids, same order
    households: list[int] = field(default_factory=list)   # household party id per member


def build_village(s: Session, *, n_households: int = 3, per_household: int = 2, region: str = VILLAGE,
                  seed: int = 0, organisation_id: int | None = None, enrol: bool = True) -> Village:
    """A collective with ``n_households`` households of ``per_household`` adult members, enrolled in bulk."""
    coll_party = create_party(s, kind="organisation", name=f"测试村{seed}股份经济合作社",
                              id_number=make_uscc("93", 100 + seed), region_code=region, actor=ACTOR).id
    committee = create_party(s, kind="organisation", name=f"测试村{seed}村民委员会",
                             id_number=make_uscc("54", 200 + seed), region_code=region, actor=ACTOR).id
    bank = create_party(s, kind="organisation", name=f"农商银行{seed}", id_number=make_uscc("91", 300 + seed),
                        actor=ACTOR).id
    coll = collective.create_collective(s, party_id=coll_party, region_code=region, name=f"测试村{seed}股份经济合作社",
                                        organisation_id=organisation_id, village_committee_party_id=committee,
                                        actor=ACTOR)
    village = Village(coll.id, coll_party, committee, bank)
    rows: list[MemberIn] = []
    for h in range(n_households):
        persons = [create_party(s, kind="person", name=f"村民{seed}-{h}-{k}",
                                id_number=resident_id(seed * 100 + h * 10 + k, 1960 + h * 3 + k), actor=ACTOR).id
                   for k in range(per_household)]
        share = f"1/{per_household}"
        household = create_party(s, kind="group", name=f"户{seed}-{h}", members=[(p, "成员", share) for p in persons],
                                 actor=ACTOR).id
        for p in persons:
            rows.append(MemberIn(party_id=p, household_party_id=household, admitted_on=date(1990, 1, 1)))
            village.persons.append(p)
            village.households.append(household)
    if enrol:
        collective.enrol_members_bulk(s, collective_party_id=coll_party, members=rows, as_of=date(2019, 6, 30),
                                      actor=ACTOR, resolution_ref="2019年成员大会决议")
        from sqlalchemy import select

        from landbridge.collective.models import Member

        by_party = dict(s.execute(select(Member.party_id, Member.id).where(Member.collective_id == coll.id)).all())
        village.members = [by_party[p] for p in village.persons]
    return village


@pytest.fixture
def village(db: Database, clock: Clock) -> Village:
    with db.transaction() as s:
        return build_village(s)


def quantify(s: Session, v: Village) -> None:
    collective.record_asset(s, collective_id=v.collective_id, name="村集体厂房", category="building",
                            value="600000.00", acquired_on=date(2015, 5, 1), from_fiscal_funds=True,
                            fund_source="2015年财政衔接推进乡村振兴补助资金", actor=ACTOR)
    collective.quantify_shares(s, collective_id=v.collective_id, base_date=date(2019, 12, 31), actor=ACTOR,
                               resolution_ref="2019年第2次成员大会决议")


def accounts_world(s: Session) -> tuple[Village, Village]:
    """Demo accounts; the demo clerk keeps a quantified village collective whose first person is the user
    ``villager``; a second collective kept by ``clerk2`` whose first person is the user ``outsider``."""
    from sqlalchemy import select

    from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
    from landbridge.auth.models import Organisation

    create_demo_accounts(s)
    org = s.execute(select(Organisation.id).where(Organisation.name == "锦江村股份经济合作社")).scalar_one()
    village = build_village(s, organisation_id=org)
    quantify(s, village)
    other_org = create_organisation(s, name="范家村股份经济合作社", kind=OrgKind.collective,
                                    region_code=OTHER_VILLAGE).id
    other = build_village(s, region=OTHER_VILLAGE, seed=1, organisation_id=other_org)
    create_user(s, username="clerk2", password="demo", display_name="范家村 会计", role=Role.collective_clerk,
                organisation_id=other_org, is_demo=True)
    people = s.execute(select(Organisation.id).where(Organisation.name == "个人用户")).scalar_one()
    for username, display, party in (("villager", "村民 甲", village.persons[0]),
                                     ("outsider", "邻村村民", other.persons[0])):
        create_user(s, username=username, password="demo", display_name=display, role=Role.member,
                    organisation_id=people, party_id=party, is_demo=True)
    return village, other


@dataclass
class Api:
    """An API client over a small world: the clerk's village, another village and a person not yet a member."""

    client: TestClient
    village: Village
    other: Village
    newcomer: int


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        village, other = accounts_world(s)
        newcomer = create_party(s, kind="person", name="新媳妇", id_number=resident_id(55, 1998), actor=ACTOR).id
    with TestClient(create_app()) as c:
        yield Api(c, village, other, newcomer)

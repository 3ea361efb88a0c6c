"""The employment test world (issue #20 item 4): two employers with valid USCCs, a company without one, the
employment officer, two residents linked to registry persons, one resident not linked, and other roles; clock
frozen at Monday 2026-03-02 09:00 in Yingtan (the ``clock`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, Role, create_organisation, create_user, link_user_party

TOWN = "360603101000"       # 余江区's first township
VILLAGE = "360603101001"    # a village there
OTHER_TOWN = "360603102001"  # another township of 余江区
FAR = "360681100201"        # 贵溪市
USCC_A, USCC_B = "91360600MA39E8K10F", "91360600MA39E8K2XA"
CLOSES = date(2026, 4, 30)

# name: (role, organisation kind, region, uscc, party id)
ACCOUNTS: dict[str, tuple[Role, OrgKind, str, str | None, int | None]] = {
    "acme": (Role.employer, OrgKind.company, TOWN, USCC_A, None),
    "rival": (Role.employer, OrgKind.company, TOWN, USCC_B, None),
    "shady": (Role.employer, OrgKind.company, TOWN, None, None),
    "jobs": (Role.employment_officer, OrgKind.employment_service, "360600000000", None, None),
    "worker": (Role.member, OrgKind.individual, VILLAGE, None, 9001),
    "worker2": (Role.member, OrgKind.individual, FAR, None, 9002),
    "nobody": (Role.member, OrgKind.individual, VILLAGE, None, None),
    "township": (Role.township_official, OrgKind.township, TOWN, None, None),
    "supervisor": (Role.supervisor, OrgKind.supervisor, "360600000000", None, None),
}


@dataclass
class EmploymentWorld:
    orgs: dict[str, int]
    users: dict[str, int]


def build(s: Session) -> EmploymentWorld:
    orgs, users = {}, {}
    for name, (role, kind, region, uscc, party) in ACCOUNTS.items():
        orgs[name] = create_organisation(s, name=f"{name} 机构", kind=kind, region_code=region, uscc=uscc).id
        users[name] = create_user(s, username=name, password="demo", display_name=name, role=role,
                                  organisation_id=orgs[name], is_demo=True).id
        if party is not None:
            link_user_party(s, username=name, party_id=party)
    s.flush()
    return EmploymentWorld(orgs, users)


def job_body(**more: Any) -> dict[str, Any]:
    return {"title": "铜杆连铸操作工", "industry": "copper", "description": "三班倒，包食宿", "region_code": TOWN,
            "wage_min": "4500.00", "wage_max": "6500.00", "headcount": 5, "skills": ["电工", "叉车"],
            "closes_on": CLOSES.isoformat(), **more}


def seeker_body(**more: Any) -> dict[str, Any]:
    return {"region_code": VILLAGE, "industry": "copper", "skills": ["电工", "焊工"], "wage_expect": "5000",
            "consent": True, **more}

"""The demands test world: departments of every kind the routing rules name, one account in each, a resident with
an account and a second one; clock frozen at Monday 2026-03-02 09:00 in Yingtan (the ``clock`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, Role, create_organisation, create_user

VILLAGE = "360603101001"  # a village of 余江区's first township
FAR_VILLAGE = "360681100201"  # a village of 贵溪市

# name: (role, organisation kind, region)
ACCOUNTS: dict[str, tuple[Role, OrgKind, str]] = {
    "resident": (Role.member, OrgKind.individual, VILLAGE),
    "neighbour": (Role.member, OrgKind.individual, VILLAGE),
    "township": (Role.township_official, OrgKind.township, "360603101000"),
    "far_township": (Role.township_official, OrgKind.township, "360681100000"),
    "bureau": (Role.nr_official, OrgKind.nr_bureau, "360603000000"),
    "city_bureau": (Role.nr_official, OrgKind.nr_bureau, "360600000000"),
    "registrar": (Role.registrar, OrgKind.registration_centre, "360603000000"),
    "hotline": (Role.supervisor, OrgKind.supervisor, "360600000000"),
    "operator": (Role.hotline_operator, OrgKind.supervisor, "360600000000"),
    "bank": (Role.bank_officer, OrgKind.bank, "360600000000"),
}


@dataclass
class DemandWorld:
    orgs: dict[str, int]
    users: dict[str, int]


def build(s: Session) -> DemandWorld:
    orgs, users = {}, {}
    for name, (role, kind, region) in ACCOUNTS.items():
        orgs[name] = create_organisation(s, name=f"{name} 机构", kind=kind, region_code=region).id
        users[name] = create_user(s, username=name, password="demo", display_name=name, role=role,
                                  organisation_id=orgs[name], is_demo=True).id
    s.flush()
    return DemandWorld(orgs, users)

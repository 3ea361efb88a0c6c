"""The wage-arrears test world (issue #20 item 4): a worker (a resident login linked to a registry person), a second
resident with a person of their own, a service desk (township), the county labour inspector, the employer's login
(an organisation with the USCC the case names) and an unrelated company; clock frozen at Monday 2026-03-02 09:00 in
Yingtan (the ``clock`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from landbridge.auth import OrgKind, Role, create_organisation, create_user, link_user_party
from landbridge.registry import create_party

TOWNSHIP = "360603101000"
VILLAGE = "360603101001"


def resident_id(n: int) -> str:
    body = f"360622{date(1980, 1 + n % 12, 1 + n % 28):%Y%m%d}{n % 1000:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def make_uscc(n: int) -> str:
    body = f"91360603MA{n:07d}"
    return body + str(uscc.calc_check_digit(body + "0"))


EMPLOYER_USCC, OTHER_USCC = make_uscc(101), make_uscc(202)

# name: (role, organisation kind, region, the organisation's USCC)
ACCOUNTS: dict[str, tuple[Role, OrgKind, str, str | None]] = {
    "worker": (Role.member, OrgKind.individual, VILLAGE, None),
    "neighbour": (Role.member, OrgKind.individual, VILLAGE, None),
    "desk": (Role.township_official, OrgKind.township, TOWNSHIP, None),
    "inspector": (Role.labour_inspector, OrgKind.hr_bureau, "360603000000", None),
    "employer": (Role.org_admin, OrgKind.company, "360603000000", EMPLOYER_USCC),
    "other_company": (Role.org_admin, OrgKind.company, "360603000000", OTHER_USCC),
    "bank": (Role.bank_officer, OrgKind.bank, "360600000000", None),
}


@dataclass
class ArrearsWorld:
    orgs: dict[str, int]
    users: dict[str, int]
    parties: dict[str, int]  # worker, neighbour, third (a person with no login)


def build(s: Session) -> ArrearsWorld:
    orgs, users, parties = {}, {}, {}
    for n, name in enumerate(("worker", "neighbour", "third"), start=1):
        parties[name] = create_party(s, kind="person", name=f"务工人员{n}", id_number=resident_id(n),
                                     actor="system:test").id
    for name, (role, kind, region, code) in ACCOUNTS.items():
        orgs[name] = create_organisation(s, name=f"{name} 机构", kind=kind, region_code=region, uscc=code).id
        users[name] = create_user(s, username=name, password="demo", display_name=name, role=role,
                                  organisation_id=orgs[name], is_demo=True).id
    s.flush()
    for name in ("worker", "neighbour"):
        link_user_party(s, username=name, party_id=parties[name], actor="system:test")
    s.flush()
    return ArrearsWorld(orgs, users, parties)

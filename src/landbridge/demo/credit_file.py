"""Demo credit (issue #18 demo world): a few court-listed defaulters, a grade for every party, and the year's
designations of credit villages and townships, all through credit's services (ledger events for each)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from landbridge import credit, registry

LISTED_SHARE = 0.005  # one household in two hundred on the court list: a demo figure, not policy
COURTS = ("余江区人民法院", "贵溪市人民法院", "月湖区人民法院")


@dataclass
class CreditSeed:
    graded: int = 0
    listed: int = 0
    credit_villages: int = 0


def seed_credit(session: Session, *, today: date, seed: int, actor: str) -> CreditSeed:
    """List a few defaulters (listed a year ago: two years to run), grade every party, designate the year."""
    rng = random.Random(seed)
    people = [pid for pid, region in registry.party_regions(session, kinds=["person", "group"]) if region]
    out = CreditSeed()
    for n, pid in enumerate(sorted(rng.sample(people, max(1, int(len(people) * LISTED_SHARE))) if people else [])):
        credit.list_defaulter(session, party_id=pid, court=COURTS[n % len(COURTS)],
                              case_no=f"({today.year - 1})赣06执{1000 + n}号",
                              listed_on=date(today.year - 1, today.month, min(today.day, 28)), actor=actor)
        out.listed += 1
    out.graded = len(credit.grade_parties(session, None, actor=actor, day=today))
    rows = credit.designate(session, year=today.year, actor=actor, day=today)
    out.credit_villages = sum(r.level == "village" and r.status == "designated" for r in rows)
    return out

"""A member's own view: memberships with accounts, pledges, dividends, votes and own ballots (C2, L3).

Part of the collective JSON API (``landbridge.collective.views``, /api/v1/collective); split by section (issue #14).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from landbridge.auth import Principal
from landbridge.collective import queries
from landbridge.collective.errors import CollectiveError
from landbridge.collective.schemas import (
    CollectiveRead,
    DividendLineRead,
    MeRead,
    MotionRead,
    MyMembership,
    PledgeRead,
)
from landbridge.collective.views.access import (
    account_read,
    member_only,
    member_read,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


# --- a member's own view ----------------------------------------------------------------------------

def member_overview(session: Session, party_id: int) -> MeRead:
    """A member's memberships with their accounts, pledges, dividends, votes and own ballots (C2, L3)."""
    out: list[MyMembership] = []
    for member in queries.memberships_of_party(session, party_id):
        collective = queries.get_collective(session, member.collective_id)
        accounts = queries.accounts_for_member(session, member)
        ids = [a.id for a in accounts]
        dividends = queries.dividends_for_accounts(session, ids)
        motions = queries.motions_for_member(session, member)
        took_part = {m.id: queries.find_roster_entry(session, m.id, member_id=member.id) for m in motions}
        out.append(MyMembership(
            member=member_read(session, member, full_id=True), collective=CollectiveRead.model_validate(collective),
            accounts=[account_read(session, a) for a in accounts],
            pledges=[PledgeRead.model_validate(p) for p in queries.list_pledges(session, ids)],
            dividends=[DividendLineRead.model_validate(line) for _, line in dividends],
            dividend_periods={run.id: run.period for run, _ in dividends},
            motions=[MotionRead.model_validate(m) for m in motions],
            my_participation={mid: e.channel for mid, e in took_part.items()
                              if e is not None and e.channel is not None}))
    return MeRead(party_id=party_id, memberships=out)


@router.get("/me", response_model=MeRead)
def me(principal: Principal = Depends(member_only), session: Session = Depends(get_session)) -> MeRead:
    """The calling member's own shares, dividends and votes (C2, L3)."""
    if principal.party_id is None:
        raise CollectiveError.NO_PARTY.error()
    return member_overview(session, principal.party_id)


"""Collective JSON API (/api/v1/collective): roll, seats, shares, meetings and votes, books, dividends,
company conversion and land equity, and a member's own view (C1, C2, L3, L5, L8, F2).

Permissions: a collective clerk acts on the collective their organisation keeps and nothing else;
township officials register collectives and read those in their area; supervisors read everything;
a member reads their own shares, dividends and votes, casts their own ballot, and can verify every
sealed vote of their collective. Anyone, without logging in, reads a sealed vote's ballot list and checks a
receipt (issue #12 item 2). ID numbers are masked outside the clerk's own collective.

The routes live in one module per section (issue #14: no file over 600 lines); this package joins their routers,
in the order the sections always had, under one prefix.
"""

from __future__ import annotations

from fastapi import APIRouter

from landbridge.collective.views import books, me, organisation, shares, votes
from landbridge.collective.views.access import (
    account_read,
    forbidden_collective,
    is_member_of,
    keeps,
    member_read,
    owned,
    readable,
)
from landbridge.collective.views.me import member_overview
from landbridge.collective.views.votes import motion_for_reader, read_sealed_ballots, vote_result
from landbridge.web.transaction import TransactionalRoute

__all__ = [
    "account_read",
    "forbidden_collective",
    "is_member_of",
    "keeps",
    "member_overview",
    "member_read",
    "motion_for_reader",
    "owned",
    "read_sealed_ballots",
    "readable",
    "router",
    "vote_result",
]

router = APIRouter(prefix="/api/v1/collective", tags=["collective"], route_class=TransactionalRoute)
for _section in (organisation, shares, votes, books, me):
    router.include_router(_section.router)

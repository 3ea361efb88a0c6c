"""Who may do what in the collective JSON API: the role dependencies, the object-level checks (the clerk's own
collective, a reader's area, a member's roll) and the read shapes shared by the sections (C1, C2).

Also registers the collective's private-ledger scope: a clerk or township official reads the private part of their
own collective's events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, require_roles
from landbridge.collective import queries
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Collective, Member
from landbridge.collective.schemas import (
    AccountRead,
    MemberRead,
)
from landbridge.config import get_settings
from landbridge.errors import DomainError, Forbidden, NotFound
from landbridge.kernel.ids import mask_id
from landbridge.ledger import Event
from landbridge.ledger.access import register_private_scope

clerk = require_roles(Role.collective_clerk)
registrar_of_collectives = require_roles(Role.township_official, Role.admin)
reader = require_roles(Role.collective_clerk, Role.township_official, Role.supervisor)
voter = require_roles(Role.collective_clerk, Role.member)
motion_reader = require_roles(Role.collective_clerk, Role.township_official, Role.supervisor, Role.member)
member_only = require_roles(Role.member)


def forbidden_collective() -> DomainError:
    """The error for acting on or reading a collective that is not the caller's."""
    return CollectiveError.FORBIDDEN_COLLECTIVE.error()


def keeps(principal: Principal, collective: Collective) -> bool:
    """Whether the caller is a clerk of the organisation that keeps this collective."""
    return principal.role == Role.collective_clerk and collective.organisation_id == principal.organisation_id


def is_member_of(session: Session, principal: Principal, collective: Collective) -> bool:
    """Whether the caller is (or was) on this collective's roll."""
    return principal.role == Role.member and principal.party_id is not None and any(
        m.collective_id == collective.id for m in queries.memberships_of_party(session, principal.party_id))


def owned(session: Session, principal: Principal, collective_id: int) -> Collective:
    """The collective, if the caller is its clerk (object-level check for every write)."""
    collective = queries.get_collective(session, collective_id)
    if not keeps(principal, collective):
        raise forbidden_collective()
    return collective


def readable(session: Session, principal: Principal, collective_id: int) -> Collective:
    """The collective, if the caller keeps it, supervises, or serves its area."""
    collective = queries.get_collective(session, collective_id)
    if keeps(principal, collective) or principal.role == Role.supervisor:
        return collective
    if principal.role == Role.township_official and principal.covers_region(collective.region_code):
        return collective
    raise forbidden_collective()


def _ledger_scope(session: Session, principal: Principal, event: Event) -> bool:
    """Whether a clerk or township official may read a collective event's private part: it is their collective's."""
    kind, _, rest = (event.subject or "").partition(":")
    found = event.payload.get("collective_id", rest if kind == "collective" else None)
    if found is None or not str(found).isdigit():
        return False
    try:
        readable(session, principal, int(found))
    except (Forbidden, NotFound):
        return False
    return True


register_private_scope("collective", _ledger_scope)


def page_limit(limit: int) -> int:
    """A page's row limit, capped by the platform's page size."""
    return min(limit, get_settings().page_size_max)


def member_read(session: Session, member: Member, *, full_id: bool) -> MemberRead:
    """A roll entry with its person's name and ID number (masked unless ``full_id``)."""
    party = registry.get_party(session, member.party_id)
    out = MemberRead.model_validate(member)
    out.name = party.name
    out.id_number = party.id_number if full_id else mask_id(party.id_number)
    return out


def account_read(session: Session, account: Any) -> AccountRead:
    """A share account with its holder's name."""
    out = AccountRead.model_validate(account)
    out.holder_name = registry.get_party(session, account.holder_party_id).name
    return out


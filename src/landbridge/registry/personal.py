"""Who may read a person's record, how much of it, and the audit of each unmasked read (issue #12 item 4).

个人信息保护法 art. 6 (minimum necessary), art. 51 (access control, encryption), art. 55 (audit); ARCHITECTURE
rule 11. A party's record is read:
- whole by the registrar, the supervisor and the admin (city-wide), and by the person themselves;
- whole by a collective's clerk for the people of its collective and a township official for its township's:
  the party's registered region, or a current right it holds there, lies in the organisation's area;
- by nobody else. Names are masked (张*明) in every view outside that scope, ID numbers and phones whole only to
  the registrar, the admin and the person; every whole read is recorded with ``privacy.record_read``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, organisation_names
from landbridge.auth.service import region_prefix
from landbridge.privacy import Reader, list_reads, mask_name, record_reads
from landbridge.privacy.models import PersonalRead
from landbridge.registry.models import Party, PartyKind, RecordStatus, Right, RightHolder

CITY_WIDE = frozenset({Role.registrar, Role.supervisor, Role.admin})
IN_AREA = frozenset({Role.collective_clerk, Role.township_official})
SELF_ONLY = frozenset({Role.member, Role.bidder})
FULL_ID_ROLES = frozenset({Role.registrar, Role.admin})


def reader_of(principal: Principal) -> Reader:
    """The audit identity of a principal (actor, role, organisation)."""
    return Reader(actor=principal.actor, role=principal.role.value, organisation_id=principal.organisation_id)


def parties_in_scope(session: Session, principal: Principal | None, party_ids: Iterable[int]) -> set[int]:
    """Of ``party_ids``, those whose record ``principal`` may read whole (one query for the area roles)."""
    ids = set(party_ids)
    if principal is None or not ids:
        return set()
    if principal.role in CITY_WIDE:
        return ids
    mine = {principal.party_id} & ids if principal.party_id is not None else set()
    if principal.role not in IN_AREA:
        return mine
    prefix = region_prefix(principal.region_code)
    holds_here = exists().where(RightHolder.party_id == Party.id, Right.id == RightHolder.right_id,
                                Right.status == RecordStatus.current, Right.region_code.startswith(prefix))
    found = session.execute(select(Party.id).where(Party.id.in_(sorted(ids)), Party.region_code.startswith(prefix)
                                                   | holds_here)).scalars()
    return mine | set(found)


def persons_among(session: Session, party_ids: Iterable[int]) -> set[int]:
    """Of ``party_ids``, the persons and groups (households): the parties whose names are personal data."""
    ids = sorted(set(party_ids))
    if not ids:
        return set()
    return set(session.execute(select(Party.id).where(Party.id.in_(ids),
                                                      Party.kind != PartyKind.organisation.value)).scalars())


def in_scope(session: Session, principal: Principal | None, party_id: int) -> bool:
    """Whether ``principal`` may read the party's record whole."""
    return party_id in parties_in_scope(session, principal, [party_id])


def sees_full_ids(principal: Principal | None, party_id: int) -> bool:
    """ID numbers and phones whole: the registrar, the admin and the person themselves only."""
    return principal is not None and (principal.role in FULL_ID_ROLES or principal.party_id == party_id)


def shown_name(kind: str, name: str, whole: bool) -> str:
    """A party's name as a view shows it: whole in scope or for an organisation, masked otherwise."""
    return name if whole or kind == PartyKind.organisation else mask_name(name)


def record_party_reads(session: Session, principal: Principal, party_ids: Iterable[int], *, purpose: str) -> None:
    """Record one read per person whose record ``principal`` was shown whole (in the request's transaction)."""
    record_reads(session, reader=reader_of(principal), purpose=purpose,
                 records=[(f"party:{pid}", pid) for pid in sorted(set(party_ids))])


def my_record_reads(session: Session, principal: Principal, *, before_id: int | None = None, limit: int = 50,
                    ) -> tuple[list[PersonalRead], dict[int, str]]:
    """The reads of the caller's own party record, newest first, with the readers' organisation names (none when
    the account is linked to no party)."""
    if principal.party_id is None:
        return [], {}
    rows = list_reads(session, party_id=principal.party_id, before_id=before_id, limit=limit)
    return rows, organisation_names(session, {r.reader_organisation_id for r in rows if r.reader_organisation_id})

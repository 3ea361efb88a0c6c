"""Registry service, parties (权利人): register a person, organisation or group, and check the holders an
application names (R1)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.kernel.ids import valid_resident_id, valid_uscc
from landbridge.ledger import append_event, subjects
from landbridge.privacy import mask_name
from landbridge.registry import rules
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    IdType,
    Party,
    PartyKind,
    PartyMember,
)
from landbridge.registry.queries import (
    get_party,
)
from landbridge.registry.service.shared import MODULE, HolderInput


def create_party(session: Session, *, kind: str, name: str, id_type: str | None = None, id_number: str | None = None,
                 phone: str | None = None, address: str | None = None, region_code: str | None = None,
                 members: Sequence[tuple[int, str, Fraction | str]] | None = None, actor: str) -> Party:
    """Register a party (权利人): person with a resident ID, organisation with a USCC, or a group (R1)."""
    party_kind, kind_of_id, number = check_party(kind, name, id_number, id_type=id_type)
    member_rows: list[tuple[int, str, Fraction]] = []
    if members:
        check_members(party_kind)
        member_rows = [(pid, rel, rules.parse_share(share)) for pid, rel, share in members]
        rules.check_shares([(pid, share) for pid, _, share in member_rows])
        for pid, _, _ in member_rows:
            if get_party(session, pid).kind == PartyKind.group:
                raise RegistryError.NESTED_GROUP.error()
    party = Party(kind=party_kind, name=name.strip(), id_type=kind_of_id if number else None, id_number=number,
                  phone=phone, address=address, region_code=region_code, created_at=now())
    try:
        with session.begin_nested():
            session.add(party)
            session.flush()
    except IntegrityError:
        # the unique blind index decides (no check-then-act); the error names neither the party nor its id
        raise _party_exists() from None
    for pid, rel, share in member_rows:
        session.add(PartyMember(group_id=party.id, member_id=pid, relation=rel, share_num=share.numerator,
                                share_den=share.denominator))
    session.flush()
    append_event(session, module=MODULE, event_type="party_created", subject=subjects.party(party.id), actor=actor,
                 payload={"kind": party_kind.value, "name": _event_name(party_kind, party.name),
                          "id_type": party.id_type,
                          "members": [[pid, rel, rules.share_text(s)] for pid, rel, s in member_rows]})
    return party


def check_party(kind: str, name: str, id_number: str | None, *, id_type: str | None = None,
                ) -> tuple[PartyKind, str | None, str | None]:
    """The rules of a party's identity, the same for one party and for a bulk batch (R1): a known kind, a name, a
    valid resident ID for a person, a valid USCC for an organisation, no ID for a group. Returns the kind, the
    ID type and the normalised ID number (both None for a group)."""
    try:
        party_kind = PartyKind(kind)
    except ValueError:
        raise RegistryError.INVALID_PARTY_KIND.error(kind=kind) from None
    if not name.strip():
        raise RegistryError.NAME_REQUIRED.error()
    if party_kind is PartyKind.person:
        number = valid_resident_id(id_number or "")
        if id_type not in (None, IdType.resident_id) or number is None:
            raise RegistryError.INVALID_ID_NUMBER.error()
        return party_kind, IdType.resident_id, number
    if party_kind is PartyKind.organisation:
        number = valid_uscc(id_number or "")
        if id_type not in (None, IdType.uscc) or number is None:
            raise RegistryError.INVALID_ID_NUMBER_2.error()
        return party_kind, IdType.uscc, number
    if id_number:
        raise RegistryError.INVALID_ID_NUMBER_3.error()
    return party_kind, None, None


def check_members(kind: PartyKind) -> None:
    """Only a group party (家庭, 共有人组) has members (R1)."""
    if kind is not PartyKind.group:
        raise RegistryError.MEMBERS_ONLY_FOR_GROUPS.error()


def _event_name(kind: PartyKind, name: str) -> str:
    """The name a ledger event carries: an organisation's in full, a person's or household's masked (issue #12)."""
    return name if kind is PartyKind.organisation else mask_name(name)


def _party_exists() -> DomainError:
    """A duplicate ID number: the body reveals no id or name of the party that holds it (no ID → name oracle)."""
    return RegistryError.PARTY_EXISTS.error()


def parse_holders(session: Session, holders: HolderInput) -> list[tuple[int, Fraction]]:
    """The holders as (party id, exact share), shares summing to one and every party registered (R1)."""
    parsed = [(int(pid), rules.parse_share(share)) for pid, share in holders]
    rules.check_shares(parsed)
    for pid, _ in parsed:
        get_party(session, pid)
    return sorted(parsed)

"""The collective economic organisation itself (C1): registering it with its village, linking the clerk's
organisation, and opening its book apart from the village committee's."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Book, BookOwner, Collective, CollectiveStatus
from landbridge.collective.service._common import collective_rules, fit, record
from landbridge.kernel.clock import now
from landbridge.kernel.ids import is_region_code, region_level
from landbridge.ledger import subjects


def _organisation_party(session: Session, party_id: int, what: str) -> str:
    party = registry.get_party(session, party_id)
    if party.kind != "organisation" or not party.id_number:
        raise CollectiveError.NOT_AN_ORGANISATION_2.error({"what": what}, party_id=party_id)
    return party.id_number


def _open_book(session: Session, collective: Collective, owner: BookOwner, party_id: int) -> Book:
    book = Book(collective_id=collective.id, owner=owner.value, owner_party_id=party_id, balance_cny=Decimal("0.00"),
                created_at=now(), version=1)
    session.add(book)
    session.flush()
    return book


def create_collective(session: Session, *, party_id: int, region_code: str, name: str,
                      organisation_id: int | None = None, village_committee_party_id: int | None = None,
                      actor: str) -> Collective:
    """Register a collective economic organisation (农村集体经济组织) for a village, with its own book (C1).

    The collective is a registry organisation party whose USCC carries a collective prefix of the rule
    set ("93…"). A village committee (村民委员会), if named, is a different organisation with its own book:
    the two sets of accounts are kept apart (S77).
    """
    config = collective_rules()
    uscc = _organisation_party(session, party_id, "集体经济组织")
    if not uscc.startswith(config.uscc_prefixes):
        raise CollectiveError.NOT_A_COLLECTIVE_PARTY.error(prefixes=list(config.uscc_prefixes))
    if not is_region_code(region_code) or region_level(region_code) != "village":
        raise CollectiveError.INVALID_REGION_CODE.error()
    if not name.strip():
        raise CollectiveError.NAME_REQUIRED.error()
    fit(name.strip(), 200, "name")
    if village_committee_party_id is not None:
        if village_committee_party_id == party_id:
            raise CollectiveError.COMMITTEE_IS_COLLECTIVE.error()
        _organisation_party(session, village_committee_party_id, "村民委员会")
    if queries.find_collective_by_party(session, party_id) is not None:
        raise CollectiveError.EXISTS.error()
    collective = Collective(party_id=party_id, region_code=region_code, name=name.strip(),
                            organisation_id=organisation_id, village_committee_party_id=village_committee_party_id,
                            status=CollectiveStatus.active, total_shares=Decimal("0.00"), created_at=now(), version=1)
    try:
        with session.begin_nested():
            session.add(collective)
            session.flush()
    except IntegrityError:
        raise CollectiveError.EXISTS.error() from None
    books = [_open_book(session, collective, BookOwner.collective, party_id)]
    if village_committee_party_id is not None:
        books.append(_open_book(session, collective, BookOwner.village_committee, village_committee_party_id))
    record(session, event_type="collective_created", subject=subjects.collective(collective.id), actor=actor,
           payload={"party_id": party_id, "region_code": region_code, "name": collective.name,
                    "organisation_id": organisation_id, "village_committee_party_id": village_committee_party_id,
                    "books": {b.owner: b.id for b in books}})
    return collective


def link_organisation(session: Session, *, collective_id: int, organisation_id: int, actor: str) -> Collective:
    """Name the platform organisation whose clerks keep this collective's records (C1)."""
    collective = queries.get_collective(session, collective_id, lock=True)
    collective.organisation_id = organisation_id
    collective.version += 1
    session.flush()
    record(session, event_type="organisation_linked", subject=subjects.collective(collective.id), actor=actor,
           payload={"organisation_id": organisation_id})
    return collective


def open_committee_book(session: Session, *, collective_id: int, village_committee_party_id: int,
                        actor: str) -> Book:
    """Open the village committee's own book beside the collective's (村委会与集体经济组织账目分设, C1)."""
    collective = queries.get_collective(session, collective_id, lock=True)
    if collective.village_committee_party_id is not None:
        raise CollectiveError.COMMITTEE_BOOK_EXISTS.error()
    if village_committee_party_id == collective.party_id:
        raise CollectiveError.COMMITTEE_IS_COLLECTIVE.error()
    _organisation_party(session, village_committee_party_id, "村民委员会")
    collective.village_committee_party_id = village_committee_party_id
    collective.version += 1
    book = _open_book(session, collective, BookOwner.village_committee, village_committee_party_id)
    record(session, event_type="committee_book_opened", subject=subjects.collective(collective.id), actor=actor,
           payload={"village_committee_party_id": village_committee_party_id, "book_id": book.id})
    return book

"""Recording and listing reads of unmasked personal records (issue #12 item 4; 个人信息保护法 art. 51, 55;
MLPS 2.0 level 3 security audit).

Every view that shows a person's personal data whole (name unmasked, ID number, phone, a ledger private part)
calls ``record_read`` in the request's transaction, so a read that is shown is a read that is recorded.
Supervisors list all reads; a person lists the reads of their own records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import now
from landbridge.privacy.errors import PrivacyError
from landbridge.privacy.models import PersonalRead

MAX_TEXT = {"reader": 120, "reader_role": 40, "record": 200, "purpose": 80}
MAX_PAGE = 500
COMMIT_READS = "landbridge.privacy.commit_reads"  # Session.info flag: the request must commit, though a read


@dataclass(frozen=True)
class Reader:
    """Who reads: the actor string, role and organisation of the principal (auth stays out of this package)."""

    actor: str
    role: str
    organisation_id: int | None = None


def _bounded(name: str, value: str) -> str:
    if not value or len(value) > MAX_TEXT[name]:
        raise PrivacyError.BAD_READ_RECORD.error({"name": name})
    return value


def record_read(session: Session, *, reader: Reader, record: str, purpose: str,
                party_id: int | None = None) -> PersonalRead:
    """Record that ``reader`` read the unmasked personal ``record`` for ``purpose`` (in the caller's transaction)."""
    return record_reads(session, reader=reader, records=[(record, party_id)], purpose=purpose)[0]


def record_reads(session: Session, *, reader: Reader, records: Sequence[tuple[str, int | None]],
                 purpose: str) -> list[PersonalRead]:
    """Record several reads shown at once (a roll, a list of bidders): one row per (record, party id), one flush."""
    actor, role = _bounded("reader", reader.actor), _bounded("reader_role", reader.role)
    at, why = now(), _bounded("purpose", purpose)
    rows = [PersonalRead(read_at=at, reader=actor, reader_role=role, reader_organisation_id=reader.organisation_id,
                         record=_bounded("record", record), party_id=party_id, purpose=why)
            for record, party_id in records]
    if rows:
        session.add_all(rows)
        session.flush()
        # a read that is shown is a read that is recorded: even a GET's read-only transaction commits it
        session.info[COMMIT_READS] = True
    return rows


def list_reads(session: Session, *, party_id: int | None = None, reader: str | None = None,
               record: str | None = None, since: datetime | None = None, before_id: int | None = None,
               limit: int = 50, reader_role: str | None = None, purpose: str | None = None,
               until: datetime | None = None) -> list[PersonalRead]:
    """Reads newest first, optionally of one person, by one reader or of one record; page with ``before_id``."""
    if not 1 <= limit <= MAX_PAGE:
        raise PrivacyError.BAD_PAGE_SIZE.error({"MAX_PAGE": MAX_PAGE})
    stmt = select(PersonalRead)
    if party_id is not None:
        stmt = stmt.where(PersonalRead.party_id == party_id)
    if reader is not None:
        stmt = stmt.where(PersonalRead.reader == reader)
    if record is not None:
        stmt = stmt.where(PersonalRead.record == record)
    if reader_role is not None:
        stmt = stmt.where(PersonalRead.reader_role == reader_role)
    if purpose is not None:
        stmt = stmt.where(PersonalRead.purpose == purpose)
    if since is not None:
        stmt = stmt.where(PersonalRead.read_at >= since)
    if until is not None:
        stmt = stmt.where(PersonalRead.read_at < until)
    if before_id is not None:
        stmt = stmt.where(PersonalRead.id < before_id)
    return list(session.execute(stmt.order_by(PersonalRead.id.desc()).limit(limit)).scalars())

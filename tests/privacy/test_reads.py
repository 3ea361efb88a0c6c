"""The audit trail of reads of unmasked personal records (issue #12 item 4), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from landbridge.errors import RuleViolation
from landbridge.kernel.clock import Clock, ensure_utc
from landbridge.privacy import Reader, list_reads, record_read

REGISTRAR = Reader("user:3", "registrar", 2)
CLERK = Reader("user:7", "collective_clerk", 5)


def test_reads_are_recorded_and_listed_newest_first(session: Session, clock: Clock) -> None:
    first = record_read(session, reader=REGISTRAR, record="party:11", purpose="registry.party_detail", party_id=11)
    clock.advance(timedelta(minutes=5))
    record_read(session, reader=CLERK, record="party:11", purpose="collective.member_roll", party_id=11)
    record_read(session, reader=CLERK, record="party:12", purpose="collective.member_roll", party_id=12)
    session.commit()
    mine = list_reads(session, party_id=11)
    assert [(r.reader, r.purpose) for r in mine] == [("user:7", "collective.member_roll"),
                                                      ("user:3", "registry.party_detail")]
    assert ensure_utc(mine[1].read_at) == ensure_utc(first.read_at) < ensure_utc(mine[0].read_at)
    assert [r.record for r in list_reads(session, reader="user:7")] == ["party:12", "party:11"]
    assert [r.id for r in list_reads(session, before_id=mine[0].id)] == [first.id]
    assert len(list_reads(session, limit=1)) == 1


def test_bad_read_records_and_pages_are_refused(session: Session, clock: Clock) -> None:
    with pytest.raises(RuleViolation) as err:
        record_read(session, reader=REGISTRAR, record="", purpose="x")
    assert err.value.code == "privacy.bad_read_record"
    with pytest.raises(RuleViolation):
        record_read(session, reader=REGISTRAR, record="party:1", purpose="p" * 81)
    with pytest.raises(RuleViolation) as err:
        list_reads(session, limit=0)
    assert err.value.code == "privacy.bad_page_size"

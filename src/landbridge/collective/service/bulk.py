"""Bulk paths for the demo world and data migration (C1, C2): enrol a village's roll and quantify its
shares in a few statements. Same rules as the one-by-one transitions, checked on the whole batch
before anything is written; one ledger event per batch seals the SHA-256 of the canonical rows."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import AdmissionGround, Member, MemberStatus
from landbridge.collective.schemas import MemberIn
from landbridge.collective.service._common import CHUNK, collective_rules, record, require_active
from landbridge.collective.service.members import already_member
from landbridge.collective.service.shares import QuantificationResult, quantify_shares
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.ledger import subjects

_MEMBER: Any = Member.__table__


def _bad(index: int, error: CollectiveError, *, fmt: Mapping[str, Any] | None = None, **details: Any) -> DomainError:
    zh, en = error.render(fmt, **details)
    return error.kind(error.code, f"第 {index + 1} 行：{zh}", f"row {index + 1}: {en}", index=index, **details)


def enrol_members_bulk(session: Session, *, collective_party_id: int, members: Sequence[MemberIn], as_of: date,
                       actor: str, resolution_ref: str | None = None) -> int:
    """Enrol a batch of persons on a collective's roll (成员身份确认, 批量); returns how many were enrolled (C1).

    All or nothing: grounds, persons, households, duplicates within the batch and existing
    memberships elsewhere are checked for the whole batch first; rows go in with Core inserts in
    chunks; the partial unique index still refuses a person enrolled concurrently elsewhere.
    ``as_of`` is the admission date of rows that give none. Grounds that need a members' decision
    need ``resolution_ref`` (the paper resolution of the founding roll).
    """
    collective = queries.get_collective_by_party(session, collective_party_id)
    collective = queries.get_collective(session, collective.id, lock=True)
    require_active(collective)
    if not members:
        raise CollectiveError.EMPTY_BATCH.error()
    needing = collective_rules(as_of).admission_grounds_needing_resolution
    seen = Tally(m.party_id for m in members)
    households = sorted({m.household_party_id for m in members if m.household_party_id is not None})
    for i, m in enumerate(members):
        if seen[m.party_id] > 1:
            raise _bad(i, CollectiveError.DUPLICATE_IN_BATCH, party_id=m.party_id)
        if m.ground not in AdmissionGround.__members__:
            raise _bad(i, CollectiveError.INVALID_GROUND_3, fmt={"m": m})
        if m.evidence is not None and len(m.evidence) > 300:
            raise _bad(i, CollectiveError.TEXT_TOO_LONG_2)
        if m.ground in needing and not (resolution_ref or "").strip():
            raise _bad(i, CollectiveError.RESOLUTION_REQUIRED_2)
    births: list[date | None] = []
    known = registry.party_kinds(session, [m.party_id for m in members] + households)  # one read per chunk
    for i, m in enumerate(members):
        if m.party_id not in known:
            registry.get_party(session, m.party_id)  # the registry's 404
        kind, id_number = known[m.party_id]
        if kind != "person":
            raise _bad(i, CollectiveError.MEMBER_NOT_A_PERSON, party_id=m.party_id)
        births.append(rules.birth_date_from_resident_id(id_number))
    for hid in households:
        if hid not in known:
            registry.get_party(session, hid)
        if known[hid][0] != "group":
            raise CollectiveError.HOUSEHOLD_NOT_A_GROUP.error(party_id=hid)
    ids = sorted(seen)
    for start in range(0, len(ids), CHUNK):
        taken = session.execute(select(Member.party_id, Member.collective_id).where(
            Member.party_id.in_(ids[start:start + CHUNK]), Member.status == MemberStatus.active)).first()
        if taken is not None:
            index = next(i for i, m in enumerate(members) if m.party_id == taken[0])
            raise CollectiveError.ALREADY_MEMBER.error({"row": index + 1}, index=index, collective_id=taken[1])
    stamp = now()
    rows = [{"collective_id": collective.id, "party_id": m.party_id, "household_party_id": m.household_party_id,
             "region_code": collective.region_code, "status": MemberStatus.active.value, "birth_date": births[i],
             "farm_since": m.farm_since, "admitted_on": m.admitted_on or as_of, "admission_ground": m.ground,
             "admission_evidence": m.evidence, "admission_motion_id": None, "ended_on": None, "end_ground": None,
             "end_evidence": None, "successor_member_id": None, "created_at": stamp, "version": 1}
            for i, m in enumerate(members)]
    canon = [rules.canonical_row([r["party_id"], r["household_party_id"], r["admitted_on"], r["admission_ground"],
                                  r["admission_evidence"], r["farm_since"]]) for r in rows]
    try:
        with session.begin_nested():
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(_MEMBER), rows[start:start + CHUNK])
    except IntegrityError:
        raise already_member(None) from None
    record(session, event_type="members_enrolled", subject=subjects.collective(collective.id), actor=actor,
           payload={"count": len(rows), "as_of": as_of, "rows_sha256": rules.lines_digest(canon),
                    "grounds": dict(sorted(Tally(r["admission_ground"] for r in rows).items())),
                    "resolution_ref": resolution_ref})
    return len(rows)


def quantify_shares_bulk(session: Session, *, collective_party_id: int, base_date: date, actor: str,
                         asset_value: Decimal | str | None = None, motion_id: int | None = None,
                         resolution_ref: str | None = None) -> QuantificationResult:
    """Quantify a collective's assets into members' shares (折股量化), the collective named by its party (C2)."""
    collective = queries.get_collective_by_party(session, collective_party_id)
    return quantify_shares(session, collective_id=collective.id, base_date=base_date, actor=actor,
                           asset_value=asset_value, motion_id=motion_id, resolution_ref=resolution_ref)

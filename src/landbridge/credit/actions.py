"""Credit's named transitions (issue #18): objections (异议: file, uphold, reject, flagged overdue), court listings
(失信被执行人: list, extend, lapse; each period an entry on the exchange's bar list, which credit feeds and never
copies), designations (信用村 / 信用乡镇, yearly: designated, not designated, revoked) and a household's
authorisation of a bank to read its file. Each writes its ledger event in the caller's transaction; subjects name
the objection, listing, designation or authorisation, never a party."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import exchange, notices, registry
from landbridge.auth import user_ids_of_party
from landbridge.credit import rules
from landbridge.credit.errors import CreditError
from landbridge.credit.models import Authorisation, CourtListing, CreditCorrection, CreditObjection, CreditRecord
from landbridge.credit.models import Designation as DesignationRow
from landbridge.credit.rules import HouseholdStanding, Thresholds
from landbridge.credit.service import ACTIVE, ENDED, grade_party, graded_rows, rule, today, version
from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects

OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"
COURT_LIST = "court_list"
LISTED, EXTENDED, LAPSED, REMOVED = "listed", "extended", "lapsed", "removed"


def _text(value: str | None, field: str, most: int, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if (required and not cleaned) or len(cleaned) > most:
        raise CreditError.BAD_INPUT.error(field=field)
    return cleaned


def _event(session: Session, kind: str, key: int | str, event_type: str, actor: str, payload: dict[str, Any]) -> None:
    append_event(session, module="credit", event_type=event_type, subject=subjects.subject(kind, key), actor=actor,
                 payload=payload)


# ---- objections (异议) ----

def file_objection(session: Session, *, record_id: int, party_id: int, reason: str, actor: str,
                   claimed_value: int | None = None, day: date | None = None) -> CreditObjection:
    """A party disputes one of its own records; it must be decided within the rule's days (征信业管理条例
    art. 25). One open objection per record."""
    day = day or today()
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise CreditError.RECORD_NOT_FOUND.error(record_id=record_id)
    if record.party_id != party_id:
        raise CreditError.NOT_YOUR_RECORD.error()
    if record.source == COURT_LIST:  # 法释〔2017〕7号 art. 12 [V]: the listing court corrects its list
        raise CreditError.COURT_RECORD.error()
    if claimed_value is not None and not 0 <= claimed_value <= 10_000:
        raise CreditError.BAD_INPUT.error(field="claimed_value")
    open_one = session.scalar(select(CreditObjection.id).where(CreditObjection.record_id == record_id,
                                                               CreditObjection.status == OPEN))
    if open_one is not None:
        raise CreditError.OBJECTION_OPEN.error(objection_id=open_one)
    days = int(rule("objection_days", day))
    row = CreditObjection(record_id=record_id, party_id=party_id, filed_by=actor, status=OPEN,
                          reason=_text(reason, "reason", 500), claimed_value=claimed_value, filed_on=day,
                          due_on=day + timedelta(days=days), overdue=False, created_at=now())
    session.add(row)
    session.flush()
    _event(session, "credit_objection", row.id, "credit.objection_filed", actor,
           {"record_id": record_id, "party_id": party_id, "kind": record.kind, "due_on": row.due_on,
            "claimed_value": claimed_value})
    return row


# The words of ``credit.invalid_transition`` in each language (the Chinese message carried English action codes)
_RECORD_WORDS = {"objection": ("异议", "objection"), "listing": ("失信名单记录", "court listing"),
                 "authorisation": ("授权", "authorisation")}
_ACTION_WORDS = {"uphold": ("维持", "upheld"), "reject": ("驳回", "rejected"), "extend": ("延长", "extended"),
                 "lift": ("撤销", "lifted"), "revoke": ("撤回", "revoked")}


def _invalid_transition(what: str, status: str, action: str) -> Exception:
    """409 ``credit.invalid_transition``: ``status`` and ``action`` stay machine codes in the body; the messages
    name the record and the action in their own language."""
    (what_zh, what_en), (action_zh, action_en) = _RECORD_WORDS[what], _ACTION_WORDS[action]
    return CreditError.INVALID_TRANSITION.error(
        {"what": what_zh, "what_en": what_en, "action_zh": action_zh, "action_en": action_en},
        status=status, action=action)


def _open_objection(session: Session, objection_id: int, action: str) -> CreditObjection:
    row = session.get(CreditObjection, objection_id, with_for_update=for_update(session))
    if row is None:
        raise CreditError.OBJECTION_NOT_FOUND.error(objection_id=objection_id)
    if row.status != OPEN:
        raise _invalid_transition("objection", row.status, action)
    return row


def uphold_objection(session: Session, *, objection_id: int, actor: str, note: str | None = None,
                     value: int | None = None) -> CreditObjection:
    """Uphold: correct the record (to ``value``, else the value the party claimed, else 0), keep the old value
    in a correction, and regrade the party."""
    row = _open_objection(session, objection_id, "uphold")
    record = session.get(CreditRecord, row.record_id)
    assert record is not None
    new = value if value is not None else (row.claimed_value if row.claimed_value is not None else 0)
    if not 0 <= new <= 10_000:
        raise CreditError.BAD_INPUT.error(field="value")
    session.add(CreditCorrection(record_id=record.id, objection_id=row.id, old_value=record.value, new_value=new,
                                 reason=_text(note or row.reason, "note", 300), actor=actor, created_at=now()))
    old = record.value
    record.value, record.corrected = new, True
    record.status = ACTIVE if new else ENDED
    row.status, row.decided_by, row.decided_at = UPHELD, actor, now()
    row.decision_note = _text(note, "note", 500, required=False) or None
    session.flush()
    _event(session, "credit_objection", row.id, "credit.objection_upheld", actor,
           {"record_id": record.id, "old_value": old, "new_value": new})
    grade_party(session, row.party_id, actor=actor)
    _tell(session, row, "upheld")
    return row


def reject_objection(session: Session, *, objection_id: int, actor: str, note: str) -> CreditObjection:
    """Reject: the record stands; the reason is required (the party is told why)."""
    row = _open_objection(session, objection_id, "reject")
    row.status, row.decided_by, row.decided_at = REJECTED, actor, now()
    row.decision_note = _text(note, "note", 500)
    _event(session, "credit_objection", row.id, "credit.objection_rejected", actor, {"record_id": row.record_id})
    _tell(session, row, "rejected")
    return row


def _tell(session: Session, row: CreditObjection, outcome: str) -> None:
    """The household's accounts get a notice of the decision (站内消息, issue #20)."""
    zh, en = ("已采纳，记录已更正", "upheld; the record is corrected") if outcome == "upheld" else \
        ("未采纳，记录维持", "rejected; the record stands")
    notices.send(session, user_ids=user_ids_of_party(session, row.party_id), module="credit",
                 kind=f"credit.objection_{outcome}", title_zh=f"您的信用异议 #{row.id} {zh}",
                 title_en=f"Your credit objection #{row.id} was {en}", href="/credit",
                 dedupe_key=f"credit.objection:{row.id}")


def flag_overdue_objections(session: Session, day: date | None = None, actor: str = "worker") -> int:
    """The worker: flag each objection still open past its due day (once)."""
    day = day or today()
    rows = session.scalars(select(CreditObjection).where(CreditObjection.status == OPEN,
                                                         CreditObjection.due_on < day,
                                                         CreditObjection.overdue.is_(False))).all()
    for row in rows:
        row.overdue = True
        _event(session, "credit_objection", row.id, "credit.objection_overdue", actor, {"due_on": row.due_on})
    return len(rows)


# ---- court listings (失信被执行人) ----

def _bar(session: Session, listing: CourtListing, actor: str) -> None:
    entry = exchange.bar_party(session, party_id=listing.party_id, actor=actor, listed_until=listing.ends_on,
                               reason=f"失信被执行人 {listing.court} {listing.case_no}")
    listing.bar_ids = [*listing.bar_ids, entry.id]


def list_defaulter(session: Session, *, party_id: int, court: str, case_no: str, listed_on: date, actor: str,
                   ends_on: date | None = None) -> CourtListing:
    """Record a court's listing: it lasts the rule's years from ``listed_on`` unless the court set ``ends_on``;
    the party goes on the exchange's bar list until then (barred from bidding, borrowing and guaranteeing),
    and is regraded."""
    registry.get_party(session, party_id)
    end = ends_on or rules.add_years(listed_on, int(rule("listing_years", listed_on)))
    if end <= listed_on:
        raise CreditError.BAD_INPUT.error(field="ends_on")
    listing = CourtListing(party_id=party_id, court=_text(court, "court", 120), case_no=_text(case_no, "case_no", 80),
                           listed_on=listed_on, ends_on=end, extended_years=0, bar_ids=[], listed_by=actor,
                           status=LISTED, created_at=now())
    session.add(listing)
    session.flush()
    _bar(session, listing, actor)
    _event(session, "credit_listing", listing.id, "credit.listed", actor,
           {"party_id": party_id, "court": listing.court, "case_no": listing.case_no, "listed_on": listed_on,
            "ends_on": end})
    grade_party(session, party_id, actor=actor)
    return listing


def _listing(session: Session, listing_id: int) -> CourtListing:
    row = session.get(CourtListing, listing_id, with_for_update=for_update(session))
    if row is None:
        raise CreditError.LISTING_NOT_FOUND.error(listing_id=listing_id)
    return row


def extend_listing(session: Session, *, listing_id: int, years: int, actor: str) -> CourtListing:
    """Extend a listing in force by 1–3 years (the rule's range): a new bar-list entry to the new end."""
    row = _listing(session, listing_id)
    if row.status not in (LISTED, EXTENDED):
        raise _invalid_transition("listing", row.status, "extend")
    least, most = (int(x) for x in rule("listing_extension_years", row.listed_on))
    rules.check_extension(years, least, most)
    row.ends_on = rules.add_years(row.ends_on, years)
    row.extended_years += years
    row.status = EXTENDED
    _bar(session, row, actor)
    _event(session, "credit_listing", row.id, "credit.listing_extended", actor,
           {"years": years, "ends_on": row.ends_on})
    return row


def lift_listing(session: Session, *, listing_id: int, actor: str, note: str, day: date | None = None) -> CourtListing:
    """The court removed the party from its list before the end (法释〔2017〕7号 art. 10: performed, settled, or
    listed in error): the listing is removed, its bar-list entries end today, and the party is regraded."""
    day = day or today()
    row = _listing(session, listing_id)
    if row.status not in (LISTED, EXTENDED):
        raise _invalid_transition("listing", row.status, "lift")
    reason = _text(note, "note", 200)
    row.status = REMOVED
    for bar_id in row.bar_ids:
        exchange.end_bar(session, bar_id=bar_id, on=day, actor=actor, reason=f"移出失信名单 {row.case_no}: {reason}")
    session.flush()
    _event(session, "credit_listing", row.id, "credit.listing_removed", actor, {"on": day, "note": reason})
    grade_party(session, row.party_id, actor=actor, day=day)
    return row


def lapse_listings(session: Session, day: date | None = None, actor: str = "worker") -> int:
    """The worker: listings past their end lapse and the party is regraded (the bar-list entry ends itself)."""
    day = day or today()
    rows = session.scalars(select(CourtListing).where(CourtListing.status.in_([LISTED, EXTENDED]),
                                                      CourtListing.ends_on < day)).all()
    for row in rows:
        row.status = LAPSED
        _event(session, "credit_listing", row.id, "credit.listing_lapsed", actor, {"ends_on": row.ends_on})
    for party_id in sorted({r.party_id for r in rows}):
        grade_party(session, party_id, actor=actor, day=day)
    return len(rows)


def run_due(session: Session) -> int:
    """The worker's credit step: flag overdue objections, lapse ended listings."""
    return flag_overdue_objections(session) + lapse_listings(session)


# ---- designations (信用村 / 信用乡镇) ----

def _thresholds(name: str, share_key: str, day: date) -> Thresholds:
    raw = rule(name, day)
    return Thresholds(Decimal(str(raw[share_key])), Decimal(str(raw["on_time"])), Decimal(str(raw["npl"])))


def designate(session: Session, *, year: int, actor: str, day: date | None = None,
              region_prefix: str | None = None) -> list[DesignationRow]:
    """The yearly review: every village (12-digit region code) with graded households, then every township
    (its first 9 digits), judged on the current grades; designated, not designated, or revoked where last year's
    designation now fails. One read of the grades, one of last year's designations."""
    day = day or today()
    village_rules = _thresholds("village_thresholds", "credit_households", day)
    township_rules = _thresholds("township_thresholds", "credit_villages", day)
    digest = version(day).digest
    villages: dict[str, list[HouseholdStanding]] = defaultdict(list)
    for region, grade, borrowing, on_time, out_fen, bad_fen in graded_rows(session, region_prefix):
        villages[str(region)].append(HouseholdStanding(grade != rules.NONE, bool(borrowing), bool(on_time),
                                                       Decimal(out_fen), Decimal(bad_fen)))
    before = {(r.level, r.region_code): r.status for r in session.scalars(
        select(DesignationRow).where(DesignationRow.year == year - 1))}
    existing = {(r.level, r.region_code): r for r in session.scalars(
        select(DesignationRow).where(DesignationRow.year == year))}
    judged: list[tuple[str, str, rules.Designation, int]] = []
    townships: dict[str, list[tuple[bool, list[HouseholdStanding]]]] = defaultdict(list)
    for code, households in sorted(villages.items()):
        d = rules.designate_village(households, village_rules)
        judged.append(("village", code, d, len(households)))
        townships[code[:9]].append((d.designated, households))
    for code, members in sorted(townships.items()):
        d = rules.designate_township(members, township_rules)
        judged.append(("township", code, d, sum(len(h) for _, h in members)))
    out = []
    for level, code, d, count in judged:
        status = "designated" if d.designated else (
            "revoked" if before.get((level, code)) == "designated" else "not_designated")
        row = existing.get((level, code)) or DesignationRow(level=level, region_code=code, year=year)
        row.status, row.share, row.on_time, row.npl = status, d.share, d.on_time, d.npl
        row.households, row.failed, row.decided_on, row.rules_digest = count, list(d.failed), day, digest
        if (level, code) not in existing:
            session.add(row)
        out.append(row)
        if status != "not_designated":
            _event(session, "credit_designation", f"{level}-{code}-{year}", f"credit.{status}", actor,
                   {"level": level, "region_code": code, "year": year, **d.as_dict()})
    session.flush()
    return out


def designation_dict(row: DesignationRow) -> dict[str, Any]:
    return {"level": row.level, "region_code": row.region_code, "year": row.year, "status": row.status,
            "share": str(row.share), "on_time": str(row.on_time), "npl": str(row.npl),
            "households": row.households, "failed": list(row.failed), "decided_on": row.decided_on.isoformat()}


# ---- a household's authorisation of a bank ----

def authorise(session: Session, *, party_id: int, organisation_id: int, purpose: str, valid_until: date,
              actor: str) -> Authorisation:
    """The party authorises an organisation to read its credit file for a purpose, until a day."""
    if valid_until < today():
        raise CreditError.BAD_INPUT.error(field="valid_until")
    row = Authorisation(party_id=party_id, organisation_id=organisation_id, purpose=_text(purpose, "purpose", 80),
                        valid_until=valid_until, granted_by=actor, created_at=now())
    session.add(row)
    session.flush()
    _event(session, "credit_authorisation", row.id, "credit.authorised", actor,
           {"party_id": party_id, "organisation_id": organisation_id, "valid_until": valid_until})
    return row


def revoke_authorisation(session: Session, *, authorisation_id: int, party_id: int, actor: str) -> Authorisation:
    """The party withdraws its authorisation: from now the bank reads its file no more. Self-guarding: one
    conditional update (its own, not yet revoked); a second revocation is refused, nothing changed."""
    stamp = now()
    changed = session.execute(update(Authorisation).where(
        Authorisation.id == authorisation_id, Authorisation.party_id == party_id,
        Authorisation.revoked_at.is_(None)).values(revoked_at=stamp).execution_options(synchronize_session=False))
    row = session.get(Authorisation, authorisation_id)
    if row is None or row.party_id != party_id:
        raise CreditError.AUTHORISATION_NOT_FOUND.error(authorisation_id=authorisation_id)
    if getattr(changed, "rowcount", 0) != 1:
        raise _invalid_transition("authorisation", "revoked", "revoke")
    session.refresh(row)
    _event(session, "credit_authorisation", row.id, "credit.authorisation_revoked", actor,
           {"party_id": party_id, "organisation_id": row.organisation_id})
    return row


def is_authorised(session: Session, party_id: int, organisation_id: int, day: date | None = None) -> bool:
    day = day or today()
    return session.scalar(select(Authorisation.id).where(
        Authorisation.party_id == party_id, Authorisation.organisation_id == organisation_id,
        Authorisation.valid_until >= day, Authorisation.revoked_at.is_(None)).limit(1)) is not None

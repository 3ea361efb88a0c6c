"""The credit file and the grade (issue #18 items 1, 2 and 5): facts gathered from the registry, lending and the
exchange through their public functions, set-based (one grouped read per kind of fact for many parties), kept as
credit records with their provenance, corrected by upheld objections, graded by the indicator rules.

Services never commit; each state change writes a ledger event in the caller's transaction, its subject a credit
record, objection, listing or grading run, never a party (the public envelope names no person).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from landbridge import exchange, lending, registry
from landbridge.cityprofile import get_profile
from landbridge.credit import rules
from landbridge.credit.models import CourtListing, CreditGrade, CreditRecord, GradingRun
from landbridge.credit.rules import Facts, Scale
from landbridge.credit.scorecard import households
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.money import yuan_to_fen
from landbridge.ledger import append_event, subjects

SOURCES: Mapping[str, str] = {"loans": "lending", "loans_repaid": "lending", "loans_overdue": "lending",
                              "loans_defaulted": "lending", "rights_held": "registry", "seizures": "registry",
                              "exchange_defaults": "exchange", "listed": "court_list"}
NEGATIVE = frozenset({"loans_overdue", "loans_defaulted", "seizures", "exchange_defaults", "listed"})
ACTIVE, ENDED = "active", "ended"
CHUNK = 1000
RECORDS = cast(Table, CreditRecord.__table__)  # executemany through Core: a yearly run writes them all
GRADES = cast(Table, CreditGrade.__table__)


def rule_set() -> Any:
    return get_profile().rules("credit")


def version(day: date) -> Any:
    """The rule-set version in force on ``day``; before the set's first version, that first version (the basis
    the grade is computed on until then, as lending's ``rule_on``)."""
    rs = rule_set()
    first = min(rs.versions, key=lambda v: v.effective_from)
    return first if day < first.effective_from else rs.version_at(day)


def rule(name: str, day: date) -> Any:
    """A credit rule's value on ``day`` (see ``version``)."""
    return version(day).rules[name].value


def scale(day: date) -> Scale:
    """The grade's figures in force on ``day``."""
    return Scale.from_rules(version(day).values())


def today() -> date:
    """Today in the city's time zone by the platform clock."""
    return to_local(now()).date()


@dataclass
class Gathered:
    """One party's facts, and what the designations need of its loans."""

    facts: Facts
    outstanding_cny: Decimal = Decimal(0)
    non_performing_cny: Decimal = Decimal(0)


def listed_parties(session: Session, party_ids: Sequence[int] | None, day: date) -> set[int]:
    """Which parties are on a court listing in force on ``day`` (one read per thousand parties, or one)."""
    stmt = select(CourtListing.party_id).where(CourtListing.listed_on <= day, CourtListing.ends_on >= day,
                                               CourtListing.status != "removed")
    if party_ids is None:
        return {int(p) for p in session.scalars(stmt)}
    out: set[int] = set()
    for first in range(0, len(party_ids), CHUNK):
        out |= {int(p) for p in session.scalars(stmt.where(CourtListing.party_id.in_(party_ids[first:first + CHUNK])))}
    return out


def gather(session: Session, party_ids: Sequence[int] | None, day: date) -> dict[int, Gathered]:
    """The facts of the parties (``None``: every party with any fact) from the platform: the registry's holdings
    and seizures, lending's loan outcomes, the exchange's forfeited deposits, the court list. Four grouped reads
    (per chunk), whatever the number of parties; a party with no fact at all is absent (a clean file)."""
    ids = None if party_ids is None else sorted(set(party_ids))
    holdings = registry.party_holdings(session, ids)
    outcomes = lending.outcomes_by_party(session, ids, npl_tiers=rule("npl_tiers", day))
    forfeits = exchange.forfeits_by_party(session, ids)
    listed = listed_parties(session, ids, day)
    out: dict[int, Gathered] = {}
    for pid in holdings.keys() | outcomes.keys() | forfeits.keys() | listed:
        held, seized = holdings.get(pid, (0, 0))
        o = outcomes.get(pid)
        facts = Facts(loans=o.loans if o else 0, loans_repaid=o.repaid if o else 0,
                      loans_overdue=o.overdue if o else 0, loans_defaulted=o.defaulted if o else 0,
                      rights_held=held, seizures=seized, exchange_defaults=forfeits.get(pid, 0), listed=pid in listed)
        out[pid] = Gathered(facts, o.outstanding_cny if o else Decimal(0), o.non_performing_cny if o else Decimal(0))
    return out


@dataclass
class _Rec:
    """A stored record, as the refresh reads it (plain tuples, not ORM objects: a yearly run reads them all)."""

    id: int
    value: int
    status: str
    corrected: bool


def _existing_records(session: Session, party_ids: Sequence[int] | None) -> dict[int, dict[str, _Rec]]:
    stmt = select(CreditRecord.party_id, CreditRecord.kind, CreditRecord.id, CreditRecord.value, CreditRecord.status,
                  CreditRecord.corrected)
    out: dict[int, dict[str, _Rec]] = {}
    chunks = [stmt] if party_ids is None else [stmt.where(CreditRecord.party_id.in_(party_ids[f:f + CHUNK]))
                                               for f in range(0, len(party_ids), CHUNK)]
    for query in chunks:
        for pid, kind, rid, value, status, corrected in session.execute(query):
            out.setdefault(int(pid), {})[str(kind)] = _Rec(int(rid), int(value), str(status), bool(corrected))
    return out


def refresh_records(session: Session, gathered: Mapping[int, Gathered], party_ids: Sequence[int] | None,
                    day: date) -> dict[int, Facts]:
    """Write the gathered facts as credit records (a fact that is not zero; a negative one that ends expires after
    the retention years, 征信业管理条例 art. 16) and return each party's facts as its file says: a corrected record
    keeps the value its upheld objection set. Inserts and updates go in one executemany each."""
    retention = int(rule("record_retention_years", day))
    existing = _existing_records(session, party_ids)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    result: dict[int, Facts] = {}
    stamp = now()
    for pid in gathered.keys() | existing.keys():
        found = gathered.get(pid)
        facts = found.facts if found else Facts()
        mine = existing.get(pid)
        if not mine:  # first time on file: the gathered facts as they are
            inserts += [{"party_id": pid, "kind": kind, "value": int(getattr(facts, kind)), "source": source,
                         "source_ref": None, "recorded_on": day, "evidence": f"{source}:{kind}", "expires_on": None,
                         "corrected": False, "status": ACTIVE, "created_at": stamp}
                        for kind, source in SOURCES.items() if getattr(facts, kind)]
            if found:
                result[pid] = facts
            continue
        changes: dict[str, Any] = {}
        for kind, source in SOURCES.items():
            value = int(getattr(facts, kind))
            rec = mine.get(kind)
            if rec is None:
                if value:
                    inserts.append({"party_id": pid, "kind": kind, "value": value, "source": source,
                                    "source_ref": None, "recorded_on": day, "evidence": f"{source}:{kind}",
                                    "expires_on": None, "corrected": False, "status": ACTIVE, "created_at": stamp})
            elif rec.corrected:
                kept = rec.value if rec.status == ACTIVE else 0
                if kept != value:
                    changes[kind] = bool(kept) if kind == "listed" else kept
            elif (rec.value != value and value) or (rec.status == ENDED) != (value == 0):
                ends = None if value else (rules.add_years(day, retention) if kind in NEGATIVE else day)
                updates.append({"b_id": rec.id, "value": value or rec.value, "recorded_on": day,
                                "status": ACTIVE if value else ENDED, "expires_on": ends})
        result[pid] = facts.corrected(changes) if changes else facts
    if inserts:
        session.execute(RECORDS.insert(), inserts)
    if updates:
        session.execute(RECORDS.update().where(RECORDS.c.id == bindparam("b_id")), updates)
    return result


def facts_json(facts: Facts) -> str:
    """The canonical text of the facts a grade was computed on (stored with the grade)."""
    return json.dumps({k: getattr(facts, k) for k in SOURCES}, separators=(",", ":"), sort_keys=True)


@dataclass
class Run:
    """What a grading gave: each party's grade, counts by grade, how many were scored and by which household
    model (None: no household model registered, graded only)."""

    grades: dict[int, rules.Grade]
    by_grade: dict[str, int]
    scored: int
    score_model: int | None
    digest: str
    score_seconds: float = 0.0


def grade_parties(session: Session, party_ids: Sequence[int] | None, *, actor: str, day: date | None = None,
                  regions: Mapping[int, str | None] | None = None) -> dict[int, rules.Grade]:
    """Grade (and, with a household model, score) the parties (``None``: every party, the yearly run); see
    ``grade_and_score``."""
    return grade_and_score(session, party_ids, actor=actor, day=day, regions=regions).grades


def grade_and_score(session: Session, party_ids: Sequence[int] | None, *, actor: str, day: date | None = None,
                    regions: Mapping[int, str | None] | None = None) -> Run:
    """Grade the parties (``None``: every party, the yearly run): gather, refresh the records, grade, and score
    them with the newest household model if there is one (``scorecard.households``, numpy over the bin tables, all
    parties at once), store each party's current grade and score; one ledger event for the run (counts by grade,
    the model, no party named). Households with the same facts share one grade computation (the grade is a pure
    function of the facts and the rules)."""
    day = day or today()
    s = scale(day)
    if party_ids is None:
        roll = registry.party_regions(session)
        ids = [pid for pid, _ in roll]
        regions = dict(roll)
    else:
        ids = sorted(set(party_ids))
    gathered = gather(session, None if party_ids is None else ids, day)
    facts = refresh_records(session, gathered, None if party_ids is None else ids, day)
    if regions is None:
        wanted = set(ids)
        regions = {pid: region for pid, region in registry.party_regions(session) if pid in wanted}
    digest = version(day).digest
    current = _current_grade_ids(session, None if party_ids is None else ids)
    rows: list[dict[str, Any]] = []
    out: dict[int, rules.Grade] = {}
    counts: dict[str, int] = {}
    memo: dict[Facts, int] = {}
    distinct: list[tuple[Facts, rules.Grade, str]] = []
    codes: list[int] = []
    clean = Facts()
    for pid in ids:
        f = facts.get(pid, clean)
        code = memo.get(f)
        if code is None:
            code = memo[f] = len(distinct)
            distinct.append((f, rules.grade(f, s), facts_json(f)))
        codes.append(code)
        _, g, text = distinct[code]
        out[pid] = g
        counts[g.grade] = counts.get(g.grade, 0) + 1
        found = gathered.get(pid)
        rows.append({"region_code": regions.get(pid), "points": g.points, "grade": g.grade, "facts": text,
                     "rules_digest": digest, "graded_on": day, "borrowing": f.loans > 0,
                     "on_time": f.loans_overdue == 0 and f.loans_defaulted == 0,
                     "outstanding_fen": yuan_to_fen(found.outstanding_cny) if found else 0,
                     "non_performing_fen": yuan_to_fen(found.non_performing_cny) if found else 0,
                     "score": None, "score_reasons": None, "score_model": None})
    model = households.newest_model(session)
    started = time.perf_counter()
    if model is not None and ids:
        scored = households.score_facts(model, [d[0] for d in distinct], codes)
        for row, value, reasons in zip(rows, scored.scored.scores.tolist(), scored.reasons(), strict=True):
            row["score"], row["score_reasons"], row["score_model"] = Decimal(f"{value:.2f}"), reasons, model.version
    score_seconds = time.perf_counter() - started
    inserts = [{"party_id": pid, **row} for pid, row in zip(ids, rows, strict=True) if pid not in current]
    updates = [{"b_id": current[pid], **row} for pid, row in zip(ids, rows, strict=True) if pid in current]
    if inserts:
        session.execute(GRADES.insert(), inserts)
    if updates:
        session.execute(GRADES.update().where(GRADES.c.id == bindparam("b_id")), updates)
    run = f"{day.isoformat()}-{len(ids)}" if party_ids is None else f"{day.isoformat()}-p{ids[0] if ids else 0}"
    n_scored = len(ids) if model is not None else 0
    append_event(session, module="credit", event_type="credit.graded", subject=subjects.subject("credit_run", run),
                 actor=actor, payload={"day": day, "graded": len(ids), "by_grade": counts, "rules_digest": digest,
                                       "scored": n_scored, "score_model": model.version if model else None,
                                       **({"party_ids": ids[:50]} if party_ids is not None else {})})
    return Run(out, counts, n_scored, model.version if model is not None else None, digest, score_seconds)


COMPLETED, GRADED_ONLY = "completed", "graded_only"


def yearly_run(session: Session, *, actor: str, day: date | None = None) -> GradingRun:
    """The yearly grading run: grade and score every party, and keep the run's record (``completed``, or
    ``graded_only`` when no household model is registered: the run then grades only, and says so)."""
    started = time.perf_counter()
    run = grade_and_score(session, None, actor=actor, day=day)
    row = GradingRun(started_by=actor, graded_on=day or today(), graded=len(run.grades), scored=run.scored,
                     score_model=run.score_model, by_grade=run.by_grade, rules_digest=run.digest,
                     seconds=Decimal(f"{time.perf_counter() - started:.2f}"),
                     status=COMPLETED if run.score_model is not None else GRADED_ONLY, created_at=now())
    session.add(row)
    session.flush()
    return row


def grading_runs(session: Session, limit: int = 50) -> list[GradingRun]:
    """The grading runs, newest first."""
    return list(session.scalars(select(GradingRun).order_by(GradingRun.id.desc()).limit(limit)))


def run_dict(row: GradingRun) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "started_by": row.started_by, "graded_on": row.graded_on.isoformat(),
            "graded": row.graded, "scored": row.scored, "score_model": row.score_model, "by_grade": row.by_grade,
            "seconds": str(row.seconds), "created_at": row.created_at.isoformat(),
            "note": None if row.score_model is not None else "graded only: no household model registered "
                                                             "(landbridge credit train --kind household)"}


def score_dict(row: CreditGrade) -> dict[str, Any] | None:
    """The household scorecard's reading stored with a grade: score, model version, reason codes (feature names,
    the most points lost first); None when the grade was not scored."""
    if row.score is None:
        return None
    return {"score": round(row.score), "model_version": row.score_model,
            "reasons": [r for r in (row.score_reasons or "").split(",") if r]}


def explain(row: CreditGrade) -> dict[str, Any]:
    """A stored grade with its explanation line by line and what would raise it, recomputed from the facts it
    was computed on and the rules in force on its day (the same pure function)."""
    facts = Facts().corrected(json.loads(row.facts))
    return {**rules.grade(facts, scale(row.graded_on)).as_dict(), "graded_on": row.graded_on.isoformat(),
            "rules_digest": row.rules_digest}


def _current_grade_ids(session: Session, party_ids: Sequence[int] | None) -> dict[int, int]:
    stmt = select(CreditGrade.party_id, CreditGrade.id)
    if party_ids is None:
        return {int(p): int(i) for p, i in session.execute(stmt)}
    out: dict[int, int] = {}
    for first in range(0, len(party_ids), CHUNK):
        out |= {int(p): int(i) for p, i in session.execute(
            stmt.where(CreditGrade.party_id.in_(party_ids[first:first + CHUNK])))}
    return out


def grade_party(session: Session, party_id: int, *, actor: str, day: date | None = None) -> rules.Grade:
    """Grade one party now (after a listing, an upheld objection, or on request)."""
    registry.get_party(session, party_id)
    return grade_parties(session, [party_id], actor=actor, day=day)[party_id]


def current_grade(session: Session, party_id: int) -> CreditGrade | None:
    return session.scalar(select(CreditGrade).where(CreditGrade.party_id == party_id))


def grade_fact(session: Session, party_id: int) -> str | None:
    """The fact ``credit.grade`` (ADR 0016): the party's current grade, or None where it has none (lending then
    uses its rule ``default_grade``)."""
    found = session.scalar(select(CreditGrade.grade).where(CreditGrade.party_id == party_id))
    return str(found) if found is not None else None


def records_of(session: Session, party_id: int) -> list[CreditRecord]:
    """A party's credit records, newest first."""
    return list(session.scalars(select(CreditRecord).where(CreditRecord.party_id == party_id)
                                .order_by(CreditRecord.recorded_on.desc(), CreditRecord.id.desc())))


def record_dict(record: CreditRecord) -> dict[str, Any]:
    return {"id": record.id, "kind": record.kind, "value": record.value, "source": record.source,
            "source_ref": record.source_ref, "recorded_on": record.recorded_on.isoformat(),
            "evidence": record.evidence, "expires_on": record.expires_on.isoformat() if record.expires_on else None,
            "status": record.status, "corrected": record.corrected}


def graded_rows(session: Session, region_prefix: str | None = None) -> Iterable[tuple[Any, ...]]:
    """(region code, grade, borrowing, on time, outstanding fen, non-performing fen) of every graded party."""
    stmt = select(CreditGrade.region_code, CreditGrade.grade, CreditGrade.borrowing, CreditGrade.on_time,
                  CreditGrade.outstanding_fen, CreditGrade.non_performing_fen).where(
        CreditGrade.region_code.is_not(None))
    if region_prefix:
        stmt = stmt.where(CreditGrade.region_code.startswith(region_prefix))
    return session.execute(stmt)

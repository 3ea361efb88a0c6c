"""Assessment runs (考核评估, issue #19 scope 4; P2, S2): score a year's subjects from the supervision figures,
adjust a score with a written reason, review, publish. Services never commit; the caller's transaction does.

Each step is a named, self-guarding transition: it checks everything first (a refusal is a typed
``AssessmentError`` before anything is written), moves the run with a conditional UPDATE on its status and version
(a concurrent step loses with ``assessment.invalid_transition``) and appends a ledger event in the same transaction.
Scores are re-derivable: a run stores its set version and digest, the code version and the as-of day, and
``derive`` recomputes the same numbers from the same dated records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import __version__
from landbridge.assessment import rules
from landbridge.assessment.errors import AssessmentError
from landbridge.assessment.models import AssessmentRun, AssessmentScore
from landbridge.assessment.sets import AssessmentSet, by_version, set_for
from landbridge.cityprofile.loader import get_profile
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.supervision import in_force, parse_period
from landbridge.supervision.service import city, figures_by_area, records

MODULE = "assessment"
CODE_REVISION = 1  # raised whenever the scoring code changes what a score is
REASON_MAX = 500
SCORED, REVIEWED, PUBLISHED = "scored", "reviewed", "published"
MOVES = {SCORED: (REVIEWED,), REVIEWED: (PUBLISHED,), PUBLISHED: ()}


@dataclass(frozen=True)
class Subject:
    """One assessed subject: a county or township (by region code) or a department (by its name)."""

    code: str
    name_zh: str
    name_en: str
    area: str
    indicators: tuple[str, ...] | None = None  # a department is scored on the indicators it owns only


def today() -> date:
    return to_local(now()).date()


def run_subject(run_id: int) -> str:
    return subjects.subject("assessment_run", run_id)


def code_version() -> str:
    return f"{__version__}+assessment.r{CODE_REVISION}"


def subjects_of(the_set: AssessmentSet, as_of: date) -> list[Subject]:
    """The subjects a set assesses: the profile's counties or townships, or the departments owning its indicators."""
    profile = get_profile()
    if the_set.subject_kind in ("county", "township"):
        return [Subject(r.code, r.name, r.name_en, r.code) for r in sorted(profile.regions.values(),
                key=lambda r: r.code) if r.level == the_set.subject_kind]
    indicators = in_force(as_of)
    owners: dict[str, tuple[str, list[str]]] = {}
    for item in the_set.items:
        ind = indicators.get(item.indicator)
        owners.setdefault(ind.owner_zh, (ind.owner_en, []))[1].append(item.indicator)
    top = city().code
    return [Subject(f"dept:{i + 1}", zh, en, top, tuple(codes))
            for i, (zh, (en, codes)) in enumerate(sorted(owners.items()))]


def derive(session: Session, the_set: AssessmentSet, as_of: date) -> dict[str, tuple[Decimal, list[dict[str, Any]]]]:
    """Each subject's total and details for ``the_set`` from the supervision figures of its year as of ``as_of``."""
    period = parse_period(str(the_set.year))
    indicators = in_force(as_of)
    subs = subjects_of(the_set, as_of)
    areas = sorted({s.area for s in subs})
    per_item: dict[str, dict[str, Decimal]] = {}
    empty: dict[str, set[str]] = {}
    for item in the_set.items:
        indicator = indicators.get(item.indicator)
        figures = figures_by_area(indicator, records(session, indicator, period, as_of, city().code), areas)
        mine = [s for s in subs if s.indicators is None or item.indicator in s.indicators]
        per_item[item.indicator] = {s.code: figures[s.area].value for s in mine}
        # a ratio over nothing (no loans behind an NPL ratio) is no data, not a perfect score: it scores zero
        empty[item.indicator] = {s.code for s in mine if figures[s.area].denominator == 0}
    out: dict[str, tuple[Decimal, list[dict[str, Any]]]] = {}
    scored: dict[str, dict[str, Decimal]] = {}
    for item in the_set.items:
        values = per_item[item.indicator]
        if item.method == "efficacy":
            scored[item.indicator] = rules.efficacy(values, item.direction, best=the_set.best, worst=the_set.worst)
        else:
            scored[item.indicator] = {k: rules.linear(v, item.target, item.direction, full=the_set.full,
                                                      cap=the_set.cap) for k, v in values.items()}
        for code in empty[item.indicator]:
            scored[item.indicator][code] = rules.q(rules.ZERO)
    for sub in subs:
        details: list[dict[str, Any]] = [{"indicator": i.indicator, "value": str(per_item[i.indicator][sub.code]),
                    "target": str(i.target), "weight": str(i.weight), "direction": i.direction, "method": i.method,
                    "score": str(scored[i.indicator][sub.code]),
                    "no_data": sub.code in empty[i.indicator]}
                   for i in the_set.items if sub.code in per_item[i.indicator]]
        total = rules.weighted_total([(Decimal(str(d["weight"])), Decimal(str(d["score"]))) for d in details])
        out[sub.code] = (total, details)
    return out


def get_run(session: Session, run_id: int) -> AssessmentRun:
    run = session.get(AssessmentRun, run_id)
    if run is None:
        raise AssessmentError.RUN_NOT_FOUND.error(run_id=run_id)
    return run


def _best_first(s: AssessmentScore) -> tuple[Decimal, str]:
    return -(s.adjusted if s.adjusted is not None else s.computed), s.subject_code


def scores(session: Session, run_id: int) -> list[AssessmentScore]:
    """A run's scores, the best final score first."""
    return scores_of(session, [run_id]).get(run_id, [])


def scores_of(session: Session, run_ids: list[int]) -> dict[int, list[AssessmentScore]]:
    """The scores of several runs in one query (a list of runs), each run's best final score first."""
    out: dict[int, list[AssessmentScore]] = {}
    if run_ids:
        for row in session.scalars(select(AssessmentScore).where(AssessmentScore.run_id.in_(run_ids))):
            out.setdefault(row.run_id, []).append(row)
    return {run_id: sorted(rows, key=_best_first) for run_id, rows in out.items()}


def score_year(session: Session, *, year: int, subject_kind: str, actor: str, as_of: date | None = None,
               ) -> AssessmentRun:
    """Score ``year``'s subjects of ``subject_kind`` with the set in force (→ ``scored``)."""
    day = today()
    if not 2000 <= year <= day.year:
        raise AssessmentError.INVALID_YEAR.error(year=year)
    the_set = set_for(year, subject_kind, day)
    as_of = as_of or min(date(year, 12, 31), day)
    if as_of.year != year or as_of > day:
        raise AssessmentError.INVALID_YEAR.error(year=year)
    found = session.scalar(select(AssessmentRun.id).where(
        AssessmentRun.year == year, AssessmentRun.subject_kind == subject_kind,
        AssessmentRun.set_version == the_set.version))
    if found is not None:
        raise AssessmentError.ALREADY_SCORED.error(year=year, subject_kind=subject_kind, version=the_set.version)
    derived = derive(session, the_set, as_of)
    run = AssessmentRun(year=year, subject_kind=subject_kind, set_version=the_set.version,
                        set_digest=the_set.digest, code_version=code_version(), as_of=as_of, status=SCORED,
                        version=1, created_at=now(), created_by=actor)
    session.add(run)
    session.flush()
    names = {s.code: s for s in subjects_of(the_set, as_of)}
    for code, (total, details) in derived.items():
        session.add(AssessmentScore(run_id=run.id, subject_code=code, name_zh=names[code].name_zh,
                                    name_en=names[code].name_en, computed=total, details=details, version=1))
    event = append_event(session, module=MODULE, event_type="assessment_scored", subject=run_subject(run.id),
                         actor=actor, payload={"year": year, "subject_kind": subject_kind,
                                               "set_version": the_set.version, "set_digest": the_set.digest,
                                               "code_version": run.code_version, "as_of": as_of.isoformat(),
                                               "subjects": len(derived)})
    run.ledger_seq = event.seq
    session.flush()
    return run


def _move(session: Session, run: AssessmentRun, target: str, action: str, **values: Any) -> None:
    if target not in MOVES[run.status]:
        raise AssessmentError.INVALID_TRANSITION.error(status=run.status, what="assessment", action=action)
    t = AssessmentRun
    done = session.execute(update(t).where(t.id == run.id, t.status == run.status, t.version == run.version)
                           .values(status=target, version=t.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AssessmentError.INVALID_TRANSITION.error(status=run.status, what="assessment", action=action)
    session.refresh(run)


def adjust_score(session: Session, run_id: int, subject_code: str, *, score: Decimal, reason: str,
                 actor: str) -> AssessmentScore:
    """The reviewer sets a subject's final score with a written reason (only while the run is ``scored``)."""
    run = get_run(session, run_id)
    if run.status != SCORED:
        raise AssessmentError.INVALID_TRANSITION.error(status=run.status, what="assessment", action="adjusted")
    the_cap = by_version(run.set_version, today()).cap
    if not Decimal(0) <= score <= the_cap:
        raise AssessmentError.INVALID_SCORE.error(cap=str(the_cap))
    text = (reason or "").strip()
    if not text or len(text) > REASON_MAX:
        raise AssessmentError.REASON_REQUIRED.error(max_length=REASON_MAX)
    row = session.scalar(select(AssessmentScore).where(AssessmentScore.run_id == run.id,
                                                       AssessmentScore.subject_code == subject_code))
    if row is None:
        raise AssessmentError.SUBJECT_NOT_FOUND.error(subject=subject_code[:40])
    t = AssessmentRun
    guard = session.execute(update(t).where(t.id == run.id, t.status == SCORED, t.version == run.version)
                            .values(version=t.version + 1).execution_options(synchronize_session=False))
    if getattr(guard, "rowcount", 0) != 1:
        raise AssessmentError.INVALID_TRANSITION.error(status=run.status, what="assessment", action="adjusted")
    before = row.adjusted if row.adjusted is not None else row.computed
    row.adjusted, row.reason, row.adjusted_by = rules.q(score), text, actor
    row.version += 1
    append_event(session, module=MODULE, event_type="assessment_score_adjusted", subject=run_subject(run.id),
                 actor=actor, payload={"subject": subject_code, "computed": str(row.computed),
                                       "before": str(before), "after": str(row.adjusted), "reason": text})
    session.flush()
    session.refresh(run)
    return row


def review(session: Session, run_id: int, *, actor: str) -> AssessmentRun:
    """The supervisor has reviewed the scores (→ ``reviewed``): no further adjustment."""
    run = get_run(session, run_id)
    _move(session, run, REVIEWED, "reviewed", reviewed_by=actor)
    append_event(session, module=MODULE, event_type="assessment_reviewed", subject=run_subject(run.id), actor=actor,
                 payload={"year": run.year, "subject_kind": run.subject_kind,
                          "adjusted": sum(1 for s in scores(session, run.id) if s.adjusted is not None)})
    return run


def publish(session: Session, run_id: int, *, actor: str) -> AssessmentRun:
    """Publish a reviewed run (→ ``published``): its results are public from now on."""
    run = get_run(session, run_id)
    _move(session, run, PUBLISHED, "published", published_by=actor, published_at=now())
    append_event(session, module=MODULE, event_type="assessment_published", subject=run_subject(run.id),
                 actor=actor, payload={"year": run.year, "subject_kind": run.subject_kind,
                                       "set_version": run.set_version})
    return run


def published_runs(session: Session, *, limit: int = 50) -> list[AssessmentRun]:
    """The published runs, newest year first (public read function: open data may list them)."""
    return list(session.scalars(select(AssessmentRun).where(AssessmentRun.status == PUBLISHED)
                                .order_by(AssessmentRun.year.desc(), AssessmentRun.subject_kind).limit(limit)))

"""Close of business set-based (issue #17 item 4): one business day closed chunk by chunk of loans in id order.

Per chunk: the chunk's loans locked in one read (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite holds the writer
lock), their overdue instalments summed by the database in one aggregate read (earliest overdue due date, overdue
principal), the day's facts computed in Python with the pure rules (``rules.daily_interest`` with its Decimal
rounding, ``rules.classify``), then written back in bulk: one statement for the loans whose penalty, days past due
or class change, one for the rest (their close date only). The ledger gets what it got before: one
``loan.reclassified`` event per class change (a chunk's appended together, one head read) and, for a loan reaching
the default trigger, the per-loan path (``servicing.cob_loan``: reclassification, then the default with its claims).

The run's cursor (``CobRun.last_loan_id``) moves with each chunk in the same transaction: a crash loses the chunk
it was in and nothing else; a rerun reads on from the cursor, and every loan it closes carries ``cob_date = day``,
so nothing is closed twice. Loans the cursor has passed but that were not closed (locked by another transaction, or
disbursed behind it) are swept up before the run finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, String, Table, and_, bindparam, func, or_, select, text, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.kernel.money import fen_to_yuan, yuan_to_fen
from landbridge.ledger import NewEvent, append_event, append_events, subjects
from landbridge.lending import rules
from landbridge.lending.models import CobRun, Instalment, Loan
from landbridge.lending.service import MODULE, loan_subjects

CHUNK = 5000  # loans per chunk where the caller sets no limit (one transaction closes the whole day)
_PERFORMING = [s.value for s in rules.PERFORMING]
_L = cast(Table, Loan.__table__)
_I = cast(Table, Instalment.__table__)


def _open(day: date) -> Any:
    """SQL: a performing loan not yet closed for ``day``."""
    return and_(_L.c.status.in_(_PERFORMING), or_(_L.c.cob_date.is_(None), _L.c.cob_date < day))


def _lock_ids(session: Session, day: date, where: Any, limit: int) -> list[int]:
    stmt = select(_L.c.id).where(_open(day), where).order_by(_L.c.id).limit(limit)
    if for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return [int(i) for i in session.execute(stmt).scalars()]


def _facts(session: Session, day: date, ids: Sequence[int]) -> list[Any]:
    """Per loan of the chunk: status, class, days past due, last close, rate, the earliest overdue instalment's due
    date and the overdue principal in fen (an instalment is overdue once due before ``day`` and not fully paid)."""
    overdue = and_(_I.c.loan_id == _L.c.id, _I.c.due_date < day,
                   or_(_I.c.paid_principal_cny < _I.c.principal_cny, _I.c.paid_interest_cny < _I.c.interest_cny))
    last: ColumnElement[Any]
    first_due: ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        last, first_due = _L.c.cob_date, func.min(_I.c.due_date)
    else:  # SQLite keeps dates as ISO text: read it as such (date.fromisoformat below), not through a regex
        last, first_due = type_coerce(_L.c.cob_date, String), type_coerce(func.min(_I.c.due_date), String)
    principal = type_coerce(_I.c.principal_cny, BigInteger) - type_coerce(_I.c.paid_principal_cny, BigInteger)
    stmt = (select(_L.c.id, _L.c.status, _L.c.tier, _L.c.days_past_due, last.label("cob_date"), _L.c.annual_rate,
                   first_due.label("first_due"),
                   type_coerce(func.coalesce(func.sum(principal), 0), BigInteger).label("overdue_fen"))
            .select_from(_L.outerjoin(_I, overdue))
            .where(_L.c.id >= ids[0], _L.c.id <= ids[-1], _open(day))
            .group_by(_L.c.id, _L.c.status, _L.c.tier, _L.c.days_past_due, _L.c.cob_date, _L.c.annual_rate)
            .order_by(_L.c.id))
    wanted = set(ids)
    return [row for row in session.execute(stmt).all() if row.id in wanted]


def _as_date(value: Any) -> date | None:
    """A date column read through an aggregate (SQLite's ``min`` gives the stored ISO text back)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class _Rules:
    """The day's settings and caches of the pure rules (many loans share a rate, an overdue principal, a dpd)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.floors = settings["floors"]
        self.trigger = int(settings["trigger"])
        self.factor = 1 + Decimal(settings["markup"])
        self.year_days = int(settings["year_days"])
        self._daily: dict[tuple[int, Decimal], int] = {}
        self._tier: dict[int, str] = {}

    def daily_fen(self, overdue_fen: int, rate: Decimal) -> int:
        key = (overdue_fen, rate)
        fen = self._daily.get(key)
        if fen is None:
            fen = self._daily[key] = yuan_to_fen(rules.daily_interest(fen_to_yuan(overdue_fen), rate * self.factor,
                                                                      self.year_days))
        return fen

    def tier(self, dpd: int) -> str:
        tier = self._tier.get(dpd)
        if tier is None:
            tier = self._tier[dpd] = rules.classify(dpd, self.floors).value
        return tier


def _write(session: Session, day: date, changed: list[dict[str, Any]], plain: list[int]) -> None:
    """The chunk's bulk writes: the changed loans row by row values in one statement, the rest their close date."""
    if changed:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(
                "UPDATE lending_loan AS l SET penalty_cny = l.penalty_cny + v.inc, days_past_due = v.dpd, "
                "tier = v.tier, cob_date = :day FROM unnest(CAST(:ids AS integer[]), CAST(:inc AS bigint[]), "
                "CAST(:dpd AS integer[]), CAST(:tier AS varchar[])) AS v(id, inc, dpd, tier) WHERE l.id = v.id"),
                {"day": day, "ids": [c["b_id"] for c in changed], "inc": [c["b_inc"] for c in changed],
                 "dpd": [c["b_dpd"] for c in changed], "tier": [c["b_tier"] for c in changed]})
        else:  # SQLite: one prepared statement, executemany in C
            session.execute(update(_L).where(_L.c.id == bindparam("b_id")).values(
                penalty_cny=type_coerce(_L.c.penalty_cny, BigInteger) + bindparam("b_inc", type_=BigInteger),
                days_past_due=bindparam("b_dpd"), tier=bindparam("b_tier"), cob_date=day), changed)
    for first in range(0, len(plain), 10_000):
        session.execute(update(_L).where(_L.c.id.in_(plain[first:first + 10_000])).values(cob_date=day))


def _expire_loans(session: Session) -> None:
    """Loans held in the session are stale after the bulk writes: reread on next use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Loan):
            session.expire(obj)


def close_chunk(session: Session, run: CobRun, day: date, ids: list[int], settings: dict[str, Any],
                actor: str) -> None:
    """Close ``day`` for the locked loans ``ids`` (ascending) and count them on ``run``."""
    from landbridge.lending.servicing import cob_loan  # the per-loan path, for the rare default

    if not ids:
        return
    day_rules = _Rules(settings)
    changed: list[dict[str, Any]] = []
    plain: list[int] = []
    moved: list[tuple[int, str, str, int]] = []  # (id, from, to, dpd): the chunk's reclassifications
    defaults: list[int] = []
    for row in _facts(session, day, ids):
        first_due = _as_date(row.first_due)
        dpd = (day - first_due).days if first_due is not None else 0
        if row.status == rules.LoanStatus.disbursed and dpd >= day_rules.trigger:
            defaults.append(int(row.id))
            continue
        last = _as_date(row.cob_date)
        days = (day - last).days if last is not None else 1  # the days since its last close (first close: one)
        inc = day_rules.daily_fen(int(row.overdue_fen), Decimal(row.annual_rate)) * days if row.overdue_fen else 0
        tier = day_rules.tier(dpd)
        if tier != row.tier:
            moved.append((int(row.id), row.tier, tier, dpd))
        if inc or tier != row.tier or dpd != row.days_past_due:
            changed.append({"b_id": int(row.id), "b_inc": inc, "b_dpd": dpd, "b_tier": tier})
        else:
            plain.append(int(row.id))
    session.flush()
    _write(session, day, changed, plain)
    if moved:
        _reclassified(session, day, moved, actor)
    _expire_loans(session)
    for loan_id in defaults:  # reclassification then default, claims and advances: as one loan at a time
        stmt = select(Loan).where(Loan.id == loan_id).execution_options(populate_existing=True)
        cob_loan(session, session.execute(stmt).scalar_one(), day, actor=actor, settings=settings)
    run.processed += len(changed) + len(plain) + len(defaults)
    run.reclassified += len(moved)
    run.defaulted += len(defaults)


def _reclassified(session: Session, day: date, moved: list[tuple[int, str, str, int]], actor: str) -> None:
    """The chunk's ``loan.reclassified`` events (same facts as the per-loan path), appended together; each loan's
    ``ledger_seq`` then points at its event."""
    info = {r.id: r for r in session.execute(select(
        _L.c.id, _L.c.loan_no, _L.c.status, _L.c.right_id, _L.c.unit_id, _L.c.parcel_id, _L.c.borrower_party_id,
        _L.c.bank_organisation_id, _L.c.restriction_id).where(_L.c.id.in_([m[0] for m in moved])))}
    events = [NewEvent(MODULE, "loan.reclassified", subjects.loan(loan_id), actor,
                       {"loan_no": info[loan_id].loan_no, "status": info[loan_id].status, "from": old, "to": new,
                        "days_past_due": dpd, "cob_date": day.isoformat()},
                       tuple(loan_subjects(cast(Loan, info[loan_id]))))  # reads the subject columns only
              for loan_id, old, new, dpd in moved]
    appended = append_events(session, events)
    session.execute(update(_L).where(_L.c.id == bindparam("b_id")).values(ledger_seq=bindparam("b_seq")),
                    [{"b_id": m[0], "b_seq": e.seq} for m, e in zip(moved, appended, strict=True)])


def run_cob(session: Session, *, day: date, actor: str, limit: int | None = None) -> CobRun:
    """日终: close ``day`` for every performing loan not yet closed for it, in id order from the run's cursor, at most
    ``limit`` loans per call (the CLI commits between calls: a crash resumes at the cursor and nothing runs twice).
    The call that finds nothing left reconciles liens against the registry, measures the fund's leverage and
    writes ``cob.closed``."""
    from landbridge.lending import servicing

    run = session.execute(select(CobRun).where(CobRun.cob_date == day)).scalar_one_or_none()
    if run is None:
        run = CobRun(cob_date=day, status="running", actor=actor, started_at=now(), processed=0, reclassified=0,
                     defaulted=0, lien_mismatches=[], last_loan_id=0)
        session.add(run)
        session.flush()
    if run.status == "done":
        return run
    settings = servicing.cob_settings(day)
    budget = limit
    while budget is None or budget > 0:
        size = CHUNK if budget is None else min(budget, CHUNK)
        ids = _lock_ids(session, day, _L.c.id > run.last_loan_id, size)
        if not ids:  # past the cursor nothing is left: sweep up what it passed but did not close
            ids = _lock_ids(session, day, _L.c.id <= run.last_loan_id, size)
            if not ids:
                _finish(session, run, day, actor)
                break
        else:
            run.last_loan_id = ids[-1]
        close_chunk(session, run, day, ids, settings, actor)
        if budget is not None:
            budget -= len(ids)
    session.flush()
    return run


def _finish(session: Session, run: CobRun, day: date, actor: str) -> None:
    from landbridge.lending import servicing

    run.lien_mismatches = servicing.reconcile_liens(session)
    run.fund_leverage = servicing.fund_leverage(session)
    run.status = "done"
    run.finished_at = now()
    floor = servicing.leverage_floor(day)
    append_event(session, module=MODULE, event_type="cob.closed", subject=subjects.subject("cob", day.isoformat()),
                 actor=actor, payload={"cob_date": day.isoformat(), "processed": run.processed,
                                       "reclassified": run.reclassified, "defaulted": run.defaulted,
                                       "lien_mismatches": run.lien_mismatches,
                                       "fund_leverage": None if run.fund_leverage is None
                                       else str(run.fund_leverage),
                                       "fund_leverage_min": str(floor),
                                       "below_leverage_floor": servicing.below_leverage_floor(run.fund_leverage,
                                                                                              floor)})

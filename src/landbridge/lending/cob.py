"""Close of business set-based (issue #17 item 4): one business day closed chunk by chunk of loans in id order.

Per chunk: the chunk's loans locked in one read (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite holds the writer
lock), their overdue instalments summed by the database in one aggregate read (earliest overdue due date, overdue
principal), the day's facts computed in Python with the pure rules (``rules.daily_interest`` with its Decimal
rounding, ``rules.classify``), then written back in bulk: one statement for the loans whose penalty, days past due
or class change (with their close date), one for loans closed for the first time (their close date only); a
quiet loan (nothing overdue, days past due and class unchanged, closed before) is not written at all: its "closed
through" is the runs' (``closed_through``), and penalty accrual counts the days since its last close as the
runs give it (``_Closes``), exactly as if its row had been written every day. The ledger gets what the per-loan path
(``servicing.cob_loan``) gives, a chunk's events appended together (one head read): one ``loan.reclassified`` event
per class change and, for a loan reaching the default trigger, its reclassification then its ``loan.defaulted``;
the defaults are set-based too (one bulk write of the defaulting loans, their claims per sharer with deadlines and
the fund's advances inserted together, by the same pure ``servicing.opening_claims``).

The run's cursor (``CobRun.last_loan_id``) moves with each chunk in the same transaction: a crash loses the chunk
it was in and nothing else; a rerun reads on from the cursor, every loan whose values change carries
``cob_date = day`` and a quiet loan closed again changes nothing, so nothing is done twice. The walk waits for a
loan another transaction holds (no loan is passed unclosed); a loan disbursed behind the cursor (never closed:
``cob_date`` null) is swept up before the run finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import BigInteger, Date, Table, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.kernel.money import fen_to_yuan, yuan_to_fen
from landbridge.ledger import NewEvent, append_event, append_event_rows, subjects
from landbridge.lending import rules
from landbridge.lending.models import Claim, CobRun, FundEntry, Instalment, Loan
from landbridge.lending.service import MODULE, loan_subjects, rule_set

CHUNK = 5000  # loans per chunk where the caller sets no limit (one transaction closes the whole day)
_PERFORMING = [s.value for s in rules.PERFORMING]
_L = cast(Table, Loan.__table__)
_I = cast(Table, Instalment.__table__)
_C = cast(Table, Claim.__table__)
_F = cast(Table, FundEntry.__table__)


def _open(day: date, status: Any = _L.c.status) -> Any:
    """SQL: a performing loan not yet closed for ``day``."""
    return and_(status.in_(_PERFORMING), or_(_L.c.cob_date.is_(None), _L.c.cob_date < day))


def _lock_ids(session: Session, day: date, where: Any, limit: int, *, by_id: bool = True) -> list[int]:
    """The next ``limit`` open loans in id order; ``by_id``: walk the primary key (SQLite would otherwise take the
    status index and sort every open loan past the cursor for each chunk). The walk waits for a loan held by another
    transaction rather than skip it: a quiet loan the cursor passes counts as closed (``closed_through``)."""
    status: Any = _L.c.status
    if by_id and session.get_bind().dialect.name == "sqlite":
        status = _L.c.status.concat("")  # ``status || ''`` keeps SQLite off the status index: rowid order
    stmt = select(_L.c.id).where(_open(day, status), where).order_by(_L.c.id).limit(limit)
    if for_update(session):
        stmt = stmt.with_for_update()
    return [int(i) for i in session.execute(stmt).scalars().all()]


_FACTS = text(
    "SELECT l.id, l.status, l.tier, l.days_past_due, l.cob_date, l.annual_rate, MIN(i.due_date), "
    "COALESCE(SUM(i.principal_cny - i.paid_principal_cny), 0), l.restructured_on IS NOT NULL "
    "FROM lending_loan l LEFT OUTER JOIN lending_instalment i ON i.loan_id = l.id AND i.due_date < :day "
    "AND (i.paid_principal_cny < i.principal_cny OR i.paid_interest_cny < i.interest_cny) "
    "WHERE l.id >= :lo AND l.id <= :hi AND l.status IN :performing AND (l.cob_date IS NULL OR l.cob_date < :day) "
    "GROUP BY l.id, l.status, l.tier, l.days_past_due, l.cob_date, l.annual_rate, l.restructured_on ORDER BY l.id"
).bindparams(bindparam("day", type_=Date), bindparam("performing", expanding=True))


def _facts(session: Session, day: date, ids: Sequence[int]) -> list[Any]:
    """Per loan of the chunk, as the driver gives them (no per-value conversion by SQLAlchemy): id, status, class,
    days past due, last close, annual rate, the earliest overdue instalment's due date, the overdue principal in
    fen (an instalment is overdue once due before ``day`` and not fully paid) and whether it was restructured."""
    rows = session.execute(_FACTS, {"day": day, "lo": ids[0], "hi": ids[-1], "performing": _PERFORMING}).all()
    wanted = set(ids)
    return [row for row in rows if row[0] in wanted]


class _Values:
    """Driver values to Python ones, cached (most loans share their rate and their last close date): SQLite gives
    dates as ISO text and a ``Numeric(8, 6)`` as a float, read back as ``Numeric`` does (six decimals)."""

    def __init__(self) -> None:
        self._dates: dict[Any, date | None] = {None: None}
        self._rates: dict[Any, Decimal] = {}

    def day(self, value: Any) -> date | None:
        if value in self._dates:
            return self._dates[value]
        out = self._dates[value] = value if isinstance(value, date) else date.fromisoformat(str(value))
        return out

    def rate(self, value: Any) -> Decimal:
        out = self._rates.get(value)
        if out is None:
            out = self._rates[value] = value if isinstance(value, Decimal) else Decimal(f"{value:.6f}")
        return out


class _Rules:
    """The day's settings and caches of the pure rules (many loans share a rate, an overdue principal, a dpd)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.floors = settings["floors"]
        self.trigger = int(settings["trigger"])
        self.factor = 1 + Decimal(settings["markup"])
        self.year_days = int(settings["year_days"])
        self._daily: dict[tuple[int, Decimal], int] = {}
        self._tier: dict[tuple[int, bool], str] = {}

    def daily_fen(self, overdue_fen: int, rate: Decimal) -> int:
        key = (overdue_fen, rate)
        fen = self._daily.get(key)
        if fen is None:
            fen = self._daily[key] = yuan_to_fen(rules.daily_interest(fen_to_yuan(overdue_fen), rate * self.factor,
                                                                      self.year_days))
        return fen

    def tier(self, dpd: int, restructured: bool = False) -> str:
        """The class (a restructured loan's at least 次级: ``rules.classify``)."""
        key = (dpd, restructured)
        tier = self._tier.get(key)
        if tier is None:
            tier = self._tier[key] = rules.classify(dpd, self.floors, restructured=restructured).value
        return tier


class _Closes:
    """The runs before ``day`` a loan was closed by without its row being written: the latest finished one (it closed
    every performing loan) and the unfinished ones after it (each closed the loans up to its cursor). A loan closed
    once (``cob_date`` set) has been performing since (nothing leaves the performing states and comes back), so
    each of these runs closed it."""

    def __init__(self, session: Session, day: date) -> None:
        self.done: date | None = session.scalar(select(func.max(CobRun.cob_date)).where(
            CobRun.status == "done", CobRun.cob_date < day))
        partial = select(CobRun.cob_date, CobRun.last_loan_id).where(CobRun.status != "done", CobRun.cob_date < day)
        if self.done is not None:
            partial = partial.where(CobRun.cob_date > self.done)
        self.partial = sorted(((d, int(c)) for d, c in session.execute(partial).all()), reverse=True)

    def last(self, loan_id: int, cob_date: date | None) -> date | None:
        """The loan's last close before the day (None: never closed)."""
        if cob_date is None:
            return None
        for run_day, cursor in self.partial:  # latest first, all after the finished run
            if run_day > cob_date and loan_id <= cursor:
                return run_day
        return self.done if self.done is not None and self.done > cob_date else cob_date


def closed_through(session: Session, loan_ids: Sequence[int]) -> dict[int, date | None]:
    """The last business day closed for each loan (None: never closed): its ``cob_date``, or a later run's that
    closed it without writing its row (a quiet loan), the run of the day itself included up to its cursor."""
    rows = session.execute(select(_L.c.id, _L.c.cob_date).where(_L.c.id.in_(list(loan_ids)))).all()
    closes = _Closes(session, date.max)
    return {int(i): closes.last(int(i), d) for i, d in rows}


def _write(session: Session, day: date, changed: list[tuple[int, int, int, str]], plain: list[int]) -> None:
    """The chunk's bulk writes: the changed loans (id, penalty increment in fen, days past due, class) with their
    values, the rest their close date only. PostgreSQL: one statement each over arrays; SQLite: one prepared
    statement each, executed for every row by the driver (no per-row work in SQLAlchemy)."""
    if session.get_bind().dialect.name == "postgresql":
        if changed:
            ids, inc, dpd, tier = (list(c) for c in zip(*changed, strict=True))
            session.execute(text(
                "UPDATE lending_loan AS l SET penalty_cny = l.penalty_cny + v.inc, days_past_due = v.dpd, "
                "tier = v.tier, cob_date = :day FROM unnest(CAST(:ids AS integer[]), CAST(:inc AS bigint[]), "
                "CAST(:dpd AS integer[]), CAST(:tier AS varchar[])) AS v(id, inc, dpd, tier) WHERE l.id = v.id"),
                {"day": day, "ids": ids, "inc": inc, "dpd": dpd, "tier": tier})
        if plain:
            session.execute(text("UPDATE lending_loan SET cob_date = :day WHERE id = ANY(CAST(:ids AS integer[]))"),
                            {"day": day, "ids": plain})
        return
    conn, iso = session.connection(), day.isoformat()  # SQLAlchemy's Date on SQLite: ISO text
    if changed:
        conn.exec_driver_sql("UPDATE lending_loan SET penalty_cny = penalty_cny + ?, days_past_due = ?, tier = ?, "
                             "cob_date = ? WHERE id = ?", [(i, d, t, iso, loan) for loan, i, d, t in changed])
    if plain:
        conn.exec_driver_sql("UPDATE lending_loan SET cob_date = ? WHERE id = ?", [(iso, loan) for loan in plain])


def _expire_loans(session: Session) -> None:
    """Loans held in the session are stale after the bulk writes: reread on next use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Loan):
            session.expire(obj)


def close_chunk(session: Session, run: CobRun, day: date, ids: list[int], settings: dict[str, Any],
                actor: str) -> None:
    """Close ``day`` for the locked loans ``ids`` (ascending) and count them on ``run``."""
    if not ids:
        return
    day_rules = _Rules(settings)
    closes = _Closes(session, day)
    changed: list[tuple[int, int, int, str]] = []
    plain: list[int] = []
    moved: list[tuple[int, str, str, int]] = []  # (id, from, to, dpd): the chunk's reclassifications
    defaults: list[_Default] = []
    quiet = 0
    values = _Values()
    trigger, disbursed = day_rules.trigger, rules.LoanStatus.disbursed.value
    for loan_id, status, old_tier, old_dpd, cob_date, rate, first_due, overdue_fen, restructured in _facts(
            session, day, ids):
        due = values.day(first_due)
        dpd = (day - due).days if due is not None else 0
        own = values.day(cob_date)
        last = closes.last(loan_id, own)
        days = (day - last).days if last is not None else 1  # the days since its last close (first close: one)
        inc = day_rules.daily_fen(int(overdue_fen), values.rate(rate)) * days if overdue_fen else 0
        tier = day_rules.tier(dpd, bool(restructured))
        if status == disbursed and dpd >= trigger:
            rules.transition(status, rules.LoanStatus.defaulted)  # the named transition's guard
            defaults.append(_Default(loan_id, old_tier, tier, dpd, inc))
            continue
        if tier != old_tier:
            moved.append((loan_id, old_tier, tier, dpd))
        if inc or tier != old_tier or dpd != old_dpd:
            changed.append((loan_id, inc, dpd, tier))
        elif own is None:  # a first close: its row says it has been closed (the runs speak for it from then on)
            plain.append(loan_id)
        else:
            quiet += 1  # nothing changes: no row write, the run's cursor closes it
    session.flush()
    _write(session, day, changed, plain)
    if moved or defaults:
        _events(session, day, moved, defaults, actor)
    _expire_loans(session)
    run.processed += len(changed) + len(plain) + quiet + len(defaults)
    run.reclassified += len(moved)
    run.defaulted += len(defaults)


class _Default(NamedTuple):
    """A loan of the chunk reaching the default trigger: its class before and after, days past due, penalty (fen)."""

    loan_id: int
    old_tier: str
    tier: str
    dpd: int
    inc: int


def _events(session: Session, day: date, moved: list[tuple[int, str, str, int]], defaults: list[_Default],
            actor: str) -> None:
    """The chunk's events, appended together (one ledger head read), with the facts and in the order of the
    per-loan path (``servicing.cob_loan``): the ``loan.reclassified`` events of the loans that change class, then
    for each defaulting loan its reclassification (if its class changes) and its ``loan.defaulted`` with the
    claims it opens (``servicing.opening_claims``: the claims per sharer with their deadlines, the fund's
    advances). The defaulting loans are written in bulk (status, default date, version, penalty, days past due,
    class, close date), their claims and fund entries inserted together; each loan's ``ledger_seq`` then points
    at its last event."""
    from landbridge.lending import servicing

    info = {r.id: r for r in session.execute(select(
        _L.c.id, _L.c.loan_no, _L.c.status, _L.c.right_id, _L.c.unit_id, _L.c.parcel_id, _L.c.borrower_party_id,
        _L.c.bank_organisation_id, _L.c.restriction_id, _L.c.share_account_id, _L.c.outstanding_cny, _L.c.sharers)
        .where(_L.c.id.in_([m[0] for m in moved] + [d.loan_id for d in defaults])))}
    events: list[NewEvent] = []
    owner: list[int] = []  # the loan of each event

    def add(loan_id: int, event_type: str, facts: dict[str, Any], status: str) -> None:
        row = info[loan_id]
        events.append(NewEvent(MODULE, event_type, subjects.loan(loan_id), actor,
                               {"loan_no": row.loan_no, "status": status, **facts},
                               tuple(loan_subjects(cast(Loan, row)))))  # reads the subject columns only
        owner.append(loan_id)

    for loan_id, old, new, dpd in moved:
        add(loan_id, "loan.reclassified", {"from": old, "to": new, "days_past_due": dpd, "cob_date": day.isoformat()},
            info[loan_id].status)
    claims: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    deadline_days = rule_set().int("claim_deadline_days", day) if defaults else 0
    stamp, defaulted = now(), rules.LoanStatus.defaulted.value
    for d in defaults:
        row = info[d.loan_id]
        if d.tier != d.old_tier:  # defaulting today: its reclassification written before the default
            add(d.loan_id, "loan.reclassified", {"from": d.old_tier, "to": d.tier, "days_past_due": d.dpd,
                                                 "cob_date": day.isoformat()}, row.status)
        opened = servicing.opening_claims(d.loan_id, row.outstanding_cny, row.sharers or [], day, deadline_days)
        claims.extend({**c, "created_at": stamp} for c in opened)
        entries.extend(servicing.advance_entries(opened, row.loan_no, day, actor, stamp))
        add(d.loan_id, "loan.defaulted", servicing.default_facts(day, d.dpd, opened), defaulted)
    appended = append_event_rows(session, events)  # Core inserts: no ORM object per event
    seqs = dict(zip(owner, appended, strict=True))  # the last event of each loan
    if defaults:
        session.execute(update(_L).where(_L.c.id == bindparam("b_id")).values(
            status=defaulted, defaulted_on=day, version=_L.c.version + 1,
            penalty_cny=_L.c.penalty_cny + bindparam("b_inc", type_=BigInteger), days_past_due=bindparam("b_dpd"),
            tier=bindparam("b_tier"), cob_date=day, ledger_seq=bindparam("b_seq")),
            [{"b_id": d.loan_id, "b_inc": d.inc, "b_dpd": d.dpd, "b_tier": d.tier, "b_seq": seqs[d.loan_id]}
             for d in defaults])
        if claims:
            session.execute(insert(_C), claims)
        if entries:
            session.execute(insert(_F), entries)
    if moved:
        session.execute(update(_L).where(_L.c.id == bindparam("b_id")).values(ledger_seq=bindparam("b_seq")),
                        [{"b_id": m[0], "b_seq": seqs[m[0]]} for m in moved])


def run_cob(session: Session, *, day: date, actor: str, limit: int | None = None) -> CobRun:
    """日终: close ``day`` for every performing loan not yet closed for it, in id order from the run's cursor, at most
    ``limit`` loans per call (the CLI commits between calls: a crash resumes at the cursor and nothing runs twice).
    The call that finds nothing left reconciles liens against the registry, measures the fund's leverage and
    writes ``cob.closed``."""
    from landbridge.lending import servicing

    stmt = select(CobRun).where(CobRun.cob_date == day)
    if for_update(session):  # one call at a time moves the cursor and the counts (a second waits, then reads on)
        stmt = stmt.with_for_update()
    run = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
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
        if not ids:  # past the cursor nothing is left: sweep up the loans disbursed behind it (never closed)
            ids = _lock_ids(session, day, and_(_L.c.id <= run.last_loan_id, _L.c.cob_date.is_(None)), size,
                            by_id=False)
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

"""The set-based close of business (issue #17 item 4) against the pure rules: accrual to the fen as
``rules.daily_interest`` rounds it, days past due, class, defaults; idempotent, and resumable after a crash between
chunks with nothing done twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, create_organisation
from landbridge.db import Database
from landbridge.kernel.money import fen_to_yuan
from landbridge.ledger import list_events, subjects
from landbridge.ledger.models import LedgerEvent
from landbridge.lending import cob, rules, servicing
from landbridge.lending.models import Claim, CobRun, FundEntry, Instalment, Loan

DAY = date(2026, 5, 1)
STAMP = datetime(2026, 1, 15, tzinfo=UTC)


def _insert(db: Database, seed: int, n: int) -> dict[int, dict[str, Any]]:
    """``n`` random performing loans (rates to 6 decimals, odd overdue amounts, partly paid instalments, last
    closed 1-6 days ago or never); returns each loan's inputs by id."""
    rng = random.Random(seed)
    with db.transaction() as s:
        bank = create_organisation(s, name="cob bank", kind=OrgKind.bank, region_code="360600000000").id
    out: dict[int, dict[str, Any]] = {}
    with db.transaction() as s:
        for i in range(n):
            rate = Decimal(rng.randint(1, 240_000)) / 1_000_000
            status = rng.choice(["disbursed"] * 4 + ["defaulted", "in_disposal"])
            last = None if rng.random() < 0.3 else DAY - timedelta(days=rng.randint(1, 6))
            tier = rng.choice([t.value for t in rules.Tier])
            penalty = fen_to_yuan(rng.randint(0, 5_000_000))
            loan_id = s.execute(Loan.__table__.insert().values(
                loan_no=f"T{seed}-{i:06d}", product_code="p", rules_digest="t", borrower_party_id=i + 1,
                bank_organisation_id=bank, right_id=i + 1, unit_id=i + 1, parcel_id=i + 1, right_type="forest_right",
                principal_cny=Decimal("100000.00"), annual_rate=rate, months=12, method="bullet", grace_months=0,
                start_date=date(2025, 1, 1), maturity=date(2027, 1, 1), status=status, region_code="360622100001",
                version=1, created_at=STAMP, sharers=[{"party": "fund", "share": "0.40"}],
                outstanding_cny=Decimal("100000.00"), penalty_cny=penalty, costs_cny=Decimal(0), days_past_due=0,
                tier=tier, cob_date=last, loss_cny=Decimal(0))).inserted_primary_key[0]
            rows = []
            dues = sorted(DAY + timedelta(days=rng.randint(-400, 60)) for _ in range(rng.randint(1, 6)))
            for k, due in enumerate(dues, start=1):  # a schedule's due dates follow its instalment numbers
                principal = fen_to_yuan(rng.randint(1, 9_999_999))
                interest = fen_to_yuan(rng.randint(0, 99_999))
                state = rng.random()
                paid_p = principal if state < 0.4 else (fen_to_yuan(rng.randint(0, int(principal * 100) - 1))
                                                        if state < 0.7 else Decimal(0))
                paid_i = interest if rng.random() < 0.6 else Decimal(0)
                rows.append({"loan_id": loan_id, "n": k, "due_date": due, "principal_cny": principal,
                             "interest_cny": interest, "paid_principal_cny": paid_p, "paid_interest_cny": paid_i})
            s.execute(Instalment.__table__.insert(), rows)
            out[int(loan_id)] = {"rate": rate, "status": status, "last": last, "tier": tier, "penalty": penalty,
                                 "rows": rows}
    return out


def _expected(given: dict[str, Any]) -> dict[str, Any]:
    """One loan's close of ``DAY`` by the pure rules, loan by loan."""
    settings = servicing.cob_settings(DAY)
    overdue = sorted((r for r in given["rows"] if r["due_date"] < DAY and (
        r["paid_principal_cny"] < r["principal_cny"] or r["paid_interest_cny"] < r["interest_cny"])),
        key=lambda r: r["due_date"])
    dpd = (DAY - overdue[0]["due_date"]).days if overdue else 0
    principal = sum((r["principal_cny"] - r["paid_principal_cny"] for r in overdue), Decimal("0.00"))
    days = (DAY - given["last"]).days if given["last"] else 1
    penalty = given["penalty"]
    if principal:
        penalty += rules.daily_interest(principal, given["rate"] * (1 + settings["markup"]),
                                        settings["year_days"]) * days
    tier = rules.classify(dpd, settings["floors"]).value
    status = "defaulted" if given["status"] == "disbursed" and dpd >= settings["trigger"] else given["status"]
    return {"penalty": penalty, "dpd": dpd, "tier": tier, "status": status, "cob_date": DAY}


def _state(db: Database) -> dict[int, dict[str, Any]]:
    """Each loan's values and the last day closed for it (its row's date, or the runs' for a quiet loan)."""
    with db.transaction(readonly=True) as s:
        loans = list(s.scalars(select(Loan)))
        through = cob.closed_through(s, [loan.id for loan in loans])
        return {loan.id: {"penalty": loan.penalty_cny, "dpd": loan.days_past_due, "tier": loan.tier,
                          "status": loan.status, "cob_date": through[loan.id]} for loan in loans}


def _events(db: Database) -> Counter[tuple[str, str]]:
    with db.transaction(readonly=True) as s:
        return Counter((str(t), str(r)) for t, r in s.execute(select(LedgerEvent.event_type,
                                                                      LedgerEvent.subject_ref)))


def _close(db: Database, limit: int) -> tuple[int, int, int]:
    """Close ``DAY`` as the CLI does (a commit per call); (processed, defaulted, reclassified)."""
    while True:
        with db.transaction() as s:
            run = servicing.run_cob(s, day=DAY, actor="system:cli", limit=limit)
            status, counts = run.status, (run.processed, run.defaulted, run.reclassified)
        if status == "done":
            return counts


@pytest.mark.parametrize("seed", [1, 2])
def test_set_based_close_equals_the_pure_rules_loan_by_loan(db: Database, seed: int) -> None:
    given = _insert(db, seed, 120)
    run = _close(db, limit=17)  # chunks that split the loans unevenly
    state = _state(db)
    expected = {loan_id: _expected(g) for loan_id, g in given.items()}
    assert state == expected
    defaults = sum(1 for i, g in given.items() if g["status"] != expected[i]["status"])
    moved = sum(1 for i, g in given.items()
                if g["status"] == expected[i]["status"] and g["tier"] != expected[i]["tier"])
    assert run == (120, defaults, moved)
    assert defaults and moved  # the random world exercises both
    types = Counter(t for t, _ in _events(db).elements())
    assert types["loan.defaulted"] == defaults and types["cob.closed"] == 1
    # a defaulting loan's reclassification is written too (before its default), as loan by loan
    assert types["loan.reclassified"] == moved + sum(1 for i, g in given.items() if g["status"] != expected[i][
        "status"] and g["tier"] != expected[i]["tier"])
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == defaults
        for loan_id in (i for i, g in given.items() if g["status"] == expected[i]["status"]
                        and g["tier"] != expected[i]["tier"]):
            last = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.module == "lending"][-1]
            facts = json.loads(last.private_body or "{}")["payload"]
            assert (last.event_type, facts["from"], facts["to"], facts["days_past_due"], facts["cob_date"]) == (
                "loan.reclassified", given[loan_id]["tier"], expected[loan_id]["tier"], expected[loan_id]["dpd"],
                DAY.isoformat())
            assert s.get(Loan, loan_id).ledger_seq == last.seq  # type: ignore[union-attr]


def test_a_rerun_does_nothing_twice(db: Database) -> None:
    _insert(db, 3, 40)
    first = _close(db, limit=7)
    state, events = _state(db), _events(db)
    with db.transaction() as s:
        again = servicing.run_cob(s, day=DAY, actor="system:cli", limit=7)
        assert again.status == "done" and again.processed == first[0] == 40
    with db.transaction() as s:  # a run row lost (or a second run started): the closed loans are still skipped
        s.execute(update(CobRun).values(status="running", last_loan_id=0))
    _close(db, limit=7)
    assert _state(db) == state
    assert _events(db) - events == Counter({(t, r): 1 for (t, r) in events if t == "cob.closed"})


@pytest.mark.parametrize("step", ["_write", "_events"])
def test_a_crash_between_chunks_resumes_at_the_cursor(db: Database, monkeypatch: pytest.MonkeyPatch,
                                                      step: str) -> None:
    """The process dies in the second chunk after its loan rows are written (``_write``) or after its events,
    defaults, claims and fund entries (``_events``), before the commit: the rerun closes every loan once."""
    given = _insert(db, 4, 60)
    with db.transaction() as s:
        first = servicing.run_cob(s, day=DAY, actor="system:cli", limit=20)
        assert (first.status, first.processed) == ("running", 20)
        cursor = first.last_loan_id
    real = getattr(cob, step)
    calls = {"n": 0}

    def crash(*args: Any) -> None:  # the second chunk writes, then the process dies before the commit
        real(*args)
        calls["n"] += 1
        raise RuntimeError("kill -9")

    monkeypatch.setattr(cob, step, crash)
    with pytest.raises(RuntimeError), db.transaction() as s:
        servicing.run_cob(s, day=DAY, actor="system:cli", limit=20)
    monkeypatch.setattr(cob, step, real)
    assert calls["n"] == 1
    with db.transaction(readonly=True) as s:  # the crashed chunk left nothing: the cursor and 20 loans closed
        run = s.scalar(select(CobRun))
        assert run is not None and (run.last_loan_id, run.processed) == (cursor, 20)
        through = cob.closed_through(s, list(given))
        assert sum(1 for d in through.values() if d == DAY) == 20
    assert _close(db, limit=20)[0] == 60
    assert _state(db) == {loan_id: _expected(g) for loan_id, g in given.items()}
    counts = _events(db)
    assert all(c == 1 for c in counts.values())  # no loan's event written twice
    defaulted = [i for i, g in given.items() if g["status"] != _expected(g)["status"]]
    with db.transaction(readonly=True) as s:  # one claim per defaulted loan (its one sharer), none twice
        claims = Counter(s.scalars(select(Claim.loan_id)))
    assert defaulted and claims == Counter(defaulted)


def test_a_loan_behind_the_cursor_is_swept_up_before_the_run_finishes(db: Database) -> None:
    given = _insert(db, 5, 30)
    early = min(given)
    given[early]["last"] = None  # a loan not yet disbursed was never closed
    with db.transaction() as s:  # the first loan is not performing yet when the run passes it
        s.execute(update(Loan).where(Loan.id == early).values(status="lien_registered", cob_date=None))
    with db.transaction() as s:
        assert servicing.run_cob(s, day=DAY, actor="system:cli", limit=10).status == "running"
    with db.transaction() as s:  # ... and is disbursed while the run goes on
        s.execute(update(Loan).where(Loan.id == early).values(status=given[early]["status"]))
    assert _close(db, limit=10)[0] == 30
    assert _state(db)[early] == _expected(given[early])


def _simulate(given: dict[str, Any], days: list[date]) -> dict[str, Any]:
    """One loan closed by the pure rules on each of ``days`` in turn, its row written at every close (as the
    per-loan path does): penalty for the days since its last close, days past due, class, default."""
    penalty, last, tier, status, dpd = given["penalty"], given["last"], given["tier"], given["status"], 0
    for day in days:
        settings = servicing.cob_settings(day)
        overdue = sorted((r for r in given["rows"] if r["due_date"] < day and (
            r["paid_principal_cny"] < r["principal_cny"] or r["paid_interest_cny"] < r["interest_cny"])),
            key=lambda r: r["due_date"])
        dpd = (day - overdue[0]["due_date"]).days if overdue else 0
        principal = sum((r["principal_cny"] - r["paid_principal_cny"] for r in overdue), Decimal("0.00"))
        if principal:
            penalty += rules.daily_interest(principal, given["rate"] * (1 + settings["markup"]),
                                            settings["year_days"]) * ((day - last).days if last else 1)
        tier = rules.classify(dpd, settings["floors"]).value
        if status == "disbursed" and dpd >= settings["trigger"]:
            status = "defaulted"
        last = day
    return {"penalty": penalty, "dpd": dpd, "tier": tier, "status": status, "cob_date": last}


def _close_day(db: Database, day: date, limit: int) -> None:
    while True:
        with db.transaction() as s:
            if servicing.run_cob(s, day=day, actor="system:cli", limit=limit).status == "done":
                return


def test_quiet_days_gaps_and_an_unfinished_run_accrue_as_daily_row_writes(db: Database) -> None:
    """Runs on consecutive days, one left unfinished (its cursor part way), then a gap of several days: quiet loans
    are not written, yet a loan falling overdue after quiet days accrues penalty for the days since its last close
    exactly as if its row had been written at every close."""
    given = _insert(db, 6, 150)
    ids = sorted(given)
    with db.transaction() as s:  # every third loan: all paid so far, one instalment falling due on day 1..6
        for k, loan_id in enumerate(ids[::3]):
            s.execute(update(Instalment).where(Instalment.loan_id == loan_id).values(
                paid_principal_cny=Instalment.principal_cny, paid_interest_cny=Instalment.interest_cny))
            for r in given[loan_id]["rows"]:
                r["paid_principal_cny"], r["paid_interest_cny"] = r["principal_cny"], r["interest_cny"]
            row = {"loan_id": loan_id, "n": 99, "due_date": DAY + timedelta(days=1 + k % 6),
                   "principal_cny": Decimal("1234.56"), "interest_cny": Decimal("7.89"),
                   "paid_principal_cny": Decimal(0), "paid_interest_cny": Decimal(0)}
            s.execute(Instalment.__table__.insert(), [row])
            given[loan_id]["rows"].append(row)
    first = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    for day in first:
        _close_day(db, day, limit=23)
    partial = DAY + timedelta(days=3)
    with db.transaction() as s:  # the run of day 3 closes 60 loans and stops (the worker died): never finished
        assert servicing.run_cob(s, day=partial, actor="system:cli", limit=60).status == "running"
    cursor = ids[59]
    later = [DAY + timedelta(days=7), DAY + timedelta(days=8)]  # days 4-6 never run: a gap
    for day in later:
        _close_day(db, day, limit=23)
    expected = {i: _simulate(g, first + ([partial] if i <= cursor else []) + later) for i, g in given.items()}
    assert _state(db) == expected
    # the world holds loans that were quiet at earlier closes and fell overdue later, on both sides of the cursor
    fell = [i for i, g in given.items() if _simulate(g, first)["dpd"] == 0 and expected[i]["dpd"] > 0
            and expected[i]["penalty"] > g["penalty"]]
    assert any(i <= cursor for i in fell) and any(i > cursor for i in fell)
    with db.transaction(readonly=True) as s:  # quiet loans kept their old row date: the runs close them
        assert s.scalar(select(func.count()).select_from(Loan).where(Loan.cob_date < later[-1])) > 0
    state = _state(db)
    with db.transaction() as s:  # the last day rerun from the start (run row reset): nothing changes
        s.execute(update(CobRun).where(CobRun.cob_date == later[-1]).values(status="running", last_loan_id=0))
    _close_day(db, later[-1], limit=31)
    assert _state(db) == state


def test_a_quiet_loan_reaching_the_default_trigger_accrues_from_its_last_close(db: Database) -> None:
    """A loan quiet at two runs (its row not written), then a payment undone leaves an instalment 100 days overdue:
    the per-loan default path counts penalty days from the last run that closed it, not from its row's old date."""
    given = _insert(db, 7, 1)
    (loan_id,) = given
    with db.transaction() as s:
        s.execute(update(Instalment).where(Instalment.loan_id == loan_id).values(
            paid_principal_cny=Instalment.principal_cny, paid_interest_cny=Instalment.interest_cny))
        s.execute(update(Loan).where(Loan.id == loan_id).values(status="disbursed", tier="normal",
                                                                cob_date=DAY - timedelta(days=5)))
    for day in (DAY, DAY + timedelta(days=1)):
        _close_day(db, day, limit=5)
    with db.transaction(readonly=True) as s:
        loan = s.get(Loan, loan_id)
        assert loan is not None and loan.cob_date == DAY - timedelta(days=5)  # quiet: never written
        penalty = loan.penalty_cny
    row = {"loan_id": loan_id, "n": 98, "due_date": DAY - timedelta(days=100), "principal_cny": Decimal("5000.00"),
           "interest_cny": Decimal("0.00"), "paid_principal_cny": Decimal(0), "paid_interest_cny": Decimal(0)}
    with db.transaction() as s:
        s.execute(Instalment.__table__.insert(), [row])
    day = DAY + timedelta(days=4)
    _close_day(db, day, limit=5)
    settings = servicing.cob_settings(day)
    daily = rules.daily_interest(Decimal("5000.00"), given[loan_id]["rate"] * (1 + settings["markup"]),
                                 settings["year_days"])
    with db.transaction(readonly=True) as s:
        loan = s.get(Loan, loan_id)
        assert loan is not None and (loan.status, loan.cob_date) == ("defaulted", day)
        assert loan.penalty_cny == penalty + daily * 3  # days 2, 3 and 4 since the close of day 1


_SNAPSHOTS = [
    [{"party": "fund", "share": "0.40"}],
    [{"party": "fund", "share": "0.40", "advance": True}, {"party": "guarantor", "share": "0.35", "cap": "20000"}],
    [{"party": "guarantor", "share": "0.30", "claim_deadline_days": 45}, {"party": "insurer", "share": "0.20"},
     {"party": "fund", "share": "0.25", "cap": "1500", "advance": True}],
    [],
]


def _outcome(s: Session) -> dict[str, Any]:
    """What a close leaves: each loan's row, its claims and fund entries, and its lending events in order (type and
    facts), the loan's ``ledger_seq`` pointing at its last one."""
    rows = list(s.scalars(select(Loan)))
    through = cob.closed_through(s, [loan.id for loan in rows])  # a quiet loan's row is not written: the runs close it
    loans = {loan.id: (loan.status, loan.tier, loan.days_past_due, loan.penalty_cny, loan.defaulted_on,
                       loan.version, through[loan.id]) for loan in rows}
    claims = sorted((c.loan_id, c.party, c.share, c.status, c.deadline, c.claimed_cny, c.advanced_cny, c.loss_cny,
                     c.recovered_cny) for c in s.scalars(select(Claim)))
    entries = sorted((f.loan_id, f.kind, f.amount_cny, f.entry_date, f.actor, f.note)
                     for f in s.scalars(select(FundEntry)))
    events: dict[int, list[tuple[str, Any]]] = {}
    last_ok = True
    for loan_id in loans:
        mine = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.module == "lending"]
        events[loan_id] = [(e.event_type, json.loads(e.private_body or "{}")["payload"]) for e in mine]
        loan = s.get(Loan, loan_id)
        last_ok &= not mine or (loan is not None and loan.ledger_seq == mine[-1].seq)
    return {"loans": loans, "claims": claims, "entries": entries, "events": events, "ledger_seq_last": last_ok}


@pytest.mark.parametrize("seed", [11, 12])
def test_set_based_close_equals_the_per_loan_path(db: Database, seed: int) -> None:
    """The same world closed loan by loan by ``servicing.cob_loan`` (the per-loan path: reclassification, default,
    claims per sharer with deadlines, the fund's advances; rolled back) and by the set-based run: the same loans,
    claims, fund entries and events, with snapshots binding none to three sharers (caps, advances, a sharer's own
    deadline)."""
    given = _insert(db, seed, 150)
    rng = random.Random(seed)
    with db.transaction() as s:  # half the performing loans far behind: many defaults in a chunk
        for loan_id, g in given.items():
            s.execute(update(Loan).where(Loan.id == loan_id).values(sharers=rng.choice(_SNAPSHOTS)))
            if g["status"] == "disbursed" and rng.random() < 0.5:
                s.execute(update(Instalment).where(Instalment.loan_id == loan_id, Instalment.n == 1).values(
                    due_date=DAY - timedelta(days=rng.randint(401, 500)), paid_principal_cny=0))
    settings = servicing.cob_settings(DAY)
    s = db.session()
    try:  # the per-loan path, in one transaction: its outcome read, then undone
        for loan in list(s.scalars(select(Loan).order_by(Loan.id))):
            servicing.cob_loan(s, loan, DAY, actor="system:cli", settings=settings)
        s.flush()
        per_loan = _outcome(s)
    finally:
        s.rollback()
        s.close()
    _, defaulted, _ = _close(db, limit=37)
    with db.transaction(readonly=True) as s:
        set_based = _outcome(s)
    assert defaulted > 20 and set_based["claims"] and set_based["entries"]  # the world exercises the defaults
    assert set_based["ledger_seq_last"] and per_loan["ledger_seq_last"]
    assert set_based["events"] == per_loan["events"]
    assert set_based["loans"] == per_loan["loans"]
    assert set_based["claims"] == per_loan["claims"]
    assert set_based["entries"] == per_loan["entries"]


def test_kill_9_mid_run_then_rerun_closes_every_loan_once(db: Database) -> None:
    """``landbridge lending cob`` killed with SIGKILL part way (chunks committed, one in flight), then run again: the
    same end state as the pure rules, one claim per defaulted loan, every event once."""
    given = _insert(db, 9, 240)
    rng = random.Random(9)
    with db.transaction() as s:  # half the performing loans far behind: defaults in most chunks
        for loan_id, g in given.items():
            if g["status"] == "disbursed" and rng.random() < 0.5:
                s.execute(update(Instalment).where(Instalment.loan_id == loan_id).values(paid_principal_cny=0))
                for r in g["rows"]:
                    r["paid_principal_cny"] = Decimal(0)
    command = [sys.executable, "-m", "landbridge.cli", "lending", "cob", "--date", DAY.isoformat(), "--chunk", "2"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = None
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        with db.transaction(readonly=True) as s:
            run = s.scalar(select(CobRun))
            if run is not None and run.status == "running" and run.last_loan_id >= sorted(given)[40]:
                proc.send_signal(signal.SIGKILL)
                killed_at = run.last_loan_id
                break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert killed_at is not None and proc.returncode == -signal.SIGKILL  # killed part way, not finished
    with db.transaction(readonly=True) as s:
        run = s.scalar(select(CobRun))
        assert run is not None and run.status == "running" and run.last_loan_id < max(given)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["processed"] == len(given)
    expected = {loan_id: _expected(g) for loan_id, g in given.items()}
    assert _state(db) == expected
    counts = _events(db)
    assert all(c == 1 for c in counts.values())
    defaulted = [i for i, g in given.items() if g["status"] != expected[i]["status"]]
    with db.transaction(readonly=True) as s:
        claims = Counter(s.scalars(select(Claim.loan_id)))
    assert len(defaulted) > 10 and claims == Counter(defaulted)

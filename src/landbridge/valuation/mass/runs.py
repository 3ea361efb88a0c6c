"""Starting a mass appraisal run on the bureau's request (批量评估, L1, issue #4): the checks around the job.

The job itself is ``mass_service.revalue_parcels``; this module refuses what the bureau may not start
(a future valuation date, an area outside its organisation, a second run for the same date and method)
and names the commonest refusal, too few sales, by a stable code.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, check_region
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError, RuleViolation
from landbridge.kernel.clock import now, to_local
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import engine as mass
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import HOLDOUT_SHARE, MassRun


def fit_share(n: int, holdout: float) -> int:
    """How many of ``n`` sales the held-out study fits on (the rest are held out, as ``mass.holdout_split``)."""
    return n - round(n * holdout)


def _lock_run_key(session: Session, valuation_date: date, method: str) -> None:
    """Serialise starts of runs for one date and method (transaction-scoped advisory lock on PostgreSQL).

    SQLite needs nothing: every write transaction starts with ``BEGIN IMMEDIATE`` (landbridge.db).
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"mass_run:{valuation_date}:{method}".encode()).digest()[:8], "big",
                             signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))


def find_run(session: Session, *, valuation_date: date, method: str) -> MassRun | None:
    """The run for a valuation date and method, if one exists (L1)."""
    return session.execute(select(MassRun).where(MassRun.valuation_date == valuation_date, MassRun.method == method)
                           .order_by(MassRun.id).limit(1)).scalar_one_or_none()


def check_start(session: Session, principal: Principal, *, valuation_date: date, method: str,
                region_prefix: str | None) -> None:
    """Refuse a revaluation the caller may not start: future date, area, method, an existing run (L1).

    Takes the lock that serialises starts for the date and method; the caller's transaction holds it.
    """
    today = to_local(now()).date()
    if valuation_date > today:
        raise ValuationError.MASS_FUTURE_DATE.error({"valuation_date": valuation_date},
                                                    valuation_date=str(valuation_date))
    check_region(principal, (region_prefix or get_profile().city_code).ljust(12, "0"))
    if method not in mass.METHODS:
        raise ValuationError.MASS_UNKNOWN_METHOD.error(method=method)
    _lock_run_key(session, valuation_date, method)
    existing = find_run(session, valuation_date=valuation_date, method=method)
    if existing is not None:
        raise ValuationError.MASS_RUN_EXISTS.error(
            {"valuation_date": valuation_date, "existing": existing, "method": method},
            run_id=existing.id,
            run_no=existing.run_no)


def too_few_sales(valuation_date: date, sales: int, holdout: float) -> DomainError | None:
    """The ``valuation.too_few_sales`` refusal when ``sales`` leave too few to fit on after the holdout (L1)."""
    needed = mass.mass_settings(valuation_date).min_sales
    if fit_share(sales, holdout) >= needed:
        return None
    return ValuationError.TOO_FEW_SALES.error(sales=sales, needed=needed)


def named_refusal(exc: RuleViolation, valuation_date: date, holdout: float) -> DomainError:
    """A model that cannot be fitted for want of sales, named ``valuation.too_few_sales``; else the error itself."""
    sales = exc.details.get("sales")
    if exc.code == "valuation.mass_cannot_fit" and isinstance(sales, int):
        return too_few_sales(valuation_date, sales, holdout) or exc
    return exc


def start_revaluation(session: Session, principal: Principal, *, valuation_date: date, method: str = "gbm",
                      seed: int = 0, holdout: float = HOLDOUT_SHARE, region_prefix: str | None = None,
                      threads: int = 2) -> MassRun:
    """Revalue the parcels of the caller's area (or a region of it) for a valuation date and store the run (L1).

    Refuses a date after today (``valuation.mass_future_date``), an area outside the caller's organisation
    (``auth.forbidden_region``), a second run for the same date and method (``valuation.mass_run_exists``,
    409; concurrent starts are serialised, so exactly one of them runs) and a sales record too small to fit
    on (``valuation.too_few_sales``, 422). The synchronous path (CLI, scripts); the API queues a job.
    """
    check_start(session, principal, valuation_date=valuation_date, method=method, region_prefix=region_prefix)
    try:
        return mass_service.revalue_parcels(session, valuation_date=valuation_date, actor=principal.actor,
                                            seed=seed, method=method, holdout=holdout, region_prefix=region_prefix,
                                            threads=threads)
    except RuleViolation as exc:
        named = named_refusal(exc, valuation_date, holdout)
        if named is exc:
            raise
        raise named from None

"""Sales validation (非正常交易筛查): flag sales that look non-market, for a person to review (L1).

Benchmark prices and mass appraisal learn only from market sales. ``detect_non_market`` (pure, NumPy)
gives each suspicious sale its reasons:

* ``related_parties``: the record declares buyer and seller related (关联交易);
* ``price_outlier`` / ``unit_price_outlier``: the log price, or the log price per m², lies more than
  ``validation_robust_z_max`` robust z (0.6745 (x − median) / MAD) from its group: land use ×
  district (county code) × sale year; a group under ``validation_min_group`` sales widens to use ×
  district, then to the use;
* ``duplicate``: the same parcel at the same price within ``validation_duplicate_days`` (the later
  record is flagged); ``repeat_sale``: the same parcel sold again within ``validation_repeat_sale_days``;
* ``implausible_area``: the area lies outside ``validation_area_range_m2`` for the use, or differs
  from the registered parcel's area by more than ``validation_area_mismatch``.

``flag_sales`` stores new flags (one per sale and reason; a flag once reviewed is never reopened) and
seals the run with one ledger event; ``review_sale_flag`` records a person's decision with a note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.registry import parcel_areas
from landbridge.valuation.benchmark.models import FlagReason, FlagStatus, SaleFlag
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.sales.models import Sale

MODULE = "valuation"
MAD_SCALE = 0.6745  # Φ⁻¹(¾): makes the MAD of a normal sample comparable to its sd
REVIEW_NOTE_MAX = 2_000


@dataclass(frozen=True)
class ValidationRules:
    """The thresholds of sales validation in force (city profile ``valuation`` rule set)."""

    z_max: float
    min_group: int
    duplicate_days: int
    repeat_days: int
    area_ranges: dict[str, tuple[float, float]]
    area_mismatch: float

    @classmethod
    def load(cls, day: date | None = None) -> ValidationRules:
        """The rules in force on ``day``."""
        rules = get_profile().rules("valuation")
        ranges = {str(k): (float(v[0]), float(v[1])) for k, v in rules.value("validation_area_range_m2", day).items()}
        return cls(z_max=float(rules.decimal("validation_robust_z_max", day)),
                   min_group=rules.int("validation_min_group", day),
                   duplicate_days=rules.int("validation_duplicate_days", day),
                   repeat_days=rules.int("validation_repeat_sale_days", day), area_ranges=ranges,
                   area_mismatch=float(rules.decimal("validation_area_mismatch", day)))

    def area_range(self, land_use_class: str) -> tuple[float, float]:
        """The plausible area range of a use (longest matching class prefix)."""
        best = max((p for p in self.area_ranges if land_use_class.startswith(p)), key=len, default="")
        return self.area_ranges.get(best, (0.0, float("inf")))


@dataclass(frozen=True)
class Detected:
    """One reason one sale (row ``index`` of the input) looks non-market, with a score and a readable detail."""

    index: int
    reason: FlagReason
    score: float | None
    detail: str


def _group_keys(*columns: npt.ArrayLike) -> npt.NDArray[np.int64]:
    stacked = np.stack([np.unique(np.asarray(c).astype(str), return_inverse=True)[1] for c in columns], axis=1)
    return np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def robust_z(values: npt.NDArray[np.float64], groups: npt.NDArray[np.int64]) -> tuple[Any, Any]:
    """Robust z of each value within its group, and the size of that group (z is nan where MAD is 0)."""
    z = np.full(values.size, np.nan)
    size = np.bincount(groups)[groups]
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(groups.max() + 2 if groups.size else 1))
    for g in range(bounds.size - 1):
        rows = order[bounds[g]:bounds[g + 1]]
        if rows.size < 2:
            continue
        x = values[rows]
        med = np.median(x)
        mad = np.median(np.abs(x - med))
        if mad > 0:
            z[rows] = MAD_SCALE * (x - med) / mad
    return z, size


def _outliers(values: npt.NDArray[np.float64], levels: list[npt.NDArray[np.int64]], min_group: int) -> Any:
    """Robust z at the narrowest grouping level whose group holds at least ``min_group`` sales."""
    z = np.full(values.size, np.nan)
    todo = np.ones(values.size, dtype=bool)
    for groups in levels:
        zl, size = robust_z(values, groups)
        take = todo & (size >= min_group)
        z[take] = zl[take]
        todo &= ~take
    return z


def detect_non_market(*, land_use_class: Sequence[str], region_code: Sequence[str], sale_date: Sequence[date],
                      price_cny: npt.ArrayLike, area_m2: npt.ArrayLike, parcel_key: Sequence[str | None],
                      related_parties: Sequence[bool | None], rules: ValidationRules,
                      registered_area_m2: Sequence[float | None] | None = None) -> list[Detected]:
    """Reasons why sales look non-market (关联交易, price outliers, duplicates, repeat sales, area) (L1)."""
    n = len(land_use_class)
    price = np.asarray(price_cny, dtype=np.float64)
    area = np.asarray(area_m2, dtype=np.float64)
    if not (price.size == area.size == len(region_code) == len(sale_date) == len(parcel_key)
            == len(related_parties) == n):
        raise ValueError("columns differ in length")
    found: list[Detected] = []
    for i, rel in enumerate(related_parties):
        if rel is True:
            found.append(Detected(i, FlagReason.related_parties, None, "declared related parties"))
    if n == 0:
        return found
    use = np.asarray(land_use_class).astype(str)
    district = np.asarray([r[:6] for r in region_code])
    days = np.asarray(sale_date, dtype="datetime64[D]")
    year = days.astype("datetime64[Y]").astype(np.int64)
    levels = [_group_keys(use, district, year), _group_keys(use, district), _group_keys(use)]
    for reason, values, what in ((FlagReason.price_outlier, np.log(price), "log price"),
                                 (FlagReason.unit_price_outlier, np.log(price / area), "log price per m²")):
        z = _outliers(values, levels, rules.min_group)
        for k in np.flatnonzero(np.abs(np.nan_to_num(z)) > rules.z_max).tolist():
            found.append(Detected(k, reason, float(z[k]), f"{what}: robust z {z[k]:+.1f}"))
    for i in range(n):
        low, high = rules.area_range(use[i])
        if not low <= area[i] <= high:
            found.append(Detected(i, FlagReason.implausible_area, float(area[i]),
                                  f"area {area[i]:.2f} m² outside {low:g}–{high:g} m² for {use[i]}"))
        elif registered_area_m2 is not None and (reg := registered_area_m2[i]):
            off = abs(area[i] - reg) / reg
            if off > rules.area_mismatch:
                found.append(Detected(i, FlagReason.implausible_area, off,
                                      f"area {area[i]:.2f} m² differs from the registered {reg:.2f} m² by {off:.0%}"))
    keyed = [i for i in range(n) if parcel_key[i]]
    keyed.sort(key=lambda i: (str(parcel_key[i]), days[i], i))
    for prev, cur in pairwise(keyed):
        if parcel_key[prev] != parcel_key[cur]:
            continue
        gap = int((days[cur] - days[prev]).astype(np.int64))
        if price[prev] == price[cur] and gap <= rules.duplicate_days:
            found.append(Detected(cur, FlagReason.duplicate, float(gap), f"same parcel and price {gap} days apart"))
        elif gap <= rules.repeat_days:
            found.append(Detected(cur, FlagReason.repeat_sale, float(gap), f"same parcel sold again after {gap} days"))
    return found


@dataclass(frozen=True)
class FlagRun:
    """Outcome of a validation run: sales examined, flags found and newly stored, the sealing ledger event."""

    run_no: str
    examined: int
    found: int
    created: int
    by_reason: dict[str, int]
    ledger_seq: int


def flag_sales(session: Session, *, actor: str, region_prefix: str = "", since: date | None = None,
               until: date | None = None) -> FlagRun:
    """Screen the sales record for non-market sales (非正常交易筛查) and store new flags, one ledger event (L1, P2)."""
    stmt = (select(Sale.id, Sale.land_use_class, Sale.region_code, Sale.sale_date, Sale.price_cny, Sale.area_m2,
                   Sale.parcel_id, Sale.unit_code, Sale.related_parties)
            .order_by(Sale.id))
    if region_prefix:
        stmt = stmt.where(Sale.region_code.startswith(region_prefix, autoescape=True))
    if since is not None:
        stmt = stmt.where(Sale.sale_date >= since)
    if until is not None:
        stmt = stmt.where(Sale.sale_date <= until)
    rows = session.execute(stmt).all()
    rules = ValidationRules.load()
    registered = parcel_areas(session, [r.parcel_id for r in rows if r.parcel_id is not None])
    found = detect_non_market(
        land_use_class=[r.land_use_class for r in rows], region_code=[r.region_code for r in rows],
        sale_date=[r.sale_date for r in rows], price_cny=[float(r.price_cny) for r in rows],
        area_m2=[float(r.area_m2) for r in rows],
        parcel_key=[f"p{r.parcel_id}" if r.parcel_id is not None else (r.unit_code and f"u{r.unit_code}")
                    for r in rows],
        related_parties=[r.related_parties for r in rows], rules=rules,
        registered_area_m2=[None if (a := registered.get(r.parcel_id)) is None else float(a) for r in rows])
    stamp = now()
    run_no = f"SV{to_local(stamp):%Y%m%d%H%M%S%f}"
    existing: set[tuple[int, str]] = {(int(i), str(r)) for i, r in session.execute(
        select(SaleFlag.sale_id, SaleFlag.reason).where(SaleFlag.region_code.startswith(region_prefix,
                                                                                        autoescape=True))).all()}
    new = []
    digest = hashlib.sha256()
    for d in sorted(found, key=lambda d: (rows[d.index].id, d.reason.value)):
        sale = rows[d.index]
        if (sale.id, d.reason.value) in existing:
            continue
        existing.add((sale.id, d.reason.value))
        new.append({"sale_id": sale.id, "reason": d.reason.value, "score": d.score, "detail": d.detail[:300],
                    "region_code": sale.region_code, "status": FlagStatus.pending.value, "run_no": run_no,
                    "created_at": stamp})
        digest.update(f"{sale.id}:{d.reason.value}\n".encode())
    if new:
        session.execute(insert(SaleFlag), new)
    by_reason: dict[str, int] = {}
    for d in found:
        by_reason[d.reason.value] = by_reason.get(d.reason.value, 0) + 1
    event = append_event(session, module=MODULE, event_type="sales_screened", subject=subjects.sale_flag_run(run_no),
                         actor=actor, payload={"run_no": run_no, "region_prefix": region_prefix,
                                               "examined": len(rows), "found": len(found), "created": len(new),
                                               "by_reason": by_reason, "flags_sha256": digest.hexdigest()})
    session.flush()
    return FlagRun(run_no=run_no, examined=len(rows), found=len(found), created=len(new), by_reason=by_reason,
                   ledger_seq=event.seq)


def get_sale_flag(session: Session, flag_id: int, *, lock: bool = False) -> SaleFlag:
    """One sale flag, or 404."""
    stmt = select(SaleFlag).where(SaleFlag.id == flag_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    flag = session.execute(stmt).scalar_one_or_none()
    if flag is None:
        raise ValuationError.FLAG_NOT_FOUND.error({"flag_id": flag_id}, id=flag_id)
    return flag


def review_sale_flag(session: Session, *, flag_id: int, decision: str, note: str, actor: str) -> SaleFlag:
    """Review a flag (复核): ``accepted`` confirms the sale non-market, ``rejected`` keeps it as market (L1, P2)."""
    if decision not in (FlagStatus.accepted, FlagStatus.rejected):
        raise ValuationError.INVALID_REVIEW.error(decision=decision)
    note = note.strip()
    if not note or len(note) > REVIEW_NOTE_MAX:
        raise ValuationError.INVALID_REVIEW_2.error()
    flag = get_sale_flag(session, flag_id, lock=True)
    if flag.status != FlagStatus.pending:
        raise ValuationError.FLAG_ALREADY_REVIEWED.error(id=flag_id, status=flag.status)
    flag.status = decision
    flag.review_note = note
    flag.reviewed_by = actor
    flag.reviewed_at = now()
    session.flush()
    append_event(session, module=MODULE, event_type="sale_flag_reviewed", subject=subjects.sale_flag(flag.id),
                 actor=actor, payload={"flag_id": flag.id, "sale_id": flag.sale_id, "reason": flag.reason,
                                       "decision": decision, "note_sha256": hashlib.sha256(note.encode()).hexdigest()})
    return flag


def list_sale_flags(session: Session, *, region_prefix: str = "", status: str | None = None,
                    reason: str | None = None, page: int = 1, page_size: int = 50) -> tuple[list[SaleFlag], int]:
    """A page of sale flags (newest sales first) and how many match (L1)."""
    where: list[Any] = [SaleFlag.region_code.startswith(region_prefix, autoescape=True)]
    if status:
        where.append(SaleFlag.status == status)
    if reason:
        where.append(SaleFlag.reason == reason)
    total = int(session.execute(select(func.count()).select_from(SaleFlag).where(*where)).scalar_one())
    items = session.execute(select(SaleFlag).where(*where).order_by(SaleFlag.sale_id.desc(), SaleFlag.id)
                            .limit(page_size).offset((page - 1) * page_size)).scalars().all()
    return list(items), total


def non_market_sale_ids(session: Session, *, include_pending: bool = True) -> set[int]:
    """Sales to leave out of models: flags accepted by a reviewer (and, by default, those not yet reviewed) (L1)."""
    statuses = [FlagStatus.accepted.value] + ([FlagStatus.pending.value] if include_pending else [])
    return set(session.execute(select(SaleFlag.sale_id).where(SaleFlag.status.in_(statuses))).scalars().all())

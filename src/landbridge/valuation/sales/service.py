"""Recording sales (成交记录), one at a time or in bulk, each sealed in the ledger (L1, F1, P2).

The sales record is the evidence for benchmark prices, sales comparison and mass appraisal. Every
sale is validated the same way on both paths (``valuation.invalid_sale`` names the row and field):
positive price (integer fen) and area, a GB/T 21010 land-use class, a region of the city profile,
a registry right type, a known method, a sale date not after today (by the platform clock), and
optional term, plot ratio, coordinates and unit code in range. Unknown parcels or parties are
refused by the foreign keys and reported with the same code.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.money import MoneyError, yuan_to_fen
from landbridge.ledger import append_event, get_event, subjects
from landbridge.registry import is_land_use_class, right_type_codes
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.i18n import words
from landbridge.valuation.sales.models import Sale, SaleBatchRecord, SaleCounter, SaleMethod, SaleSource
from landbridge.valuation.sales.schemas import SaleIn

MODULE = "valuation"
CHUNK = 5_000
CENTI = Decimal("0.01")
PLOT_RATIO_STEP = Decimal("0.0001")
MAX_TERM_YEARS = 100
_SALE: Table = Sale.__table__  # type: ignore[assignment]
_COUNTER: Table = SaleCounter.__table__  # type: ignore[assignment]
_RIGHT_TYPES = right_type_codes()
_METHODS = frozenset(str(m) for m in SaleMethod)
_SOURCES = frozenset(str(s) for s in SaleSource)
_REGION_LEVELS = frozenset({"county", "township", "village"})
FIELD_LABELS = {  # English names of a sale's fields; Chinese in valuation's catalogue (context "sales")
    "price_cny": "Sale price", "area_m2": "Area", "sale_date": "Sale date", "land_use_class": "Land-use class",
    "region_code": "Region code", "right_type": "Right type", "method": "Sale method",
    "unit_code": "Property unit code", "term_years": "Term (years)", "plot_ratio": "Plot ratio",
    "coordinates": "Coordinates", "source": "Data source", "parcel_or_party": "Parcel or party",
}


@dataclass(frozen=True)
class SaleBatch:
    """Outcome of a bulk load: the batch, its sale ids in row order, and the ledger event that seals it."""

    batch_id: int
    batch_no: str
    source: str
    count: int
    rows_sha256: str
    ledger_seq: int
    chunk_count: int
    sale_ids: list[int]
    sale_nos: list[str]


def invalid_sale(index: int, field: str, reason: str, reason_en: str) -> DomainError:
    """The typed error of a sale that cannot be recorded (row ``index`` of the batch, 0 for a single sale)."""
    zh = words("zh_CN", "sales")(FIELD_LABELS[field]) if field in FIELD_LABELS else field
    return ValuationError.INVALID_SALE.error({"index": index, "zh": zh, "reason": reason, "reason_en": reason_en},
                                             row_index=index, field=field)


@dataclass
class _Checked:
    """A validated batch, normalised for storage (fen, quantised decimals) and for the digest."""

    rows: list[dict[str, Any]]
    years: list[int]


def _first(mask: np.ndarray) -> int | None:
    bad = np.flatnonzero(mask)
    return int(bad[0]) if bad.size else None


def _check_codes(values: list[str], allowed: Any, field: str, zh: str, en: str) -> None:
    unique = set(values)
    wrong = {v for v in unique if not allowed(v)}
    if wrong:
        i = next(k for k, v in enumerate(values) if v in wrong)
        raise invalid_sale(i, field, f"{values[i]} {zh}", f"{values[i]!r} {en}")


def _validate(rows: Sequence[SaleIn], source: str) -> _Checked:
    """Check a whole batch column by column (NumPy masks, set look-ups); raise on the first bad row."""
    if source not in _SOURCES:
        raise invalid_sale(0, "source", f"未知来源 {source}", f"unknown source {source!r}")
    n = len(rows)
    fen = np.zeros(n, dtype=np.int64)
    for i, r in enumerate(rows):
        try:
            fen[i] = yuan_to_fen(r.price_cny)
        except (MoneyError, TypeError):
            raise invalid_sale(i, "price_cny", "不是以元计、最多两位小数的金额", "not an amount of yuan with at most "
                               "two decimal places") from None
    if (bad := _first(fen <= 0)) is not None:
        raise invalid_sale(bad, "price_cny", "成交价必须为正", "the price must be positive")
    areas = []
    for i, r in enumerate(rows):
        try:
            areas.append(Decimal(r.area_m2).quantize(CENTI, rounding=ROUND_HALF_UP))
        except (ArithmeticError, TypeError, ValueError):
            raise invalid_sale(i, "area_m2", "不是数值", "not a number") from None
    if (bad := _first(np.array([a <= 0 for a in areas], dtype=bool))) is not None:
        raise invalid_sale(bad, "area_m2", "面积必须为正", "the area must be positive")
    today = np.datetime64(to_local(now()).date(), "D")
    dates = np.array([r.sale_date for r in rows], dtype="datetime64[D]")
    if (bad := _first(dates > today)) is not None:
        raise invalid_sale(bad, "sale_date", "成交日期晚于今天", "the sale date is in the future")
    profile = get_profile()
    _check_codes([r.land_use_class for r in rows], is_land_use_class, "land_use_class", "不是 GB/T 21010 地类",
                 "is not a GB/T 21010-2017 land-use class")
    _check_codes([r.region_code for r in rows],
                 lambda c: (reg := profile.region(c)) is not None and reg.level in _REGION_LEVELS, "region_code",
                 "不是本市的县区、乡镇或村", "is not a county, township or village of the city profile")
    _check_codes([r.right_type for r in rows], _RIGHT_TYPES.__contains__, "right_type", "不是权利类型",
                 "is not a registry right type")
    _check_codes([r.method for r in rows], _METHODS.__contains__, "method", "不是交易方式", "is not a sale method")
    for i, r in enumerate(rows):
        if r.unit_code is not None and (len(r.unit_code) != 28 or not r.unit_code.isalnum()):
            raise invalid_sale(i, "unit_code", "必须为 28 位", "must have 28 characters")
    terms = np.array([0 if r.term_years is None else r.term_years for r in rows], dtype=np.int64)
    given = np.array([r.term_years is not None for r in rows], dtype=bool)
    if (bad := _first(given & ((terms <= 0) | (terms > MAX_TERM_YEARS)))) is not None:
        raise invalid_sale(bad, "term_years", f"年期须在 1 至 {MAX_TERM_YEARS} 年之间",
                           f"the term must be 1 to {MAX_TERM_YEARS} years")
    ratios: list[Decimal | None] = []
    for i, r in enumerate(rows):
        if r.plot_ratio is None:
            ratios.append(None)
            continue
        ratio = Decimal(r.plot_ratio).quantize(PLOT_RATIO_STEP, rounding=ROUND_HALF_UP)
        if not ratio > 0 or ratio >= 10_000:
            raise invalid_sale(i, "plot_ratio", "容积率须为正且小于 10000",
                               "the plot ratio must be positive and below 10000")
        ratios.append(ratio)
    lon = np.array([np.nan if r.lon is None else r.lon for r in rows], dtype=np.float64)
    lat = np.array([np.nan if r.lat is None else r.lat for r in rows], dtype=np.float64)
    minx, miny, maxx, maxy = profile.extent
    with np.errstate(invalid="ignore"):
        outside = (np.isnan(lon) != np.isnan(lat)) | (~np.isnan(lon) & ((lon < minx) | (lon > maxx)
                                                                      | (lat < miny) | (lat > maxy)))
    if (bad := _first(outside)) is not None:
        raise invalid_sale(bad, "coordinates", "经纬度须成对给出且位于本市范围内",
                           "longitude and latitude must come together and lie in the city's extent")
    checked = [{
        "parcel_id": r.parcel_id, "unit_code": r.unit_code, "region_code": r.region_code,
        "land_use_class": r.land_use_class, "right_type": r.right_type, "sale_date": r.sale_date,
        "price_fen": int(fen[i]), "area_m2": areas[i], "term_years": r.term_years, "plot_ratio": ratios[i],
        "lon": None if r.lon is None else float(r.lon), "lat": None if r.lat is None else float(r.lat),
        "method": r.method, "source": source, "buyer_party_id": r.buyer_party_id,
        "seller_party_id": r.seller_party_id, "related_parties": r.related_parties,
    } for i, r in enumerate(rows)]
    return _Checked(checked, [r.sale_date.year for r in rows])


def canonical_sale(row: dict[str, Any]) -> str:
    """One sale as canonical text (a JSON array in a fixed field order): what the ledger digests seal (P2)."""
    def dec(value: Decimal | None, step: Decimal) -> str | None:
        return None if value is None else str(Decimal(value).quantize(step))

    def coord(value: float | None) -> str | None:
        return None if value is None else repr(float(value))

    return json.dumps([
        row["sale_no"], row["parcel_id"], row["unit_code"], row["region_code"], row["land_use_class"],
        row["right_type"], row["sale_date"].isoformat(), row["price_fen"], dec(row["area_m2"], CENTI),
        row["term_years"], dec(row["plot_ratio"], PLOT_RATIO_STEP),
        coord(row["lon"]), coord(row["lat"]),
        row["method"], row["source"], row["buyer_party_id"], row["seller_party_id"], row["related_parties"],
    ], ensure_ascii=False, separators=(",", ":"))


def rows_sha256(rows: Sequence[dict[str, Any]]) -> str:
    """SHA-256 over the canonical sales, each followed by a newline."""
    h = hashlib.sha256()
    for row in rows:
        h.update(canonical_sale(row).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _reserve(session: Session, name: str, count: int) -> int:
    """Lock the named counter (created at 0) and advance it by ``count``; returns the first value drawn."""
    dialect = session.get_bind().dialect.name
    ins: Any = postgresql.insert(_COUNTER) if dialect == "postgresql" else sqlite.insert(_COUNTER)
    session.execute(ins.values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(SaleCounter.value).where(SaleCounter.name == name)
    if for_update(session):
        stmt = stmt.with_for_update()
    value = int(session.execute(stmt).scalar_one())
    session.execute(update(_COUNTER).where(_COUNTER.c.name == name).values(value=value + count))
    return value + 1


def _number(session: Session, checked: _Checked) -> None:
    """Give every sale its number ``S<year>-<serial>`` from its sale year's counter (years locked in order)."""
    need = Tally(checked.years)
    first = {year: _reserve(session, f"sale:{year}", need[year]) for year in sorted(need)}
    for row, year in zip(checked.rows, checked.years, strict=True):
        row["sale_no"] = f"S{year}-{first[year]:06d}"
        first[year] += 1


def _db_row(row: dict[str, Any], stamp: Any, batch_id: int | None) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "price_fen"}
    out["price_cny"] = Decimal(row["price_fen"]) / 100
    out["created_at"] = stamp
    out["batch_id"] = batch_id
    return out


def _unknown_reference(exc: IntegrityError) -> DomainError:
    return ValuationError.INVALID_SALE_2.error(field="parcel_or_party", reason=str(exc.orig).splitlines()[0][:200])


def record_sale(session: Session, *, sale_date: date, price_cny: Decimal, area_m2: Decimal, land_use_class: str,
                region_code: str, right_type: str, method: str, source: str, actor: str, parcel_id: int | None = None,
                unit_code: str | None = None, term_years: int | None = None, plot_ratio: Decimal | None = None,
                lon: float | None = None, lat: float | None = None, buyer_party_id: int | None = None,
                seller_party_id: int | None = None, related_parties: bool | None = None) -> Sale:
    """Record one sale (登记成交记录) in the sales record, with its own ledger event (L1, F1, P2)."""
    row = SaleIn(sale_date=sale_date, price_cny=price_cny, area_m2=area_m2, land_use_class=land_use_class,
                 region_code=region_code, right_type=right_type, method=method, parcel_id=parcel_id,
                 unit_code=unit_code, term_years=term_years, plot_ratio=plot_ratio, lon=lon, lat=lat,
                 buyer_party_id=buyer_party_id, seller_party_id=seller_party_id, related_parties=related_parties)
    checked = _validate([row], source)
    _number(session, checked)
    values = checked.rows[0]
    sale = Sale(**_db_row(values, now(), None))
    session.add(sale)
    try:
        session.flush()
    except IntegrityError as exc:
        raise _unknown_reference(exc) from None
    append_event(session, module=MODULE, event_type="sale_recorded", subject=subjects.sale(sale.sale_no), actor=actor,
                 also=[] if sale.parcel_id is None else [subjects.parcel(sale.parcel_id)],
                 payload={"sale_no": sale.sale_no, "source": source, "row_sha256": rows_sha256([values]),
                          "price_cny": values["price_fen"], "region_code": region_code,
                          "land_use_class": land_use_class, "sale_date": sale_date})
    return sale


def record_sales(session: Session, rows: Sequence[SaleIn], *, actor: str, source: str,
                 chunk: int = CHUNK) -> SaleBatch:
    """Record a batch of sales (批量导入成交记录) all or nothing, sealed by ONE ledger event (L1, F1, P2).

    A city loads on the order of 10⁵ sales at once (an exchange's history, the demo world), so
    the batch is validated column by column before anything is written, inserted with Core
    ``executemany`` in chunks of ``chunk`` rows, and recorded in the ledger by a single
    ``sales_recorded`` event carrying the count and the SHA-256 over the canonical rows
    (``canonical_sale``) instead of 10⁵ events; ``verify_sale_batch`` recomputes it from the table.
    Any bad row raises ``valuation.invalid_sale`` and nothing is written (the caller rolls back).
    """
    if not rows:
        raise ValuationError.EMPTY_BATCH.error()
    if chunk <= 0:
        raise ValueError("chunk must be positive")
    checked = _validate(rows, source)
    _number(session, checked)
    stamp = now()
    year = to_local(stamp).year
    batch_no = f"SB{year}-{_reserve(session, f'batch:{year}', 1):06d}"
    digest = rows_sha256(checked.rows)
    batch = SaleBatchRecord(batch_no=batch_no, source=source, sale_count=len(rows), rows_sha256=digest, actor=actor,
                            created_at=stamp)
    session.add(batch)
    session.flush()
    chunks = 0
    try:
        for start in range(0, len(rows), chunk):
            # Plain executemany (no RETURNING): psycopg pipelines it; the ids are read back below.
            session.execute(insert(_SALE), [_db_row(r, stamp, batch.id) for r in checked.rows[start:start + chunk]])
            chunks += 1
    except IntegrityError as exc:
        raise _unknown_reference(exc) from None
    sale_nos = [str(r["sale_no"]) for r in checked.rows]
    id_of = {str(no): int(i) for no, i in
             session.execute(select(_SALE.c.sale_no, _SALE.c.id).where(_SALE.c.batch_id == batch.id)).all()}
    ids = [id_of[no] for no in sale_nos]
    event = append_event(session, module=MODULE, event_type="sales_recorded", subject=subjects.sale_batch(batch_no),
                         actor=actor, payload={"batch_no": batch_no, "source": source, "count": len(rows),
                                               "rows_sha256": digest, "first_sale_no": sale_nos[0],
                                               "last_sale_no": sale_nos[-1]})
    batch.ledger_seq = event.seq
    session.flush()
    return SaleBatch(batch_id=batch.id, batch_no=batch_no, source=source, count=len(rows), rows_sha256=digest,
                     ledger_seq=event.seq, chunk_count=chunks, sale_ids=ids, sale_nos=sale_nos)


def verify_sale_batch(session: Session, batch_no: str) -> bool:
    """Recompute a batch's digest from the stored sales and compare it with the sealed one (P2)."""
    batch = session.execute(select(SaleBatchRecord).where(SaleBatchRecord.batch_no == batch_no)).scalar_one_or_none()
    if batch is None:
        raise ValuationError.BATCH_NOT_FOUND.error(batch_no=batch_no)
    sealed = json.loads(get_event(session, batch.ledger_seq or 0).body)["payload"]
    cols = [c for c in _SALE.c if c.name not in ("id", "created_at", "batch_id")]
    h = hashlib.sha256()
    count = 0
    for row in session.execute(select(*cols).where(_SALE.c.batch_id == batch.id).order_by(_SALE.c.id)).mappings():
        values = dict(row)
        values["price_fen"] = int(values.pop("price_cny") * 100)
        h.update(canonical_sale(values).encode("utf-8"))
        h.update(b"\n")
        count += 1
    return (sealed.get("batch_no") == batch_no and count == int(sealed["count"])
            and h.hexdigest() == sealed["rows_sha256"])

"""Valuation JSON API, engineer A's part: ratio studies, sales validation, benchmark prices, parcel values (L1, F1).

Permissions: the natural-resources bureau (``nr_official``) and supervisors run ratio studies (a
study reads only the numbers it is sent and changes nothing) and read sale flags of their
organisation's area; only the bureau screens sales and reviews flags. Benchmark systems (公示地价,
published prices) are read by every staff role that values land (bureau, registrars, banks,
supervisors, admin) and imported and published by the bureau only. A parcel's coefficient and
comparison values are for the bureau, banks and supervisors of the parcel's area.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.auth import Principal, Role, check_region, require_roles
from landbridge.auth.errors import AuthError
from landbridge.auth.service import region_prefix as area_prefix
from landbridge.config import get_settings
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.registry import get_parcel
from landbridge.valuation.benchmark import comparison, validation
from landbridge.valuation.benchmark import service as benchmark
from landbridge.valuation.benchmark.models import FlagReason, FlagStatus, SaleFlag
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.ratio.cli import run_ratio_study
from landbridge.valuation.ratio.study import RatioInputError, read_csv_columns
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

STUDY_ROLES = (Role.nr_official, Role.supervisor)
studier = require_roles(*STUDY_ROLES)
flag_reader = require_roles(Role.nr_official, Role.supervisor)
bureau = require_roles(Role.nr_official)
benchmark_reader = require_roles(Role.nr_official, Role.registrar, Role.bank_officer, Role.supervisor, Role.admin)
parcel_valuer = require_roles(Role.nr_official, Role.bank_officer, Role.supervisor)
MAX_ROWS = 1_000_000
MIN_AMOUNT, MAX_AMOUNT = 0.01, 1e12  # input bounds of a ratio row (yuan)


class RatioRow(BaseModel):
    """One sale: appraised value and price in yuan, bounded (a cent to a trillion yuan) like every number from
    outside."""

    appraised: float = Field(ge=MIN_AMOUNT, le=MAX_AMOUNT)
    sale: float = Field(ge=MIN_AMOUNT, le=MAX_AMOUNT)
    segment: str | None = Field(default=None, max_length=64)


class RatioStudyOptions(BaseModel):
    trim: Literal["iqr", "iqr3"] | None = "iqr"
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    price_bands: int = Field(0, ge=0, le=20)
    property_class: str = Field("other", max_length=32)


class RatioStudyIn(RatioStudyOptions):
    rows: list[RatioRow] = Field(min_length=2, max_length=MAX_ROWS)


def _invalid(message_en: str) -> DomainError:
    return ValuationError.INVALID_RATIO_INPUT.error({"message_en": message_en})


def _from_rows(body: RatioStudyIn) -> dict[str, Any]:
    segment = "segment" if any(r.segment is not None for r in body.rows) else None
    data: dict[str, Any] = {"appraised": [r.appraised for r in body.rows], "sale": [r.sale for r in body.rows]}
    if segment:
        data["segment"] = [r.segment or "" for r in body.rows]
    return run_ratio_study(data, "appraised", "sale", segment=segment, price_band=body.price_bands, trim=body.trim,
                           confidence=body.confidence, seed=body.seed, property_class=body.property_class)


async def uploaded_file(form: Any) -> bytes | None:
    """The bytes of the form field ``file`` (None when absent); 422 ``valuation.file_too_large`` over the limit."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return None
    limit = get_settings().max_upload_bytes
    content: bytes = await upload.read(limit + 1)
    if len(content) > limit:
        raise ValuationError.FILE_TOO_LARGE.error(limit_bytes=limit)
    return content


async def _from_upload(request: Request) -> dict[str, Any]:
    try:
        form = await request.form()
    except UnicodeDecodeError:  # a form field that is not text (found by schemathesis, issue #12 item 7)
        raise _invalid("the form fields must be UTF-8 text") from None
    content = await uploaded_file(form)
    if content is None:
        raise _invalid("a CSV file is required in the form field 'file'")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        options = RatioStudyOptions.model_validate({k: v for k, v in fields.items()
                                                    if k in RatioStudyOptions.model_fields})
    except ValidationError as exc:
        raise _invalid(str(exc.errors()[0]["loc"][0]) + ": " + exc.errors()[0]["msg"]) from None
    appraised, sale, segment = fields.get("appraised", ""), fields.get("sale", ""), fields.get("segment") or None
    if not appraised or not sale:
        raise _invalid("the form fields 'appraised' and 'sale' name the columns")

    def work() -> dict[str, Any]:
        data = read_csv_columns(content, [appraised, sale], [segment] if segment else [])
        return run_ratio_study(data, appraised, sale, segment=segment, price_band=options.price_bands,
                               trim=options.trim, confidence=options.confidence, seed=options.seed,
                               property_class=options.property_class)

    return await run_in_threadpool(work)


RATIO_OPENAPI: dict[str, Any] = {"requestBody": {"content": {
    "application/json": {"schema": RatioStudyIn.model_json_schema(ref_template="#/components/schemas/{model}")},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file", "appraised", "sale"], "properties": {
        "file": {"type": "string", "format": "binary"}, "appraised": {"type": "string"}, "sale": {"type": "string"},
        "segment": {"type": "string"}, "trim": {"type": "string"}, "confidence": {"type": "number"},
        "seed": {"type": "integer"}, "price_bands": {"type": "integer"}, "property_class": {"type": "string"}}}},
}, "required": True}}


@router.post("/ratio-study", openapi_extra=RATIO_OPENAPI)
async def ratio_study_api(request: Request, principal: Principal = Depends(studier)) -> dict[str, Any]:
    """Run an IAAO ratio study on posted rows (JSON) or an uploaded CSV (bureau, supervisors) (L1)."""
    kind = request.headers.get("content-type", "")
    try:
        if kind.startswith("multipart/form-data"):
            return await _from_upload(request)
        try:
            body = RatioStudyIn.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            raise _invalid(".".join(str(x) for x in first["loc"]) + ": " + first["msg"]) from None
        return await run_in_threadpool(_from_rows, body)
    except RatioInputError as exc:
        raise _invalid(str(exc)) from None


# --- sales validation -----------------------------------------------------------------------------

class SaleFlagRead(BaseModel):
    id: int
    sale_id: int
    reason: FlagReason
    score: float | None
    detail: str
    region_code: str
    status: FlagStatus
    run_no: str
    created_at: datetime
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


class SaleFlagPage(BaseModel):
    items: list[SaleFlagRead]
    total: int
    page: int
    page_size: int


class FlagRunIn(BaseModel):
    region_prefix: str | None = Field(default=None, pattern=r"^\d{1,12}$")
    since: date | None = None
    until: date | None = None


class FlagRunRead(BaseModel):
    run_no: str
    examined: int
    found: int
    created: int
    by_reason: dict[str, int]
    ledger_seq: int


class FlagReviewIn(BaseModel):
    decision: Literal["accepted", "rejected"]
    note: str = Field(min_length=1, max_length=validation.REVIEW_NOTE_MAX)


def scope(principal: Principal, requested: str | None) -> str:
    """The region prefix to work on: the caller's area, narrowed by the request (403 outside the area)."""
    own = area_prefix(principal.region_code)
    if not requested or own.startswith(requested):
        return own
    if requested.startswith(own):
        return requested
    raise AuthError.FORBIDDEN_REGION_OF_AREA.error(region_prefix=requested)


def flag_read(flag: SaleFlag) -> SaleFlagRead:
    return SaleFlagRead.model_validate(flag, from_attributes=True)


@router.get("/sale-flags", response_model=SaleFlagPage)
def list_sale_flags(status: FlagStatus | None = None, reason: FlagReason | None = None,
                    region_prefix: str | None = Query(None, pattern=r"^\d{1,12}$"), page: int = Query(1, ge=1),
                    page_size: int = Query(50, ge=1), principal: Principal = Depends(flag_reader),
                    session: Session = Depends(get_session)) -> SaleFlagPage:
    """Sale flags of the caller's area, newest sales first (bureau, supervisors) (L1)."""
    page_size = min(page_size, get_settings().page_size_max)
    items, total = validation.list_sale_flags(session, region_prefix=scope(principal, region_prefix), status=status,
                                              reason=reason, page=page, page_size=page_size)
    return SaleFlagPage(items=[flag_read(f) for f in items], total=total, page=page, page_size=page_size)


@router.post("/sale-flags/run", response_model=FlagRunRead, status_code=201)
def run_sales_validation(body: FlagRunIn, principal: Principal = Depends(bureau),
                         session: Session = Depends(get_session)) -> FlagRunRead:
    """Screen the sales of the caller's area for non-market sales (natural-resources bureau) (L1)."""
    run = validation.flag_sales(session, actor=principal.actor, region_prefix=scope(principal, body.region_prefix),
                                since=body.since, until=body.until)
    return FlagRunRead(run_no=run.run_no, examined=run.examined, found=run.found, created=run.created,
                       by_reason=run.by_reason, ledger_seq=run.ledger_seq)


@router.post("/sale-flags/{flag_id}/review", response_model=SaleFlagRead)
def review_sale_flag(flag_id: int, body: FlagReviewIn, principal: Principal = Depends(bureau),
                     session: Session = Depends(get_session)) -> SaleFlagRead:
    """Accept or reject a sale flag with a note (natural-resources bureau of the sale's area) (L1)."""
    check_region(principal, validation.get_sale_flag(session, flag_id).region_code)
    return flag_read(validation.review_sale_flag(session, flag_id=flag_id, decision=body.decision, note=body.note,
                                                 actor=principal.actor))


# --- benchmark price systems ----------------------------------------------------------------------

class BenchmarkSystemRead(BaseModel):
    code: str
    name: str
    region_code: str
    base_date: date
    status: str
    document_sha256: str
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None
    retired_at: datetime | None
    stale: bool


def system_read(system: Any) -> BenchmarkSystemRead:
    return BenchmarkSystemRead(code=system.code, name=system.name, region_code=system.region_code,
                               base_date=system.base_date, status=system.status,
                               document_sha256=system.document_sha256, created_at=system.created_at,
                               created_by=system.created_by, published_at=system.published_at,
                               published_by=system.published_by, retired_at=system.retired_at,
                               stale=benchmark.is_stale(system, to_local(now()).date()))


@router.get("/benchmark", response_model=list[BenchmarkSystemRead])
def list_benchmark_systems(principal: Principal = Depends(benchmark_reader),
                           session: Session = Depends(get_session)) -> list[BenchmarkSystemRead]:
    """Benchmark price systems covering the caller's area, newest first (L1)."""
    return [system_read(x) for x in benchmark.list_benchmark_systems(
        session, region_prefix=area_prefix(principal.region_code))]


async def _json_document(request: Request) -> dict[str, Any]:
    kind = request.headers.get("content-type", "")
    try:
        if kind.startswith("multipart/form-data"):
            raw = await uploaded_file(await request.form())
            if raw is None:
                raise ValueError("a JSON file is required in the form field 'file'")
        else:
            raw = await request.body()
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValuationError.INVALID_BENCHMARK_3.error({"str_exc_120": str(exc)[:120]}, where="document") from None
    if not isinstance(doc, dict):
        raise ValuationError.INVALID_BENCHMARK_2.error(where="document")
    return doc


BENCHMARK_OPENAPI: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "description": "a landbridge.benchmark/1 document"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                   "format": "binary"}}}}}}}


@router.post("/benchmark", response_model=BenchmarkSystemRead, status_code=201, openapi_extra=BENCHMARK_OPENAPI)
async def import_benchmark_system(request: Request, principal: Principal = Depends(bureau),
                                  session: Session = Depends(get_session)) -> BenchmarkSystemRead:
    """Import a benchmark price system (JSON document or uploaded file) as a draft (natural-resources bureau) (L1)."""
    doc = await _json_document(request)

    def work() -> BenchmarkSystemRead:
        check_region(principal, str(doc.get("region_code", "")))
        return system_read(benchmark.import_benchmark_system(session, doc, actor=principal.actor))

    return await run_in_threadpool(work)


@router.post("/benchmark/{code}/publish", response_model=BenchmarkSystemRead)
def publish_benchmark_system(code: str, principal: Principal = Depends(bureau),
                             session: Session = Depends(get_session)) -> BenchmarkSystemRead:
    """Publish a draft benchmark system of the caller's area; the one it replaces is retired (L1)."""
    check_region(principal, benchmark.get_benchmark_system(session, code).region_code)
    return system_read(benchmark.publish_benchmark_system(session, code, actor=principal.actor))


@router.get("/benchmark/{code}")
def export_benchmark_system(code: str, principal: Principal = Depends(benchmark_reader),
                            session: Session = Depends(get_session)) -> dict[str, Any]:
    """A benchmark system as its document (the import file format) (L1)."""
    return benchmark.export_benchmark_system(session, code)


@router.get("/benchmark/{code}/zones.geojson")
def benchmark_zones(code: str, use: str | None = Query(None, max_length=24),
                    principal: Principal = Depends(benchmark_reader),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The price zones of a system as a GeoJSON FeatureCollection (for maps), optionally of one use (L1)."""
    doc = benchmark.export_benchmark_system(session, code)
    features = [{"type": "Feature", "geometry": z["geometry"],
                 "properties": {k: v for k, v in z.items() if k != "geometry"}}
                for z in doc["zones"] if use is None or z["use"] == use]
    return {"type": "FeatureCollection", "features": features}


# --- a parcel's values ----------------------------------------------------------------------------

def _factor_json(f: Any) -> dict[str, Any]:
    return {"name": f.name, "label": f.label, "kind": f.kind, "grade": f.grade, "value": str(f.value),
            "input": None if f.input is None else str(f.input)}


def coefficient_json(v: benchmark.ParcelCoefficientValue) -> dict[str, Any]:
    """A parcel's coefficient value as JSON with its full explanation."""
    r = v.result
    return {
        "method": "benchmark_coefficient", "parcel_id": v.parcel_id, "parcel_code": v.parcel_code,
        "land_use_class": v.land_use_class, "area_m2": str(v.area_m2), "benchmark": v.system_code,
        "benchmark_base_date": v.system_base_date.isoformat(), "valuation_date": v.valuation_date.isoformat(),
        "zone": {"code": v.zone.code, "use": v.zone.use, "grade": v.zone.grade, "name": v.zone.name,
                 "base_price": str(v.zone.base_price), "term_years": v.zone.term_years,
                 "plot_ratio": None if v.zone.plot_ratio is None else str(v.zone.plot_ratio),
                 "development_level": v.zone.development_level},
        "formula": r.formula, "development_order": r.development_order,
        "factor_sum_percent": str(r.factor_sum), "term_factor": str(r.term_factor),
        "remaining_years": str(v.remaining_years.quantize(Decimal("0.01"))), "remaining_source": v.remaining_source,
        "plot_ratio_factor": str(r.plot_ratio_factor),
        "plot_ratio": None if v.plot_ratio is None else str(v.plot_ratio), "plot_ratio_source": v.plot_ratio_source,
        "date_factor": str(r.date_factor), "date_factor_source": v.date_factor_source,
        "multiplier": str(r.multiplier), "development_adjustment": str(r.development_adjustment),
        "factors": [_factor_json(f) for f in r.factors],
        "price_per_m2_cny": str(r.price_per_m2), "value_cny": str(v.value_cny), "warnings": v.warnings,
    }


def comparison_json(v: comparison.ComparisonValue) -> dict[str, Any]:
    """A parcel's sales-comparison value as JSON with its comparables and adjustments."""
    return {
        "method": "sales_comparison", "parcel_id": v.parcel_id, "land_use_class": v.land_use_class,
        "area_m2": str(v.area_m2), "valuation_date": v.valuation_date.isoformat(), "benchmark": v.system_code,
        "candidates_considered": v.candidates_considered,
        "comparables": [{
            "sale_id": c.sale_id, "sale_no": c.sale_no, "sale_date": c.sale_date.isoformat(),
            "price_per_m2_cny": str(c.price_per_m2), "area_m2": str(c.area_m2), "distance_km": c.distance_km,
            "age_years": c.age_years, "similarity": c.similarity, "zone": c.zone_code,
            "adjustments": [{"name": a.name, "subject_index": str(a.subject_index),
                             "comparable_index": str(a.comparable_index), "ratio": str(a.ratio)}
                            for a in c.adjustments],
            "total_factor": str(c.total_factor), "corrected_price_cny": str(c.corrected_price), "warning": c.warning,
        } for c in v.comparables],
        "price_per_m2_cny": str(v.price_per_m2), "value_cny": str(v.value_cny), "spread": str(v.spread),
        "warnings": v.warnings,
    }


def _attributes(attr: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in attr:
        name, sep, value = item.partition(":")
        if not sep or not name:
            raise ValuationError.INVALID_ATTRIBUTE.error(attribute=item)
        try:
            out[name] = float(value)
        except ValueError:
            out[name] = value
    return out


@router.get("/parcels/{parcel_id}/coefficient-value")
def coefficient_value(parcel_id: int, valuation_date: date | None = None,
                      benchmark_code: str | None = Query(None, alias="benchmark", max_length=40),
                      remaining_years: Decimal | None = Query(None, gt=0, le=100),
                      plot_ratio: Decimal | None = Query(None, gt=0, le=50),
                      attr: list[str] = Query([], description="factor attribute as name:value, repeated"),
                      principal: Principal = Depends(parcel_valuer),
                      session: Session = Depends(get_session)) -> dict[str, Any]:
    """A parcel's value by the benchmark coefficient method with every factor explained (L1, F1)."""
    check_region(principal, get_parcel(session, parcel_id).region_code)
    value = benchmark.parcel_coefficient_value(session, parcel_id=parcel_id, valuation_date=valuation_date,
                                               system_code=benchmark_code, remaining_years=remaining_years,
                                               plot_ratio=plot_ratio, attributes=_attributes(attr))
    return coefficient_json(value)


@router.get("/parcels/{parcel_id}/comparison-value")
def comparison_value(parcel_id: int, valuation_date: date | None = None,
                     benchmark_code: str | None = Query(None, alias="benchmark", max_length=40),
                     principal: Principal = Depends(parcel_valuer),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """A parcel's value by sales comparison: comparables, index adjustments, warnings (L1, F1)."""
    check_region(principal, get_parcel(session, parcel_id).region_code)
    return comparison_json(comparison.comparison_value(session, parcel_id=parcel_id, valuation_date=valuation_date,
                                                       system_code=benchmark_code))

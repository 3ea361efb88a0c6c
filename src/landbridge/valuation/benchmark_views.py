"""Valuation JSON API, engineer A's part: ratio studies, sales validation (L1).

Permissions: the natural-resources bureau (``nr_official``) and supervisors run ratio studies (a
study reads only the numbers it is sent and changes nothing) and read sale flags of their
organisation's area; only the bureau screens sales and reviews flags.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.auth import Principal, Role, check_region, require_roles
from landbridge.auth.service import region_prefix as area_prefix
from landbridge.config import get_settings
from landbridge.errors import Forbidden, RuleViolation
from landbridge.valuation import validation
from landbridge.valuation.benchmark_models import FlagReason, FlagStatus, SaleFlag
from landbridge.valuation.ratio import RatioInputError, read_csv_columns
from landbridge.valuation.ratio_cli import run_ratio_study
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

STUDY_ROLES = (Role.nr_official, Role.supervisor)
studier = require_roles(*STUDY_ROLES)
flag_reader = require_roles(Role.nr_official, Role.supervisor)
bureau = require_roles(Role.nr_official)
MAX_ROWS = 1_000_000


class RatioRow(BaseModel):
    appraised: float = Field(gt=0)
    sale: float = Field(gt=0)
    segment: str | None = Field(default=None, max_length=64)


class RatioStudyOptions(BaseModel):
    trim: Literal["iqr", "iqr3"] | None = "iqr"
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    price_bands: int = Field(0, ge=0, le=20)
    property_class: str = Field("other", max_length=32)


class RatioStudyIn(RatioStudyOptions):
    rows: list[RatioRow] = Field(min_length=2, max_length=MAX_ROWS)


def _invalid(message_en: str) -> RuleViolation:
    return RuleViolation("valuation.invalid_ratio_input", f"评估比率研究的输入无效: {message_en}",
                         f"invalid ratio-study input: {message_en}")


def _from_rows(body: RatioStudyIn) -> dict[str, Any]:
    segment = "segment" if any(r.segment is not None for r in body.rows) else None
    data: dict[str, Any] = {"appraised": [r.appraised for r in body.rows], "sale": [r.sale for r in body.rows]}
    if segment:
        data["segment"] = [r.segment or "" for r in body.rows]
    return run_ratio_study(data, "appraised", "sale", segment=segment, price_band=body.price_bands, trim=body.trim,
                           confidence=body.confidence, seed=body.seed, property_class=body.property_class)


async def _from_upload(request: Request) -> dict[str, Any]:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise _invalid("a CSV file is required in the form field 'file'")
    limit = get_settings().max_upload_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise RuleViolation("valuation.file_too_large", "文件过大", "the file is too large", limit_bytes=limit)
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
    raise Forbidden("auth.forbidden_region", "该区域不在您所在机构的管辖范围内",
                    "this region is outside your organisation's area", region_prefix=requested)


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

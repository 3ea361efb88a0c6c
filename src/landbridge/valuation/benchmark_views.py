"""Valuation JSON API, engineer A's part: ratio studies (L1).

Permissions: the natural-resources bureau (``nr_official``) and supervisors run ratio studies; a study
reads only the numbers it is sent and changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from landbridge.auth import Principal, Role, require_roles
from landbridge.config import get_settings
from landbridge.errors import RuleViolation
from landbridge.valuation.ratio import RatioInputError, read_csv_columns
from landbridge.valuation.ratio_cli import run_ratio_study
from landbridge.web.transaction import TransactionalRoute

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

STUDY_ROLES = (Role.nr_official, Role.supervisor)
studier = require_roles(*STUDY_ROLES)
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

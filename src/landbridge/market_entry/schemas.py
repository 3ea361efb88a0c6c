"""Market-entry API shapes (issue #15): one step body with bounded fields, the case as a party sees it."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Money = Field(None, gt=0, max_digits=16, decimal_places=2)
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Value = Annotated[str, StringConstraints(max_length=200)]
PLAN_JSON_MAX = 20_000  # bound on the plan's size as JSON (input hygiene, not policy)


class CaseOpen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collective_id: int = Field(ge=1, le=2**31 - 1)
    unit_id: int = Field(ge=1, le=2**31 - 1)
    acknowledgement: str = Field(min_length=1, max_length=500)
    purpose: str = Field("operating", min_length=1, max_length=32, pattern=r"^[a-z_]+$",
                         description="operating | rental_housing (集体土地租赁住房) "
                                     "| urban_village_phase (城中村分期改造)")
    programme_ref: str | None = Field(None, min_length=1, max_length=60, description="改造项目编号 (urban village)")
    phase: int | None = Field(None, ge=1, le=999, description="期次 (urban village)")
    conversion_motion_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                             description="passed 撤村改制 motion of a collective not yet converted")


class StepIn(BaseModel):
    """The body of a step: the acting user's acknowledgement and the step's own fields (the others ignored)."""

    model_config = ConfigDict(extra="forbid")

    acknowledgement: str = Field(min_length=1, max_length=500, description="签署确认 (signed acknowledgement)")
    land_use: str | None = Field(None, max_length=8)
    indicators: dict[Key, Value] | None = Field(None, max_length=5)
    industry_requirements: str | None = Field(None, max_length=2000)
    environment_requirements: str | None = Field(None, max_length=2000)
    plan: dict[Key, Any] | None = Field(None, max_length=20)
    held_at: datetime | None = None
    attendees: int | None = Field(None, ge=1, le=1000)
    opinion: str | None = Field(None, max_length=2000)
    motion_id: int | None = Field(None, ge=1, le=2**31 - 1)
    equity_motion_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                         description="passed 作价入股 motion on the case (an equity plan only)")
    transaction_on: date | None = None
    text: str | None = Field(None, max_length=2000)
    uphold: bool | None = None
    reason: str | None = Field(None, max_length=300)
    start_price: Decimal | None = Money
    appraised_value: Decimal | None = Money
    appraisal_ref: str | None = Field(None, max_length=120)
    starts_at: datetime | None = None

    @field_validator("plan")
    @classmethod
    def _plan_is_bounded(cls, plan: dict[str, Any] | None) -> dict[str, Any] | None:
        if plan is not None and len(json.dumps(plan, default=str, ensure_ascii=False)) > PLAN_JSON_MAX:
            raise ValueError(f"the plan is larger than {PLAN_JSON_MAX} characters as JSON")
        return plan


class CaseRead(BaseModel):
    id: int
    number: str
    status: str
    region_code: str
    collective_id: int
    unit_id: int
    parcel_id: int
    purpose: str
    programme_ref: str | None
    phase: int | None
    next_party: str | None
    due_step: str | None
    due_on: date | None
    conditions: dict[str, Any] | None
    plan: dict[Key, Any] | None
    filed_on: date | None
    objection_closes_on: date | None
    transaction_on: date | None
    objection_status: str | None
    lot_id: int | None
    floor_price_cny: Decimal | None
    start_price_cny: Decimal | None
    price_cny: Decimal | None
    adjustment_fee_cny: Decimal | None
    proceeds_cny: Decimal | None
    retained_cny: Decimal | None
    members_cny: Decimal | None
    registry_application_id: int | None
    equity_motion_id: int | None = None
    equity_contribution_id: int | None = None
    attempts: int
    version: int


class FlagRead(BaseModel):
    case_id: int
    number: str
    flag: str
    name_zh: str
    name_en: str
    detail: str


class AuthorisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desk_organisation_id: int = Field(ge=1, le=2**31 - 1)
    valid_until: date

"""The market-entry case page's step forms (issue #15, 一次不跑): each step's fields as a table (``FORMS``) and the
parsing of a posted form into the API's body (``parse_step``): every field typed and bounded, a bad one refused as
``market_entry.invalid_field`` naming it in Chinese and English. Split from ``pages`` (the routes and what the
case file offers) to keep each module readable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from landbridge.errors import DomainError
from landbridge.kernel.bounds import DATE_MAX, DATE_MIN, DB_INT_MAX
from landbridge.kernel.clock import SHANGHAI
from landbridge.market_entry import service
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.schemas import StepIn
from landbridge.web.i18n import layered_translator, module_catalogue

LOCALE_DIR = Path(__file__).parent / "locale"
METHOD_LABELS = {"grant": "Grant", "lease": "Lease", "equity": "Contribution as equity"}
TRANSACTION_LABELS = {"listing": "Listing", "auction": "Auction", "tender": "Tender", "negotiated": "Negotiated"}
RAW_MAX = 2000  # a form value longer than any field of a step is refused before parsing


@dataclass(frozen=True)
class Field:
    """One field of a step's form: its form name, English label (translated on the page), kind and whether
    it must be filled. Kinds: text, textarea, int, number, date, datetime, select, yesno, and motion: a pick of
    the collective's sealed, passed motions of the kind ``options`` on the case (its number posted)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    options: str = ""  # the label table of a select's values
    placeholder: str = ""


F = Field  # the form tables below read as rows


REASON = (F("reason", "Reason"),)
CONSENT_KIND = "market_entry_consent"
# the motion kinds the vote step picks from, and the step's fields that pick them (an equity plan only: the second)
MOTION_KINDS = (CONSENT_KIND, service.EQUITY_KIND)
INDICATORS = ("max_plot_ratio", "min_plot_ratio", "max_building_density", "max_height_m", "min_green_ratio")
INDICATOR_LABELS = {"max_plot_ratio": "Max. plot ratio", "min_plot_ratio": "Min. plot ratio",
                    "max_building_density": "Max. building density", "max_height_m": "Max. height (m)",
                    "min_green_ratio": "Min. green ratio"}
PLAN_FIELDS = (
    F("plan_boundary", "Boundary (四至)", "textarea"), F("plan_area_m2", "Area (m²)", "number"),
    F("plan_land_use", "Land use (GB/T 21010 class)"), F("plan_conditions", "Planning conditions number"),
    F("plan_industry_requirements", "Industry requirements", "textarea"),
    F("plan_environment_requirements", "Environmental requirements", "textarea"),
    F("plan_term_years", "Term (years)", "int"), F("plan_method", "Entry method", "select", options="method"),
    F("plan_equity_share", "Collective's equity share (for contribution as equity, e.g. 3/10)", required=False),
    F("plan_transaction_method", "Transaction method", "select", options="transaction"),
    F("plan_floor_price", "Floor price (yuan)", "number"),
    F("plan_retained_share", "Share retained by the collective (0 to 1)", "number"),
    F("plan_land_grade", "Land grade", "int", required=False))
FORMS: dict[str, tuple[Field, ...]] = {
    "issue-conditions": (F("land_use", "Land use (GB/T 21010 class)", placeholder="0601"),
                         *(F(f"ind_{n}", INDICATOR_LABELS[n], "number", required=False) for n in INDICATORS),
                         F("industry_requirements", "Industry requirements", "textarea"),
                         F("environment_requirements", "Environmental requirements", "textarea")),
    "draft-plan": PLAN_FIELDS,
    "consult-council": (F("held_at", "Held at", "datetime"), F("attendees", "Attendees", "int"),
                        F("opinion", "The council's opinion", "textarea")),
    "record-vote": (F("motion_id", "Consent motion", "motion", options=CONSENT_KIND),
                    F("equity_motion_id", "Equity contribution motion", "motion", required=False,
                      options=service.EQUITY_KIND)),
    "file": (F("transaction_on", "Transaction day", "date"),),
    "objections": (F("text", "Objection", "textarea"),),
    "rule-objection": (F("uphold", "Ruling", "yesno", options="yesno"), F("reason", "Reason")),
    "list": (F("start_price", "Start price (yuan)", "number"), F("appraised_value", "Appraised value (yuan)", "number"),
             F("appraisal_ref", "Appraisal report reference"), F("starts_at", "Transaction starts at", "datetime")),
    "relist": (F("starts_at", "Transaction starts at", "datetime"),),
    "suspend": REASON, "resume": REASON, "terminate": REASON, "withdraw": REASON,
}
HINTS = {"required": ("必填", "required"), "number": ("须为数字", "must be a number"),
         "int": ("须为整数", "must be a whole number"), "date": ("须为日期（年-月-日）", "must be a date (YYYY-MM-DD)"),
         "datetime": ("须为日期和时间", "must be a date and time"),
         "choice": ("须从选项中选择", "must be one of the choices"),
         "long": ("内容过长", "too long"), "range": ("格式或范围不符", "malformed or out of range")}
# StepIn's fields and the form field whose label names them in a message
STEP_FIELD_OF = {"plan": "plan_boundary", "indicators": "ind_max_plot_ratio"}


def zh(text: str) -> str:
    """An English page message in Chinese (this module's catalogue, then the platform's)."""
    return layered_translator("zh_CN", module_catalogue(str(LOCALE_DIR), "zh_CN"))(text)


def invalid(field: Field, hint: str) -> DomainError:
    hint_zh, hint_en = HINTS[hint]
    return MarketEntryError.INVALID_FIELD.error({"label": zh(field.label), "label_en": field.label, "hint": hint_zh,
                                                 "hint_en": hint_en}, field=field.name)


def field_value(field: Field, raw: str) -> Any:
    """A form value as the step wants it (None when blank), or the field's typed error."""
    text = raw.strip()
    if len(text) > RAW_MAX:
        raise invalid(field, "long")
    if not text:
        if field.required:
            raise invalid(field, "required")
        return None
    try:
        if field.kind in {"int", "motion"}:
            if not text.lstrip("-").isdigit() or not -DB_INT_MAX <= int(text) <= DB_INT_MAX:
                raise ValueError(text)
            return int(text)
        if field.kind == "number":
            number = Decimal(text)
            if not number.is_finite() or abs(number) >= Decimal(10) ** 14:
                raise ValueError(text)
            return text
        if field.kind == "date":
            day = date.fromisoformat(text)
            if not DATE_MIN <= day <= DATE_MAX:
                raise ValueError(text)
            return day
        if field.kind == "datetime":
            at = datetime.fromisoformat(text)
            if not DATE_MIN <= at.date() <= DATE_MAX:
                raise ValueError(text)
            return at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at  # the form's time is Beijing time
    except (ValueError, InvalidOperation):
        raise invalid(field, field.kind) from None
    if field.kind == "yesno":
        if text not in {"yes", "no"}:
            raise invalid(field, "choice")
        return text == "yes"
    if field.kind == "select" and text not in {"method": METHOD_LABELS, "transaction": TRANSACTION_LABELS}.get(
            field.options, {}):
        raise invalid(field, "choice")
    return text


def parse_step(step: str, form: Mapping[str, str]) -> StepIn:
    """The step's form as the API's body (``StepIn``): each field typed, then StepIn's own bounds; a bad field is
    ``market_entry.invalid_field`` naming it, a missing acknowledgement ``market_entry.ack_required``."""
    fields = FORMS.get(step, ())
    values = {f.name: field_value(f, form.get(f.name, "")) for f in fields}
    body: dict[str, Any] = {"acknowledgement": form.get("acknowledgement", "").strip()[:RAW_MAX]}
    if not body["acknowledgement"]:
        raise MarketEntryError.ACK_REQUIRED.error()
    if step == "issue-conditions":
        body["indicators"] = {n: values.pop(f"ind_{n}") for n in INDICATORS if values.get(f"ind_{n}") is not None}
        body.update({k: v for k, v in values.items() if not k.startswith("ind_")})
    elif step == "draft-plan":
        plan = {k.removeprefix("plan_"): v for k, v in values.items()}
        plan["revenue_arrangement"] = {"retained_share": plan.pop("retained_share")}
        for optional in ("equity_share", "land_grade"):
            if plan[optional] is None:
                del plan[optional]
        body["plan"] = plan
    else:
        body.update(values)
    try:
        return StepIn.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first.get("loc") else ""
        if name == "acknowledgement":
            raise MarketEntryError.ACK_REQUIRED.error() from None
        field = next((f for f in fields if f.name == STEP_FIELD_OF.get(name, name)), Field(name, name))
        raise invalid(field, "range") from None

"""Pure planning rules (rules.md, Market entry: planning conditions; L2, L4).

Zone kinds and statuses, the allowed status transitions, permitted-use matching on GB/T 21010
land-use classes, merging a zone's planning conditions with its kind's defaults, and choosing the
zone that governs a parcel (largest overlap). No database and no web framework here: the service
feeds these functions plain values read from the city profile and the tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from landbridge.planning.errors import PlanningError


class ZoneKind(StrEnum):
    """国土空间规划 用途分区 (plan_zone kinds of the territorial spatial plan, L2)."""

    urban_construction = "urban_construction"  # 城镇集中建设区
    town_construction = "town_construction"  # 乡镇建设区
    village_construction = "village_construction"  # 村庄建设区
    industrial = "industrial"  # 工业发展区
    permanent_basic_farmland = "permanent_basic_farmland"  # 永久基本农田
    general_agriculture = "general_agriculture"  # 一般农业区
    forestry = "forestry"  # 林业发展区
    ecological_redline = "ecological_redline"  # 生态保护红线
    water = "water"  # 水域
    mineral = "mineral"  # 矿产能源发展区


# Chinese and English names of the zone kinds (glossary.md), for pages and the map legend.
ZONE_KIND_NAMES: dict[ZoneKind, tuple[str, str]] = {
    ZoneKind.urban_construction: ("城镇集中建设区", "Urban construction zone"),
    ZoneKind.town_construction: ("乡镇建设区", "Township construction zone"),
    ZoneKind.village_construction: ("村庄建设区", "Village construction zone"),
    ZoneKind.industrial: ("工业发展区", "Industrial development zone"),
    ZoneKind.permanent_basic_farmland: ("永久基本农田", "Permanent basic farmland"),
    ZoneKind.general_agriculture: ("一般农业区", "General agricultural zone"),
    ZoneKind.forestry: ("林业发展区", "Forestry development zone"),
    ZoneKind.ecological_redline: ("生态保护红线", "Ecological protection redline"),
    ZoneKind.water: ("水域", "Water area"),
    ZoneKind.mineral: ("矿产能源发展区", "Mineral and energy development zone"),
}


class ZoneStatus(StrEnum):
    """Status of a plan zone: 草案 draft → 批准 approved → 废止/被替代 superseded."""

    draft = "draft"
    approved = "approved"
    superseded = "superseded"


# The allowed transitions of a zone; a superseded zone never comes back.
TRANSITIONS: dict[ZoneStatus, frozenset[ZoneStatus]] = {
    ZoneStatus.draft: frozenset({ZoneStatus.approved}),
    ZoneStatus.approved: frozenset({ZoneStatus.superseded}),
    ZoneStatus.superseded: frozenset(),
}


class FeatureKind(StrEnum):
    """One-map layers (一张图) of the plan: town centres, roads, rivers, boundaries, hamlets."""

    town_centre = "town_centre"  # 乡镇驻地
    road = "road"  # 道路
    river = "river"  # 河流
    boundary = "boundary"  # 行政区界
    hamlet = "hamlet"  # 自然村


# A GB/T 21010-2017 class: a first-level class 01..12, optionally with its two-digit sub-class.
LAND_USE_RE = re.compile(r"^(0[1-9]|1[0-2])(\d\d)?$")
CONDITION_FIELDS = ("max_plot_ratio", "min_plot_ratio", "max_building_density", "max_height_m", "min_green_ratio")
RATIO_FIELDS = frozenset({"max_building_density", "min_green_ratio"})
# Decimal places stored for each indicator (the columns' scale); more places are refused, not rounded.
CONDITION_PLACES = {"max_plot_ratio": 3, "min_plot_ratio": 3, "max_building_density": 4, "max_height_m": 2,
                    "min_green_ratio": 4}
MAX_INDICATOR = Decimal(10_000)
SHARE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class Conditions:
    """规划条件 indicators: plot ratio range, building density, height and green ratio (None: not set)."""

    max_plot_ratio: Decimal | None = None
    min_plot_ratio: Decimal | None = None
    max_building_density: Decimal | None = None
    max_height_m: Decimal | None = None
    min_green_ratio: Decimal | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: (None if getattr(self, f.name) is None else str(getattr(self, f.name))) for f in fields(self)}


@dataclass(frozen=True)
class KindDefaults:
    """A zone kind's default permitted uses and conditions from the city profile, with their source."""

    kind: ZoneKind
    permitted_uses: tuple[str, ...]
    conditions: Conditions
    source: str
    verified: bool


def transition(current: str, target: ZoneStatus) -> ZoneStatus:
    """Check that a zone may move from ``current`` to ``target`` (409 ``planning.invalid_transition``)."""
    state = ZoneStatus(current)
    if target not in TRANSITIONS[state]:
        raise PlanningError.INVALID_TRANSITION.error({"state": state, "target": target}, status=state.value,
                                                     target=target.value)
    return target


def parse_zone_kind(value: str) -> ZoneKind:
    """A zone kind from its code (422 ``planning.invalid_zone_kind``)."""
    try:
        return ZoneKind(value)
    except ValueError:
        raise PlanningError.INVALID_ZONE_KIND.error({"value": value}, zone_kind=value) from None


def parse_feature_kind(value: str) -> FeatureKind:
    """A one-map layer kind from its code (422 ``planning.invalid_feature_kind``)."""
    try:
        return FeatureKind(value)
    except ValueError:
        raise PlanningError.INVALID_FEATURE_KIND.error({"value": value}, kind=value) from None


def is_land_use_code(code: str) -> bool:
    """Whether ``code`` is a GB/T 21010 land-use class: first level (``06``) or second level (``0601``)."""
    return bool(LAND_USE_RE.match(code))


def check_land_use_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Validate and de-duplicate permitted uses, keeping their order (422 ``planning.invalid_land_use_class``)."""
    out: list[str] = []
    for code in codes:
        if not isinstance(code, str) or not is_land_use_code(code):
            raise PlanningError.INVALID_LAND_USE_CLASS.error({"code": code}, land_use_class=str(code))
        if code not in out:
            out.append(code)
    return tuple(out)


def use_permitted(permitted_uses: Sequence[str], land_use_class: str) -> bool:
    """Whether a land-use class is permitted: equal to a permitted class or a sub-class of a first-level one (L2)."""
    return any(land_use_class == p or (len(p) == 2 and land_use_class.startswith(p)) for p in permitted_uses)


def operating_use_permitted(permitted_uses: Sequence[str], operating_classes: Sequence[str]) -> bool:
    """Whether the plan allows any operating (industrial/commercial) use here: the L4 market-entry test."""
    for p in permitted_uses:
        for op in operating_classes:
            if p == op or (len(p) == 2 and op.startswith(p)) or (len(op) == 2 and p.startswith(op)):
                return True
    return False


def to_decimal(value: Any, name: str) -> Decimal | None:
    """A condition value as a Decimal at its stored scale (strings, ints, Decimals; never floats), or None."""
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise PlanningError.INVALID_CONDITIONS.error({"name": name, "type_value___name": type(value).__name__},
                                                     field=name)
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise PlanningError.INVALID_CONDITIONS_6.error({"name": name}, field=name) from None
    if not out.is_finite() or abs(out) >= MAX_INDICATOR:
        raise PlanningError.INVALID_CONDITIONS_2.error({"name": name}, field=name)
    places = CONDITION_PLACES[name]
    quantum = Decimal(1).scaleb(-places)
    if out != out.quantize(quantum):
        raise PlanningError.INVALID_CONDITIONS_3.error({"name": name, "places": places}, field=name)
    return out.quantize(quantum)


def conditions_from(mapping: Mapping[str, Any]) -> Conditions:
    """Conditions from a mapping of the five indicator names (missing ones are None)."""
    unknown = set(mapping) - set(CONDITION_FIELDS) - {"permitted_uses"}
    if unknown:
        raise PlanningError.INVALID_CONDITIONS_4.error({"sorted_unknown": sorted(unknown)}, fields=sorted(unknown))
    return Conditions(**{name: to_decimal(mapping.get(name), name) for name in CONDITION_FIELDS})


def check_conditions(c: Conditions) -> Conditions:
    """Indicators ≥ 0, ratios ≤ 1, plot-ratio range not inverted (422 ``planning.invalid_conditions``)."""
    for name in CONDITION_FIELDS:
        value: Decimal | None = getattr(c, name)
        if value is None:
            continue
        if value < 0:
            raise PlanningError.INVALID_CONDITIONS_7.error({"name": name}, field=name)
        if name in RATIO_FIELDS and value > 1:
            raise PlanningError.INVALID_CONDITIONS_8.error({"name": name}, field=name)
    if c.min_plot_ratio is not None and c.max_plot_ratio is not None and c.min_plot_ratio > c.max_plot_ratio:
        raise PlanningError.INVALID_CONDITIONS_5.error(field="min_plot_ratio")
    return c


def merge_conditions(own: Conditions, defaults: Conditions) -> Conditions:
    """The zone's own indicators where set, otherwise its kind's defaults (规划条件 of a zone, L2).

    The result may be contradictory (a zone's own minimum above the default maximum); the service
    checks the merged conditions with ``check_conditions`` when a zone is created.
    """
    return replace(defaults, **{name: getattr(own, name) for name in CONDITION_FIELDS
                                if getattr(own, name) is not None})


def merge_permitted_uses(own: Sequence[str], defaults: Sequence[str]) -> tuple[str, ...]:
    """A zone's own permitted uses replace its kind's defaults; an empty list means "the defaults"."""
    return tuple(own) if own else tuple(defaults)


def kind_defaults(kind: ZoneKind, value: Mapping[str, Any], *, source: str, verified: bool) -> KindDefaults:
    """Read a kind's defaults from its rule value (``permitted_uses`` + the five indicators)."""
    uses = check_land_use_codes(value.get("permitted_uses", []))
    return KindDefaults(kind, uses, check_conditions(conditions_from(value)), source, verified)


def overlap_share(overlap_m2: float, total_m2: float) -> Decimal:
    """The share of a parcel covered by a zone, as a Decimal to 0.0001 (0 ≤ share ≤ 1)."""
    if total_m2 <= 0:
        return Decimal(0)
    share = Decimal(repr(max(0.0, min(overlap_m2 / total_m2, 1.0))))
    return share.quantize(SHARE_QUANTUM, rounding=ROUND_HALF_UP)


def rank_overlaps(overlaps: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    """Zones (id, overlap m²) with a positive overlap, largest first; ties go to the lower id (stable, L2)."""
    return sorted(((zid, area) for zid, area in overlaps if area > 0), key=lambda t: (-t[1], t[0]))

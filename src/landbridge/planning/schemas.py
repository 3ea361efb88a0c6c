"""Planning inputs and outputs: plain dataclasses for service callers, Pydantic bodies for the API (L2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from landbridge.kernel.bounds import BoundedDecimal
from landbridge.planning.rules import Conditions

# --- service inputs and results (other modules and the demo builder use these) ---------------------


@dataclass(frozen=True)
class ZoneIn:
    """A plan zone to create: code (unique in its plan version), kind, region, (Multi)Polygon and own values."""

    code: str
    zone_kind: str
    region_code: str
    geometry: BaseGeometry
    effective_from: date
    permitted_uses: tuple[str, ...] = ()
    max_plot_ratio: Decimal | None = None
    min_plot_ratio: Decimal | None = None
    max_building_density: Decimal | None = None
    max_height_m: Decimal | None = None
    min_green_ratio: Decimal | None = None
    effective_to: date | None = None

    @property
    def conditions(self) -> Conditions:
        return Conditions(self.max_plot_ratio, self.min_plot_ratio, self.max_building_density, self.max_height_m,
                          self.min_green_ratio)


@dataclass(frozen=True)
class FeatureIn:
    """A one-map layer feature: kind (town_centre|road|river|boundary|hamlet), subkind, name, geometry."""

    kind: str
    subkind: str
    name: str
    geometry: BaseGeometry
    code: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneShare:
    """One zone meeting a parcel and the share of the parcel's area it covers."""

    zone_id: int
    code: str
    zone_kind: str
    share: Decimal


@dataclass(frozen=True)
class PlanningConditions:
    """规划条件 of a piece of land: the governing zone (largest overlap), its permitted uses and indicators (L2)."""

    zone_id: int
    zone_code: str
    plan_version: str
    zone_kind: str
    region_code: str
    overlap_share: Decimal
    permitted_uses: tuple[str, ...]
    conditions: Conditions
    operating_use_permitted: bool
    defaults_verified: bool
    defaults_source: str
    zones: tuple[ZoneShare, ...]

    @property
    def max_plot_ratio(self) -> Decimal | None:
        return self.conditions.max_plot_ratio

    @property
    def min_plot_ratio(self) -> Decimal | None:
        return self.conditions.min_plot_ratio

    @property
    def max_building_density(self) -> Decimal | None:
        return self.conditions.max_building_density

    @property
    def max_height_m(self) -> Decimal | None:
        return self.conditions.max_height_m

    @property
    def min_green_ratio(self) -> Decimal | None:
        return self.conditions.min_green_ratio


# --- API bodies ----------------------------------------------------------------------------------

Indicator = BoundedDecimal | None  # finite, bounded digits: 1E+999999999 is a 422 (issue #12 item 7)


class ZoneProperties(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    plan_version: str = Field(min_length=1, max_length=200)
    zone_kind: str = Field(max_length=40)
    region_code: str = Field(pattern=r"^\d{12}$")
    permitted_uses: list[str] = Field(default_factory=list, max_length=60)
    max_plot_ratio: Indicator = Field(default=None, allow_inf_nan=False)
    min_plot_ratio: Indicator = Field(default=None, allow_inf_nan=False)
    max_building_density: Indicator = Field(default=None, allow_inf_nan=False)
    max_height_m: Indicator = Field(default=None, allow_inf_nan=False)
    min_green_ratio: Indicator = Field(default=None, allow_inf_nan=False)
    effective_from: date
    effective_to: date | None = None


class ZoneFeatureIn(BaseModel):
    """A GeoJSON Feature in EPSG:4490 (lon, lat): the zone's (Multi)Polygon and its properties."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: ZoneProperties


class SupersedeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class ZoneRead(BaseModel):
    """A zone as a GeoJSON Feature; ``properties`` carry its own and its effective (merged) values."""

    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class ZoneFeatureCollection(BaseModel):
    """Zones meeting a viewport, one page of them, as GeoJSON."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


class LayerFeatureCollection(BaseModel):
    """One-map layer features meeting a viewport, simplified for the zoom level."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    returned: int
    truncated: bool


class ZoneShareRead(BaseModel):
    zone_id: int
    code: str
    zone_kind: str
    share: Decimal


class ConditionsRead(BaseModel):
    """规划条件 of a parcel: the governing zone, its permitted uses and indicators, and every zone it meets."""

    parcel_id: int | None = None
    zone_id: int
    zone_code: str
    plan_version: str
    zone_kind: str
    zone_kind_name: str
    zone_kind_name_en: str
    region_code: str
    overlap_share: Decimal
    permitted_uses: list[str]
    max_plot_ratio: Decimal | None
    min_plot_ratio: Decimal | None
    max_building_density: Decimal | None
    max_height_m: Decimal | None
    min_green_ratio: Decimal | None
    operating_use_permitted: bool
    defaults_verified: bool
    defaults_source: str
    zones: list[ZoneShareRead]


class ZoneKindRead(BaseModel):
    """A zone kind with its default permitted uses and conditions from the city profile."""

    kind: str
    name: str
    name_en: str
    permitted_uses: list[str]
    max_plot_ratio: Decimal | None
    min_plot_ratio: Decimal | None
    max_building_density: Decimal | None
    max_height_m: Decimal | None
    min_green_ratio: Decimal | None
    operating_use_permitted: bool
    source: str
    verified: bool

"""Valuation schemas: a sale to record (``SaleIn`` for the bulk path, ``SaleCreate`` for the API), sales out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


@dataclass(frozen=True, slots=True)
class SaleIn:
    """One sale to record (bulk path): money in yuan as ``Decimal``, area in m², coordinates in EPSG:4490."""

    sale_date: date
    price_cny: Decimal
    area_m2: Decimal
    land_use_class: str
    region_code: str
    right_type: str
    method: str
    parcel_id: int | None = None
    unit_code: str | None = None
    term_years: int | None = None
    plot_ratio: Decimal | None = None
    lon: float | None = None
    lat: float | None = None
    buyer_party_id: int | None = None
    seller_party_id: int | None = None
    related_parties: bool | None = None


class SaleCreate(BaseModel):
    """A sale entered through the API (nr_official, admin)."""

    sale_date: date
    price_cny: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="total price in yuan")
    area_m2: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    land_use_class: str = Field(min_length=2, max_length=8, description="GB/T 21010-2017 code")
    region_code: str = Field(pattern=r"^\d{12}$")
    right_type: str = Field(max_length=48)
    method: str = Field(max_length=16)
    parcel_id: int | None = None
    unit_code: str | None = Field(default=None, min_length=28, max_length=28)
    term_years: int | None = Field(default=None, gt=0, le=100)
    plot_ratio: Decimal | None = Field(default=None, gt=0, max_digits=8, decimal_places=4)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    buyer_party_id: int | None = None
    seller_party_id: int | None = None
    related_parties: bool | None = None
    source: Literal["exchange", "registry", "import"] = "exchange"


class SaleRead(BaseModel):
    """A recorded sale; buyer and seller are null (masked) unless the caller's role may see them."""

    id: int
    sale_no: str
    parcel_id: int | None
    unit_code: str | None
    region_code: str
    land_use_class: str
    right_type: str
    sale_date: date
    price_cny: Decimal
    price_per_m2_cny: Decimal
    area_m2: Decimal
    term_years: int | None
    plot_ratio: Decimal | None
    lon: float | None
    lat: float | None
    method: str
    source: str
    buyer_party_id: int | None
    seller_party_id: int | None
    parties_masked: bool
    related_parties: bool | None
    created_at: datetime
    batch_id: int | None


class SalePage(BaseModel):
    items: list[SaleRead]
    total: int
    page: int
    page_size: int

"""Registry API schemas (typed request and response bodies)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field


class HolderIn(BaseModel):
    party_id: int
    share: str = Field(default="1", description='exact fraction, e.g. "1/2"', max_length=20)


class MemberIn(BaseModel):
    party_id: int
    relation: str = Field(max_length=40)
    share: str = Field(default="1", max_length=20)


class PartyCreate(BaseModel):
    kind: Literal["person", "organisation", "group"]
    name: str = Field(min_length=1, max_length=200)
    id_type: Literal["resident_id", "uscc"] | None = None
    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    members: list[MemberIn] = Field(default_factory=list)


class PartyRead(BaseModel):
    id: int
    kind: str
    name: str
    id_type: str | None
    id_number: str | None
    phone: str | None
    address: str | None
    region_code: str | None


class PartyLookup(BaseModel):
    """An exact look-up by ID number (in the body, never in a URL that logs keep)."""

    id_type: Literal["resident_id", "uscc"] = "resident_id"
    id_number: str = Field(min_length=1, max_length=18)


class PersonalReadRead(BaseModel):
    """One recorded read of an unmasked personal record (supervisors' view; issue #12 item 4)."""

    id: int
    read_at: datetime
    reader: str
    reader_role: str
    reader_organisation_id: int | None
    record: str
    party_id: int | None
    purpose: str


class PersonalReadPage(BaseModel):
    items: list[PersonalReadRead]
    next_before_id: int | None = Field(description="pass as before_id for the next (older) page; null at the end")


class MyRecordRead(BaseModel):
    """A read of the caller's own record: who (role and organisation), when and why, not the username."""

    read_at: datetime
    reader_role: str
    reader_organisation: str | None
    purpose: str


class MyRecordReadPage(BaseModel):
    items: list[MyRecordRead]
    next_before_id: int | None


class ParcelProperties(BaseModel):
    region_code: str = Field(pattern=r"^\d{12}$")
    land_use_class: str = Field(min_length=2, max_length=8)
    location: str | None = Field(default=None, max_length=300)
    right_type: str
    holders: list[HolderIn] = Field(min_length=1)
    attachment: Literal["F", "L", "Q", "W"] = "W"
    feature_code: str | None = Field(default=None, min_length=2, max_length=2)
    term_start: date | None = None
    term_end: date | None = None
    house_holders: list[HolderIn] | None = None


class ParcelFeatureIn(BaseModel):
    """A GeoJSON Feature in EPSG:4490 (lon, lat) describing the parcel to register."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: ParcelProperties


class CertificateBrief(BaseModel):
    id: int
    number: str
    kind: str
    status: str
    unit_id: int
    right_id: int | None
    restriction_id: int | None
    issued_at: datetime
    verify_token: str
    ledger_seq: int | None


class ApplicationRead(BaseModel):
    id: int
    number: str
    kind: str
    status: str
    region_code: str
    unit_id: int | None
    summary: str
    lodged_by: str
    lodged_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    payload: dict[str, Any]
    warnings: list[dict[str, Any]]
    certificates: list[CertificateBrief]


class ApplicationPage(BaseModel):
    items: list[ApplicationRead]
    total: int
    limit: int
    offset: int


class TransferIn(BaseModel):
    unit_id: int
    holders: list[HolderIn] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=300)
    mortgagee_consent: bool = False
    right_id: int | None = None


class MortgageIn(BaseModel):
    unit_id: int
    mortgagee_party_id: int
    secured_amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    no_transfer_agreement: bool = False
    right_id: int | None = None
    document_no: str | None = Field(default=None, max_length=120)


class SeizureIn(BaseModel):
    unit_id: int
    document_no: str = Field(min_length=1, max_length=120)
    court_party_id: int | None = None
    right_id: int | None = None


class ObjectionIn(BaseModel):
    unit_id: int
    objector_party_id: int
    reason: str = Field(min_length=1, max_length=300)
    right_id: int | None = None


class AdvanceNoticeIn(BaseModel):
    unit_id: int
    holder_party_id: int
    document_no: str | None = Field(default=None, max_length=120)
    right_id: int | None = None


class CancellationIn(BaseModel):
    unit_id: int
    reason: str = Field(min_length=1, max_length=300)
    restriction_id: int | None = None
    right_id: int | None = None


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class DocumentRead(BaseModel):
    id: int
    application_id: int | None
    kind: str
    ref_no: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CertificateRead(CertificateBrief):
    application_id: int
    region_code: str
    unit_code: str
    right_type: str | None
    holders: list[dict[str, Any]]


class CertificateVerify(BaseModel):
    """What anyone scanning the QR code may see: no ID numbers, holder names masked."""

    number: str
    kind: str
    status: str
    unit_code: str
    right_type: str | None
    restriction_kind: str | None
    holders: list[str]
    issued_at: datetime
    ledger_seq: int | None
    inclusion_proof: str | None


class ParcelFeatureCollection(BaseModel):
    """Current parcels in a viewport (public: no personal data)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class ParcelDetail(BaseModel):
    """A parcel with its units (rights, holders, restrictions) now or as of a date, and its full history."""

    id: int
    parcel_code: str
    status: str
    region_code: str
    land_use_class: str
    location: str | None
    area_m2: str
    bbox: list[float]
    geometry: dict[str, Any]
    begin_lifespan: str | None
    end_lifespan: str | None
    application_id: int | None
    as_of: str | None
    units: list[dict[str, Any]]
    history: list[dict[str, Any]]


class SuitIn(BaseModel):
    case_no: str = Field(min_length=1, max_length=120)


class RestrictionRead(BaseModel):
    id: int
    kind: str
    status: str
    unit_id: int
    right_id: int
    expires_at: datetime | None
    suit_filed_at: datetime | None

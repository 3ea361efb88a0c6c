"""Registry tables (LADM-shaped, registry.md §b): parties, parcels, property units, rights,
restrictions, applications with pending changes, source documents, certificates.

Versioned rows: every registry object has ``status`` (pending → current → historic, or cancelled),
``begin_lifespan``/``end_lifespan`` and the ``application_id`` that created it. A change never
updates a current row's content: it adds a pending row that ``supersedes_id`` the current one, and
approval flips both atomically. Nothing is ever deleted (R1, R2).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.geo import GeometryColumn
from landbridge.kernel.money import MoneyColumn
from landbridge.privacy import blind_index, decrypt, encrypt


class RecordStatus(StrEnum):
    """Life-cycle status of a versioned registry row (权属状态: 临时/现势/历史)."""

    pending = "pending"
    current = "current"
    historic = "historic"
    cancelled = "cancelled"


class PartyKind(StrEnum):
    """权利人类型: natural person, legal person / organisation, or a group (household, co-holders)."""

    person = "person"
    organisation = "organisation"
    group = "group"


class IdType(StrEnum):
    """证件种类."""

    resident_id = "resident_id"
    uscc = "uscc"


class RightType(StrEnum):
    """Rights of every rural family (R1, R2; registry.md §c.3)."""

    collective_land_ownership = "collective_land_ownership"
    homestead_use_right = "homestead_use_right"
    house_ownership = "house_ownership"
    collective_construction_land_use_right = "collective_construction_land_use_right"
    state_construction_land_use_right = "state_construction_land_use_right"
    land_contract_right = "land_contract_right"
    land_management_right = "land_management_right"
    forest_right = "forest_right"
    collective_asset_share = "collective_asset_share"


class RestrictionKind(StrEnum):
    """Restrictions on a right (R3): mortgage (抵押), seizure (查封), objection (异议), advance notice (预告)."""

    mortgage = "mortgage"
    seizure = "seizure"
    objection = "objection"
    advance_notice = "advance_notice"


class RegistrationKind(StrEnum):
    """登记类型: 首次/转移/变更/注销/更正/异议/预告/查封 (不动产登记暂行条例 art. 3)."""

    first = "first"
    transfer = "transfer"
    change = "change"
    cancellation = "cancellation"
    correction = "correction"
    objection = "objection"
    advance_notice = "advance_notice"
    seizure = "seizure"


class ApplicationStatus(StrEnum):
    """Status of a registration application (受理 → 登簿 / 不予登记 / 撤回)."""

    lodged = "lodged"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class CertificateKind(StrEnum):
    """不动产权证书 (ownership) or 不动产登记证明 (encumbrance: mortgage, objection, advance notice …)."""

    ownership = "ownership"
    encumbrance = "encumbrance"


class CertificateStatus(StrEnum):
    valid = "valid"
    void = "void"


class Versioned(Status, RegionCode):
    """LADM VersionedObject columns shared by parcels, units, rights and restrictions."""

    begin_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("registry_application.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(Integer)


ID_NUMBER_CONTEXT = "registry.party.id_number"  # AES-GCM associated data and blind-index purpose
PHONE_CONTEXT = "registry.party.phone"


class Party(IdPk, CreatedAt, Base):
    """权利人 [LA_Party]: a person (resident ID), an organisation (USCC) or a group (household).

    ID numbers and phones are personal data held only encrypted (AES-256-GCM under the deployment's data key,
    the key id inside each token) with a keyed blind index for uniqueness and exact look-up (issue #12 item 4;
    个人信息保护法 art. 28, 51). ``id_number`` and ``phone`` read and write them in the clear in code only.
    """

    __tablename__ = "registry_party"
    __table_args__ = (
        Index("uq_registry_party_id_index", "id_type", "id_index", unique=True),
        CheckConstraint("(id_type IS NULL) = (id_index IS NULL)", name="id_pair"),
        CheckConstraint("(id_index IS NULL) = (id_number_enc IS NULL)", name="id_sealed"),
        CheckConstraint("(phone_index IS NULL) = (phone_enc IS NULL)", name="phone_sealed"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_type: Mapped[str | None] = mapped_column(String(16))
    id_number_enc: Mapped[str | None] = mapped_column(String(160))
    id_index: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[str | None] = mapped_column(String(160))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)

    @property
    def id_number(self) -> str | None:
        """The ID number in the clear (decrypted on each read; never logged)."""
        return decrypt(self.id_number_enc, context=ID_NUMBER_CONTEXT) if self.id_number_enc else None

    @id_number.setter
    def id_number(self, value: str | None) -> None:
        self.id_number_enc = encrypt(value, context=ID_NUMBER_CONTEXT) if value else None
        self.id_index = blind_index(value, purpose=ID_NUMBER_CONTEXT) if value else None

    @property
    def phone(self) -> str | None:
        """The phone number in the clear (decrypted on each read; never logged)."""
        return decrypt(self.phone_enc, context=PHONE_CONTEXT) if self.phone_enc else None

    @phone.setter
    def phone(self, value: str | None) -> None:
        self.phone_enc = encrypt(value, context=PHONE_CONTEXT) if value else None
        self.phone_index = blind_index(value, purpose=PHONE_CONTEXT) if value else None


class PartyMember(IdPk, Base):
    """A member of a group party (家庭成员 / 共有人) with its share as a fraction."""

    __tablename__ = "registry_party_member"
    __table_args__ = (
        Index("uq_registry_party_member", "group_id", "member_id", unique=True),
        CheckConstraint("share_num > 0 AND share_den > 0 AND share_num <= share_den", name="share"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    relation: Mapped[str] = mapped_column(String(40))
    share_num: Mapped[int] = mapped_column(Integer)
    share_den: Mapped[int] = mapped_column(Integer)


class Parcel(Versioned, IdPk, Base):
    """宗地 [LA_SpatialUnit]: a MultiPolygon in EPSG:4490 with its 19-character parcel code."""

    __tablename__ = "registry_parcel"
    __table_args__ = (
        Index("uq_registry_parcel_code_current", "parcel_code", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
        # the land finder's candidates (issue #23; L6): current parcels of a county, township or village answered
        # from the index alone (filters, count, page), never the wide rows with their geometry
        Index("ix_registry_parcel_finder", "status", "region_code", "id", "area_m2", "minx", "miny", "maxx", "maxy",
              "parcel_code"),
    )

    parcel_code: Mapped[str] = mapped_column(String(19), index=True)
    land_use_class: Mapped[str] = mapped_column(String(8))
    location: Mapped[str | None] = mapped_column(String(300))
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn())
    area_m2: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)


class PropertyUnit(Versioned, IdPk, Base):
    """不动产单元 [LA_BAUnit] with its 28-character unit code (GB/T 37346-2019)."""

    __tablename__ = "registry_property_unit"
    __table_args__ = (
        Index("uq_registry_unit_code_current", "unit_code", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
    )

    unit_code: Mapped[str] = mapped_column(String(28), index=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("registry_parcel.id"), index=True)
    attachment: Mapped[str] = mapped_column(String(1))  # F house, L forest, Q structure, W none
    building_no: Mapped[int] = mapped_column(Integer, default=0)
    unit_no: Mapped[int] = mapped_column(Integer, default=0)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Right(Versioned, IdPk, Base):
    """权利 [LA_Right] on a property unit (or, for collective asset shares, in a collective)."""

    __tablename__ = "registry_right"

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("registry_property_unit.id"), index=True)
    right_type: Mapped[str] = mapped_column(String(48), index=True)
    collective_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("registry_right.id"))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RightHolder(IdPk, Base):
    """A holder of a right with a fractional share (共有方式; shares of one right sum to exactly 1)."""

    __tablename__ = "registry_right_holder"
    __table_args__ = (
        Index("uq_registry_right_holder", "right_id", "party_id", unique=True),
        CheckConstraint("share_num > 0 AND share_den > 0 AND share_num <= share_den", name="share"),
    )

    right_id: Mapped[int] = mapped_column(ForeignKey("registry_right.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    share_num: Mapped[int] = mapped_column(Integer)
    share_den: Mapped[int] = mapped_column(Integer)


class Restriction(Versioned, IdPk, Base):
    """限制 [LA_Restriction] on a right: mortgage (ranked), seizure, objection, advance notice."""

    __tablename__ = "registry_restriction"

    kind: Mapped[str] = mapped_column(String(24), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("registry_property_unit.id"), index=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_right.id"), index=True)
    holder_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    rank: Mapped[int | None] = mapped_column(Integer)
    secured_amount_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    no_transfer_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    suit_filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_no: Mapped[str | None] = mapped_column(String(120))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Application(IdPk, Status, RegionCode, RowVersion, Base):
    """登记申请 (受理): carries pending rows that become current atomically on approval."""

    __tablename__ = "registry_application"
    __table_args__ = (
        # At most one lodged application per unit: a second one is refused by the database itself.
        Index("uq_registry_application_pending_unit", "unit_id", unique=True,
              sqlite_where=text("status = 'lodged' AND unit_id IS NOT NULL"),
              postgresql_where=text("status = 'lodged' AND unit_id IS NOT NULL")),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    # The target unit; no FK constraint because units also point at the application that created them.
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(String(300))
    lodged_by: Mapped[str] = mapped_column(String(120))
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rule_digest: Mapped[str | None] = mapped_column(String(64))  # the registry rules in force when lodged (issue #13)


class SourceDocument(IdPk, Base):
    """来源文件 [LA_AdministrativeSource]: an uploaded document with its SHA-256."""

    __tablename__ = "registry_source_document"

    application_id: Mapped[int | None] = mapped_column(ForeignKey("registry_application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref_no: Mapped[str | None] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Certificate(IdPk, Status, RegionCode, LedgerSeq, Base):
    """不动产权证书 / 不动产登记证明 with its number and a QR verification token."""

    __tablename__ = "registry_certificate"

    number: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("registry_property_unit.id"), index=True)
    right_id: Mapped[int | None] = mapped_column(ForeignKey("registry_right.id"), index=True)
    restriction_id: Mapped[int | None] = mapped_column(ForeignKey("registry_restriction.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("registry_application.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(120))
    verify_token: Mapped[str] = mapped_column(String(64), unique=True)


class Counter(Base):
    """Named gap-free counters (parcel sequence per sub-district, certificate serials, case numbers)."""

    __tablename__ = "registry_counter"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class ImportJob(IdPk, Base):
    """A streamed parcel import (issue #21, scope 2): the file's digest and the committed cursor. Each chunk of
    features is checked and imported in its own transaction with ``features_done`` moved in the same commit, so a
    run killed between chunks resumes after the last committed one and never imports a feature twice."""

    __tablename__ = "registry_import_job"

    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # running | done
    total: Mapped[int] = mapped_column(Integer)
    features_done: Mapped[int] = mapped_column(Integer, default=0)  # the cursor: features checked and committed
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    applications: Mapped[list[str]] = mapped_column(JSON, default=list)  # one first registration per chunk
    actor: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

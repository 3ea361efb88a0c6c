"""Register extracts for officials (登记簿查询结果; R1, R2, R3; issue #21): a parcel's or a unit's current rights with
their holders and shares, and its current restrictions, as XLSX or CSV with BOM through the one table writer
(``landbridge.kernel.tables``).

An extract is a personal-data read: the holders' names are shown whole to the officials whose scope covers them
(masked otherwise), and each natural person or household shown whole is recorded as read (``privacy.record_reads``,
purpose and reader given) in the caller's transaction; ID numbers are always masked (``mask_id``) and phones and
addresses never leave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import to_local
from landbridge.kernel.ids import mask_id
from landbridge.kernel.tables import AREA_FORMAT, DATE_FORMAT, MONEY_FORMAT, Column, write_table
from landbridge.privacy import Reader, mask_name, record_reads
from landbridge.registry.labels import RIGHT_TYPE_LABELS
from landbridge.registry.models import Party, PartyKind, PropertyUnit, RecordStatus
from landbridge.registry.queries import current_restrictions, current_rights, get_parcel, get_unit, holders_of
from landbridge.web.i18n import translator

PURPOSE = "register_extract"
Scope = Callable[[set[int]], set[int]]  # of these persons, those the reader may see whole
RESTRICTION_NAMES = {"mortgage": "抵押", "seizure": "查封", "objection": "异议", "advance_notice": "预告"}
EXTRACT_COLUMNS = (Column("宗地代码", None, 22), Column("不动产单元号", None, 30), Column("坐落", None, 30),
                   Column("宗地面积（平方米）", AREA_FORMAT, 14), Column("用途（地类）", None, 10),
                   Column("登记事项", None, 10), Column("权利/限制类型", None, 22),
                   Column("权利人/限制权利人", None, 20),
                   Column("证件号码（脱敏）", None, 22), Column("份额", None, 8), Column("起始日期", DATE_FORMAT, 12),
                   Column("终止日期", DATE_FORMAT, 12), Column("被担保债权数额（元）", MONEY_FORMAT, 18),
                   Column("文号", None, 20))


def _day(value: datetime | None) -> Any:
    """The local (Beijing) day of a stored UTC instant."""
    return None if value is None else to_local(value).date()


def register_extract_rows(session: Session, *, reader: Reader, parcel_id: int | None = None,
                          unit_id: int | None = None, scope: Scope | None = None) -> list[list[Any]]:
    """The current units of a parcel (or the one unit) with their rights, holders and restrictions as rows under
    ``EXTRACT_COLUMNS`` (404 for an unknown parcel or unit). ``scope`` says which of the persons named the reader
    sees whole (all when None); the others are masked. One personal read is recorded per person shown whole."""
    if (parcel_id is None) == (unit_id is None):
        raise ValueError("give a parcel or a unit")
    if unit_id is not None:
        units = [get_unit(session, unit_id)]
        parcel = get_parcel(session, units[0].parcel_id)
    else:
        assert parcel_id is not None
        parcel = get_parcel(session, parcel_id)
        units = list(session.scalars(select(PropertyUnit).where(PropertyUnit.parcel_id == parcel.id,
                                                                PropertyUnit.status == RecordStatus.current)
                                     .order_by(PropertyUnit.id)))
    rows: list[list[Any]] = []
    shown: dict[int, Party] = {}  # every party named, by id
    name_at = 7  # the holder column: filled once it is known whose names the reader sees whole

    def party(pid: int | None) -> tuple[int | None, str | None]:
        found = None if pid is None else session.get(Party, pid)
        if found is None:
            return None, None
        shown[found.id] = found
        return found.id, mask_id(found.id_number)

    zh = translator("zh_CN")
    for unit in units:
        head = [parcel.parcel_code, unit.unit_code, parcel.location, parcel.area_m2, parcel.land_use_class]
        for right in current_rights(session, unit.id):
            kind = zh(RIGHT_TYPE_LABELS.get(right.right_type, right.right_type))  # Chinese, as the headers
            holders: list[tuple[int | None, Fraction | None]] = [*holders_of(session, right.id)] or [(None, None)]
            for holder, share in holders:
                pid, id_masked = party(holder)
                rows.append([*head, "权利", kind, pid, id_masked, None if share is None else str(share),
                             right.term_start or _day(right.begin_lifespan), right.term_end, None, None])
        for r in current_restrictions(session, unit.id):
            pid, id_masked = party(r.holder_party_id)
            rows.append([*head, "限制", RESTRICTION_NAMES.get(r.kind, r.kind), pid, id_masked, None,
                         _day(r.begin_lifespan), _day(r.expires_at), r.secured_amount_cny, r.document_no])
    persons = {pid for pid, p in shown.items() if p.kind != PartyKind.organisation.value}
    whole = persons if scope is None else scope(persons) & persons
    for row in rows:
        pid = row[name_at]
        if pid is not None:
            p = shown[pid]
            row[name_at] = p.name if pid not in persons or pid in whole else mask_name(p.name)
    record_reads(session, reader=reader, purpose=PURPOSE, records=[(f"party:{pid}", pid) for pid in sorted(whole)])
    return rows


def export_register_extract(session: Session, path: str | Path, *, reader: Reader, parcel_id: int | None = None,
                            unit_id: int | None = None, scope: Scope | None = None) -> int:
    """Write the extract (see ``register_extract_rows``) to ``.xlsx`` or ``.csv``; returns the number of rows. The
    caller commits the transaction so that the reads stay recorded."""
    rows: Sequence[Sequence[Any]] = register_extract_rows(session, reader=reader, parcel_id=parcel_id,
                                                          unit_id=unit_id, scope=scope)
    return write_table(path, EXTRACT_COLUMNS, rows, sheet="登记簿摘录")

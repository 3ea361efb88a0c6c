"""The registry's search source (issue #20 item 1; R1): parcels by parcel code and property units by unit code.

A code is matched from its start (a village's prefix lists its parcels, up to the hall's limit). Only parcels in
the register (current) are found, whose page is public; a lodged one is reached through the registrar's queue.
Parties are not searched here: a person is found only by the exact ID-number look-up, which records the read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.hall import SEARCH_LIMIT, SearchHit
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus

CODE_MIN = 6  # characters of a code before it is matched (a county code alone would list the whole county)
PARCEL_CODE_LENGTH = 19  # GB/T 37346-2019: a unit code is its parcel's 19-character code and 9 more


def _code(query: str) -> str | None:
    code = query.replace(" ", "").upper()
    return code if len(code) >= CODE_MIN and code.isascii() and code.isalnum() else None


def _hit(parcel: Parcel, kind: tuple[str, str], label: str) -> SearchHit:
    area = f"{parcel.area_m2:,.2f} m²"
    where = parcel.location or parcel.region_code
    return SearchHit(kind_zh=kind[0], kind_en=kind[1], label=label, href=f"/parcels/{parcel.id}",
                     detail_zh=f"{where}，{area}", detail_en=f"{where}, {area}")


def search(session: Session, principal: Any, query: str) -> Iterator[SearchHit]:
    """Parcels in the register whose parcel code, and units whose unit code, start with ``query``."""
    code = _code(query)
    if code is None:
        return
    parcels = session.scalars(
        select(Parcel).where(Parcel.status == RecordStatus.current,
                             Parcel.parcel_code.startswith(code, autoescape=True))
        .order_by(Parcel.parcel_code).limit(SEARCH_LIMIT))
    for parcel in parcels:
        yield _hit(parcel, ("宗地", "Parcel"), parcel.parcel_code)
    if len(code) <= PARCEL_CODE_LENGTH:
        return  # a unit code begins with its parcel's code: up to that length the parcel is the hit
    units = session.execute(
        select(PropertyUnit, Parcel).join(Parcel, Parcel.id == PropertyUnit.parcel_id)
        .where(PropertyUnit.status == RecordStatus.current, Parcel.status == RecordStatus.current,
               PropertyUnit.unit_code.startswith(code, autoescape=True))
        .order_by(PropertyUnit.unit_code).limit(SEARCH_LIMIT))
    for unit, parcel in units:
        yield _hit(parcel, ("不动产单元", "Property unit"), unit.unit_code)

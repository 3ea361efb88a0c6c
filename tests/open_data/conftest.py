"""A small open-data fixture (issue #19 item 6): industrial parcels of 1,000 m² in 余江区 (360603) and one in 贵溪市
(360681), lots awarded on them with hand-picked prices per m², a lot without a unit, rights registered and a pending
one, and a dividend run. Rows are written straight into the owning modules' tables (the test builds data;
open data reads it only through the modules' public read functions). Hand-computed figures are beside each test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from shapely.geometry import box
from sqlalchemy.orm import Session

from landbridge.db import Database
from landbridge.exchange.models import Lot, LotResult
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus, Right

YUJIANG_VILLAGE = "360603101002"
GUIXI_VILLAGE = "360681100001"
T = datetime(2026, 1, 1, tzinfo=UTC)
AREA = Decimal("1000.00")

# (region, price per m², award day): 余江 Q1 five at 200; Q2 150, 600 and three at 300 (Jevons 300); Q3 two; 贵溪 one
DEALS = ([(YUJIANG_VILLAGE, 200, date(2026, 2, d)) for d in (1, 2, 3, 4, 5)]
         + [(YUJIANG_VILLAGE, p, date(2026, 5, 10)) for p in (150, 600, 300, 300, 300)]
         + [(YUJIANG_VILLAGE, p, date(2026, 8, 1)) for p in (100, 900)]
         + [(GUIXI_VILLAGE, 500, date(2026, 4, 2))])


def at(day: date, hour: int = 4) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def parcel_unit(s: Session, n: int, region: str, land_use: str = "0601") -> int:
    geom = box(116.8 + n * 0.001, 28.2, 116.8005 + n * 0.001, 28.2005)
    minx, miny, maxx, maxy = geom.bounds
    p = Parcel(parcel_code=f"{region}JC{n:05d}", land_use_class=land_use, geom=geom, area_m2=AREA, minx=minx,
               miny=miny, maxx=maxx, maxy=maxy, status=RecordStatus.current, region_code=region)
    s.add(p)
    s.flush()
    u = PropertyUnit(unit_code=f"{region}JC{n:05d}W00000000", parcel_id=p.id, attachment="W", attrs={},
                     status=RecordStatus.current, region_code=region)
    s.add(u)
    s.flush()
    return u.id


def lot(s: Session, number: str, region: str, price: Decimal, decided: date, unit_id: int | None) -> int:
    row = Lot(number=number, kind="collective_construction_land", method="english", title=f"标的 {number}",
              rule_version="1", rules={}, phase="concluded", unit_id=unit_id,
              start_price_cny=Decimal("1000"), increment_cny=Decimal("100"), deposit_cny=Decimal("100"),
              starts_at=at(decided), region_code=region, created_by="test", created_at=T, version=1)
    s.add(row)
    s.flush()
    s.add(LotResult(lot_id=row.id, outcome="award", reason="test", price_cny=price, decided_at=at(decided)))
    s.flush()
    return row.id


def right(s: Session, region: str, day: date, status: str = RecordStatus.current) -> None:
    s.add(Right(right_type="land_contract_right", status=status, region_code=region, begin_lifespan=at(day),
                attrs={}))
    s.flush()


@pytest.fixture
def world(db: Database) -> None:
    with db.transaction() as s:
        for n, (region, per_m2, day) in enumerate(DEALS):
            lot(s, f"LOT-{n}", region, AREA * per_m2, day, parcel_unit(s, n, region))
        lot(s, "LOT-NOUNIT", YUJIANG_VILLAGE, Decimal("5000"), date(2026, 3, 3), None)
        for d in range(1, 8):  # seven rights in 余江 in January, two in 贵溪, one pending
            right(s, YUJIANG_VILLAGE, date(2026, 1, d))
        right(s, GUIXI_VILLAGE, date(2026, 1, 9))
        right(s, GUIXI_VILLAGE, date(2026, 2, 9))
        right(s, YUJIANG_VILLAGE, date(2026, 1, 20), RecordStatus.pending)

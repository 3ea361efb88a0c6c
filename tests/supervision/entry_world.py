"""Market-entry cases and quota movements on top of the supervision fixture (issue #19 scopes 1 and 3): three
entry cases on the fixture's awarded lots (A in 余江区 at 120,000 against an appraisal of 100,000; D in 余江区 at
70,000 against 140,000, under 70 per cent; B in 贵溪市 at 30,000 against a floor of 25,000 with no appraisal),
each on a registered 20 m × 20 m parcel, and quota allocated and consumed after the fixture's credits.

Hand-computed on 2026-12-09, period 2026, with the indicator set of 2026-12-08: ``EXPECTED_ENTRY``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.land_quota.models import QuotaEntry
from landbridge.market_entry.models import EntryCase
from tests.collective.conftest import build_village
from tests.market_entry.conftest import register_unit
from tests.supervision.conftest import CITY, GUIXI, GUIXI_VILLAGE, YUJIANG, YUJIANG_VILLAGE, SupervisionWorld, T, at

DAY = date(2026, 12, 9)
LATER = date(2026, 12, 10)


def case(s: Session, number: str, region: str, lot_id: int, *, col: int, appraised: str | None,
         floor: str | None = None, start: str | None = None) -> int:
    village = build_village(s, n_households=1, per_household=1, region=region, seed=20 + col)
    unit = register_unit(s, village.party_id, col=col)
    row = EntryCase(number=number, status="result_confirmed", collective_id=village.collective_id,
                    collective_party_id=village.party_id, unit_id=unit, parcel_id=registry.get_unit(s, unit).parcel_id,
                    right_id=registry.current_rights(s, unit)[0].id, purpose="operating",
                    appraised_value_cny=None if appraised is None else Decimal(appraised),
                    floor_price_cny=None if floor is None else Decimal(floor),
                    start_price_cny=None if start is None else Decimal(start), lot_id=lot_id, attempts=1,
                    state_changed_at=T, withdrawals=0, region_code=region, version=1, created_at=T, created_by="test")
    s.add(row)
    s.flush()
    return row.id


def movement(s: Session, kind: str, county: str, amount: str, day: date) -> None:
    s.add(QuotaEntry(kind=kind, amount_m2=Decimal(amount), county_code=county, year=day.year, project_id=None,
                     actor="test", created_at=at(day)))
    s.flush()


def build_entry(s: Session, sw: SupervisionWorld) -> dict[str, int]:
    cases = {"A": case(s, "RS-A", YUJIANG_VILLAGE, sw.lots["A"], col=1, appraised="100000"),
             "D": case(s, "RS-D", YUJIANG_VILLAGE, sw.lots["D"], col=2, appraised="140000", floor="80000",
                       start="60000"),
             "B": case(s, "RS-B", GUIXI_VILLAGE, sw.lots["B"], col=3, appraised=None, floor="25000")}
    movement(s, "allocation", "360603", "500", date(2026, 8, 1))
    movement(s, "consumption", "360603", "200", date(2026, 9, 1))
    movement(s, "transfer", "360681", "100", date(2026, 9, 2))  # on the exchange: still in the balance
    return cases


PARCEL = Decimal("400.81")  # each parcel: a 20 m square, as the registry measures its geometry (登记面积)
EXPECTED_ENTRY = {
    ("market_entry.entered_count", CITY): Decimal("3"),
    ("market_entry.entered_count", YUJIANG): Decimal("2"),
    ("market_entry.entered_count", GUIXI): Decimal("1"),
    ("market_entry.entered_price", CITY): Decimal("220000"),       # 120,000 + 70,000 + 30,000
    ("market_entry.entered_price", YUJIANG): Decimal("190000"),
    ("market_entry.price_to_benchmark", CITY): Decimal("83.0189"),  # 220,000 / (100,000 + 140,000 + 25,000)
    ("market_entry.price_to_benchmark", YUJIANG): Decimal("79.1667"),  # 190,000 / 240,000
    ("market_entry.price_to_benchmark", GUIXI): Decimal("120.0000"),   # 30,000 / 25,000 (the floor)
    ("land_quota.allocated", CITY): Decimal("500"),
    ("land_quota.consumed", YUJIANG): Decimal("200"),
    ("land_quota.consumed", GUIXI): Decimal("0"),
    ("land_quota.balance", CITY): Decimal("2799.50"),     # 1,500.50 + 800 + 999 - 500
    ("land_quota.balance", YUJIANG): Decimal("1999.50"),  # 1,500.50 + 999 - 500
    ("land_quota.balance", GUIXI): Decimal("800"),        # the 100 on the exchange is not allocated
    ("land_quota.credited", CITY): Decimal("3299.50"),
}

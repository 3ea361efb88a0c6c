"""Open data's other datasets (issue #19 item 6): land entered (market entry, count and area) and collective
dividends (count and amount), read through the modules' public functions, grouped and suppressed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective.models import DividendRun
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.market_entry.models import EntryCase
from landbridge.open_data import tables
from landbridge.open_data.rules import AreaLevel, Granularity
from landbridge.open_data.service import open_data_rules
from landbridge.registry.models import Party, Right
from tests.collective.conftest import build_village
from tests.open_data.conftest import GUIXI_VILLAGE, YUJIANG_VILLAGE, T, at, parcel_unit


def entry_case(s: Session, n: int, region: str, status: str, day: date) -> None:
    unit = parcel_unit(s, 100 + n, region, "0601")
    party = Party(kind="organisation", name=f"合作社{n}", region_code=region, created_at=T)
    right = Right(right_type="collective_construction_land_use_right", status="current", region_code=region,
                  attrs={})
    s.add_all([party, right])
    s.flush()
    parcel = registry.unit_parcels(s, [unit])[unit]
    s.add(EntryCase(number=f"RS-{n}", status=status, collective_id=1, collective_party_id=party.id, unit_id=unit,
                    parcel_id=parcel, right_id=right.id, transaction_on=day, price_cny=Decimal("100000"),
                    state_changed_at=at(day), region_code=region, created_by="test", created_at=T, version=1))
    s.flush()


def test_land_entered_counts_signed_cases_and_their_area(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        for n in range(5):  # five entered in 余江 in Q1, 1,000 m² each
            entry_case(s, n, YUJIANG_VILLAGE, "contract_signed" if n % 2 else "in_use", date(2026, 2, 1 + n))
        entry_case(s, 5, YUJIANG_VILLAGE, "listed", date(2026, 2, 9))      # not entered yet
        entry_case(s, 6, YUJIANG_VILLAGE, "withdrawn", date(2026, 2, 9))   # undone
        entry_case(s, 7, GUIXI_VILLAGE, "paid", date(2026, 3, 1))          # one in 贵溪: under k
    with db.transaction(readonly=True) as s:
        t = tables.build(s, open_data_rules(date(2026, 6, 30)), dataset="land_entered", level=AreaLevel.district,
                         granularity=Granularity.year, start=date(2026, 1, 1), end=date(2026, 12, 31))
    cells = {r.name: r.cells[0] for r in t.rows}
    # 余江 5 (5,000 m²) but hidden with 贵溪's 1, since the total 6 − 5 would give that 1 away; the total stays
    assert cells["贵溪市"].suppressed and cells["余江区"].suppressed
    assert cells["月湖区"].records == 0
    assert t.totals.total.records == 6 and t.totals.total.measure == Decimal("6000.00")


def test_dividends_count_runs_and_amounts(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        village = build_village(s, n_households=1, per_household=1, region=YUJIANG_VILLAGE, seed=3)
        for n in range(6):
            s.add(DividendRun(collective_id=village.collective_id, period=f"2025-{n}", amount_cny=Decimal("1000"),
                              total_shares=Decimal("100"), account_count=1, rows_sha256="0" * 64,
                              created_by="test", created_at=at(date(2026, 1 + n, 10))))
    with db.transaction(readonly=True) as s:
        t = tables.build(s, open_data_rules(date(2026, 6, 30)), dataset="dividends", level=AreaLevel.township,
                         granularity=Granularity.quarter, start=date(2026, 1, 1), end=date(2026, 6, 30),
                         region="360603")
    row = next(r for r in t.rows if r.area == "360603101000")
    assert [c.records for c in row.cells] == [None, None] and row.total.records == 6
    assert row.total.measure == Decimal("6000.00")
    assert t.totals.total.records == 6

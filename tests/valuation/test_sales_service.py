"""The sales record: validation, numbering, bulk all-or-nothing, one ledger event per batch, reads, CSV (L1, F1, P2)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import threading
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from landbridge.db import Database
from landbridge.errors import RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events
from landbridge.valuation import (
    SaleIn,
    iter_sales,
    list_sales,
    record_sale,
    record_sales,
    verify_sale_batch,
    write_sales_csv,
)
from landbridge.valuation.sales.models import Sale, SaleBatchRecord
from landbridge.valuation.sales.service import rows_sha256

VILLAGE = "360603101001"
OTHER_COUNTY_VILLAGE = "360681100001"


def sale(**overrides: Any) -> SaleIn:
    base: dict[str, Any] = {
        "sale_date": date(2024, 5, 6), "price_cny": Decimal("1200000.00"), "area_m2": Decimal("2000.00"),
        "land_use_class": "0601", "region_code": VILLAGE, "right_type": "collective_construction_land_use_right",
        "method": "listing", "term_years": 50, "plot_ratio": Decimal("1.2"), "lon": 116.9, "lat": 28.2}
    base.update(overrides)
    return SaleIn(**base)


def counts(db: Database) -> tuple[int, int, int]:
    with db.transaction(readonly=True) as s:
        return (s.scalar(select(func.count()).select_from(Sale)) or 0,
                s.scalar(select(func.count()).select_from(SaleBatchRecord)) or 0, current_size(s))


def test_record_one_sale(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        first = record_sale(s, **dataclasses.asdict(sale()), source="exchange", actor="user:1:nr")
        second = record_sale(s, **dataclasses.asdict(sale(sale_date=date(2023, 1, 1))), source="exchange",
                             actor="user:1:nr")
        third = record_sale(s, **dataclasses.asdict(sale(price_cny=Decimal("1000.01"), area_m2=Decimal("3"))),
                            source="exchange", actor="user:1:nr")
        assert (first.sale_no, second.sale_no, third.sale_no) == ("S2024-000001", "S2023-000001", "S2024-000002")
        assert first.price_per_m2 == Decimal("600.00") and third.price_per_m2 == Decimal("333.34")
        events = list_events(s, module="valuation")
        assert [e.event_type for e in events] == ["sale_recorded"] * 3
        payload = json.loads(events[0].body)["payload"]
        assert payload["sale_no"] == "S2024-000001" and payload["price_cny"] == 120_000_000


@pytest.mark.parametrize(("overrides", "field"), [
    ({"price_cny": Decimal("0")}, "price_cny"),
    ({"price_cny": Decimal("-5.00")}, "price_cny"),
    ({"price_cny": Decimal("10.001")}, "price_cny"),
    ({"price_cny": Decimal("NaN")}, "price_cny"),
    ({"area_m2": Decimal("0")}, "area_m2"),
    ({"area_m2": Decimal("-1")}, "area_m2"),
    ({"sale_date": date(2026, 3, 3)}, "sale_date"),  # the test clock stands at 2026-03-02 09:00 Beijing time
    ({"land_use_class": "9999"}, "land_use_class"),
    ({"land_use_class": "07"}, "land_use_class"),
    ({"region_code": "360699999999"}, "region_code"),
    ({"region_code": "360600000000"}, "region_code"),  # the city itself is not a place of sale
    ({"right_type": "freehold"}, "right_type"),
    ({"method": "barter"}, "method"),
    ({"unit_code": "36060310100"}, "unit_code"),
    ({"term_years": 0}, "term_years"),
    ({"term_years": 101}, "term_years"),
    ({"plot_ratio": Decimal("0")}, "plot_ratio"),
    ({"lat": None}, "coordinates"),
    ({"lon": 100.0}, "coordinates"),
    ({"parcel_id": 987_654}, "parcel_or_party"),
    ({"buyer_party_id": 987_654}, "parcel_or_party"),
])
def test_record_sale_refuses_bad_input(db: Database, clock: Clock, overrides: dict[str, Any], field: str) -> None:
    before = counts(db)
    with pytest.raises(RuleViolation) as info, db.transaction() as s:
        record_sale(s, **dataclasses.asdict(sale(**overrides)), source="exchange", actor="t")
    assert info.value.code == "valuation.invalid_sale" and info.value.details["field"] == field
    assert info.value.message and info.value.message_en
    assert counts(db) == before


def test_today_is_allowed_and_source_is_checked(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        assert record_sale(s, **dataclasses.asdict(sale(sale_date=date(2026, 3, 2))), source="registry",
                           actor="t").sale_no == "S2026-000001"
    with pytest.raises(RuleViolation) as info, db.transaction() as s:
        record_sale(s, **dataclasses.asdict(sale()), source="rumour", actor="t")
    assert info.value.details["field"] == "source"


def test_bulk_is_all_or_nothing(db: Database, clock: Clock) -> None:
    rows = [sale(price_cny=Decimal(1000 + i)) for i in range(30)]
    rows[17] = sale(area_m2=Decimal("0"))
    before = counts(db)
    with pytest.raises(RuleViolation) as info, db.transaction() as s:
        record_sales(s, rows, actor="t", source="import", chunk=7)
    assert info.value.details == {"row_index": 17, "field": "area_m2"}
    assert counts(db) == before
    # A foreign-key failure in a later chunk also leaves nothing behind (the earlier chunks roll back).
    rows[17] = sale(parcel_id=123_456)
    with pytest.raises(RuleViolation) as info, db.transaction() as s:
        record_sales(s, rows, actor="t", source="import", chunk=7)
    assert info.value.details["field"] == "parcel_or_party"
    assert counts(db) == before
    with pytest.raises(RuleViolation) as info, db.transaction() as s:
        record_sales(s, [], actor="t", source="import")
    assert info.value.code == "valuation.empty_batch"


def test_bulk_writes_one_ledger_event_per_batch(db: Database, clock: Clock) -> None:
    rows = [sale(price_cny=Decimal(f"{1000 + i}.50"), sale_date=date(2020 + i % 3, 1 + i % 12, 1)) for i in range(25)]
    sales_before, _, ledger_before = counts(db)
    with db.transaction() as s:
        batch = record_sales(s, rows, actor="system:demo", source="demo", chunk=10)
    assert (batch.count, batch.chunk_count, len(batch.sale_ids)) == (25, 3, 25)
    assert batch.batch_no == "SB2026-000001"
    sales_after, batches, ledger_after = counts(db)
    assert (sales_after - sales_before, batches, ledger_after - ledger_before) == (25, 1, 1)
    with db.transaction(readonly=True) as s:
        (event,) = list_events(s, module="valuation")
        payload = json.loads(event.body)["payload"]
        assert event.event_type == "sales_recorded" and event.seq == batch.ledger_seq
        assert payload["count"] == 25 and payload["rows_sha256"] == batch.rows_sha256
        stored = s.execute(select(Sale.id, Sale.sale_no, Sale.price_cny, Sale.batch_id).order_by(Sale.id)).all()
        assert [r[0] for r in stored] == batch.sale_ids and [r[1] for r in stored] == batch.sale_nos
        assert [r[2] for r in stored] == [r.price_cny for r in rows] and {r[3] for r in stored} == {batch.batch_id}
        # Numbers are gap-free per sale year, in row order.
        nos_2021 = [no for no, row in zip(batch.sale_nos, rows, strict=True) if row.sale_date.year == 2021]
        assert nos_2021 == [f"S2021-{k:06d}" for k in range(1, len(nos_2021) + 1)]
        assert verify_sale_batch(s, batch.batch_no)
    with db.transaction() as s:
        s.execute(update(Sale).where(Sale.id == batch.sale_ids[4]).values(price_cny=Decimal("1.00")))
    with db.transaction(readonly=True) as s:
        assert not verify_sale_batch(s, batch.batch_no)
    with db.transaction() as s:
        again = record_sales(s, rows[:2], actor="system:demo", source="demo")
        assert again.batch_no == "SB2026-000002" and again.sale_nos[0] == "S2020-000010"


def test_digest_is_over_the_canonical_rows(db: Database, clock: Clock) -> None:
    rows = [sale(area_m2=Decimal("10.005"), plot_ratio=Decimal("1.23456"), lon=116.912345678)]
    with db.transaction() as s:
        batch = record_sales(s, rows, actor="t", source="import")
        stored = s.execute(select(Sale)).scalar_one()
        assert stored.area_m2 == Decimal("10.01") and stored.plot_ratio == Decimal("1.2346")
        expected = rows_sha256([{**dataclasses.asdict(rows[0]), "sale_no": batch.sale_nos[0], "source": "import",
                                 "price_fen": 120_000_000, "area_m2": Decimal("10.01"),
                                 "plot_ratio": Decimal("1.2346")}])
        assert batch.rows_sha256 == expected


@given(price_fen=st.integers(1, 10**13), area_centi=st.integers(1, 10**10))
def test_price_per_m2_is_exact_and_half_up(price_fen: int, area_centi: int) -> None:
    s = Sale(price_cny=Decimal(price_fen) / 100, area_m2=Decimal(area_centi) / 100)
    exact = Decimal(price_fen) / Decimal(area_centi)
    assert s.price_per_m2 == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _load(db: Database) -> None:
    rows = [sale(land_use_class=use, region_code=region, sale_date=date(2021 + k % 5, 1 + k % 12, 10),
                 price_cny=Decimal(10_000 + k))
            for k, (use, region) in enumerate([("0601", VILLAGE), ("0702", VILLAGE), ("0601", OTHER_COUNTY_VILLAGE)]
                                              * 20)]
    with db.transaction() as s:
        record_sales(s, rows, actor="t", source="import")


def test_list_iterate_and_export(db: Database, clock: Clock) -> None:
    _load(db)
    with db.transaction(readonly=True) as s:
        items, total = list_sales(s, page=1, page_size=25)
        assert total == 60 and len(items) == 25
        dates = [i.sale_date for i in items]
        assert dates == sorted(dates, reverse=True)
        page3, _ = list_sales(s, page=3, page_size=25)
        assert len(page3) == 10
        assert list_sales(s, page=4, page_size=25)[0] == []
        industrial, n = list_sales(s, land_use_class="0601", region_prefix="360603", page_size=100)
        assert n == 20 and {(i.land_use_class, i.region_code) for i in industrial} == {("0601", VILLAGE)}
        recent, n = list_sales(s, since=date(2024, 1, 1), until=date(2024, 12, 31))
        assert n == len(recent) and all(date(2024, 1, 1) <= i.sale_date <= date(2024, 12, 31) for i in recent)
        streamed = list(iter_sales(s, region_prefix="360681", chunk=7))
        assert len(streamed) == 20 and all(r["region_code"] == OTHER_COUNTY_VILLAGE for r in streamed)
        out = io.StringIO()
        assert write_sales_csv(s, out, land_use_class="0702") == 20
        table = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert len(table) == 20 and table[0]["land_use_class"] == "0702"
        first = table[0]
        assert Decimal(first["price_per_m2_cny"]) == (Decimal(first["price_cny"]) / Decimal(first["area_m2"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert first["term_years"] == "50" and first["buyer_party_id"] == "" and first["related_parties"] == ""
        with pytest.raises(ValueError, match="page"):
            list_sales(s, page=0)


def test_concurrent_batches_get_distinct_gap_free_numbers(db: Database, clock: Clock) -> None:
    """Two loads at once: the year's counter row is locked, so numbers never collide or skip."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def load(offset: int) -> None:
        try:
            barrier.wait(timeout=10)
            with db.transaction() as s:
                record_sales(s, [sale(price_cny=Decimal(offset + i)) for i in range(1, 41)], actor="t", source="import",
                             chunk=15)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(k * 1000,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    with db.transaction(readonly=True) as s:
        numbers = sorted(s.execute(select(Sale.sale_no)).scalars())
        batches = sorted(s.execute(select(SaleBatchRecord.batch_no)).scalars())
    assert numbers == [f"S2024-{k:06d}" for k in range(1, 81)]
    assert batches == ["SB2026-000001", "SB2026-000002"]

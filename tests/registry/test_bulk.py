"""Bulk parcel import: unit codes, ledger chunk events, overlap and all-or-nothing rules (R1, P1, P2)."""

from __future__ import annotations

import re

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.affinity import translate
from shapely.geometry import Polygon, box
from sqlalchemy import func, select, update

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.errors import Conflict, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from landbridge.registry.bulk import (
    ParcelBatch,
    feature_code_for_land_use,
    import_parcels,
    is_land_use_class,
    verify_import,
)
from landbridge.registry.models import Application, Counter, Parcel, PropertyUnit
from landbridge.registry.rules import make_parcel_code, make_unit_code, valid_unit_code

UNIT_CODE = re.compile(r"^\d{12}J[A-F]\d{5}W00000000$")
BOX = (117.00, 28.20, 117.01, 28.21)


def villages() -> list[str]:
    return [r.code for r in get_profile().villages()]


def batch(geoms: list[Polygon], region: str | list[str] | None = None, luc: str = "0702") -> ParcelBatch:
    n = len(geoms)
    regions = region if isinstance(region, list) else [region or villages()[0]] * n
    return ParcelBatch(geoms=geoms, region_codes=regions, land_use_classes=[luc] * n,
                       locations=[f"第{i}号" for i in range(n)], parcel_codes=[None] * n)


def counts(db: Database) -> tuple[int, int, int, int]:
    with db.transaction(readonly=True) as s:
        return (s.scalar(select(func.count()).select_from(Parcel)) or 0,
                s.scalar(select(func.count()).select_from(PropertyUnit)) or 0,
                s.scalar(select(func.count()).select_from(Application)) or 0,
                len(list_events(s, limit=10_000)))


def test_import_assigns_valid_unique_unit_codes_and_seals_chunks(db: Database, clock: Clock) -> None:
    v = villages()
    geoms = generate_parcels(50, BOX, seed=1)
    regions = [v[0] if i % 2 else v[1] for i in range(50)]
    with db.transaction() as s:
        report = import_parcels(s, batch(geoms, regions), actor="user:1", file_sha256="ab" * 32, chunk=20)
    assert report.parcel_count == 50 and report.chunk_count == 3
    with db.transaction(readonly=True) as s:
        units = s.execute(select(PropertyUnit.unit_code, Parcel.parcel_code, Parcel.region_code, Parcel.status,
                                 PropertyUnit.status, Parcel.area_m2)
                          .join(Parcel, Parcel.id == PropertyUnit.parcel_id)).all()
        assert len(units) == 50
        codes = [u[0] for u in units]
        assert len(set(codes)) == 50
        for unit_code, parcel_code, region, p_status, u_status, area in units:
            assert UNIT_CODE.match(unit_code) and valid_unit_code(unit_code), unit_code
            assert unit_code[:19] == parcel_code and unit_code[:12] == region and unit_code[12:14] == "JC"
            assert p_status == u_status == "current"
            assert area > 0
        seqs = sorted(int(c[14:19]) for c in codes if c.startswith(v[0]))
        assert seqs == list(range(1, 26))
        counters = {r[0]: r[1] for r in s.execute(select(Counter.name, Counter.value)).all()}
        assert counters[f"parcel_seq:{v[0]}"] == 25 and counters[f"parcel_seq:{v[1]}"] == 25
        app = s.execute(select(Application)).scalar_one()
        assert (app.kind, app.status, app.summary) == ("first", "approved", "批量导入 50 宗地")
        assert app.number == report.application_number and app.number.startswith("SQ2026")
        assert app.payload["file_sha256"] == "ab" * 32 and app.payload["parcel_count"] == 50
        events = list_events(s, subject=f"application:{report.application_number}")
        assert [e.event_type for e in events] == ["parcels_imported"] * 3
        assert verify_import(s, report.application_number) == []
        assert verify_ledger(s).ok


def test_verify_import_detects_a_changed_parcel(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        report = import_parcels(s, batch(generate_parcels(30, BOX, seed=2)), actor="user:1", file_sha256="0" * 64,
                                chunk=10)
    with db.transaction() as s:
        target = s.execute(select(Parcel.id).order_by(Parcel.id).offset(15).limit(1)).scalar_one()
        s.execute(update(Parcel).where(Parcel.id == target).values(location="篡改"))
    with db.transaction(readonly=True) as s:
        assert verify_import(s, report.application_number) == [1]


def test_second_import_continues_sequence_and_rejects_overlap_with_current(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        import_parcels(s, batch(generate_parcels(10, BOX, seed=3)), actor="user:1", file_sha256="1" * 64)
    east = (BOX[2], BOX[1], BOX[2] + 0.01, BOX[3])  # touches the first box along an edge only
    with db.transaction() as s:
        import_parcels(s, batch(generate_parcels(10, east, seed=4)), actor="user:1", file_sha256="2" * 64)
    with db.transaction(readonly=True) as s:
        seqs = sorted(int(c[14:19]) for c in s.execute(select(Parcel.parcel_code)).scalars())
    assert seqs == list(range(1, 21))
    before = counts(db)
    shifted = [translate(g, 0.003, 0.0) for g in generate_parcels(4, BOX, seed=5)]
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, batch(shifted), actor="user:1", file_sha256="3" * 64)
    assert err.value.code == "registry.parcel_overlap"
    assert err.value.details["feature_index"] == 0
    assert counts(db) == before
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(Counter.value).where(Counter.name == f"parcel_seq:{villages()[0]}")) == 20


def test_overlap_within_file_rejects_whole_import(db: Database, clock: Clock) -> None:
    geoms = generate_parcels(12, BOX, seed=6)
    geoms.append(translate(geoms[4], 0.0001, 0.0))
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, batch(geoms), actor="user:1", file_sha256="4" * 64)
    assert err.value.code == "registry.parcel_overlap" and err.value.details["feature_index"] == 12
    assert counts(db) == (0, 0, 0, 0)


@pytest.mark.parametrize(("bad", "code"), [
    ("bowtie", "registry.invalid_geometry"),
    ("outside", "registry.invalid_geometry"),
    ("region", "registry.invalid_region_code"),
    ("land_use", "registry.invalid_land_use_class"),
])
def test_one_bad_feature_rejects_everything(db: Database, clock: Clock, bad: str, code: str) -> None:
    geoms: list[Polygon] = generate_parcels(8, BOX, seed=7)
    b = batch(geoms)
    regions = list(b.region_codes)
    classes = list(b.land_use_classes)
    if bad == "bowtie":
        geoms[5] = Polygon([(117.0, 28.2), (117.001, 28.201), (117.001, 28.2), (117.0, 28.201)])
    elif bad == "outside":
        geoms[5] = box(100.0, 20.0, 100.001, 20.001)
    elif bad == "region":
        regions[5] = "360603101000"  # a township, not a village
    else:
        classes[5] = "9999"
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, ParcelBatch(geoms, regions, classes), actor="user:1", file_sha256="5" * 64)
    assert err.value.code == code
    assert err.value.details["feature_index"] == 5
    assert counts(db) == (0, 0, 0, 0)


def test_given_parcel_codes_must_be_unique(db: Database, clock: Clock) -> None:
    v = villages()[0]
    geoms = generate_parcels(3, BOX, seed=8)
    given_codes: list[str | None] = [f"{v}JC00100", None, f"{v}JC00100"]
    with pytest.raises(Conflict) as err, db.transaction() as s:
        import_parcels(s, ParcelBatch(geoms, [v] * 3, ["0702"] * 3, [None] * 3, given_codes), actor="u",
                       file_sha256="6" * 64)
    assert err.value.code == "registry.duplicate_parcel_code" and err.value.details["feature_index"] == 2
    with db.transaction() as s:
        import_parcels(s, ParcelBatch(geoms[:2], [v] * 2, ["0702"] * 2, [None] * 2, [f"{v}JC00100", None]),
                       actor="u", file_sha256="7" * 64)
    with db.transaction(readonly=True) as s:
        assert set(s.execute(select(Parcel.parcel_code)).scalars()) == {f"{v}JC00100", f"{v}JC00101"}
    east = [translate(geoms[2], 0.02, 0.0)]
    with pytest.raises(Conflict), db.transaction() as s:
        import_parcels(s, ParcelBatch(east, [v], ["0702"], [None], [f"{v}JC00100"]), actor="u",
                       file_sha256="8" * 64)


def test_multipolygon_and_polygon_are_stored_as_multipolygons(db: Database, clock: Clock) -> None:
    geoms = generate_parcels(2, BOX, seed=9)
    multi = shapely.MultiPolygon([geoms[1]])
    with db.transaction() as s:
        import_parcels(s, ParcelBatch([geoms[0], multi], [villages()[0]] * 2, ["0101", "0301"]),
                       actor="u", file_sha256="9" * 64)
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Parcel.parcel_code, Parcel.geom).order_by(Parcel.id)).all()
    assert [r[0][12:14] for r in rows] == ["JD", "JE"]
    assert all(r[1].geom_type == "MultiPolygon" for r in rows)
    assert rows[0][1].equals(shapely.MultiPolygon([geoms[0]]))


@given(st.sampled_from(["0101", "0201", "0301", "0401", "0501", "0702", "1001", "1101", "09"]),
       st.integers(min_value=1, max_value=99_999))
def test_unit_code_layout(luc: str, seq: int) -> None:
    region = villages()[seq % len(villages())]
    code = make_unit_code(make_parcel_code(region, feature_code_for_land_use(luc), seq))
    assert len(code) == 28 and code.startswith(region) and code.endswith("W00000000")
    assert int(code[14:19]) == seq and code[12] == "J"
    assert is_land_use_class(luc) and valid_unit_code(code)


@given(st.text(max_size=5))
def test_land_use_class_rejects_noise(text: str) -> None:
    if is_land_use_class(text):
        assert text == "09" or (len(text) == 4 and text.isdigit())


def test_pending_parcel_of_a_lodged_application_blocks_the_import(db: Database, clock: Clock) -> None:
    v = villages()[0]
    with db.transaction() as s:
        lodged = import_parcels(s, batch(generate_parcels(1, (117.05, 28.25, 117.051, 28.251), seed=10)),
                                actor="u", file_sha256="a" * 64)
        s.execute(update(Parcel).where(Parcel.application_id == lodged.application_id).values(status="pending"))
    before = counts(db)
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, batch(generate_parcels(4, (117.0505, 28.2505, 117.052, 28.252), seed=11), v),
                       actor="u", file_sha256="b" * 64)
    assert err.value.code == "registry.parcel_overlap"
    assert counts(db) == before


def test_concurrent_overlapping_imports_one_wins(db: Database, clock: Clock) -> None:
    import threading

    files = [generate_parcels(30, BOX, seed=12), generate_parcels(30, BOX, seed=13)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(geoms: list[Polygon]) -> None:
        barrier.wait()
        try:
            with db.transaction() as s:
                import_parcels(s, batch(geoms), actor="u", file_sha256="c" * 64)
            outcomes.append("ok")
        except RuleViolation as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(g,)) for g in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "registry.parcel_overlap"]
    assert counts(db)[:3] == (30, 30, 1)

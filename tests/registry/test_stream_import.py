"""Streamed, resumable parcel import (issue #21, scope 2): chunks committed with the job's cursor, a crash between
chunks resumes without importing anything twice, checks across chunks go through the register."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pyogrio
import pyogrio.raw
import pytest
from shapely.affinity import translate
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.registry.cadastre import check_features, import_staged, iter_staged, read_staged
from landbridge.registry.exports import write_report
from landbridge.registry.models import ImportJob, Parcel
from landbridge.registry.stream import import_streaming
from landbridge.registry.stream_check import check_streaming, write_stream_report
from tests.conftest import _wipe
from tests.registry.test_cadastre import BOX, N, codes, write_survey


class Crash(Exception):
    pass


def parcels(db: Database) -> list[tuple[str, float]]:
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Parcel.parcel_code, Parcel.area_m2).order_by(Parcel.parcel_code)).all()
    return [(str(c), round(float(a), 2)) for c, a in rows]


def test_chunks_concatenate_to_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "zd.shp"
    write_survey(path)
    whole = read_staged(path)
    chunks = list(iter_staged(path, batch_size=7))
    assert [c.offset for c in chunks] == [0, 7, 14, 21, 28]
    assert sum(len(c) for c in chunks) == len(whole) == N
    assert [code for c in chunks for code in c.columns["parcel_code"]] == whole.columns["parcel_code"]
    assert [g.wkb for c in chunks for g in c.geoms] == [g.wkb for g in whole.geoms]
    resumed = list(iter_staged(path, batch_size=7, skip=21))
    assert [c.offset for c in resumed] == [21, 28]
    assert resumed[0].columns["parcel_code"][0] == whole.columns["parcel_code"][21]


def test_crash_between_chunks_resumes_without_duplicates(db: Database, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "zd.shp"
    write_survey(path)
    seen: list[int] = []

    def crash_after_second(done: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise Crash

    with pytest.raises(Crash):
        import_streaming(db, path, actor="t", batch_size=6, after_chunk=crash_after_second)
    assert len(parcels(db)) == 12  # two chunks committed, the rest not started
    with db.transaction(readonly=True) as s:
        job = s.execute(select(ImportJob)).scalar_one()
        assert (job.status, job.features_done, job.imported, len(job.applications)) == ("running", 12, 12, 2)
    result = import_streaming(db, path, actor="t", batch_size=6)
    assert (result.resumed_from, result.features_done, result.imported, result.status) == (12, N, N, "done")
    assert len(result.applications) == 5
    got = parcels(db)
    assert [c for c, _ in got] == sorted(codes(N))  # every code once
    again = import_streaming(db, path, actor="t", batch_size=6)  # a finished job does nothing
    assert again.status == "done" and len(parcels(db)) == N
    with db.transaction(readonly=True) as s:
        assert s.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 1


def test_a_job_moved_on_by_another_process_stops_this_run_with_a_typed_error(db: Database, clock: Clock,
                                                                            tmp_path: Path) -> None:
    path = tmp_path / "zd.shp"
    write_survey(path)

    def other_process_runs_a_chunk(done: int) -> None:  # the same job's cursor moved by someone else
        with db.transaction() as s:
            job = s.execute(select(ImportJob)).scalar_one()
            job.features_done = done + 6

    with pytest.raises(DomainError) as exc:
        import_streaming(db, path, actor="t", batch_size=6, after_chunk=other_process_runs_a_chunk)
    assert exc.value.code == "registry.import_job_busy" and exc.value.details["done"] == 12
    assert exc.value.http_status == 409
    assert len(parcels(db)) == 6  # this run's first chunk stays; its second was not written


def test_streamed_register_equals_one_transaction_import(db: Database, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "zd.shp"
    write_survey(path)
    with db.transaction() as s:
        import_staged(s, check_features(s, read_staged(path)), actor="t")
    whole = parcels(db)
    _wipe(db)
    import_streaming(db, path, actor="t", batch_size=4)
    assert parcels(db) == whole


def test_across_chunks_duplicate_and_overlap_are_caught_by_the_register(db: Database, clock: Clock,
                                                                         tmp_path: Path) -> None:
    geoms = generate_parcels(N, BOX, seed=7)
    geoms[25] = translate(geoms[2], xoff=0.00002)  # overlaps #3, in a later chunk
    all_codes = codes(N)
    all_codes[20] = all_codes[1]  # same code as #2, in a later chunk
    path = tmp_path / "zd.shp"
    write_survey(path, geoms=geoms, extra={"ZDDM": all_codes})
    whole = check_features_whole(db, path)
    assert {21, 26} <= whole
    with pytest.raises(DomainError) as exc:  # the whole file is checked first: nothing is written, no job
        import_streaming(db, path, actor="t", batch_size=10)
    assert exc.value.code == "registry.import_not_clean"
    assert exc.value.details["first"] == 3  # #3 overlapped by the later chunk's #26: found before any import
    assert exc.value.details["rejected"] == len(whole)
    assert parcels(db) == []
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(ImportJob)) == 0
    result = import_streaming(db, path, actor="t", batch_size=10, exclude_rejected=True)
    assert (result.resumed_from, result.rejected, result.imported) == (0, 2, N - 2)
    got = [c for c, _ in parcels(db)]
    assert len(got) == len(set(got)) == N - 2
    assert codes(N)[25] not in got  # the overlapping feature #26 left out, its code never registered


def check_features_whole(db: Database, path: Path) -> set[int]:
    with db.transaction(readonly=True) as s:
        report = check_features(s, read_staged(path))
    return {f.feature for f in report.findings if f.severity == "error"}


def test_cli_streamed_import_with_progress_then_already_imported(db: Database, clock: Clock, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from landbridge.cli import app
    from landbridge.db import set_database

    path = tmp_path / "zd.shp"
    write_survey(path)
    runner = CliRunner()
    try:
        dry = runner.invoke(app, ["import", "parcels", str(path), "--dry-run", "--batch-size", "7", "--report",
                                  str(tmp_path / "r.gpkg"), "--database", db.url])
        assert dry.exit_code == 0 and f"{N} features (chunks of 7): 0 rejected" in dry.output, dry.output
        assert pyogrio.read_info(tmp_path / "r.gpkg")["features"] == N
        assert len(parcels(db)) == 0
        done = runner.invoke(app, ["import", "parcels", str(path), "--batch-size", "7", "--database", db.url])
        assert done.exit_code == 0, done.output
        assert f"imported {N} parcels of {N} features in 5 applications" in done.output
        again = runner.invoke(app, ["import", "parcels", str(path), "--batch-size", "7", "--database", db.url])
        assert again.exit_code == 0 and "already imported" in again.output, again.output
        rejected = runner.invoke(app, ["import", "parcels", str(path), "--dry-run", "--batch-size", "7",
                                       "--database", db.url])
        assert rejected.exit_code == 2 and f"{N} rejected" in rejected.output  # every code is now registered
    finally:
        set_database(db)
    assert len(parcels(db)) == N


def _key(f: object) -> tuple:
    return tuple(getattr(f, k) for k in ("feature", "fid", "parcel_code", "severity", "code", "message",
                                         "message_en"))


@pytest.mark.parametrize("batch_size", [4, 7, 30])
def test_streamed_dry_run_report_equals_the_whole_file_check(db: Database, clock: Clock, tmp_path: Path,
                                                             batch_size: int) -> None:
    geoms = generate_parcels(N, BOX, seed=7)
    geoms[25] = translate(geoms[2], xoff=0.00002)  # overlaps #3 (and maybe its neighbours), a later chunk
    geoms[11] = translate(geoms[12], yoff=0.00001)  # overlaps #13, next door
    all_codes = codes(N)
    all_codes[20] = all_codes[1]  # #21 repeats the code of #2
    all_codes[29] = all_codes[1]  # and #30 again
    path = tmp_path / "zd.shp"
    write_survey(path, geoms=geoms, extra={"ZDDM": all_codes, "YT": ["0702"] * 28 + ["9999", "0702"]})
    with db.transaction() as s:  # the register already holds #5's code elsewhere: a duplicate with the register
        first = read_staged(path)
        first.geoms = first.geoms[4:5]
        first.fids, first.vertices = first.fids[4:5], first.vertices[4:5]
        first.columns = {k: v[4:5] for k, v in first.columns.items()}
        import_staged(s, check_features(s, first), actor="t")
    with db.transaction(readonly=True) as s:
        whole = check_features(s, read_staged(path))
        streamed = check_streaming(s, path, batch_size=batch_size)
    expected = sorted(_key(f) for f in whole.findings)
    assert expected and sorted(_key(f) for f in streamed.findings) == expected
    assert streamed.rejected == {f.feature for f in whole.findings if f.severity == "error"}
    assert {21, 30, 26, 3, 5, 29} <= streamed.rejected and streamed.features == N


def test_streamed_report_files_equal_the_whole_file_report(db: Database, clock: Clock, tmp_path: Path) -> None:
    geoms = generate_parcels(N, BOX, seed=7)
    geoms[25] = translate(geoms[2], xoff=0.00002)
    path = tmp_path / "zd.shp"
    write_survey(path, geoms=geoms)
    with db.transaction(readonly=True) as s:
        whole = check_features(s, read_staged(path))
        streamed = check_streaming(s, path, batch_size=8)
    write_report(whole, tmp_path / "whole.gpkg")
    write_report(whole, tmp_path / "whole.xlsx")
    write_stream_report(streamed, tmp_path / "stream.gpkg", path, batch_size=8)
    write_stream_report(streamed, tmp_path / "stream.xlsx", path, batch_size=8)
    a = pyogrio.raw.read(tmp_path / "whole.gpkg")
    b = pyogrio.raw.read(tmp_path / "stream.gpkg")
    assert len(b[2]) == N and list(a[2]) == list(b[2])  # same geometries, in feature order
    for col_a, col_b, name in zip(a[3], b[3], a[0]["fields"], strict=True):
        if name != "findings":  # the same findings, perhaps in another order within one feature
            assert list(col_a) == list(col_b), name
        else:
            assert [sorted(str(v).split("\n")) for v in col_a] == [sorted(str(v).split("\n")) for v in col_b]
    status = dict(zip(b[0]["fields"], b[3], strict=True))["status"]
    assert status[2] == status[25] == "rejected"  # #3 rejected by the later chunk's #26
    sheets = [openpyxl.load_workbook(tmp_path / f"{n}.xlsx") for n in ("whole", "stream")]
    rows = [sorted(ws.iter_rows(values_only=True), key=str) for ws in (wb.worksheets[0] for wb in sheets)]
    assert rows[0] == rows[1] and len(rows[0]) > 1
    summaries = [list(wb.worksheets[1].iter_rows(values_only=True)) for wb in sheets]
    assert summaries[0] == summaries[1]

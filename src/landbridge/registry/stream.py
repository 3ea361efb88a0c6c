"""Streamed, resumable import of large cadastral files (issue #21, scope 2).

``import_streaming`` reads the file in chunks (``cadastre.iter_staged``: memory holds one chunk, whatever the file
size), checks each chunk feature by feature and imports it through the one bulk writer (``bulk.import_parcels``,
one first registration per chunk with its ledger events) in its own transaction, moving the import job's cursor
(``ImportJob.features_done``) in the same commit. A run killed between chunks (kill -9) resumes from the job of the
same file digest after the last committed chunk: no feature is read into the register twice.

Checks across chunks go through the database: the parcels of the chunks already committed are in the register,
so a later feature with the same code, or overlapping one of them, is found by the register checks of
``check_features`` (reported against that parcel's code rather than the feature number).

Import only when the report is clean, or with the rejected features excluded explicitly (issue #21 item 2): a new
job without ``exclude_rejected`` first checks the whole file chunk by chunk (``stream_check.check_streaming``, the
streamed dry run: memory holds one chunk and the boxes of the features seen, nothing written) and refuses a file
with any rejected feature (``registry.import_not_clean``, naming the first) before a single chunk is imported.
With ``exclude_rejected`` each chunk leaves its rejected features out as it comes (no second pass). Should a chunk
still be refused part way (the register changed between the check and the import), the chunks before it stay
imported and the job resumes at that chunk once the file is corrected or the rejected features are excluded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from landbridge.db import Database, for_update
from landbridge.kernel.clock import now
from landbridge.registry.cadastre import Progress, _no_progress, check_features, import_staged, iter_staged, locate
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import ImportJob
from landbridge.registry.stream_check import check_streaming

RUNNING, DONE = "running", "done"


@dataclass(frozen=True)
class StreamResult:
    """The job after this run: features checked and committed, parcels imported, rejected, and whether resumed."""

    job_id: int
    file_sha256: str
    total: int
    features_done: int
    imported: int
    rejected: int
    applications: list[str]
    resumed_from: int
    status: str


def _result(job: ImportJob, resumed_from: int) -> StreamResult:
    return StreamResult(job.id, job.file_sha256, job.total, job.features_done, job.imported, job.rejected,
                        list(job.applications), resumed_from, job.status)


def import_streaming(db: Database, path: str | Path, *, actor: str, batch_size: int, exclude_rejected: bool = False,
                     layer: str | None = None, encoding: str | None = None, crs: str | None = None,
                     region_code: str | None = None, progress: Progress = _no_progress,
                     after_chunk: Callable[[int], None] | None = None) -> StreamResult:
    """Import ``path`` chunk by chunk, each chunk in its own committed transaction with the job's cursor; resume
    the job of the same file digest where a previous run stopped. ``after_chunk(features_done)`` is called after
    each commit (a progress hook; tests raise from it to simulate a crash between chunks)."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    source = locate(path, layer=layer, encoding=encoding)
    with db.transaction(readonly=True) as s:
        known = s.execute(select(ImportJob.id).where(ImportJob.file_sha256 == source.sha256)).first() is not None
        if not known and not exclude_rejected:  # a new import: the whole file clean first, or nothing is written
            check = check_streaming(s, path, batch_size=batch_size, layer=layer, encoding=encoding, crs=crs,
                                    region_code=region_code,
                                    progress=lambda _stage, done, total: progress("check", done, total))
            errors = [f for f in check.findings if f.severity == "error"]
            if errors:
                raise RegistryError.IMPORT_NOT_CLEAN.error(rejected=len(check.rejected), first=errors[0].feature,
                                                           finding=errors[0].code)
    with db.transaction() as s:
        job = s.execute(select(ImportJob).where(ImportJob.file_sha256 == source.sha256)).scalar_one_or_none()
        if job is None:
            job = ImportJob(file_sha256=source.sha256, file_name=source.name[:200], status=RUNNING, total=0,
                            features_done=0, imported=0, rejected=0, applications=[], actor=actor,
                            started_at=now())
            s.add(job)
            s.flush()
        job_id, resumed_from = job.id, job.features_done
        if job.status == DONE:
            return _result(job, resumed_from)
    chunks = iter_staged(path, layer=layer, encoding=encoding, crs=crs, region_code=region_code, skip=resumed_from,
                         batch_size=batch_size, progress=progress, source=source)
    for staged in chunks:
        with db.transaction() as s:
            stmt = select(ImportJob).where(ImportJob.id == job_id)
            job = s.execute(stmt.with_for_update() if for_update(s) else stmt).scalar_one()
            if job.status == DONE or job.features_done != staged.offset:
                raise RegistryError.IMPORT_JOB_BUSY.error(job=job_id, file=job.file_name, done=job.features_done)
            if len(staged):
                report = check_features(s, staged)
                rejected = len(report.rejected)
                if rejected < len(staged) or not exclude_rejected:  # refuses a dirty chunk unless excluded
                    result = import_staged(s, report, actor=actor, exclude_rejected=exclude_rejected)
                    job.imported += result.parcel_count
                    job.applications = [*job.applications, result.application_number]
                job.rejected += rejected
            job.features_done = staged.offset + len(staged)
            job.total = max(job.total, job.features_done)
            done = job.features_done
        if after_chunk is not None:
            after_chunk(done)
    with db.transaction() as s:
        job = s.execute(select(ImportJob).where(ImportJob.id == job_id)).scalar_one()
        job.status, job.finished_at, job.total = DONE, now(), job.features_done
        progress("import", job.features_done, job.total)
        return _result(job, resumed_from)

"""Streamed dry run of a large cadastral file (issue #21, scope 2): the complete report, chunk by chunk.

``check_streaming`` checks each chunk with ``cadastre.check_features`` (every per-feature check, overlaps within the
chunk and with the register) and adds what a chunk cannot see: a parcel code used by an earlier chunk, and overlaps
with features of earlier chunks. For those it keeps, per good earlier feature, only its bounding box, layer and FID
(about 40 bytes a feature), and reads the few candidate geometries back from the file by FID: memory holds one chunk
and the boxes, whatever the file size. The findings equal those of the one-piece check of the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.geo import interiors_intersect, overlap_area_m2
from landbridge.registry.cadastre import (
    Finding,
    Progress,
    StagedFile,
    _no_progress,
    check_features,
    iter_staged,
    parcel_layers,
)
from landbridge.registry.errors import RegistryError
from landbridge.registry.files import text_values

_GEOMETRY_CODES = {RegistryError.INVALID_GEOMETRY.code, RegistryError.FEATURE_TOO_COMPLEX.code}


@dataclass
class StreamCheck:
    """All findings of a file checked chunk by chunk, sorted by feature, then code."""

    header: StagedFile | None = None  # the file, its CRS and field map (no features)
    features: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def rejected(self) -> set[int]:
        """1-based numbers of the rejected features."""
        return {f.feature for f in self.findings if f.severity == "error"}


@dataclass
class _Seen:
    """What is kept of the earlier chunks: codes (first feature number) and the good features' boxes."""

    codes: dict[str, int] = field(default_factory=dict)
    boxes: list[np.ndarray] = field(default_factory=list)  # per chunk: (k, 4) bounds
    features: list[np.ndarray] = field(default_factory=list)  # per chunk: 1-based feature numbers
    fids: list[np.ndarray] = field(default_factory=list)
    layers: list[np.ndarray] = field(default_factory=list)


def _finding(feature: int, fid: int, parcel_code: str | None, member: Any, **details: Any) -> Finding:
    zh, en = member.render(index=feature, **details)
    return Finding(feature, fid, parcel_code, "error", member.code, zh, en)


def _read_back(staged: StagedFile, fids: list[int]) -> dict[int, tuple[Any, str | None]]:
    """Earlier features by FID: geometry in EPSG:4490 (as the staged chunk had it) and parcel code."""
    src = staged.mapped.get("parcel_code")
    _meta, got, wkb, data = pyogrio.raw.read(staged.source.gdal_path, layer=staged.source.layer,
                                             encoding=staged.source.encoding, fids=np.asarray(fids, dtype=np.int64),
                                             columns=[src] if src else [], return_fids=True)
    geoms = shapely.force_2d(shapely.from_wkb(wkb, on_invalid="ignore"))
    t = staged.crs.transformer
    if t is not None:
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    codes = text_values(data[0]) if src else [None] * len(geoms)
    return {int(f): (g, c) for f, g, c in zip(got.tolist(), geoms.tolist(), codes, strict=True)}


def _cross_overlaps(staged: StagedFile, good: list[int], seen: _Seen, srid: int, tolerance: float) -> list[Finding]:
    if not good or not seen.boxes:
        return []
    boxes, feats = np.concatenate(seen.boxes), np.concatenate(seen.features)
    fids, layers = np.concatenate(seen.fids), np.concatenate(seen.layers)
    geoms = np.empty(len(good), dtype=object)
    geoms[:] = [staged.geoms[i] for i in good]
    b = shapely.bounds(geoms)
    lo, hi = b[:, :2].min(axis=0), b[:, 2:].max(axis=0)
    near = np.flatnonzero((boxes[:, 0] <= hi[0]) & (boxes[:, 2] >= lo[0]) & (boxes[:, 1] <= hi[1])
                          & (boxes[:, 3] >= lo[1]))
    if not len(near):
        return []
    tree = shapely.STRtree(geoms)
    prev_k, cur_k = tree.query(shapely.box(*boxes[near].T), predicate="intersects")
    cur_layers = parcel_layers(staged.columns, good)
    pairs = [(int(near[p]), int(c)) for p, c in zip(prev_k.tolist(), cur_k.tolist(), strict=True)
             if layers[near[p]] == cur_layers[c] and cur_layers[c] != ""]
    if not pairs:
        return []
    back = _read_back(staged, sorted({int(fids[p]) for p, _ in pairs}))
    out: list[Finding] = []
    cur_codes = staged.columns["parcel_code"]
    for p, c in sorted(pairs, key=lambda pc: (feats[pc[0]], pc[1])):
        other, other_code = back[int(fids[p])]
        g = geoms[c]
        if other is None or not interiors_intersect(other, g):
            continue
        area = overlap_area_m2(other, g, srid)
        if area <= tolerance:
            continue
        ia, ib, i = int(feats[p]), staged.offset + good[c] + 1, good[c]
        out.append(_finding(ib, staged.fids[i], cur_codes[i], RegistryError.PARCEL_OVERLAP, other=f"#{ia}",
                            area=f"{area:.2f}"))
        out.append(_finding(ia, int(fids[p]), other_code, RegistryError.PARCEL_OVERLAP, other=f"#{ib}",
                            area=f"{area:.2f}"))
    return out


def check_streaming(session: Session, path: str | Path, *, batch_size: int, layer: str | None = None,
                    encoding: str | None = None, crs: str | None = None, region_code: str | None = None,
                    progress: Progress = _no_progress) -> StreamCheck:
    """The dry run of ``path`` chunk by chunk (nothing written): every finding of the one-piece check."""
    profile = get_profile()
    tolerance = float(profile.rules("registry").decimal("overlap_tolerance_m2"))
    srid = profile.projected_srid
    result = StreamCheck()
    seen = _Seen()
    for staged in iter_staged(path, layer=layer, encoding=encoding, crs=crs, region_code=region_code,
                              batch_size=batch_size, progress=progress):
        result.header = StagedFile(source=staged.source, crs=staged.crs, mapped=staged.mapped)
        result.features += len(staged)
        if not len(staged):
            continue
        report = check_features(session, staged)
        base = staged.offset
        dup = RegistryError.DUPLICATE_PARCEL_CODE
        flagged = {(f.feature, f.code) for f in report.findings}
        findings = list(report.findings)
        first_in_chunk: dict[str, int] = {}
        for i, code in enumerate(staged.columns["parcel_code"]):
            if code is not None:
                first_in_chunk.setdefault(code, i)
        for code, i in first_in_chunk.items():
            if code in seen.codes and (base + i + 1, dup.code) not in flagged:
                findings.append(_finding(base + i + 1, staged.fids[i], code, dup, code=code))
        bad = {f.feature - base - 1 for f in report.findings if f.code in _GEOMETRY_CODES}
        good = [i for i in range(len(staged)) if i not in bad and staged.geoms[i] is not None]
        findings.extend(_cross_overlaps(staged, good, seen, srid, tolerance))
        result.findings.extend(findings)
        for code, i in first_in_chunk.items():
            seen.codes.setdefault(code, base + i + 1)
        if good:
            arr = np.empty(len(good), dtype=object)
            arr[:] = [staged.geoms[i] for i in good]
            seen.boxes.append(shapely.bounds(arr))
            seen.features.append(np.array([base + i + 1 for i in good], dtype=np.int64))
            seen.fids.append(np.array([staged.fids[i] for i in good], dtype=np.int64))
            seen.layers.append(parcel_layers(staged.columns, good))
    result.findings.sort(key=lambda f: (f.feature, f.code, f.message))
    return result


def write_stream_report(check: StreamCheck, path: str | Path, source_path: str | Path, *, batch_size: int,
                        layer: str | None = None, encoding: str | None = None, crs: str | None = None,
                        region_code: str | None = None) -> None:
    """The streamed dry run's report: XLSX from the findings, or GeoPackage written chunk by chunk in a second pass
    over the file (each feature with its final status: a later chunk can reject an earlier feature)."""
    from landbridge.registry.exports import report_features, report_summary, write_findings_xlsx
    from landbridge.registry.files import write_parcels

    path = Path(path)
    assert check.header is not None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_findings_xlsx(check.findings, report_summary(check.header, check.features, len(check.rejected),
                                                           len(check.findings)), path)
        return
    if suffix != ".gpkg":
        raise RegistryError.UNSUPPORTED_FILE.error(suffix=suffix)
    by_feature: dict[int, list[Finding]] = {}
    for f in check.findings:
        by_feature.setdefault(f.feature, []).append(f)
    first = True
    for staged in iter_staged(source_path, layer=layer, encoding=encoding, crs=crs, region_code=region_code,
                              batch_size=batch_size):
        if not len(staged) and not first:
            continue
        mine = [f for k in range(staged.offset + 1, staged.offset + len(staged) + 1) for f in by_feature.get(k, [])]
        geoms, props = report_features(staged, mine)
        write_parcels(path, geoms, props, layer="import_check", append=not first)
        first = False

"""Real cadastral files in: Shapefile, GeoPackage, File Geodatabase, GeoJSON in CGCS2000 (issue #21, R1, P1).

A county's survey arrives as a Shapefile (zipped or not, GBK or UTF-8 attributes) or a File Geodatabase in
projected CGCS2000 Gauss–Krüger coordinates, with the field names of the 不动产登记数据库标准 (ZDDM, ZL, YT,
QLR, ZJH, QLLX, ZDMJ). This module

* locates the dataset (``.shp`` with its ``.dbf/.prj/.cpg``, ``.zip``, ``.gpkg``, ``.gdb``, ``.geojson``), bounds
  its size, feature count and vertices (rule set ``registry_import``), and picks the text encoding
  (``.cpg``, then the DBF LDID byte, then the profile's default, or ``--encoding``);
* resolves the coordinate system from the ``.prj``/WKT/EPSG: CGCS2000 geographic and every 3°/6° Gauss–Krüger
  zone with or without zone prefix (EPSG:4491–4554 and ESRI WKT without a code) is reprojected once to
  EPSG:4490 with pyproj; Xi'an 1980 and Beijing 1954 are refused unless the profile holds the surveying
  authority's seven-parameter set for that datum;
* reads the features in chunks (``open_arrow``), maps the columns through the profile's ``field_map``;
* checks every feature and collects *all* findings (``check_features``) for a dry-run report in XLSX and
  GeoPackage (``write_report``); ``import_staged`` imports only when no feature is rejected, or when the
  caller excludes the rejected features explicitly, in the caller's one transaction (``bulk.import_parcels``).

Feature numbers in messages and reports are 1-based positions in the source layer (as QGIS's attribute table
counts them); the source FID is reported beside them.
"""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError, ErrorCode
from landbridge.kernel.geo import GEOGRAPHIC_SRID, GeometryError, areas_m2, validate_polygon
from landbridge.kernel.ids import mask_id, valid_resident_id, valid_uscc
from landbridge.kernel.spatial import overlapping_pairs
from landbridge.registry.bulk import (
    ImportReport,
    ParcelBatch,
    _current_codes,
    feature_code_for_land_use,
    find_database_overlaps,
    import_parcels,
    is_land_use_class,
)
from landbridge.registry.errors import RegistryError
from landbridge.registry.files import text_values
from landbridge.registry.rules import PURE_LAND_SUFFIX, Layer, layer_of, valid_unit_code

RULE_SET = "registry_import"
Progress = Callable[[str, int, int], None]
LEGACY_DATUMS = {4610: "西安80 (Xian 1980)", 4214: "北京54 (Beijing 1954)"}
_LEGACY_NAMES = {"xian 1980": 4610, "xian_1980": 4610, "beijing 1954": 4214, "beijing_1954": 4214}
_CGCS_NAMES = ("china 2000", "china_2000", "cgcs2000", "cgcs_2000")
_TARGETS = ("parcel_code", "location", "land_use_class", "region_code", "holder_name", "holder_id", "right_type",
            "stated_area")
_GARBLED = re.compile(r"[\u0080-\u00ff]{2,}|\ufffd")


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _rules() -> Any:
    return get_profile().rules(RULE_SET)


# --------------------------------------------------------------------------------------------- locating a file
@dataclass(frozen=True)
class SourceFile:
    """Where GDAL reads the dataset, with the driver, layer, text encoding, byte size and content digest."""

    gdal_path: str
    driver: str
    layer: str | None
    encoding: str | None
    size: int
    sha256: str
    name: str


def _hash_files(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode("utf-8") + b"\0")
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _dbf_encoding(cpg: str | None, dbf_head: bytes, default: str) -> str | None:
    """The encoding to force on a Shapefile: None where GDAL knows it (a ``.cpg`` or a DBF LDID byte)."""
    if cpg and cpg.strip():
        return None
    if len(dbf_head) > 29 and dbf_head[29] != 0:
        return None
    return default


def _driver_of(name: str) -> str:
    lower = name.lower().rstrip("/")
    if lower.endswith(".shp"):
        return "ESRI Shapefile"
    if lower.endswith(".gpkg"):
        return "GPKG"
    if lower.endswith((".geojson", ".json")):
        return "GeoJSON"
    if lower.endswith(".gdb"):
        return "OpenFileGDB"
    raise RegistryError.UNSUPPORTED_FILE.error(suffix=Path(lower).suffix or lower)


def locate(path: str | Path, *, layer: str | None = None, encoding: str | None = None) -> SourceFile:
    """Find the dataset in ``path`` (a file, a ``.gdb`` folder or a ``.zip``), bound its size, pick its encoding."""
    path = Path(path)
    rules = _rules()
    default_enc = str(rules.value("shapefile_default_encoding"))
    limit = rules.int("max_file_bytes")
    if path.is_dir():
        if not path.name.lower().endswith(".gdb"):
            raise RegistryError.UNSUPPORTED_FILE.error(suffix=path.suffix or path.name)
        files = sorted(p for p in path.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in files)
        src = str(path)
        driver, enc = "OpenFileGDB", encoding
        digest_files = files
    elif path.suffix.lower() == ".zip":
        size = path.stat().st_size
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                member = _zip_member(names)
                size = max(size, sum(i.file_size for i in zf.infolist()))
                driver = _driver_of(member)
                enc = encoding
                if driver == "ESRI Shapefile" and enc is None:
                    stem = member[:-4]
                    cpg = next((n for n in names if n.lower() == (stem + ".cpg").lower()), None)
                    dbf = next((n for n in names if n.lower() == (stem + ".dbf").lower()), None)
                    cpg_text = zf.read(cpg).decode("ascii", "replace") if cpg else None
                    head = zf.open(dbf).read(32) if dbf else b""
                    enc = _dbf_encoding(cpg_text, head, default_enc)
        except zipfile.BadZipFile as exc:
            raise RegistryError.UNREADABLE_FILE.error(name=path.name, reason=str(exc)) from exc
        src = f"/vsizip/{path}/{member.rstrip('/')}"
        digest_files = [path]
    else:
        driver = _driver_of(path.name)
        enc = encoding
        digest_files = [path]
        if driver == "ESRI Shapefile":
            parts = {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*")}
            if ".dbf" not in parts or ".shx" not in parts:
                raise RegistryError.UNREADABLE_FILE.error(name=path.name, reason="missing .dbf or .shx")
            digest_files = [parts[s] for s in sorted(parts) if s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
            if enc is None:
                cpg_text = parts[".cpg"].read_text("ascii", "replace") if ".cpg" in parts else None
                with parts[".dbf"].open("rb") as fh:
                    enc = _dbf_encoding(cpg_text, fh.read(32), default_enc)
        size = sum(p.stat().st_size for p in digest_files)
        src = str(path)
    if size > limit:
        raise RegistryError.FILE_TOO_LARGE.error(size=size, limit=limit)
    return SourceFile(gdal_path=src, driver=driver, layer=_pick_layer(src, layer), encoding=enc, size=size,
                      sha256=_hash_files(digest_files), name=path.name)


def _zip_member(names: list[str]) -> str:
    for suffixes in ((".shp",), (".gdb/", ".gdb"), (".gpkg",), (".geojson", ".json")):
        for n in names:
            low = n.lower()
            if low.endswith(suffixes) and "__macosx" not in low:
                if ".gdb/" in low and suffixes[0] == ".gdb/":
                    return n[:low.index(".gdb/") + 4]
                return n
        if suffixes[0] == ".gdb/":
            for n in names:
                if ".gdb/" in n.lower():
                    return n[:n.lower().index(".gdb/") + 4]
    raise RegistryError.UNSUPPORTED_FILE.error(suffix=".zip")


def _pick_layer(src: str, layer: str | None) -> str | None:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(src)]
    except Exception as exc:  # GDAL's own error text names the problem
        raise RegistryError.UNREADABLE_FILE.error(name=Path(src).name, reason=str(exc)) from exc
    if layer is not None:
        if layer not in layers:
            raise RegistryError.LAYER_NOT_FOUND.error(layer=layer, layers=", ".join(layers))
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    polygonal = [str(row[0]) for row in pyogrio.list_layers(src) if "polygon" in str(row[1]).lower()]
    return (polygonal or layers)[0]


# ------------------------------------------------------------------------------------------ coordinate systems
@dataclass(frozen=True)
class SourceCrs:
    """The file's coordinate system and the transformer to EPSG:4490 (None: already CGCS2000/WGS 84 degrees)."""

    name: str
    epsg: int | None
    transformer: Transformer | None
    false_easting: float | None = None


def _datum_epsg(crs: CRS) -> int | None:
    geodetic = crs.geodetic_crs
    code = geodetic.to_epsg(min_confidence=70) if geodetic is not None else None
    if code is not None:
        return int(code)
    name = (crs.datum.name if crs.datum else "").lower()
    if any(n in name for n in _CGCS_NAMES):
        return GEOGRAPHIC_SRID
    for key, epsg in _LEGACY_NAMES.items():
        if key in name:
            return epsg
    return None


def _false_easting(crs: CRS) -> float | None:
    op = crs.coordinate_operation
    if op is None:
        return None
    for p in op.params:
        if p.name.lower() == "false easting":
            return float(p.value)
    return None


def _helmert_transformer(crs: CRS, params: list[float]) -> Transformer:
    """Source coordinates to CGCS2000 degrees through a seven-parameter (Bursa–Wolf, position vector) shift."""
    if crs.is_projected:
        with warnings.catch_warnings():  # only the projection's parameters are taken from the PROJ string
            warnings.simplefilter("ignore", UserWarning)
            text = crs.to_proj4()
        proj = " ".join(t for t in text.split() if not t.startswith(("+no_defs", "+type", "+towgs84")))
        first = f"+step +inv {proj}"
    else:
        first = "+step +proj=unitconvert +xy_in=deg +xy_out=rad"
    ell = crs.ellipsoid
    if ell is None:
        raise RegistryError.UNSUPPORTED_CRS.error({"crs": crs.name}, crs=crs.name)
    dx, dy, dz, rx, ry, rz, ds = params
    pipeline = (f"+proj=pipeline {first} +step +proj=cart +a={ell.semi_major_metre} +rf={ell.inverse_flattening} "
                f"+step +proj=helmert +x={dx} +y={dy} +z={dz} +rx={rx} +ry={ry} +rz={rz} +s={ds} "
                f"+convention=position_vector +step +inv +proj=cart +ellps=GRS80 "
                f"+step +proj=unitconvert +xy_in=rad +xy_out=deg")
    return Transformer.from_pipeline(pipeline)


def resolve_crs(declared: str | None, override: str | None = None) -> SourceCrs:
    """CGCS2000 geographic or Gauss–Krüger accepted; Xi'an 80 / Beijing 54 only with the profile's parameters."""
    text = override or declared
    if not text:
        raise RegistryError.MISSING_CRS.error()
    try:
        crs = CRS.from_user_input(int(text) if str(text).isdigit() else text)
    except Exception as exc:
        raise RegistryError.UNSUPPORTED_CRS.error({"crs": str(text)[:80]}, crs=str(text)[:200]) from exc
    epsg = crs.to_epsg(min_confidence=70)
    datum = _datum_epsg(crs)
    name = f"EPSG:{epsg}" if epsg else crs.name
    is_tm = crs.is_projected and crs.coordinate_operation is not None and (
        "transverse mercator" in crs.coordinate_operation.method_name.lower())
    if datum in LEGACY_DATUMS:
        params = dict(_rules().value("legacy_datum_parameters")).get(str(datum))
        if not params:
            raise RegistryError.LEGACY_DATUM.error(crs=name, datum=LEGACY_DATUMS[datum], datum_epsg=str(datum))
        if len(params) != 7:
            raise ValueError(f"legacy_datum_parameters[{datum}] needs seven numbers")
        return SourceCrs(name, epsg, _helmert_transformer(crs, [float(v) for v in params]),
                         _false_easting(crs) if crs.is_projected else None)
    if datum == GEOGRAPHIC_SRID and crs.is_geographic:
        return SourceCrs(name, epsg, None)
    if datum == 4326 and crs.is_geographic:  # GeoJSON's default frame, taken as CGCS2000 (centimetres apart)
        return SourceCrs(name, epsg, None)
    if datum == GEOGRAPHIC_SRID and is_tm:
        return SourceCrs(name, epsg, Transformer.from_crs(crs, GEOGRAPHIC_SRID, always_xy=True), _false_easting(crs))
    raise RegistryError.UNSUPPORTED_CRS.error({"crs": name}, crs=name)


# ----------------------------------------------------------------------------------------------- staged reading
@dataclass
class StagedFile:
    """Every feature of a source file, mapped and in EPSG:4490, ready to check (columns, one entry per feature)."""

    source: SourceFile
    crs: SourceCrs
    fids: list[int] = field(default_factory=list)
    geoms: list[BaseGeometry | None] = field(default_factory=list)
    columns: dict[str, list[str | None]] = field(default_factory=lambda: {t: [] for t in _TARGETS})
    vertices: list[int] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    offset: int = 0  # position in the source layer of the first feature (a chunk of a streamed file)

    def __len__(self) -> int:
        return len(self.geoms)


def _map_fields(names: list[str]) -> dict[str, str]:
    """Target name -> source column, through the profile's ``field_map`` (case-insensitive, first match wins)."""
    lower = {n.lower(): n for n in names}
    mapping: dict[str, str] = {}
    for target, candidates in dict(_rules().value("field_map")).items():
        for cand in candidates:
            if str(cand).lower() in lower:
                mapping[str(target)] = lower[str(cand).lower()]
                break
    return mapping


def read_staged(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                crs: str | None = None, region_code: str | None = None,
                progress: Progress = _no_progress) -> StagedFile:
    """Read a cadastral file in chunks into one ``StagedFile`` (bounded; typed errors; nothing written)."""
    staged: StagedFile | None = None
    for chunk in iter_staged(path, layer=layer, encoding=encoding, crs=crs, region_code=region_code,
                             progress=progress):
        if staged is None:
            staged = chunk
            continue
        staged.fids.extend(chunk.fids)
        staged.geoms.extend(chunk.geoms)
        staged.vertices.extend(chunk.vertices)
        for target in _TARGETS:
            staged.columns[target].extend(chunk.columns[target])
    assert staged is not None  # iter_staged yields at least one (possibly empty) chunk
    return staged


def parcel_layers(columns: Mapping[str, Any], idx: list[int]) -> np.ndarray:
    """Each feature's cadastral layer from its land-use class ("" when the class is unknown): overlaps are checked
    within a layer, by the whole-file check and the streamed one alike."""
    luc = columns["land_use_class"]
    return np.array([layer_of(feature_code_for_land_use(str(luc[i]))).value if is_land_use_class(luc[i]) else ""
                     for i in idx], dtype=object)


def iter_staged(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                crs: str | None = None, region_code: str | None = None, skip: int = 0,
                batch_size: int | None = None, progress: Progress = _no_progress,
                source: SourceFile | None = None) -> Iterator[StagedFile]:
    """Read a cadastral file as a stream of ``StagedFile`` chunks of ``batch_size`` features (issue #21, scope 2):
    memory holds one chunk, whatever the file size. ``skip`` starts after that many features (a resumed import);
    each chunk's ``offset`` is the position of its first feature in the layer. Always yields at least one chunk.
    ``source``: the file already located (and hashed) by the caller, so a large file is hashed once."""
    rules = _rules()
    source = source or locate(path, layer=layer, encoding=encoding)
    try:
        info = pyogrio.read_info(source.gdal_path, layer=source.layer, encoding=source.encoding,
                                 force_feature_count=True)
    except Exception as exc:
        raise RegistryError.UNREADABLE_FILE.error(name=source.name, reason=str(exc)) from exc
    total = int(info["features"])
    if total > rules.int("max_features"):
        raise RegistryError.TOO_MANY_FEATURES.error(count=total, limit=rules.int("max_features"))
    source_crs = resolve_crs(info.get("crs"), crs)
    names = [str(f) for f in info["fields"]]
    mapped = _map_fields(names)
    if "land_use_class" not in mapped:
        raise RegistryError.MISSING_FIELD.error({"required": "land_use_class (YT)"}, field="land_use_class")
    max_total = rules.int("max_total_vertices")
    vertex_total = 0
    start = min(skip, total)
    yielded = False
    progress("read", start, total)
    try:
        with pyogrio.raw.open_arrow(source.gdal_path, layer=source.layer, encoding=source.encoding,
                                    return_fids=True, use_pyarrow=True, skip_features=start,
                                    batch_size=batch_size or rules.int("read_chunk_features")) as (meta, reader):
            fid_col = meta.get("fid_column") or "OGC_FID"
            for batch in reader:
                staged = StagedFile(source=source, crs=source_crs, mapped=mapped, offset=start)
                cols = batch.schema.names
                geom_col = next(c for c in reversed(cols) if c not in names and c != fid_col)
                wkb = np.asarray(batch.column(geom_col).to_pylist(), dtype=object)
                geoms = shapely.force_2d(shapely.from_wkb(wkb, on_invalid="ignore"))
                counts = shapely.get_num_coordinates(geoms)
                vertex_total += int(counts.sum())
                if vertex_total > max_total:
                    raise RegistryError.TOO_MANY_VERTICES.error(limit=max_total)
                _check_zone(geoms, source_crs, start)
                if source_crs.transformer is not None:
                    t = source_crs.transformer
                    geoms = shapely.transform(geoms, lambda xy, t=t: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
                polygon = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
                if polygon.any():  # MultiPolygons once here, so no later step copies the geometries
                    geoms[polygon] = shapely.multipolygons(geoms[polygon], indices=np.arange(int(polygon.sum())))
                staged.geoms.extend(geoms.tolist())
                staged.vertices.extend(int(c) for c in counts)
                if fid_col in cols:
                    staged.fids.extend(int(f) for f in batch.column(fid_col).to_pylist())
                else:
                    staged.fids.extend(range(start, start + len(geoms)))
                for target in _TARGETS:
                    src = mapped.get(target)
                    values = text_values(batch.column(src).to_pylist()) if src else [None] * len(geoms)
                    if target in ("location", "holder_name") and src:
                        for off, v in enumerate(values):
                            if v and _GARBLED.search(v):
                                raise RegistryError.TEXT_ENCODING.error(
                                    index=start + off + 1, field=src, encoding=source.encoding or "UTF-8")
                    staged.columns[target].extend(values)
                _fill_regions(staged, region_code)
                start += len(geoms)
                progress("read", start, total)
                yielded = True
                yield staged
    except DomainError:
        raise
    except Exception as exc:
        raise RegistryError.UNREADABLE_FILE.error(name=source.name, reason=str(exc)) from exc
    if not yielded:
        yield StagedFile(source=source, crs=source_crs, mapped=mapped, offset=start)


def _fill_regions(staged: StagedFile, region_code: str | None) -> None:
    regions = staged.columns["region_code"]
    codes = staged.columns["parcel_code"]
    for i, r in enumerate(regions):
        if r is None:
            code = codes[i]
            regions[i] = code[:12] if code and len(code) >= 12 and code[:12].isdigit() else region_code


def _check_zone(geoms: np.ndarray, crs: SourceCrs, start: int) -> None:
    """A Gauss–Krüger easting must lie near the zone's false easting (catches 4527 data labelled 4548)."""
    if crs.false_easting is None or len(geoms) == 0:
        return
    b = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        bad = np.abs((b[:, 0] + b[:, 2]) / 2 - crs.false_easting) > 400_000
    if bad.any():
        i = int(np.argmax(bad))
        raise RegistryError.CRS_MISMATCH.error(index=start + i + 1, x=float(b[i, 0]), y=float(b[i, 1]), crs=crs.name)


# ------------------------------------------------------------------------------------------------ the checks
@dataclass(frozen=True)
class Finding:
    """One problem of one feature: ``severity`` error (the feature is rejected) or warning (reported only)."""

    feature: int  # 1-based position in the source layer
    fid: int
    parcel_code: str | None
    severity: str
    code: str
    message: str
    message_en: str


@dataclass
class CheckReport:
    """All findings of a staged file, and which features they reject."""

    staged: StagedFile
    findings: list[Finding]

    @property
    def rejected(self) -> set[int]:
        """0-based indexes (in the staged chunk) of the rejected features."""
        return {f.feature - 1 - self.staged.offset for f in self.findings if f.severity == "error"}

    @property
    def clean(self) -> bool:
        return not self.rejected


def check_features(session: Session, staged: StagedFile, *, progress: Progress = _no_progress) -> CheckReport:
    """Check every feature against the registry's import rules and collect all findings (dry run; writes nothing)."""
    profile = get_profile()
    rules = _rules()
    tolerance = float(profile.rules("registry").decimal("overlap_tolerance_m2"))
    srid = profile.projected_srid
    villages = {r.code for r in profile.villages()}
    right_types = {str(v) for v in rules.value("right_type_codes")}
    max_vertices = rules.int("max_vertices_per_feature")
    area_tol = float(rules.decimal("area_mismatch_tolerance_m2"))
    n = len(staged)
    base = staged.offset
    cols = staged.columns
    findings: list[Finding] = []

    def add(k: int, member: ErrorCode, severity: str = "error", **details: Any) -> None:
        zh, en = member.render(index=base + k + 1, **details)
        findings.append(Finding(base + k + 1, staged.fids[k], cols["parcel_code"][k], severity, member.code, zh, en))

    progress("check features", 0, n)
    extent = profile.extent
    good_geom = np.zeros(n, dtype=bool)
    for i, g in enumerate(staged.geoms):
        if staged.vertices[i] > max_vertices:
            add(i, RegistryError.FEATURE_TOO_COMPLEX, count=staged.vertices[i], limit=max_vertices)
            continue
        try:
            validate_polygon(g, extent)
            good_geom[i] = True
        except (GeometryError, TypeError, AttributeError) as exc:
            add(i, RegistryError.INVALID_GEOMETRY, reason=str(exc) if g is not None else "missing geometry")
    for i in range(n):
        region, luc, code = cols["region_code"][i], cols["land_use_class"][i], cols["parcel_code"][i]
        if region not in villages:
            add(i, RegistryError.INVALID_REGION_CODE, i=base + i + 1, code=region)
        if not is_land_use_class(luc):
            add(i, RegistryError.INVALID_LAND_USE_CLASS, i=base + i + 1, luc=luc)
        if code is not None and (not valid_unit_code(code + PURE_LAND_SUFFIX) or code[:12] != region):
            add(i, RegistryError.INVALID_PARCEL_CODE, i=base + i + 1, code=code)
        holder = cols["holder_id"][i]
        if holder is not None and valid_resident_id(holder) is None and valid_uscc(holder) is None:
            add(i, RegistryError.INVALID_HOLDER_ID, value=mask_id(holder))  # the report is a file: no full ID
        right = cols["right_type"][i]
        if right is not None and right not in right_types:
            add(i, RegistryError.UNKNOWN_RIGHT_TYPE, value=right)
    seen: dict[str, int] = {}
    for i, code in enumerate(cols["parcel_code"]):
        if code is None:
            continue
        if code in seen:
            add(i, RegistryError.DUPLICATE_PARCEL_CODE, code=code)
        seen.setdefault(code, i)
    existing = _current_codes(session, list(seen))
    for code in sorted(existing):
        add(seen[code], RegistryError.DUPLICATE_PARCEL_CODE, code=code)
    progress("check features", n, n)

    idx_good = np.flatnonzero(good_geom)
    geoms = np.empty(len(idx_good), dtype=object)
    geoms[:] = [staged.geoms[i] for i in idx_good]
    if len(idx_good):
        areas = areas_m2(geoms, srid)
        for k, i in enumerate(idx_good.tolist()):
            stated = cols["stated_area"][i]
            try:
                value = float(stated) if stated is not None else None
            except ValueError:
                value = None
            if value is not None and abs(value - float(areas[k])) > area_tol:
                add(i, RegistryError.AREA_MISMATCH, "warning", stated=f"{value:.2f}", computed=f"{areas[k]:.2f}",
                    tolerance=f"{area_tol:.2f}")
    layers = parcel_layers(cols, idx_good.tolist())
    progress("overlap check", 0, len(idx_good))
    for layer in sorted(set(layers.tolist()) - {""}):
        sub = np.flatnonzero(layers == layer)
        for a, b, area in overlapping_pairs(geoms[sub], srid, tolerance):
            ia, ib = int(idx_good[sub[a]]), int(idx_good[sub[b]])
            add(ib, RegistryError.PARCEL_OVERLAP, other=f"#{base + ia + 1}", area=f"{area:.2f}")
            add(ia, RegistryError.PARCEL_OVERLAP, other=f"#{base + ib + 1}", area=f"{area:.2f}")
        for k, code, area in find_database_overlaps(session, _multi(geoms[sub]), tolerance_m2=tolerance,
                                                    projected_srid=srid, first_only=False, layer=Layer(layer)):
            add(int(idx_good[sub[k]]), RegistryError.PARCEL_OVERLAP, other=code, area=f"{area:.2f}")
    progress("overlap check", len(idx_good), len(idx_good))
    findings.sort(key=lambda f: (f.feature, f.code))
    return CheckReport(staged, findings)


def _multi(geoms: np.ndarray) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    out[:] = [shapely.multipolygons([g]) if g.geom_type == "Polygon" else g for g in geoms]
    return out


# -------------------------------------------------------------------------------------------------- importing
def import_staged(session: Session, report: CheckReport, *, actor: str, exclude_rejected: bool = False,
                  progress: Progress = _no_progress) -> ImportReport:
    """Import a checked file in the caller's transaction: refused unless clean or rejected features are excluded."""
    rejected = report.rejected
    if rejected and not exclude_rejected:
        first = next(f for f in report.findings if f.severity == "error")
        raise RegistryError.IMPORT_NOT_CLEAN.error(rejected=len(rejected), first=first.feature, finding=first.code)
    staged = report.staged
    keep = [i for i in range(len(staged)) if i not in rejected]
    if not keep:
        raise RegistryError.EMPTY_IMPORT.error()
    cols = staged.columns
    batch = ParcelBatch(geoms=[staged.geoms[i] for i in keep], region_codes=[cols["region_code"][i] for i in keep],
                        land_use_classes=[cols["land_use_class"][i] for i in keep],
                        locations=[cols["location"][i] for i in keep],
                        parcel_codes=[cols["parcel_code"][i] for i in keep])
    return import_parcels(session, batch, actor=actor, file_sha256=staged.source.sha256, progress=progress)

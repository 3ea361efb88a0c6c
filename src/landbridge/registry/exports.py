"""Cadastral files out (issue #21): parcels as Shapefile (GBK ``.cpg``), GeoPackage, GeoJSON, XLSX and CSV with BOM,
in CGCS2000 geographic (EPSG:4490) or the profile's projected CRS, and the dry-run report of an import.

Spatial exports carry the standard's field names (KTT_ZDJBXX: ZDDM 宗地代码, BDCDYH 不动产单元号, XZQDM, YT 用途,
ZL 坐落, ZDMJ 宗地面积) for Shapefiles, whose DBF field names are limited to 10 characters; the platform's own
names for GeoJSON and GeoPackage (the importer's ``field_map`` reads both back). Tables have Chinese headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.kernel.spatial import BBox
from landbridge.kernel.tables import Column, write_table
from landbridge.registry.cadastre import RULE_SET, CheckReport, Finding, StagedFile
from landbridge.registry.errors import RegistryError
from landbridge.registry.files import EXPORT_FIELDS, WRITE_DRIVERS, iter_current_parcels, write_parcels

TITLES = {"parcel_code": "宗地代码", "unit_code": "不动产单元号", "region_code": "行政区划代码",
          "land_use_class": "用途（地类）", "location": "坐落", "area_m2": "宗地面积（平方米）"}
def _num(value: str | None) -> float | None:
    return None if value is None else float(value)


def export_parcel_file(session: Session, path: str | Path, *, bbox: BBox | None = None,
                       srid: int = GEOGRAPHIC_SRID) -> int:
    """Export current parcels to .shp/.gpkg/.geojson (in ``srid``) or .xlsx/.csv (attributes); returns the count."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        cols = [Column(TITLES[f], "0.00" if f == "area_m2" else None, 30 if f in ("unit_code", "location") else 16)
                for f in EXPORT_FIELDS]
        rows = ([_num(r[f]) if f == "area_m2" else r[f] for f in EXPORT_FIELDS]
                for _g, r in iter_current_parcels(session, bbox=bbox))
        return write_table(path, cols, rows, sheet="宗地")
    if suffix not in WRITE_DRIVERS:
        raise RegistryError.UNSUPPORTED_FILE.error(suffix=suffix)
    geoms: list[Any] = []
    props: dict[str, list[Any]] = {f: [] for f in EXPORT_FIELDS}
    for geom, row in iter_current_parcels(session, bbox=bbox):
        geoms.append(geom)
        for f in EXPORT_FIELDS:
            props[f].append(_num(row[f]) if f == "area_m2" else row[f])
    write_parcels(path, geoms, props, srid=srid, encoding=str(
        get_profile().rules(RULE_SET).value("export_shapefile_encoding")))
    return len(geoms)


REPORT_COLUMNS = [Column("要素序号 Feature", "0", 12), Column("FID", "0", 10), Column("宗地代码 ZDDM", None, 22),
                  Column("级别 Severity", None, 10), Column("错误代码 Code", None, 30),
                  Column("说明", None, 60), Column("Message", None, 60)]


def write_report(report: CheckReport, path: str | Path) -> None:
    """The dry-run report: XLSX (one row per finding, then a summary sheet) or GeoPackage (every feature with
    its status and findings, in EPSG:4490, for QGIS)."""
    path = Path(path)
    staged = report.staged
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_findings_xlsx(report.findings, report_summary(staged, len(staged), len(report.rejected),
                                                            len(report.findings)), path)
        return
    if suffix != ".gpkg":
        raise RegistryError.UNSUPPORTED_FILE.error(suffix=suffix)
    geoms, props = report_features(staged, report.findings)
    write_parcels(path, geoms, props, layer="import_check")


def report_features(staged: StagedFile, findings: list[Finding]) -> tuple[list[Any], dict[str, list[Any]]]:
    """The GeoPackage report's rows for the features of ``staged`` (a whole file or one chunk of it): geometry,
    number, FID, code, status and findings (``findings`` may hold other features' too: they are ignored)."""
    by_feature: dict[int, list[str]] = {}
    codes: dict[int, list[str]] = {}
    rejected: set[int] = set()
    for f in findings:
        by_feature.setdefault(f.feature, []).append(f"{f.message} / {f.message_en}")
        codes.setdefault(f.feature, []).append(f.code)
        if f.severity == "error":
            rejected.add(f.feature)
    numbers = [staged.offset + i + 1 for i in range(len(staged))]
    status = ["rejected" if k in rejected else ("warning" if k in by_feature else "ok") for k in numbers]
    geoms = [g if g is not None and g.geom_type in ("Polygon", "MultiPolygon") else None for g in staged.geoms]
    props: dict[str, list[Any]] = {
        "feature": [str(k) for k in numbers], "source_fid": [str(f) for f in staged.fids],
        "parcel_code": list(staged.columns["parcel_code"]), "status": status,
        "codes": [";".join(codes.get(k, [])) or None for k in numbers],
        "findings": ["\n".join(by_feature.get(k, [])) or None for k in numbers],
    }
    return geoms, props


def report_summary(staged: StagedFile, features: int, rejected: int, findings: int) -> list[tuple[str, Any]]:
    """The XLSX report's summary sheet: the file, its digest, driver, layer, CRS, encoding, field map, counts."""
    return [("文件 File", staged.source.name), ("SHA-256", staged.source.sha256),
            ("格式 Driver", staged.source.driver), ("图层 Layer", staged.source.layer or ""),
            ("坐标系 CRS", staged.crs.name), ("编码 Encoding", staged.source.encoding or "(.cpg / LDID)"),
            ("字段映射 Field map", ", ".join(f"{k}←{v}" for k, v in sorted(staged.mapped.items()))),
            ("要素数 Features", features), ("被拒要素 Rejected", rejected), ("问题数 Findings", findings)]


def write_findings_xlsx(findings: list[Finding], summary_rows: list[tuple[str, Any]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "检查结果 Findings"
    ws.append([c.title for c in REPORT_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for k, c in enumerate(REPORT_COLUMNS):
        ws.column_dimensions[chr(ord("A") + k)].width = c.width
    for f in findings:
        ws.append([f.feature, f.fid, f.parcel_code, "错误 error" if f.severity == "error" else "警告 warning",
                   f.code, f.message, f.message_en])
    summary = wb.create_sheet("汇总 Summary")
    for row in summary_rows:
        summary.append(list(row))
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 70
    wb.save(path)

"""Geometry: one column type and one set of spatial queries for PostGIS and SQLite.

Coordinates are CGCS2000 (EPSG:4490). On PostgreSQL the column is a PostGIS
``geometry(MultiPolygon, 4490)`` (or ``geometry(Geometry, 4490)`` for a column that holds any
type: lines and points of map layers) with a GiST index and ``ST_Intersects`` does the filtering; on
SQLite it is WKB with an R*Tree index over the bounding box (``<table>_rtree``) and Shapely does
the exact test. Areas are measured in the city profile's projected CRS (EPSG:4548 for Yingtan).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import LargeBinary, func
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

from landbridge.errors import CoreError, RuleViolation

GEOGRAPHIC_SRID = 4490


class GeometryError(ValueError):
    """A geometry that cannot be stored: unparsable, wrong type, invalid, empty or out of range."""


MULTIPOLYGON = "MULTIPOLYGON"
ANY_GEOMETRY = "GEOMETRY"
_GEOMETRY_TYPES = (MULTIPOLYGON, ANY_GEOMETRY)


class _PostGISMultiPolygon(UserDefinedType[bytes]):
    """PostGIS ``geometry(<type>, 4490)`` (MultiPolygon unless told otherwise); travels as WKB both ways."""

    cache_ok = True

    def __init__(self, geometry_type: str = MULTIPOLYGON) -> None:
        self.geometry_type = geometry_type

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry({self.geometry_type},{GEOGRAPHIC_SRID})"

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return func.ST_SetSRID(func.ST_GeomFromWKB(bindvalue), GEOGRAPHIC_SRID)

    def column_expression(self, colexpr: Any) -> ColumnElement[Any]:
        # Typed as GeometryColumn so that its process_result_value turns the WKB into Shapely.
        return func.ST_AsBinary(colexpr, type_=GeometryColumn(self.geometry_type))


class GeometryColumn(TypeDecorator[BaseGeometry]):
    """A geometry in EPSG:4490: a Shapely geometry in Python, PostGIS or WKB in the database.

    ``GeometryColumn()`` holds MultiPolygons (a Polygon is promoted, anything else refused);
    ``GeometryColumn("GEOMETRY")`` holds any non-empty geometry type (points, lines, polygons).
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = MULTIPOLYGON) -> None:
        if geometry_type not in _GEOMETRY_TYPES:
            raise ValueError(f"geometry_type must be one of {_GEOMETRY_TYPES}, got {geometry_type!r}")
        super().__init__()
        self.geometry_type = geometry_type

    def __repr__(self) -> str:  # Alembic renders the column type from this
        if self.geometry_type == MULTIPOLYGON:
            return "GeometryColumn()"
        return f"GeometryColumn({self.geometry_type!r})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISMultiPolygon(self.geometry_type))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if self.geometry_type == ANY_GEOMETRY:
            if not isinstance(value, BaseGeometry):
                raise GeometryError(f"expected a Shapely geometry, got {type(value).__name__}")
            return bytes(shapely.to_wkb(value))
        return bytes(shapely.to_wkb(as_multipolygon(value)))

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        return shapely.from_wkb(bytes(value))


def geojson_vertex_count(geometry: Any, depth: int = 0) -> int:
    """The number of positions in a GeoJSON geometry's coordinates, counted ring by ring (``len`` of each ring,
    not a walk over every point), so a cap is checked before Shapely builds anything."""
    if isinstance(geometry, dict):
        if geometry.get("type") == "GeometryCollection":
            members = geometry.get("geometries")
            return (
                sum(geojson_vertex_count(g, depth + 1) for g in members) if isinstance(members, list | tuple) else 0
            )
        return geojson_vertex_count(geometry.get("coordinates"), depth + 1)
    # Lists from JSON, tuples from ``shapely.geometry.mapping`` (a tuple counted 0 and slipped past the cap)
    if not isinstance(geometry, list | tuple) or not geometry or depth > 8:
        return 0
    if isinstance(geometry[0], int | float):
        return 1  # one position
    if isinstance(geometry[0], list | tuple) and geometry[0] and isinstance(geometry[0][0], int | float):
        return len(geometry)  # a ring or a line: a list of positions
    return sum(geojson_vertex_count(part, depth + 1) for part in geometry)


def submitted_vertex_count(value: Any) -> int:
    """The positions of a geometry submitted to a service, counted before Shapely builds it: a Shapely geometry's
    coordinates, a GeoJSON mapping's positions (``geojson_vertex_count``); ``GeometryError`` for anything else. The
    first step of every bounded geometry a module accepts (quota boundaries, industry places, maintenance assets)."""
    if isinstance(value, BaseGeometry):
        return int(shapely.get_num_coordinates(value))
    if isinstance(value, Mapping):
        return geojson_vertex_count(dict(value))
    raise GeometryError("not a GeoJSON geometry")


def read_geometry(value: Mapping[str, Any] | BaseGeometry) -> BaseGeometry:
    """A submitted geometry as Shapely builds it (GeoJSON → geometry; a geometry as is), after its vertex count was
    checked; ``GeometryError`` with the reason when it cannot be read."""
    if isinstance(value, BaseGeometry):
        return value
    try:
        return shape(dict(value))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryError(str(exc)[:200] or "unreadable geometry") from None


def check_vertex_cap(geometry: Any, max_vertices: int) -> None:
    """Refuse a GeoJSON geometry of more than ``max_vertices`` positions (issue #12 item 7: a 10^6-vertex zone
    was accepted and slowed every map request): 422 ``request.too_many_vertices``."""
    count = geojson_vertex_count(geometry)
    if count > max_vertices:
        raise TooManyVertices(count, max_vertices)


class TooManyVertices(RuleViolation):
    """A submitted geometry with more vertices than the deployment allows (``Settings.max_polygon_vertices``)."""

    def __init__(self, count: int, max_vertices: int) -> None:
        spec = CoreError.REQUEST_TOO_MANY_VERTICES
        super().__init__(spec.code, *spec.render(vertices=count, max_vertices=max_vertices), vertices=count,
                         max_vertices=max_vertices)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Promote a Polygon to a MultiPolygon; refuse anything else."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    raise GeometryError(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")


def validate_polygon(geom: BaseGeometry, bounds: tuple[float, float, float, float] | None = None) -> MultiPolygon:
    """Check a parcel geometry: (multi)polygon, non-empty, valid (OGC), inside ``bounds`` if given."""
    multi = as_multipolygon(geom)
    if multi.is_empty:
        raise GeometryError("empty geometry")
    if not multi.is_valid:
        raise GeometryError(explain_validity(multi))
    if bounds is not None:
        minx, miny, maxx, maxy = multi.bounds
        bminx, bminy, bmaxx, bmaxy = bounds
        if minx < bminx or miny < bminy or maxx > bmaxx or maxy > bmaxy:
            raise GeometryError("geometry lies outside the city profile's extent")
    return multi


@lru_cache(maxsize=8)
def _transformer(projected_srid: int) -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_SRID, projected_srid, always_xy=True)


def project(geom: BaseGeometry, projected_srid: int) -> BaseGeometry:
    """Transform a CGCS2000 geometry to the profile's projected CRS (metres)."""
    transformer = _transformer(projected_srid)
    return shapely.transform(geom, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


def area_m2(geom: BaseGeometry, projected_srid: int) -> float:
    """Planar area in square metres in the projected CRS."""
    return float(project(geom, projected_srid).area)


def areas_m2(geoms: Sequence[BaseGeometry] | Any, projected_srid: int) -> Any:
    """Vectorised planar areas (numpy array) for many geometries."""
    import numpy as np

    arr = np.asarray(geoms, dtype=object)
    transformer = _transformer(projected_srid)
    projected = shapely.transform(arr, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return shapely.area(projected)


def overlap_area_m2(a: BaseGeometry, b: BaseGeometry, projected_srid: int) -> float:
    """Area of the intersection of two geometries, in m²."""
    inter = a.intersection(b)
    if inter.is_empty:
        return 0.0
    return area_m2(inter, projected_srid)


def interiors_intersect(a: BaseGeometry, b: BaseGeometry) -> bool:
    """True when the interiors meet (touching along an edge does not count)."""
    return bool(a.relate_pattern(b, "T********"))

"""An asset's location (issue #20 item 5): a bounded GeoJSON geometry checked before and after Shapely builds it.

A point (a lamp, a well, a collection point), a line (a road section, a pipe) or a polygon (a building's plot, a
treatment works), in EPSG:4490 inside the city profile's extent. Its positions are counted before anything is built
(rule ``max_vertices``), it must be valid, and a line's length and a polygon's area (measured in the profile's
projected CRS) are bounded by the rule set. Only reads; a refusal is a typed ``MaintenanceError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from landbridge.cityprofile import get_profile
from landbridge.kernel.geo import GeometryError, area_m2, project, read_geometry, submitted_vertex_count
from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.rules import RULES

TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


def parse(location: Mapping[str, Any] | BaseGeometry, day: date) -> BaseGeometry:
    """The location checked: a non-empty valid geometry of ``TYPES`` inside the extent, within the size rules."""
    rules = get_profile().rules(RULES)
    limit = rules.int("max_vertices", day)
    try:
        vertices = submitted_vertex_count(location)
        if vertices > limit:
            raise MaintenanceError.LOCATION_TOO_MANY_VERTICES.error(vertices=vertices, max_vertices=limit)
        geom = read_geometry(location)
    except GeometryError as exc:
        raise MaintenanceError.INVALID_LOCATION.error(reason=str(exc)[:200]) from None
    if geom.geom_type not in TYPES:
        raise MaintenanceError.INVALID_LOCATION.error(reason=f"{geom.geom_type} is not a point, line or polygon")
    if geom.is_empty:
        raise MaintenanceError.INVALID_LOCATION.error(reason="empty geometry")
    if not geom.is_valid:
        raise MaintenanceError.INVALID_LOCATION.error(reason=explain_validity(geom)[:200])
    minx, miny, maxx, maxy = geom.bounds
    west, south, east, north = get_profile().extent
    if minx < west or miny < south or maxx > east or maxy > north:
        raise MaintenanceError.INVALID_LOCATION.error(reason="outside the city profile's extent")
    srid = get_profile().projected_srid
    if geom.geom_type in ("LineString", "MultiLineString"):
        length = Decimal(str(round(project(geom, srid).length, 1)))
        most = rules.decimal("max_line_length_m", day)
        if length > most:
            raise MaintenanceError.LOCATION_TOO_LARGE.error(measure=f"{length} m", limit=f"{most} m")
    elif geom.geom_type in ("Polygon", "MultiPolygon"):
        area = Decimal(str(round(area_m2(geom, srid), 1)))
        most = rules.decimal("max_area_m2", day)
        if area > most:
            raise MaintenanceError.LOCATION_TOO_LARGE.error(measure=f"{area} m²", limit=f"{most} m²")
    return geom

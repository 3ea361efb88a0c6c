"""A place's boundary (issue #19 item 5): a bounded GeoJSON polygon checked with the project's spatial helpers.

Its positions are counted before Shapely builds it (rule ``max_vertices``, ``kernel.geo.geojson_vertex_count``),
then ``kernel.geo.validate_polygon`` requires one valid (multi)polygon inside the city profile's extent, and its
area (in the profile's projected CRS) is bounded by rule ``max_area_m2``. Only reads; a refusal is a typed
``IndustryError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from landbridge.cityprofile import get_profile
from landbridge.industry.errors import IndustryError
from landbridge.industry.rules import RULES
from landbridge.kernel.geo import GeometryError, area_m2, read_geometry, submitted_vertex_count, validate_polygon


def parse(boundary: Mapping[str, Any] | BaseGeometry, day: date) -> MultiPolygon:
    """The boundary as a valid MultiPolygon inside the city, within the vertex and area rules."""
    rules = get_profile().rules(RULES)
    limit = rules.int("max_vertices", day)
    try:
        vertices = submitted_vertex_count(boundary)
        if vertices > limit:
            raise IndustryError.BOUNDARY_TOO_MANY_VERTICES.error(vertices=vertices, max_vertices=limit)
        multi = validate_polygon(read_geometry(boundary), get_profile().extent)
    except (GeometryError, shapely.errors.GEOSException) as exc:
        raise IndustryError.INVALID_BOUNDARY.error(reason=str(exc)[:200] or "unreadable geometry") from None
    area = Decimal(str(round(area_m2(multi, get_profile().projected_srid), 1)))
    most = rules.decimal("max_area_m2", day)
    if area > most:
        raise IndustryError.BOUNDARY_TOO_LARGE.error(area=str(area), limit=str(most))
    return multi

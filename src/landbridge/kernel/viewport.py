"""Viewport input of the map layers (全景看地, issue #23): a ``west,south,east,north`` box in degrees, bounded in
size, and the colour classes a layer and its legend share.

Pure functions: each module maps a refused box to its own typed error (``<module>.invalid_bbox``), so the code a
client sees names the layer it asked. The limits are limits of the service (how much one request may read), not
policy numbers.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

BBox = tuple[float, float, float, float]

MAX_SPAN_DEG = 2.0
"""The widest box a layer answers (degrees of longitude or latitude): about 200 km, the whole city and more."""
MIN_ZOOM, MAX_ZOOM = 0, 22

# a sequential palette (light → dark), the same for every choropleth; a diverging one for change
SEQUENTIAL = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
DIVERGING = ("#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b")


class ViewportRefused(ValueError):
    """The box or zoom is not a viewport the layers answer; ``reason`` says which rule it broke."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_bbox(text: str, *, max_span: float = MAX_SPAN_DEG) -> BBox:
    """``west,south,east,north`` in degrees: four finite numbers, ordered, inside the globe, at most ``max_span``
    degrees wide and high (``ViewportRefused`` otherwise)."""
    try:
        box = tuple(float(x) for x in text.split(",", 4))
    except ValueError:
        raise ViewportRefused("not_numbers") from None
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise ViewportRefused("not_four_numbers")
    west, south, east, north = box
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ViewportRefused("not_ordered")
    if east - west > max_span or north - south > max_span:
        raise ViewportRefused("too_large")
    return west, south, east, north


def check_zoom(zoom: int) -> int:
    """A web-map zoom level 0..22."""
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise ViewportRefused("zoom")
    return zoom


def quantile_breaks(values: Sequence[Decimal | float] | Any, classes: int = len(SEQUENTIAL)) -> list[Decimal]:
    """The ``classes - 1`` inner breaks of quantile classes over ``values`` (a sequence or an array), each the
    value at rank ``k * n // classes`` of the sorted values rounded to the fen, kept when above the least value
    and the break before: class k holds the values v with breaks[k-1] <= v < breaks[k]. Fewer distinct values,
    fewer breaks."""
    ordered = np.sort(np.asarray([float(v) for v in values] if isinstance(values, Sequence) else values,
                                 dtype=float))
    if not len(ordered):
        return []
    least = Decimal(str(round(float(ordered[0]), 2)))
    breaks: list[Decimal] = []
    for k in range(1, classes):
        cut = Decimal(str(round(float(ordered[min(len(ordered) - 1, (k * len(ordered)) // classes)]), 2)))
        if cut > least and (not breaks or cut > breaks[-1]):
            breaks.append(cut)
    return breaks


def class_of(value: Decimal | float, breaks: Sequence[Decimal]) -> int:
    """The class index (0 .. len(breaks)) of ``value`` under ``breaks``."""
    return bisect_right(list(breaks), Decimal(str(value)))


def legend(breaks: Sequence[Decimal], palette: Sequence[str] = SEQUENTIAL) -> list[dict[str, Any]]:
    """The legend rows of ``breaks``: each class's colour and its bounds (None = open end), as strings; the
    colour of class k is the k-th of the palette spread over the classes in use."""
    n = len(breaks) + 1
    colours = [palette[round(k * (len(palette) - 1) / (n - 1))] if n > 1 else palette[len(palette) // 2]
               for k in range(n)]
    bounds: list[Decimal | None] = [None, *breaks, None]
    return [{"class": k, "colour": colours[k], "min": None if bounds[k] is None else str(bounds[k]),
             "max": None if bounds[k + 1] is None else str(bounds[k + 1])} for k in range(n)]


def simplify(geom: BaseGeometry, zoom: int) -> BaseGeometry:
    """A geometry simplified to about half a pixel at a web-map zoom level (topology preserved)."""
    if geom.geom_type in ("Point", "MultiPoint"):
        return geom
    simple = shapely.simplify(geom, 360.0 / (256 * 2 ** max(0, min(zoom, MAX_ZOOM))) * 0.5, preserve_topology=True)
    return geom if simple.is_empty else simple


def box_filter(model: Any, bbox: BBox) -> Any:
    """The rows of a table with ``minx .. maxy`` columns whose bounding box meets ``bbox`` (a plain comparison:
    for the small layers, price zones and lots, that no spatial index serves)."""
    from sqlalchemy import and_

    west, south, east, north = bbox
    return and_(model.minx <= east, model.maxx >= west, model.miny <= north, model.maxy >= south)


class RawGeometry(str):
    """A geometry already written as GeoJSON text (``shapely.to_geojson`` over many at once): ``geojson_bytes``
    puts it in the answer as it is."""


def geojson_bytes(collection: dict[str, Any]) -> bytes:
    """A layer's answer as compact UTF-8 JSON (the routes send it as it is: encoding thousands of coordinates
    through the framework's generic encoder cost more than the query); ``RawGeometry`` geometries are spliced in."""
    features = collection.get("features", [])
    if not any(isinstance(f.get("geometry"), RawGeometry) for f in features):
        return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    parts = []
    for f in features:
        geometry = f["geometry"]
        parts.append('{"type":"Feature","id":' + dump(f.get("id")) + ',"geometry":'
                     + (geometry if isinstance(geometry, RawGeometry) else dump(geometry))
                     + ',"properties":' + dump(f.get("properties", {})) + "}")
    rest = dump({k: v for k, v in collection.items() if k != "features"})
    return ('{"features":[' + ",".join(parts) + "]," + rest[1:]).encode()


def geometries_as_geojson(geoms: Sequence[BaseGeometry], zoom: int) -> list[RawGeometry]:
    """The geometries simplified for ``zoom`` (about half a pixel, topology kept) and written as GeoJSON text in
    one vectorised call, coordinates to 7 decimals (about a centimetre)."""
    if not geoms:
        return []
    arr = np.asarray(geoms, dtype=object)
    tolerance = 360.0 / (256 * 2 ** max(0, min(zoom, MAX_ZOOM))) * 0.5
    simple = shapely.simplify(arr, tolerance, preserve_topology=True)
    simple = np.where(shapely.is_empty(simple), arr, simple)
    return [RawGeometry(text) for text in shapely.to_geojson(shapely.set_precision(simple, 1e-7, mode="pointwise"))]

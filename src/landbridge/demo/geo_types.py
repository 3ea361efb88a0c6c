"""The demo geography's data types: territories, town centres, line layers, the geography and a village tiling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from landbridge.demo.geo_mesh import FloatArray, SegmentIndex, nearest_point_distance

RANKS = ("city", "county", "town")
ROAD_KINDS = ("expressway", "national", "provincial", "county", "village")
MAJOR_ROAD_KINDS = frozenset({"expressway", "national", "provincial"})


@dataclass(frozen=True)
class Territory:
    """A division of the demo city (市, 区/县, 乡镇/街道, 行政村/社区) with its polygon in EPSG:4490."""

    code: str
    name: str
    name_en: str
    level: str
    parent: str | None
    geometry: BaseGeometry
    area_m2: float
    urban: bool
    invented: bool


@dataclass(frozen=True)
class TownCentre:
    """The seat of a township (乡镇驻地); rank ``city``, ``county`` or ``town``; ``code`` is the township's."""

    code: str
    name: str
    rank: str
    point: Point


@dataclass(frozen=True)
class LineFeature:
    """A road (expressway, national, provincial, county, village) or a river, in EPSG:4490."""

    name: str
    kind: str
    geometry: LineString | MultiLineString


@dataclass(frozen=True)
class VillageTiling:
    """The parcels of one village (宗地): polygons in EPSG:4490, land-use class, area, nearest hamlet."""

    village_code: str
    geometries: np.ndarray
    land_use: np.ndarray
    area_m2: np.ndarray
    hamlet_index: np.ndarray

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass(eq=False)
class GeoModel:
    """What the geography keeps in the projected CRS (metres) for fast queries and for tiling villages."""

    projected_srid: int
    forward: Transformer
    inverse: Transformer
    relief_origin: tuple[float, float]
    relief_step: float
    relief: FloatArray
    centre_xy: FloatArray
    centre_rank: np.ndarray
    roads: SegmentIndex
    major_roads: SegmentIndex
    rivers: SegmentIndex
    villages: dict[str, Polygon]
    hamlets: dict[str, FloatArray]
    township_centre: dict[str, tuple[float, float]]
    rules: dict[str, Any]

    def project(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        x, y = self.forward.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def elevation_xy(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Relief in metres at projected points (bilinear on the sampled grid, clamped at its edge)."""
        ny, nx = self.relief.shape
        fx = (np.asarray(x, dtype=float) - self.relief_origin[0]) / self.relief_step
        fy = (np.asarray(y, dtype=float) - self.relief_origin[1]) / self.relief_step
        ix = np.clip(np.floor(fx).astype(np.int64), 0, nx - 2)
        iy = np.clip(np.floor(fy).astype(np.int64), 0, ny - 2)
        tx = np.clip(fx - ix, 0.0, 1.0)
        ty = np.clip(fy - iy, 0.0, 1.0)
        g = self.relief
        top = g[iy, ix] * (1 - tx) + g[iy, ix + 1] * tx
        bottom = g[iy + 1, ix] * (1 - tx) + g[iy + 1, ix + 1] * tx
        out: FloatArray = top * (1 - ty) + bottom * ty
        return out

    def distances_xy(self, x: FloatArray, y: FloatArray) -> dict[str, FloatArray]:
        cx, cy = self.centre_xy[:, 0], self.centre_xy[:, 1]
        seat = np.isin(self.centre_rank, ("city", "county"))
        city = self.centre_rank == "city"
        return {
            "town_centre": nearest_point_distance(x, y, cx, cy),
            "county_seat": nearest_point_distance(x, y, cx[seat], cy[seat]),
            "city_centre": nearest_point_distance(x, y, cx[city], cy[city]),
            "road": self.roads.distance(x, y),
            "major_road": self.major_roads.distance(x, y),
            "river": self.rivers.distance(x, y),
        }


@dataclass(frozen=True, eq=False)
class Geography:
    """The demo city's geography: divisions that tile it, town centres, roads, rivers, hamlets, relief (issue #3)."""

    city: Territory
    counties: dict[str, Territory]
    townships: dict[str, Territory]
    villages: dict[str, Territory]
    town_centres: list[TownCentre]
    roads: list[LineFeature]
    rivers: list[LineFeature]
    hamlets: dict[str, list[Point]]
    urban_core: BaseGeometry
    seed: int
    model: GeoModel = field(repr=False)

    def elevation(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Relief in metres at lon/lat points: low along the rivers, hilly in the south (forest vs farmland)."""
        return self.model.elevation_xy(*self.model.project(lon, lat))

    def distances(self, lon: FloatArray, lat: FloatArray) -> dict[str, FloatArray]:
        """Distances in metres (projected CRS) to the nearest town centre, county seat, city centre, road,
        major road (expressway, national, provincial) and river, for many lon/lat points (price model)."""
        return self.model.distances_xy(*self.model.project(lon, lat))

    def township_of(self, village_code: str) -> Territory:
        """The township a village belongs to."""
        parent = self.villages[village_code].parent
        assert parent is not None
        return self.townships[parent]

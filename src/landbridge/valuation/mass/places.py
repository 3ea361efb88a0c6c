"""Distance features for mass appraisal: metres from parcel points to the planning one-map layers (L1, L2).

Pure geometry (Shapely, pyproj), no database: the job reads the layers through ``planning.list_features``
and hands them here. Distances are planar, in the city profile's projected CRS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from landbridge.kernel.geo import GEOGRAPHIC_SRID


@dataclass(frozen=True)
class Places:
    """The projected geometries of each distance layer, with a spatial index (STRtree) each."""

    trees: dict[str, shapely.STRtree]
    projected_srid: int

    @property
    def names(self) -> tuple[str, ...]:
        """Layer names in order; the features are ``dist_<name>_m``."""
        return tuple(self.trees)


def _transformer(srid: int) -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_SRID, srid, always_xy=True)


def build_places(features: Iterable[tuple[str, str, BaseGeometry]],
                 layers: Mapping[str, tuple[str, tuple[str, ...]]], projected_srid: int) -> Places:
    """Group one-map features (kind, subkind, lon/lat geometry) into the configured layers (empty ones left out)."""
    chosen: dict[str, list[BaseGeometry]] = {name: [] for name in layers}
    for kind, subkind, geom in features:
        for name, (layer_kind, subkinds) in layers.items():
            if kind == layer_kind and (not subkinds or subkind in subkinds):
                chosen[name].append(geom)
    transformer = _transformer(projected_srid)
    trees = {}
    for name, geoms in chosen.items():
        if not geoms:
            continue
        arr = np.asarray(geoms, dtype=object)
        projected = shapely.transform(arr, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        trees[name] = shapely.STRtree(projected)
    return Places(trees, projected_srid)


def distances(places: Places, lon: np.ndarray, lat: np.ndarray) -> dict[str, np.ndarray]:
    """Metres from each lon/lat point to the nearest feature of each layer, as ``dist_<name>_m`` columns."""
    x, y = _transformer(places.projected_srid).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = shapely.points(x, y)
    out: dict[str, np.ndarray] = {}
    for name, tree in places.trees.items():
        dist = np.full(len(points), np.nan)
        if len(points):
            (src, _), d = tree.query_nearest(points, return_distance=True, all_matches=False)
            dist[src] = d
        out[f"dist_{name}_m"] = dist
    return out

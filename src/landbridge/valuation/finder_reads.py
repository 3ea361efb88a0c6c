"""Valuation reads for the land finder (找地, issue #23): parcels' appraised values of the newest completed run
and metres to the one-map places (roads, town centres) the mass appraisal measures (L1, L2, L6)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from landbridge.valuation.map_layers import latest_runs
from landbridge.valuation.mass.models import MassValue


def latest_unit_values(session: Session, parcel_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(value 元/m², value 元) of each parcel the newest completed mass run valued; absent when unvalued."""
    run = latest_runs(session).current
    out: dict[int, tuple[Decimal, Decimal]] = {}
    if run is None:
        return out
    unique = sorted(set(parcel_ids))
    for start in range(0, len(unique), 5_000):
        out.update((int(pid), (unit, whole)) for pid, unit, whole in session.execute(
            select(MassValue.parcel_id, MassValue.value_per_m2_cny, MassValue.value_cny).where(
                MassValue.run_id == run.id, MassValue.parcel_id.in_(unique[start:start + 5_000]))))
    return out


# (database, run id, run number, completed at, its highest parcel id) -> (parcel ids ascending, 元/m² in fen): a
# completed run's values never change (only an incomplete run is ever discarded), so the table is kept per run; a
# newer run is a new key (the two newest are kept)
_TABLES: dict[tuple[str, int, str, str, int], tuple[np.ndarray, np.ndarray]] = {}
_TABLES_LOCK = threading.Lock()


def latest_unit_value_table(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """Every parcel the newest completed mass run valued (ids ascending, int64) with its value per m² in fen
    (int64, exact: the column holds 元 to 0.01), for the land finder's price filter over thousands of parcels
    (L6): read once per run and kept, as a completed run's values never change. Empty arrays when no run."""
    run = latest_runs(session).current
    if run is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    newest = session.scalar(select(func.max(MassValue.parcel_id)).where(MassValue.run_id == run.id))
    key = (str(session.get_bind().engine.url), int(run.id), run.run_no, str(run.completed_at), int(newest or 0))
    with _TABLES_LOCK:
        kept = _TABLES.get(key)
    if kept is not None:
        return kept
    # the stored integer fen as it is (kernel.money), not a Decimal per parcel of the city
    rows = session.execute(select(MassValue.parcel_id, type_coerce(MassValue.value_per_m2_cny, BigInteger))
                           .where(MassValue.run_id == run.id).order_by(MassValue.parcel_id)).all()
    table = np.array([tuple(r) for r in rows], dtype=np.int64).reshape(-1, 2)
    ids, fen = table[:, 0].copy(), table[:, 1].copy()
    with _TABLES_LOCK:
        if len(_TABLES) >= 2:
            _TABLES.clear()
        _TABLES[key] = (ids, fen)
    return ids, fen


def distances_to_places(session: Session, lon: Sequence[float], lat: Sequence[float]) -> dict[str, np.ndarray]:
    """Metres from each point to the nearest feature of each distance layer of the valuation_mass rules
    (``dist_road_m``, ``dist_town_centre_m`` …); a layer with no feature is absent."""
    from landbridge.valuation.benchmark.service import factor_places
    from landbridge.valuation.mass.places import distances

    if not len(lon):
        return {}
    return distances(factor_places(session), np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


# (id of the places, layer, metres) -> (the places, the band): the places object is kept with its band and checked by
# identity, so a new places object that happens to get a freed one's id never reads a stale band
_BANDS: dict[tuple[int, str, float], tuple[Any, Any]] = {}


def within_distance(session: Session, lon: Sequence[float], lat: Sequence[float], layer: str, metres: float
                    ) -> np.ndarray:
    """Whether each point lies within ``metres`` of a feature of the distance layer ``layer`` (``road``,
    ``town_centre`` …; all False when the layer has no feature). The layer's features buffered by ``metres`` are
    merged and prepared once per distance (kept while the layers stay the same), then every point is one
    containment test."""
    from landbridge.valuation.benchmark.service import factor_places
    from landbridge.valuation.mass.places import _transformer

    hit = np.zeros(len(lon), dtype=bool)
    places = factor_places(session)
    tree = places.trees.get(layer)
    if tree is None or not len(lon):
        return hit
    key = (id(places), layer, float(metres))
    kept = _BANDS.get(key)
    if kept is not None and kept[0] is places:
        band = kept[1]
    else:
        if len(_BANDS) > 32:
            _BANDS.clear()
        band = shapely.union_all(shapely.buffer(tree.geometries, float(metres), quad_segs=8))
        shapely.prepare(band)
        _BANDS[key] = (places, band)
    x, y = _transformer(places.projected_srid).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(shapely.contains_xy(band, x, y) | shapely.intersects_xy(band, x, y), dtype=bool)

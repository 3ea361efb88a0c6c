"""Parcel generator: gap-free, non-overlapping, valid, deterministic tilings (demo world, benchmarks)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from landbridge.demo import generate_parcels

BOX = (117.0, 28.2, 117.02, 28.21)


def check_tiling(parcels: list[shapely.Polygon], bbox: tuple[float, float, float, float]) -> None:
    arr = np.array(parcels, dtype=object)
    assert shapely.is_valid(arr).all()
    assert (shapely.area(arr) > 0).all()
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(arr[left[pairs]], arr[right[pairs]]))
    box_area = box(*bbox).area
    assert overlaps.max(initial=0.0) < 1e-12 * box_area  # neighbours share edges only
    union = shapely.union_all(arr)
    assert abs(union.area - box_area) < 1e-9 * box_area  # no gaps
    assert abs(shapely.area(arr).sum() - box_area) < 1e-9 * box_area


@given(st.integers(min_value=1, max_value=300), st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_exactly_n_parcels_tile_the_box(n: int, seed: int) -> None:
    parcels = generate_parcels(n, BOX, seed=seed)
    assert len(parcels) == n
    check_tiling(parcels, BOX)


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = generate_parcels(200, BOX, seed=7)
    b = generate_parcels(200, BOX, seed=7)
    c = generate_parcels(200, BOX, seed=8)
    assert all(x.equals_exact(y, 0.0) for x, y in zip(a, b, strict=True))
    assert not all(x.equals_exact(y, 0.0) for x, y in zip(a, c, strict=True))


def test_parcels_are_irregular() -> None:
    parcels = np.array(generate_parcels(400, BOX, seed=1), dtype=object)
    areas = shapely.area(parcels)
    assert areas.std() / areas.mean() > 0.05  # not a regular grid


def test_clipped_to_a_village_polygon() -> None:
    village = Point(117.01, 28.205).buffer(0.004)
    parcels = generate_parcels(300, BOX, seed=3, boundary=village)
    assert 150 < len(parcels) <= 300
    union = shapely.union_all(np.array(parcels, dtype=object))
    assert union.symmetric_difference(village).area < 1e-9
    assert all(village.buffer(1e-12).contains(p) for p in parcels)


def test_rejects_an_empty_box() -> None:
    assert generate_parcels(0, BOX) == []
    with pytest.raises(ValueError):
        generate_parcels(5, (117.0, 28.2, 117.0, 28.3))

"""A demo benchmark price system (基准地价体系) for the demo city, read off the generative price model (issue #4).

Synthetic, like everything in the demo world: for each county and priced land use, four grades by
distance to the nearest town centre (rings of ``GRADE_RINGS_KM``), each with a base price equal to
the price model's value of a reference parcel in the middle of the ring (reference area, plot ratio
1, reference distances to roads and the city centre, no spatial field or parcel term) at the base
month, the use's capitalisation rate and reference term as the basis, and two regional factor tables
(distance to a road, to a major road) graded from the model's road coefficients. The result is a
``landbridge.benchmark/1`` document that ``valuation.benchmark.import_benchmark_system`` takes.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from landbridge.demo.geography import Geography
from landbridge.demo.prices import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR, PriceModel, month_numbers

FORMAT = "landbridge.benchmark/1"
GRADE_RINGS_KM = (0.0, 1.5, 4.0, 8.0, math.inf)  # grade k: distance to the nearest town centre in [r_k, r_k+1)
ROAD_BANDS_M = (("dist_road_m", "road", "距道路距离", "b_road", "road_km", (200.0, 600.0, 1500.0, 3000.0)),
                ("dist_major_road_m", "major_road", "距主要道路距离", "b_major_road", "major_road_km",
                 (500.0, 2000.0, 5000.0, 10000.0)))
DEFAULT_TERM_YEARS = 70  # a use without a term (homesteads) is priced over 70 years: Ky = 1 by construction


def _disc(point: Any, radius_km: float) -> BaseGeometry:
    """A circle of ``radius_km`` around a lon/lat point, as an ellipse in degrees (good to < 1 % here)."""
    circle = point.buffer(radius_km / KM_PER_DEG_LAT, 32)
    stretch = KM_PER_DEG_LAT / (KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(point.y)))
    return affinity.scale(circle, xfact=stretch, yfact=1.0, origin=point)


def _polygonal(geom: BaseGeometry) -> MultiPolygon | None:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    if not parts:
        return None
    out = MultiPolygon(parts)
    return out if out.is_valid else None


def grade_rings(geo: Geography) -> dict[str, list[MultiPolygon | None]]:
    """Per county, the area of each grade (ring of distance to the nearest town centre)."""
    centres = [c.point for c in geo.town_centres]
    within = [unary_union([_disc(p, r) for p in centres]) if math.isfinite(r) else None
              for r in GRADE_RINGS_KM[1:]]
    out: dict[str, list[MultiPolygon | None]] = {}
    for code, county in geo.counties.items():
        code = code[:6]
        rings = []
        inner: BaseGeometry | None = None
        for outer in within:
            area = county.geometry if outer is None else county.geometry.intersection(outer)
            ring = area if inner is None else area.difference(inner)
            rings.append(_polygonal(ring.buffer(0)))
            inner = outer
        out[code] = rings
    return out


def demo_benchmark_document(geo: Geography, model: PriceModel, *, base_date: date, code: str = "DEMO-BENCHMARK",
                            region_code: str = "360600000000") -> dict[str, Any]:
    """The demo benchmark system as a ``landbridge.benchmark/1`` document (synthetic, from the price model)."""
    rings = grade_rings(geo)
    month = np.array(np.datetime64(base_date, "M"))
    ref = model.reference_km
    zones, factors = [], []
    uses = {u.code: u for u in model.uses}
    for use_code, use in uses.items():
        basis = use.base * use.basis_per_m2
        term = use.ref_term_years or DEFAULT_TERM_YEARS
        for county, county_rings in rings.items():
            trend = float(model.date_index(month_numbers(month).reshape(1), county_code=np.array([county]),
                                           land_use_class=np.array([use_code]))[0])
            for grade, ring in enumerate(county_rings, start=1):
                if ring is None:
                    continue
                lo, hi = GRADE_RINGS_KM[grade - 1], GRADE_RINGS_KM[grade]
                mid = (lo + hi) / 2 if math.isfinite(hi) else lo * 1.5
                log_v = (math.log(basis) + model.district_effect[county]
                         + use.b_centre * (math.log1p(mid) - math.log1p(ref["town_centre_km"])))
                price = round(math.exp(log_v) * trend, 2)
                zones.append({"code": f"{use_code}-{county}-{grade}", "use": use_code, "grade": grade,
                              "name": f"{use.name} {grade} 级 ({county})",
                              "base_price": f"{max(price, 0.01):.2f}", "term_years": term, "plot_ratio": "1.0",
                              "development_level": "三通一平", "geometry": mapping(ring)})
        for attribute, name, label, coefficient, ref_key, bands in ROAD_BANDS_M:
            b = float(getattr(use, coefficient))
            edges = (0.0, *bands, bands[-1] * 2)
            values = [100 * (math.exp(b * (math.log1p((edges[k] + edges[k + 1]) / 2000)
                                           - math.log1p(ref[ref_key]))) - 1) for k in range(len(edges) - 1)]
            factors.append({"use": use_code, "kind": "regional", "name": name, "label": label,
                            "attribute": attribute, "direction": "lower_better",
                            "thresholds": [f"{t:g}" for t in bands], "values": [f"{v:.4f}" for v in values],
                            "default_grade": 2})
    return {
        "format": FORMAT, "code": code, "name": "演示基准地价 (合成)", "region_code": region_code,
        "base_date": base_date.isoformat(), "source": "synthetic: landbridge.demo.benchmark_prices from the demo "
                                                      "price model (docs/demo_price_model.md)",
        "params": {"capitalisation_rates": {c: f"{u.cap_rate:.4f}" for c, u in uses.items()},
                   "monthly_growth": dict.fromkeys(uses, "0"), "development_order": "after_term",
                   "use_by_class": {**{c: c for c in uses}, **model.aliases}},
        "zones": zones, "factors": factors, "plot_ratio": [], "date_index": [],
    }


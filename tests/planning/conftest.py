"""Planning test helpers: rectangles in metres around a point in Yujiang, zones built from them."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from shapely.geometry import Polygon

from landbridge.planning import ZoneIn

TOWNSHIP = "360603101000"  # 锦江镇, 余江区
OTHER_COUNTY_TOWNSHIP = "360681100000"  # 泗沥镇, 贵溪市
COUNTY = "360603000000"
PLAN = "鹰潭市国土空间总体规划(2021-2035年)"
ACTOR = "user:3:nr"
ORIGIN = (116.90, 28.20)
DEG_PER_M = 1 / 111_000
LON_DEG_PER_M = DEG_PER_M / math.cos(math.radians(ORIGIN[1]))
FROM = date(2021, 1, 1)


def rect(x_m: float, y_m: float, w_m: float, h_m: float) -> Polygon:
    """A rectangle ``w_m`` × ``h_m`` metres whose south-west corner is (x_m, y_m) metres from ORIGIN."""
    x0, y0 = ORIGIN[0] + x_m * LON_DEG_PER_M, ORIGIN[1] + y_m * DEG_PER_M
    x1, y1 = x0 + w_m * LON_DEG_PER_M, y0 + h_m * DEG_PER_M
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def zone(code: str, kind: str, geom: Polygon, *, region: str = TOWNSHIP, **kw: Any) -> ZoneIn:
    kw.setdefault("effective_from", FROM)
    return ZoneIn(code=code, zone_kind=kind, region_code=region, geometry=geom, **kw)

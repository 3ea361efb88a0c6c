"""Pictures of the demo geography for looking at it: SVG maps of the city and of one tiled village.

``python -m landbridge.demo.geo_render OUT_DIR [--seed N] [--village CODE]`` writes
``demo_geography.svg/.png`` and ``demo_village_tiling.svg/.png`` (PNG through headless Chromium
when it is installed). Only for developers and the docs; the platform's map is the web map.
"""

from __future__ import annotations

import base64
import io
import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely
from PIL import Image
from shapely.geometry.base import BaseGeometry

from landbridge.demo.geo_types import Geography, VillageTiling

Project = Callable[[np.ndarray], np.ndarray]
LAND_USE_COLOURS = {
    "0702": ("#d9534f", "宅基地 homestead"), "0101": ("#9fd47a", "水田 paddy"), "0103": ("#d8e68a", "旱地 dry land"),
    "0201": ("#f0b86a", "果园 orchard"), "1104": ("#6fb6e8", "坑塘 pond"), "0301": ("#3f8a4a", "林地 forest"),
    "0601": ("#8c6bb1", "工业 industrial"), "0501": ("#e377c2", "商服 commercial"),
    "0809": ("#f2d21b", "公共设施 public"), "0701": ("#e8a09a", "城镇住宅 urban residential"),
    "0810": ("#7fcf9f", "公园绿地 park"),
}
ROAD_STYLE = {"expressway": ("#c0392b", 3.2), "national": ("#e67e22", 2.4), "provincial": ("#f1c40f", 1.8),
              "county": ("#a0522d", 1.1), "village": ("#8d8d8d", 0.5)}
COUNTY_FILL = ("#f3efe0", "#e6efe0", "#e3ecf3", "#efe4ef")


def _projector(bounds: tuple[float, float, float, float], width: float, margin: float = 20.0
               ) -> tuple[Project, float]:
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = (width - 2 * margin) / ((maxx - minx) * kx)
    height = (maxy - miny) * scale + 2 * margin

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([margin + (xy[:, 0] - minx) * kx * scale, height - margin - (xy[:, 1] - miny) * scale])

    return project, height


def _path(geom: BaseGeometry, project: Project) -> str:
    out = []
    for part in shapely.get_parts(geom):
        rings = ([part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part])
        for ring in rings:
            xy = project(np.asarray(ring.coords)[:, :2])
            if len(xy) < 2:
                continue
            d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            out.append(d + ("Z" if part.geom_type == "Polygon" else ""))
    return "".join(out)


def _paths(geoms: Iterable[BaseGeometry], project: Project, style: str) -> str:
    return "".join(f'<path d="{_path(g, project)}" {style}/>' for g in geoms)


def _relief_image(geo: Geography, bounds: tuple[float, float, float, float], width: int, height: int) -> str:
    """The relief as a semi-transparent PNG (base64) under the map."""
    minx, miny, maxx, maxy = bounds
    lon = np.linspace(minx, maxx, width // 4)
    lat = np.linspace(maxy, miny, height // 4)
    glon, glat = np.meshgrid(lon, lat)
    elev = geo.elevation(glon.ravel(), glat.ravel()).reshape(glon.shape)
    t = np.clip((elev - 30) / 500, 0, 1) ** 0.6
    low, high = np.array([236, 242, 220]), np.array([150, 120, 80])
    rgb = (low[None, None, :] * (1 - t[..., None]) + high[None, None, :] * t[..., None]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").resize((width, height)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def geography_svg(geo: Geography, width: int = 1400) -> str:
    """An SVG map of the city: relief, counties, townships, villages, urban core, rivers, roads, town centres."""
    bounds = tuple(np.array(geo.city.geometry.bounds) + np.array([-0.02, -0.02, 0.02, 0.02]))
    project, height = _projector(bounds, width)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
             f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif">',
             '<rect width="100%" height="100%" fill="#ffffff"/>',
             f'<clipPath id="city"><path d="{_path(geo.city.geometry, project)}"/></clipPath>',
             f'<image href="data:image/png;base64,{_relief_image(geo, bounds, width, int(height))}" x="0" y="0" '
             f'width="{width}" height="{height:.0f}" clip-path="url(#city)" opacity="0.85"/>']
    for i, county in enumerate(geo.counties.values()):
        parts.append(_paths([county.geometry], project, f'fill="{COUNTY_FILL[i % 4]}" fill-opacity="0.35" '
                                                        'stroke="none"'))
    parts.append(_paths([geo.urban_core], project, 'fill="#d98c8c" fill-opacity="0.75" stroke="none"'))
    parts.append(_paths([v.geometry for v in geo.villages.values()], project,
                        'fill="none" stroke="#777" stroke-width="0.35"'))
    parts.append(_paths([r.geometry for r in geo.rivers], project, 'fill="none" stroke="#2e86de" stroke-width="2.2"'))
    for kind in ("village", "county", "provincial", "national", "expressway"):
        colour, w = ROAD_STYLE[kind]
        parts.append(_paths([r.geometry for r in geo.roads if r.kind == kind], project,
                            f'fill="none" stroke="{colour}" stroke-width="{w}" stroke-linecap="round"'))
    parts.append(_paths([t.geometry for t in geo.townships.values()], project,
                        'fill="none" stroke="#333" stroke-width="1.1" stroke-dasharray="5,3"'))
    parts.append(_paths([c.geometry for c in geo.counties.values()], project,
                        'fill="none" stroke="#111" stroke-width="2.6"'))
    for tc in geo.town_centres:
        (x, y), = project(np.array([[tc.point.x, tc.point.y]]))
        r, size = {"city": (7, 17), "county": (5.5, 15)}.get(tc.rank, (3, 11))
        name = geo.townships[tc.code].name
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#fff" stroke="#000" stroke-width="1.5"/>'
                     f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="{size}" fill="#111" stroke="#fff" '
                     f'stroke-width="3" paint-order="stroke">{name}</text>')
    for county in geo.counties.values():
        (x, y), = project(np.array(county.geometry.representative_point().coords))
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="26" font-weight="bold" fill="#444" opacity="0.7" '
                     f'stroke="#fff" stroke-width="4" paint-order="stroke">{county.name} '
                     f'{county.area_m2 / 1e6:,.0f} km²</text>')
    parts.append(_legend([(c, f"{k}") for k, (c, _) in ROAD_STYLE.items()] + [("#2e86de", "river"),
                                                                               ("#d98c8c", "urban core")], 20, 20))
    parts.append("</svg>")
    return "".join(parts)


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> str:
    out = [f'<rect x="{x - 8}" y="{y - 16}" width="250" height="{22 * len(items) + 12}" fill="#fff" '
           'fill-opacity="0.85" stroke="#999"/>']
    for i, (colour, label) in enumerate(items):
        out.append(f'<rect x="{x}" y="{y + 22 * i - 11}" width="22" height="14" fill="{colour}" stroke="#555" '
                   f'stroke-width="0.5"/><text x="{x + 30}" y="{y + 22 * i + 1}" font-size="14">{label}</text>')
    return "".join(out)


def tiling_svg(geo: Geography, tiling: VillageTiling, width: int = 1400) -> str:
    """An SVG map of one tiled village: parcels coloured by land use, hamlets, roads and rivers."""
    village = geo.villages[tiling.village_code]
    bounds = tuple(np.array(village.geometry.bounds) + np.array([-0.002, -0.002, 0.002, 0.002]))
    project, height = _projector(bounds, width)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
             f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif">',
             '<rect width="100%" height="100%" fill="#fafafa"/>']
    for code, (colour, _) in LAND_USE_COLOURS.items():
        geoms = tiling.geometries[tiling.land_use == code]
        if len(geoms):
            parts.append(_paths(geoms, project, f'fill="{colour}" stroke="#444" stroke-width="0.3"'))
    box = shapely.box(*bounds)
    parts.append(_paths([shapely.intersection(r.geometry, box) for r in geo.rivers], project,
                        'fill="none" stroke="#2e86de" stroke-width="3"'))
    for kind in ("village", "county", "provincial", "national", "expressway"):
        colour, w = ROAD_STYLE[kind]
        parts.append(_paths([shapely.intersection(r.geometry, box) for r in geo.roads if r.kind == kind], project,
                            f'fill="none" stroke="{colour}" stroke-width="{w * 2}" stroke-opacity="0.8"'))
    parts.append(_paths([village.geometry], project, 'fill="none" stroke="#000" stroke-width="2.5"'))
    for p in geo.hamlets.get(tiling.village_code, []):
        (x, y), = project(np.array([[p.x, p.y]]))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="#000" stroke-width="1.5"/>')
    counts = {code: int((tiling.land_use == code).sum()) for code in LAND_USE_COLOURS}
    items = [(c, f"{label} {counts[k]}") for k, (c, label) in LAND_USE_COLOURS.items() if counts[k]]
    parts.append(_legend(items, 20, 30))
    parts.append(f'<text x="20" y="{height - 16:.0f}" font-size="18">{village.name} {village.name_en} '
                 f'{village.code}: {len(tiling)} parcels, {village.area_m2 / 1e6:.2f} km²</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_to_png(svg: str, png: Path, width: int, height: int) -> bool:
    """Render an SVG with headless Chromium; False when Chromium is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "map.svg"
        src.write_text(svg, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",  # noqa: S603
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                        f"--user-data-dir={tmp}/profile", f"--screenshot={png}", f"--window-size={width},{height}",
                        src.as_uri()], check=True, capture_output=True, timeout=120)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    """Write the two pictures into a folder."""
    from landbridge.cityprofile import get_profile
    from landbridge.demo.geography import build_geography, small_scale_villages, tile_village

    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else ".")
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 20260101
    geo = build_geography(get_profile(), seed=seed)
    code = args[args.index("--village") + 1] if "--village" in args else next(
        c for c in small_scale_villages(geo) if not geo.villages[c].urban)
    out.mkdir(parents=True, exist_ok=True)
    for name, svg in (("demo_geography", geography_svg(geo)),
                      ("demo_village_tiling", tiling_svg(geo, tile_village(geo, code, parcels=2500, seed=seed)))):
        (out / f"{name}.svg").write_text(svg, encoding="utf-8")
        height = int(float(svg.split('height="', 1)[1].split('"', 1)[0]))
        svg_to_png(svg, out / f"{name}.png", 1400, height)
        print(out / f"{name}.png")


if __name__ == "__main__":
    main()

"""The demo world's industry information (产业信息, issue #19 item 5; S83–S85, S95–S98): the Yingtan plan's core
zone, characteristic towns, agricultural park and beautiful village as places, each drawn around a village of the
demo world where market-entry cases and quota allocations lie, then villages with other registered parcels (so their
available land and quota are computed from real demo records), with projects in every state, funding from every
source and one bundle of an operating project with public-welfare ones whose revenue covers its financing.

Everything goes through ``landbridge.industry``'s services, so the ledger events are what the platform writes.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from shapely.geometry import MultiPoint, Point, box, mapping
from sqlalchemy.orm import Session

from landbridge import industry, land_quota, market_entry, registry
from landbridge.cityprofile import get_profile

# (kind, name, industries, summary) of the plan's places (S84, S85); the core zone gets the busiest village
PLACES = (
    ("synergy_zone", "智联小镇（城乡产业协同发展先行区核心区）", ["smart_manufacturing", "precision_components"],
     "一核引领：以智联小镇为核心区，布局城乡产业协同发展先行区（S83、S84）"),
    ("characteristic_town", "中童眼镜小镇", ["eyewear"], "以工促农发展示范区：眼镜产业集群（S84）"),
    ("characteristic_town", "锦江精密元件小镇", ["precision_components", "copper_processing"],
     "以工促农发展示范区：精密元件与铜加工（S84）"),
    ("characteristic_town", "上清古镇", ["cultural_tourism"], "以文促旅发展示范区：古镇文化旅游（S84）"),
    ("characteristic_town", "周塘小镇", ["cultural_tourism", "rural_tourism"], "以文促旅发展示范区（S84）"),
    ("agricultural_park", "现代农业科技园", ["modern_agriculture", "agritourism"], "农旅融合示范区（S84）"),
    ("village", "灵溪小镇美丽乡村旅游创新点", ["rural_tourism"], "“特色小镇+农业园区+美丽乡村”的多点支撑（S85）"),
)
MARGIN = 0.004  # degrees (about 400 m) around a village's sites
MAX_SITES = 60  # parcels drawn into one place's boundary
OTHER_PARCELS = 3_000


def _villages(session: Session) -> list[tuple[str, list[Point]]]:
    """(village code, representative points of parcels) for each place: first the villages with entry cases and
    quota allocations (most first), then, for the places left, runs of other registered parcels from west to east
    (a small world has fewer villages than the plan has places)."""
    ids = sorted({s.parcel_id for s in market_entry.entry_sites(session)}
                 | {a.parcel_id for a in land_quota.allocation_sites(session)})
    found, _ = registry.find_parcels(session, parcel_ids=ids, details=False, limit=len(ids) or 1) if ids else ([], 0)
    groups: dict[str, list[int]] = defaultdict(list)
    for p in found:
        groups[p.region_code].append(p.id)
    order = sorted(groups, key=lambda t: (-len(groups[t]), t))[:len(PLACES)]
    points = registry.parcel_points(session, sorted({i for t in order for i in groups[t][:MAX_SITES]}))
    out = [(t, [points[i] for i in groups[t][:MAX_SITES] if i in points]) for t in order]
    missing = len(PLACES) - len(out)
    if missing > 0:
        taken = set(ids)
        others, _ = registry.find_parcels(session, details=False, limit=OTHER_PARCELS)
        rest = [p for p in others if p.id not in taken]
        where = registry.parcel_points(session, [p.id for p in rest])
        rest = sorted((p for p in rest if p.id in where), key=lambda p: where[p.id].x)
        size = max(1, min(MAX_SITES, len(rest) // missing))
        for k in range(missing):
            run = rest[k * len(rest) // missing:][:size]
            if run:
                out.append((run[0].region_code, [where[p.id] for p in run]))
    return out


def _boundary(points: list[Point]) -> dict[str, object]:
    west, south, east, north = get_profile().extent
    hull = MultiPoint(points).convex_hull.buffer(MARGIN, quad_segs=4).simplify(MARGIN / 4)
    shape = hull.intersection(box(west + 1e-4, south + 1e-4, east - 1e-4, north - 1e-4))
    if shape.geom_type != "Polygon":
        shape = shape.convex_hull
    return dict(mapping(shape))


def seed_industry(session: Session, *, actor: str) -> int:
    """The demo places with their projects; returns how many places."""
    towns = _villages(session)
    placed = []
    for (kind, name, codes, summary), (town, points) in zip(PLACES, towns, strict=False):
        if not points:
            continue
        place = industry.create_place(session, actor=actor, kind=kind, name=name, region_code=town,
                                      summary=summary, industry_codes=codes, boundary_geometry=_boundary(points))
        industry.publish_place(session, place.id, actor=actor)
        placed.append(place)
    figures = industry.place_figures(session, placed, industry.service.today())
    for n, place in enumerate(placed):
        f = figures[place.id]
        _projects(session, actor, place.id, n, f.allocation_ids[:1], f.case_ids[:1])
    return len(placed)


def _projects(session: Session, actor: str, place_id: int, n: int, allocations: list[int], cases: list[int]) -> None:
    """An operating project (linked to the place's first quota allocation and entry case), a public-welfare one
    and, in the core zone, a bundle of the two; states cycle over the places so every state is shown."""
    states = ("planned", "under_construction", "operating")
    operating = industry.register_project(
        session, actor=actor, place_id=place_id, name="标准厂房及配套招商项目" if n < 3 else "文旅融合运营项目",
        nature="operating", description="经营性项目：租金与运营收入在融资期内覆盖专项债券和贷款本息（S96、S97）",
        revenue_cny=Decimal("36000000"), quota_allocation_id=allocations[0] if allocations else None,
        entry_case_id=cases[0] if cases else None)
    welfare = industry.register_project(
        session, actor=actor, place_id=place_id, name="园区道路与污水管网", nature="public_welfare",
        description="公益性配套基础设施，与经营性项目合理打捆（S96）")
    industry.add_funding(session, operating.id, actor=actor, source="special_bond", amount_cny="15000000",
                         reference="2026年江西省政府专项债券（城乡融合）")
    industry.add_funding(session, operating.id, actor=actor, source="social_capital", amount_cny="8000000",
                         reference="社会资本合作协议（演示）")
    industry.add_funding(session, welfare.id, actor=actor, source="special_fund", amount_cny="3000000",
                         reference="国家城乡融合发展试验区建设专项资金（S95）")
    industry.add_funding(session, welfare.id, actor=actor, source="loan", amount_cny="12000000",
                         reference="农业发展银行专项贷款（S97）")
    if n == 0:
        industry.create_bundle(session, actor=actor, name="厂房+配套基础设施打捆项目",
                               operating_project_id=operating.id,
                               welfare_project_ids=[welfare.id])
    for k, project in enumerate((operating, welfare)):
        target = states[(n + k) % 3]
        if n != len(PLACES) - 1 or k == 0:  # one project of the last place stays unpublished (officials only)
            industry.publish_project(session, project.id, actor=actor)
        if target != "planned":
            industry.advance_project(session, project.id, actor=actor, target="under_construction")
        if target == "operating":
            industry.advance_project(session, project.id, actor=actor, target="operating")

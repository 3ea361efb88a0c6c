"""Industry information services (issue #19 item 5; P1, S3, S83–S85, S95–S98): available quota computed from the
allocations in a place equals the hand-computed figure; land on offer from entry cases; a bundle whose revenue does
not cover its financing is refused with a typed error and changes nothing; the boundary is bounded and valid; every
state change writes a ledger event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from shapely.geometry import Polygon, mapping
from sqlalchemy import func, select, text

from landbridge import industry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.industry.models import IndustryBundle, IndustryFunding, IndustryProject
from landbridge.industry.service import today
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from tests.industry.conftest import ACTOR, TOWN, IndustryWorld, build
from tests.registry.conftest import square


@pytest.fixture
def w(db: Database, clock: Clock) -> IndustryWorld:
    with db.transaction() as s:
        return build(s)


def test_quota_in_place_equals_hand_computed(db: Database, w: IndustryWorld) -> None:
    """Allocated 1000 + 600 inside (900 outside), consumed 250 of the 600: available 1350 (P1, S3)."""
    with db.transaction() as s:
        place = industry.get_place(s, w.place_id)
        f = industry.place_figures(s, [place], today())[place.id]
    assert f.quota_allocated_m2 == Decimal("1600")
    assert f.quota_consumed_m2 == Decimal("250")
    assert f.quota_available_m2 == Decimal("1350")
    assert sorted(f.allocation_ids) == sorted(w.inside) and w.outside not in f.allocation_ids
    assert f.land_available_m2 == 0 and f.available_cases == 0


def _project(s, place_id: int, nature: str, revenue: str = "0", name: str = "项目") -> int:  # type: ignore[no-untyped-def]
    return industry.register_project(s, actor=ACTOR, place_id=place_id, name=name, nature=nature,
                                     description="S96 打捆项目", revenue_cny=Decimal(revenue)).id


def test_bundle_coverage_refusal_is_typed_and_changes_nothing(db: Database, w: IndustryWorld) -> None:
    """Revenue 1,000,000; financing (bond 600,000 + loan 400,000) = 1,000,000 < 1.1 × → refused (S96, S97)."""
    with db.transaction() as s:
        op = _project(s, w.place_id, "operating", "1000000.00", "精密元件标准厂房")
        pw = _project(s, w.place_id, "public_welfare", name="园区道路")
        industry.add_funding(s, op, actor=ACTOR, source="special_bond", amount_cny="600000", reference="2026年专项债")
        industry.add_funding(s, pw, actor=ACTOR, source="loan", amount_cny="400000.00", reference="农发行专项贷款")
        industry.add_funding(s, pw, actor=ACTOR, source="special_fund", amount_cny="5000000",
                             reference="试验区专项资金")
    with db.transaction() as s:
        before = (current_size(s), s.scalar(select(func.count()).select_from(IndustryBundle)))
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.create_bundle(s, actor=ACTOR, name="标准厂房+园区道路", operating_project_id=op,
                               welfare_project_ids=[pw])
    assert exc.value.code == "industry.bundle_not_covered"
    with db.transaction() as s:
        assert (current_size(s), s.scalar(select(func.count()).select_from(IndustryBundle))) == before
        assert all(p.bundle_id is None for p in s.scalars(select(IndustryProject)))
    # the special fund is a grant, not financing: with less debt the bundle passes
    # (909,090 × 1.1 = 999,999 ≤ 1,000,000)
    with db.transaction() as s:
        op2 = _project(s, w.place_id, "operating", "1000000", "冷链仓储")
        pw2 = _project(s, w.place_id, "public_welfare", name="污水管网")
        industry.add_funding(s, pw2, actor=ACTOR, source="loan", amount_cny="909090", reference="贷款合同 2026-01")
        bundle = industry.create_bundle(s, actor=ACTOR, name="冷链+管网", operating_project_id=op2,
                                        welfare_project_ids=[pw2])
        assert industry.bundle_finance(s, bundle) == (Decimal("1000000.00"), Decimal("909090.00"))
    # one more loan line in the bundle would break the coverage: refused, no line written
    with db.transaction() as s:
        lines = s.scalar(select(func.count()).select_from(IndustryFunding))
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.add_funding(s, pw2, actor=ACTOR, source="loan", amount_cny="1", reference="追加贷款")
    assert exc.value.code == "industry.bundle_not_covered"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(IndustryFunding)) == lines
        industry.add_funding(s, pw2, actor=ACTOR, source="social_capital", amount_cny="1", reference="社会资本")


def test_money_is_stored_in_fen(db: Database, w: IndustryWorld) -> None:
    with db.transaction() as s:
        pid = _project(s, w.place_id, "operating", "12.34")
        raw = s.execute(text("SELECT revenue_cny FROM industry_project WHERE id = :i"), {"i": pid}).scalar()
    assert raw == 1234


def test_project_states_and_ledger(db: Database, w: IndustryWorld) -> None:
    with db.transaction() as s:
        start = current_size(s)
        pid = _project(s, w.place_id, "operating", "10")
        industry.publish_project(s, pid, actor=ACTOR)
        industry.advance_project(s, pid, actor=ACTOR, target="under_construction")
        industry.advance_project(s, pid, actor=ACTOR, target="operating")
        assert current_size(s) == start + 4
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.advance_project(s, pid, actor=ACTOR, target="planned")
    assert exc.value.code == "industry.invalid_transition"


@pytest.mark.parametrize(("geometry", "code"), [
    ({"type": "Polygon", "coordinates": [[[116.9 + i * 1e-5, 28.2] for i in range(3000)]]},
     "industry.boundary_too_many_vertices"),
    (dict(mapping(Polygon([(116.9, 28.2), (116.91, 28.21), (116.91, 28.2), (116.9, 28.21)]))),
     "industry.invalid_boundary"),  # a bow tie: self-intersecting
    ({"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}, "industry.invalid_boundary"),
    ({"type": "Point", "coordinates": [116.9, 28.2]}, "industry.invalid_boundary"),
    ({"type": "Polygon", "coordinates": "x"}, "industry.invalid_boundary"),
    (dict(mapping(Polygon([(116.8, 28.0), (117.2, 28.0), (117.2, 28.4), (116.8, 28.4)]))),
     "industry.boundary_too_large"),
])
def test_boundary_bounds(db: Database, clock: Clock, geometry: dict, code: str) -> None:  # type: ignore[type-arg]
    with db.transaction() as s, pytest.raises(DomainError) as exc:
        industry.create_place(s, actor=ACTOR, kind="village", name="灵溪村", region_code=TOWN, summary="乡村旅游",
                              industry_codes=["rural_tourism"], boundary_geometry=geometry)
    assert exc.value.code == code


def test_kind_and_industry_come_from_the_rules(db: Database, clock: Clock) -> None:
    good = dict(mapping(square(0, size_m=200)))
    for kwargs, code in (({"kind": "harbour"}, "industry.invalid_kind"),
                         ({"industry_codes": ["casino"]}, "industry.invalid_industry")):
        args = {"kind": "village", "industry_codes": ["rural_tourism"], **kwargs}
        with db.transaction() as s, pytest.raises(DomainError) as exc:
            industry.create_place(s, actor=ACTOR, name="灵溪村", region_code=TOWN, summary="乡村旅游",
                                  boundary_geometry=good, **args)  # type: ignore[arg-type]
        assert exc.value.code == code

"""The land finder as an API (issue #23): ``GET /api/v1/finder`` with the filters as query parameters; public
and anonymous (parcels, plan, appraised values and published lots: no holder, no party)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge.finder.search import Filters, search
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["finder"], route_class=ReplicaReadRoute)



def _amount(description: str) -> Any:
    """A fresh bounded decimal query parameter (FastAPI keeps a parameter's name on its ``Query`` object, so
    two parameters must not share one)."""
    return Query(None, ge=0, le=1e12, max_digits=16, decimal_places=2, description=description)


def filters(use: str | None = Query(None, max_length=8, description="land use (GB/T 21010) the plan permits"),
            area_min: Decimal | None = _amount("m²"), area_max: Decimal | None = _amount("m²"),
            price_min: Decimal | None = _amount("appraised 元/m²"),
            price_max: Decimal | None = _amount("appraised 元/m²"),
            right_type: str | None = Query(None, max_length=48),
            region: str | None = Query(None, max_length=12, description="county, township or village code"),
            max_road_m: Decimal | None = Query(None, ge=0, le=100_000, description="metres to the nearest road"),
            max_town_m: Decimal | None = Query(None, ge=0, le=100_000,
                                               description="metres to the nearest town centre"),
            ) -> Filters:
    """The filters of a request (empty strings, as a form sends them, mean not filtered)."""
    def text(v: str | None) -> str | None:
        return v.strip() or None if v is not None else None
    return Filters(use=text(use), area_min=area_min, area_max=area_max, price_min=price_min, price_max=price_max,
                   right_type=text(right_type), region=text(region), max_road_m=max_road_m, max_town_m=max_town_m)


@router.get("/finder")
def find_land(f: Filters = Depends(filters), page: int = Query(1, ge=1, le=10_000),
              page_size: int = Query(50, ge=1, le=200), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Parcels meeting every filter (exactly, when ``complete``), a page of them with value, plan uses,
    distances, parcel page and open lot."""
    return search(session, f, page=page, page_size=page_size)

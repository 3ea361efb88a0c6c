"""The open data API (issue #19 item 6; P2, S2): anyone, anonymous included, reads the catalogue, the statistics
tables (JSON and CSV) and the price indices; every cell built from fewer than k records is suppressed ("<k") with
complementary suppression; nothing personal. Query parameters are bounded (typed 422, never 500).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.open_data import price_index, tables
from landbridge.open_data.catalogue import catalogue
from landbridge.open_data.errors import OpenDataError
from landbridge.open_data.rules import AreaLevel, Granularity
from landbridge.open_data.service import open_data_rules, published_results, today
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/open-data", tags=["open-data"], route_class=TransactionalRoute)



def dataset_param() -> Any:
    return PathParam(pattern=r"^[a-z_]{1,40}$")


def region_param() -> Any:
    return Query("", pattern=r"^(\d{6}|\d{9}|\d{12})?$", description="a district (6) or township (9) code prefix")


def category_param() -> Any:
    return Query("", max_length=48, pattern=r"^[a-z_]*$")
DAY_MIN, DAY_MAX = date(2000, 1, 1), date(2100, 12, 31)


def csv_response(body: str, filename: str) -> Response:
    return Response("\ufeff" + body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def bounded(day: date | None, default: date) -> date:
    day = day or default
    if not DAY_MIN <= day <= DAY_MAX:
        raise OpenDataError.BAD_RANGE.error(start=DAY_MIN.isoformat(), end=DAY_MAX.isoformat())
    return day


def _table(session: Session, dataset: str, level: AreaLevel, granularity: Granularity, start: date | None,
           end: date | None, region: str, category: str, offset: int, limit: int) -> tables.Table:
    rules = open_data_rules()
    end_ = bounded(end, today())
    start_ = bounded(start, date(end_.year, 1, 1))
    return tables.build(session, rules, dataset=dataset, level=level, granularity=granularity, start=start_,
                        end=end_, region=region, category=category, offset=offset,
                        limit=min(limit, rules.page_size_max))


@router.get("/datasets")
def datasets(session: Session = Depends(get_session)) -> dict[str, Any]:
    """The data catalogue: each dataset's definition, update schedule, licence, last update and downloads."""
    return {"datasets": catalogue(session)}


@router.get("/tables/{dataset}")
def table(dataset: str = dataset_param(), level: AreaLevel = AreaLevel.district,
          granularity: Granularity = Granularity.quarter, start: date | None = None, end: date | None = None,
          region: str = region_param(), category: str = category_param(),
          offset: int = Query(0, ge=0, le=100_000), limit: int = Query(50, ge=1, le=200),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """A statistics table by area and period, each cell with its record count, small cells suppressed."""
    return tables.to_json(_table(session, dataset, level, granularity, start, end, region, category, offset, limit))


@router.get("/tables/{dataset}/csv")
def table_csv(dataset: str = dataset_param(), level: AreaLevel = AreaLevel.district,
              granularity: Granularity = Granularity.quarter, start: date | None = None, end: date | None = None,
              region: str = region_param(), category: str = category_param(),
              session: Session = Depends(get_session)) -> Response:
    """The same table as CSV (UTF-8 with BOM), every row of it."""
    t = _table(session, dataset, level, granularity, start, end, region, category, 0, 200)
    return csv_response(tables.to_csv(t), f"{t.dataset.key}_{t.level}_{t.granularity}.csv")


@router.get("/price-index")
def index(district: str = Query("", pattern=r"^(\d{6})?$"), use: str = category_param(), end: date | None = None,
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """Quarterly price indices per m² by district and use (ADR 0018), the deals behind each point."""
    rules = open_data_rules()
    items = price_index.series(session, rules, end=bounded(end, today()), district=district, use=use)
    return price_index.to_json(items, rules.min_cell_count)


@router.get("/price-index/csv")
def index_csv(district: str = Query("", pattern=r"^(\d{6})?$"), use: str = category_param(), end: date | None = None,
              session: Session = Depends(get_session)) -> Response:
    rules = open_data_rules()
    items = price_index.series(session, rules, end=bounded(end, today()), district=district, use=use)
    return csv_response(price_index.to_csv(items, rules.min_cell_count), "price_index.csv")


@router.get("/assessment-results")
def assessment_results(session: Session = Depends(get_session)) -> dict[str, Any]:
    """Published assessment results (S2), once the assessment package provides them; ``available`` false until."""
    rows = published_results(session)
    return {"available": rows is not None, "results": rows or []}

"""Open data pages (数据开放, issue #19 item 6; P2, S2): ``/open-data`` (statistics by area and period),
``/open-data/price-index`` (land price indices by district and use) and ``/open-data/catalogue`` (the data catalogue
with downloads). Public, zh-CN by default, English with ``?lang=en``; counts and sums only, small cells "<k".
A bad query parameter shows the page's form with the refusal (typed, never 500)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.open_data import price_index, tables
from landbridge.open_data.catalogue import catalogue
from landbridge.open_data.rules import AreaLevel, Granularity
from landbridge.open_data.service import open_data_rules, published_results, today
from landbridge.open_data.sources import DATASETS
from landbridge.open_data.views import bounded, category_param, region_param
from landbridge.web.i18n import request_locale
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

LEVELS = {"district": ("区县", "District"), "township": ("乡镇（街道）", "Township")}
GRANULARITIES = {"month": ("月", "Month"), "quarter": ("季度", "Quarter"), "year": ("年", "Year")}
USES = {"cultivated": "耕地", "garden": "园地", "forest": "林地", "grassland": "草地", "commercial": "商服用地",
        "industrial": "工矿仓储用地", "residential": "住宅用地", "public": "公共管理与服务、特殊用地",
        "transport": "交通运输用地", "water": "水域及水利设施用地", "other": "其他"}


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response = render(request, template, {"zh": request_locale(request) == "zh_CN", **context})
    response.status_code = status_code
    return response


@router.get("/open-data", response_class=Response)
def statistics(request: Request, dataset: str = Query("exchange_deals", pattern=r"^[a-z_]{1,40}$"),
               level: AreaLevel = AreaLevel.district, granularity: Granularity = Granularity.quarter,
               start: date | None = None, end: date | None = None, region: str = region_param(),
               category: str = category_param(), offset: int = Query(0, ge=0, le=100_000),
               session: Session = Depends(get_session)) -> Response:
    """One statistics table with its form; the CSV and JSON of the same query are linked."""
    rules = open_data_rules()
    context: dict[str, Any] = {"datasets": DATASETS, "levels": LEVELS, "granularities": GRANULARITIES,
                               "dataset": dataset, "level": level.value, "granularity": granularity.value,
                               "region": region, "category": category, "k": rules.min_cell_count,
                               "table": None, "error": None, "query": request.url.query,
                               "results": published_results(session)}
    try:
        end_ = bounded(end, today())
        start_ = bounded(start, date(end_.year - 1, 1, 1))
        context.update(start=start_.isoformat(), end=end_.isoformat())
        context["table"] = tables.build(session, rules, dataset=dataset, level=level, granularity=granularity,
                                        start=start_, end=end_, region=region, category=category, offset=offset,
                                        limit=rules.page_size_max)
    except DomainError as exc:
        context.update(error=exc, start=start or "", end=end or "")
        return _page(request, "open_data/index.html", context, exc.http_status)
    return _page(request, "open_data/index.html", context)


@router.get("/open-data/price-index", response_class=Response)
def index_page(request: Request, district: str = Query("", pattern=r"^(\d{6})?$"), use: str = category_param(),
               session: Session = Depends(get_session)) -> Response:
    rules = open_data_rules()
    items = price_index.series(session, rules, end=today(), district=district, use=use)
    return _page(request, "open_data/price_index.html", {"series": items, "k": rules.min_cell_count, "uses": USES,
                                                         "district": district, "use": use})


@router.get("/open-data/catalogue", response_class=Response)
def catalogue_page(request: Request, session: Session = Depends(get_session)) -> Response:
    return _page(request, "open_data/catalogue.html", {"entries": catalogue(session)})

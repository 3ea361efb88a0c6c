"""The data catalogue (数据目录, issue #19 item 6 scope 3): each dataset with its definition, update schedule,
licence, last update and its CSV downloads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from landbridge.open_data.service import open_data_rules, results_provided, today
from landbridge.open_data.sources import DATASETS

LOOK_BACK_DAYS = 366  # the catalogue's "last update" looks at the past year's records (a display bound, not policy)

PRICE_INDEX = {
    "key": "price_index", "title": "土地成交价格指数", "title_en": "Land price index",
    "definition": "按区县和用途分季度的成交单价（元/平方米）定基指数：每宗成交价除以宗地登记面积，取季度几何平均"
                  "（Jevons），以首个成交不少于 k 宗的季度为 100；不足 k 宗的季度不公布。方法见 ADR 0018。",
    "definition_en": "A quarterly fixed-base index of deal prices per m² by district and use: each award's price over "
                     "the parcel's registered area, the quarter's geometric mean (Jevons), 100 = the first quarter "
                     "with at least k deals; quarters with fewer are not published. Method: ADR 0018.",
}


def catalogue(session: Session) -> list[dict[str, Any]]:
    rules = open_data_rules()
    end = today()
    start = end - timedelta(days=LOOK_BACK_DAYS)
    out: list[dict[str, Any]] = []
    for ds in DATASETS.values():
        days = [f.day for f in ds.read(session, start, end, "")]
        last: date | None = max(days, default=None)
        out.append({"key": ds.key, "title": ds.title, "title_en": ds.title_en, "definition": ds.definition,
                    "definition_en": ds.definition_en, "measure": ds.measure, "measure_en": ds.measure_en,
                    "unit": ds.unit, "categories": ds.categories, "categories_en": ds.categories_en,
                    "schedule": ds.schedule, "schedule_en": ds.schedule_en, "licence": rules.licence,
                    "k": rules.min_cell_count, "last_record_on": last.isoformat() if last else None,
                    "json": f"/api/v1/open-data/tables/{ds.key}",
                    "csv": f"/api/v1/open-data/tables/{ds.key}/csv"})
    out.append({**PRICE_INDEX, "measure": "成交单价", "measure_en": "price per m²", "unit": "元/m²",
                "categories": "用途", "categories_en": "use", "schedule": DATASETS["exchange_deals"].schedule,
                "schedule_en": DATASETS["exchange_deals"].schedule_en, "licence": rules.licence,
                "k": rules.min_cell_count, "last_record_on": next(
                    (d["last_record_on"] for d in out if d["key"] == "exchange_deals"), None),
                "json": "/api/v1/open-data/price-index",
                "csv": "/api/v1/open-data/price-index/csv"})
    out.append({"key": "assessment_results", "title": "考核评估结果", "title_en": "Assessment results",
                "definition": "各区县、部门年度考核评估的已公布结果（得分、排名）。", "definition_en":
                "Published yearly assessment results of districts and departments (score, rank).",
                "measure": None, "measure_en": None, "unit": None, "categories": "—", "categories_en": "—",
                "schedule": "考核结果公布后更新" if results_provided() else "尚未发布",
                "schedule_en": "on each publication" if results_provided() else "not yet published",
                "licence": rules.licence, "k": None, "last_record_on": None,
                "json": "/api/v1/open-data/assessment-results", "csv": None})
    return out

"""What open data publishes, read through the modules' public functions only (issue #19 item 6): each dataset is a
list of ``Fact`` (region, day, category, how many records, a measure) with nothing that names a person, a party,
a lot or a case. The datasets' catalogue entries (definition, schedule) live here beside the reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import collective, exchange, registry
from landbridge.market_entry.queries import entered_land


@dataclass(frozen=True)
class Fact:
    """``records`` records of one region, day and category, with the sum of their measure (None: counts only)."""

    region_code: str
    day: date
    category: str
    records: int
    measure: Decimal | None = None


@dataclass(frozen=True)
class Dataset:
    """A published dataset: its id, titles, definitions, measure and update schedule (the catalogue, item 3)."""

    key: str
    title: str
    title_en: str
    definition: str
    definition_en: str
    measure: str | None         # what the measure column sums, zh (None: counts only)
    measure_en: str | None
    unit: str | None
    categories: str             # what the category column holds, zh / en below
    categories_en: str
    schedule: str
    schedule_en: str
    read: Callable[[Session, date, date, str], list[Fact]]


def _rights(session: Session, start: date, end: date, prefix: str) -> list[Fact]:
    return [Fact(r.region_code, r.registered_on, r.right_type, r.count)
            for r in registry.rights_registered(session, start, end, region_prefix=prefix)]


def _entered(session: Session, start: date, end: date, prefix: str) -> list[Fact]:
    cases = entered_land(session, start, end, region_prefix=prefix)
    areas = registry.parcel_areas(session, [c.parcel_id for c in cases])
    return [Fact(c.region_code, c.transaction_on, "", 1, areas.get(c.parcel_id, Decimal(0))) for c in cases]


def _deals(session: Session, start: date, end: date, prefix: str) -> list[Fact]:
    return [Fact(d.region_code, d.decided_on, d.kind, 1, d.price)
            for d in exchange.concluded_lots(session, start, end, region_prefix=prefix)]


def _dividends(session: Session, start: date, end: date, prefix: str) -> list[Fact]:
    return [Fact(d.region_code, d.paid_on, "", 1, d.amount)
            for d in collective.dividends_paid(session, start, end, region_prefix=prefix)]


DAILY = "每次访问时由登记簿实时汇总（数据截至前一日及当日已办结业务）"
DAILY_EN = "aggregated from the live registers on each request (up to the business concluded today)"

DATASETS: dict[str, Dataset] = {d.key: d for d in (
    Dataset("rights_registered", "不动产权利登记", "Rights registered",
            "按登簿日期统计的已登记农村不动产权利数（现势及已被后续登记替代的），按权利类型分类；不含任何权利人信息。",
            "Rural property rights entered in the register, by the day of entry (current ones and those since "
            "superseded), by right type; no holder is shown.",
            None, None, None, "权利类型", "right type", DAILY, DAILY_EN, _rights),
    Dataset("land_entered", "集体经营性建设用地入市", "Collective construction land entered",
            "已签订出让（出租、入股）合同且未撤回的入市地块宗数与登记面积，按入市方案申报的交易日期统计。",
            "Parcels of collective operating construction land whose entry contract is signed and not undone: "
            "their number and registered area, by the transaction day the case filed.",
            "面积", "area", "m²", "—", "—", DAILY, DAILY_EN, _entered),
    Dataset("exchange_deals", "农村产权交易成交", "Exchange deals",
            "农村产权交易中心成交（确认成交人）的标的宗数与成交总额，按成交日期统计，按标的类别分类；流拍不计。",
            "Lots awarded on the rural property exchange: their number and turnover, by the day of the award, by "
            "kind of lot; unsuccessful lots are not counted.",
            "成交额", "turnover", "元 CNY", "标的类别", "kind of lot", DAILY, DAILY_EN, _deals),
    Dataset("dividends", "集体经济组织分红", "Collective dividends",
            "集体经济组织的分红次数与分红总额，按分红日期统计；不含任何成员信息。",
            "Dividend runs of the collective economic organisations and the amounts distributed, by the day of the "
            "run; no member is shown.",
            "分红总额", "amount", "元 CNY", "—", "—", DAILY, DAILY_EN, _dividends),
)}

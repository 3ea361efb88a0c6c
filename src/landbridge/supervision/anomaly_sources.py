"""The sources of the anomaly queue beyond the exchange (issue #19 scope 3; P2, S92): each reads one module's
public functions and answers its current flags, each naming the record it concerns (its page shows the record's
ledger events) and a stable key, so a follow-up stays attached to its flag.

- market entry: the cases' own supervision flags (price below floor, conditions changed, revenue late, repeated
  withdrawals; their rules are market entry's), and deals of the last ``entry_lookback_days`` under
  ``entry_price_under_benchmark_pct`` per cent of their benchmark (the appraised value, else the floor price);
- lending: loans ``loan_overdue_days`` or more days past due.

Thresholds are rule data: ``[version.anomaly]`` of the indicator set in force today (``indicators.toml``, locked);
a version without a threshold switches that source off. Quota and collective sources are not here: land quota's
balance cannot go negative (every change re-checks its bound in SQL) and a refused attempt leaves no record to
read; collective publishes no declared-but-unpaid dividends yet (a dividend run is recorded when paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import lending, market_entry
from landbridge.supervision.indicators import IndicatorSet

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Flag:
    """A flag as the queue shows it: its key, source module, kind, the record it concerns and when it was raised
    (every source answers these; ``anomalies`` gathers them into the one queue)."""

    key: str
    source: str
    kind: str
    label: str
    url: str
    region_code: str
    raised_on: date
    detail: str


def entry_flags(session: Session, today: date, region_prefix: str) -> list[Flag]:
    """Market entry's own flags of its cases (raised on: today, the day the queue sees them)."""
    return [Flag(f"market_entry:{f.case_id}:{f.flag}", "market_entry", f.flag, f"{f.number} {f.name_zh}",
                       f"/market-entry/cases/{f.case_id}", f.region_code, today, f.detail[:200])
            for f in market_entry.case_flags(session, region_prefix=region_prefix)]


def entry_under_benchmark(session: Session, rules: IndicatorSet, today: date, region_prefix: str,
                          ) -> list[Flag]:
    """Entry deals of the look-back period whose price is under the rule's share of their benchmark."""
    share, lookback = rules.threshold("entry_price_under_benchmark_pct"), rules.threshold("entry_lookback_days")
    if share is None or lookback is None:
        return []
    out = []
    for e in market_entry.entered_land(session, today - timedelta(days=int(lookback)), today,
                                       region_prefix=region_prefix):
        if e.benchmark_cny is None or e.benchmark_cny <= 0 or e.price_cny * HUNDRED >= e.benchmark_cny * share:
            continue
        pct = (e.price_cny * HUNDRED / e.benchmark_cny).quantize(Decimal("0.1"))
        out.append(Flag(f"market_entry:{e.case_id}:under_benchmark", "market_entry", "price_under_benchmark",
                              f"{e.number} 成交价低于评估价 {share}%", f"/market-entry/cases/{e.case_id}",
                              e.region_code, e.concluded_on,
                              f"price={e.price_cny}, benchmark={e.benchmark_cny}, ratio={pct}%"))
    return out


def loans_overdue(session: Session, rules: IndicatorSet, today: date, region_prefix: str) -> list[Flag]:
    """Loans the rule's number of days or more past due today (raised on the day they reached it)."""
    days = rules.threshold("loan_overdue_days")
    if days is None:
        return []
    return [Flag(f"lending:{p.loan_id}:overdue", "lending", "loan_overdue",
                       f"{p.loan_no} 逾期 {p.days_past_due} 天",
                       f"/lending/loans/{p.loan_id}", p.region_code,
                       today - timedelta(days=p.days_past_due - int(days)),
                       f"days_past_due={p.days_past_due}, outstanding={p.outstanding}, rule={days}")
            for p in lending.loan_positions(session, today, region_prefix=region_prefix)
            if p.outstanding > 0 and p.days_past_due >= days]


def source_flags(session: Session, rules: IndicatorSet, today: date, region_prefix: str) -> list[Flag]:
    """Every source's flags, market entry first, then lending."""
    return [*entry_flags(session, today, region_prefix), *entry_under_benchmark(session, rules, today, region_prefix),
            *loans_overdue(session, rules, today, region_prefix)]

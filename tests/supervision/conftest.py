"""A small fixture for the city's view (issue #19; P2, S2, S92): loans, exchange results and a dividend run in two
counties (余江区 360603, 贵溪市 360681), with dated records on both sides of an as-of day (2026-06-30), so every
figure can be computed by hand and re-derived after later records arrive.

The rows are written straight into the owning modules' tables (the test builds data; production code reads it
only through the modules' public read functions). Hand-computed figures on 2026-06-30 are in ``EXPECTED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, create_organisation
from landbridge.db import Database
from landbridge.exchange.models import Lot, LotResult
from landbridge.kernel.clock import Clock
from landbridge.land_quota.models import QuotaEntry
from landbridge.ledger import append_event, subjects
from landbridge.lending.models import Instalment, Loan, Payment
from tests.collective.conftest import build_village

YUJIANG_VILLAGE = "360603101002"   # 范家村, 锦江镇, 余江区
GUIXI_VILLAGE = "360681100001"
CITY, YUJIANG, GUIXI, YUEHU = "360600000000", "360603000000", "360681000000", "360602000000"
AS_OF = date(2026, 6, 30)
T = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: date, hour: int = 4) -> datetime:
    """A UTC instant on ``day`` (Asia/Shanghai: hour + 8)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class SupervisionWorld:
    loans: dict[str, int]
    lots: dict[str, int]
    bank_org: int


def loan(s: Session, no: str, region: str, principal: str, disbursed: date, bank_org: int,
         instalments: list[tuple[date, str, str]], payments: list[tuple[date, str, str]]) -> int:
    row = Loan(loan_no=no, product_code="forest", rules_digest="x" * 64, borrower_party_id=1,
               bank_organisation_id=bank_org, right_id=1, unit_id=1, parcel_id=1, right_type="forest_right",
               principal_cny=Decimal(principal),
               annual_rate=Decimal("0.05"), months=12, method="equal_principal", start_date=disbursed,
               maturity=date(disbursed.year + 1, disbursed.month, 1), sharers=[], disbursed_at=at(disbursed),
               outstanding_cny=Decimal(principal), status="disbursed", region_code=region, version=1, created_at=T)
    s.add(row)
    s.flush()
    append_event(s, module="lending", event_type="loan.disbursed", subject=subjects.loan(row.id), actor="test",
                 payload={"loan_no": no, "principal_cny": principal})
    for n, (due, p, i) in enumerate(instalments, start=1):
        s.add(Instalment(loan_id=row.id, n=n, due_date=due, principal_cny=Decimal(p), interest_cny=Decimal(i)))
    for paid_on, p, i in payments:
        s.add(Payment(loan_id=row.id, kind="repayment", paid_on=paid_on, amount_cny=Decimal(p) + Decimal(i),
                      to_costs_cny=Decimal(0), to_interest_cny=Decimal(i), to_penalty_cny=Decimal(0),
                      to_principal_cny=Decimal(p), actor="test", created_at=at(paid_on)))
    s.flush()
    return row.id


def lot(s: Session, number: str, region: str, outcome: str, price: str | None, decided: date) -> int:
    row = Lot(number=number, kind="land_management_right", method="english", title=f"标的 {number}",
              rule_version="1", rules={}, phase="concluded" if outcome == "award" else "unsuccessful",
              start_price_cny=Decimal("1000"), increment_cny=Decimal("100"), deposit_cny=Decimal("100"),
              starts_at=at(decided), region_code=region, created_by="test", created_at=T, version=1)
    s.add(row)
    s.flush()
    s.add(LotResult(lot_id=row.id, outcome=outcome, reason="test", price_cny=None if price is None else Decimal(price),
                    decided_at=at(decided)))
    s.flush()
    return row.id


def dividend(s: Session, collective_id: int, period: str, amount: str, paid: date) -> None:
    from landbridge.collective.models import DividendRun

    s.add(DividendRun(collective_id=collective_id, period=period, amount_cny=Decimal(amount),
                      total_shares=Decimal("100"), account_count=3, rows_sha256="0" * 64, created_by="test",
                      created_at=at(paid)))
    s.flush()


def quota_credit(s: Session, county: str, amount: str, day: date) -> None:
    s.add(QuotaEntry(kind="credit", amount_m2=Decimal(amount), county_code=county, year=day.year, project_id=None,
                     actor="test", created_at=at(day)))
    s.flush()


def build(s: Session) -> SupervisionWorld:
    bank = create_organisation(s, name="鹰潭农商银行", kind=OrgKind.bank, region_code=CITY).id
    loans = {
        # 100,000 from 01-10; the 02-10 instalment paid, the 03-10 one not: 112 days past due on 06-30 (NPL)
        "L1": loan(s, "LN-1", YUJIANG_VILLAGE, "100000", date(2026, 1, 10), bank,
                   [(date(2026, 2, 10), "10000", "500"), (date(2026, 3, 10), "10000", "450"),
                    (date(2026, 8, 10), "10000", "400")],
                   [(date(2026, 2, 10), "10000", "500"), (date(2026, 7, 20), "10000", "450")]),
        # 50,000 from 02-01; its 06-01 instalment paid: performing, 45,000 outstanding
        "L2": loan(s, "LN-2", YUJIANG_VILLAGE, "50000", date(2026, 2, 1), bank,
                   [(date(2026, 6, 1), "5000", "200")], [(date(2026, 6, 1), "5000", "200")]),
        # 80,000 from 03-01; its 05-01 instalment unpaid: 60 days past due on 06-30 (not yet NPL)
        "L3": loan(s, "LN-3", GUIXI_VILLAGE, "80000", date(2026, 3, 1), bank,
                   [(date(2026, 5, 1), "8000", "300")], []),
        # disbursed after the as-of day
        "L4": loan(s, "LN-4", GUIXI_VILLAGE, "60000", date(2026, 7, 15), bank, [], []),
    }
    lots = {
        "A": lot(s, "LOT-A", YUJIANG_VILLAGE, "award", "120000", date(2026, 4, 5)),
        "B": lot(s, "LOT-B", GUIXI_VILLAGE, "award", "30000", date(2026, 5, 20)),
        "C": lot(s, "LOT-C", YUJIANG_VILLAGE, "unsuccessful", None, date(2026, 5, 1)),
        "D": lot(s, "LOT-D", YUJIANG_VILLAGE, "award", "70000", date(2026, 7, 2)),
    }
    village = build_village(s, n_households=1, per_household=1, region=YUJIANG_VILLAGE, seed=7)
    dividend(s, village.collective_id, "2025", "20000", date(2026, 6, 15))
    dividend(s, village.collective_id, "2026H1", "9000", date(2026, 8, 3))
    quota_credit(s, "360603", "1500.50", date(2026, 5, 10))
    quota_credit(s, "360681000000", "800", date(2026, 6, 12))
    quota_credit(s, "360603", "999", date(2026, 7, 1))
    return SupervisionWorld(loans, lots, bank)


# hand-computed on 2026-06-30, period 2026: (indicator, area) -> value
EXPECTED = {
    ("lending.outstanding", CITY): Decimal("215000"),      # 90,000 + 45,000 + 80,000
    ("lending.outstanding", YUJIANG): Decimal("135000"),
    ("lending.outstanding", GUIXI): Decimal("80000"),
    ("lending.outstanding", YUEHU): Decimal("0"),
    ("lending.npl_ratio", CITY): Decimal("41.8605"),       # 90,000 / 215,000
    ("lending.npl_ratio", YUJIANG): Decimal("66.6667"),    # 90,000 / 135,000
    ("lending.npl_ratio", GUIXI): Decimal("0"),
    ("exchange.lots_concluded", CITY): Decimal("2"),       # A and B; C unsuccessful, D after the day
    ("exchange.lots_concluded", YUJIANG): Decimal("1"),
    ("exchange.concluded_price", CITY): Decimal("150000"),
    ("exchange.concluded_price", GUIXI): Decimal("30000"),
    ("collective.dividends_paid", CITY): Decimal("20000"),
    ("collective.dividends_paid", GUIXI): Decimal("0"),
    ("land_quota.credited", CITY): Decimal("2300.50"),     # 1,500.50 + 800; the 07-01 credit is later
    ("land_quota.credited", YUJIANG): Decimal("1500.50"),
    ("land_quota.credited", GUIXI): Decimal("800"),
}


@pytest.fixture
def sw(db: Database, clock: Clock) -> SupervisionWorld:
    clock.set(datetime(2026, 6, 30, 8, tzinfo=UTC))
    with db.transaction() as s:
        return build(s)

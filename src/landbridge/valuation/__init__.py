"""Valuation (估价): the sales record (成交记录), benchmark prices, mass appraisal, ratio studies (L1, F1).

Sub-packages: ``sales`` (the record), ``benchmark`` (基准地价, coefficient and comparison methods),
``learn`` (coefficients learned from sales), ``mass`` (批量评估), ``ratio`` (ratio studies), ``report``
(the ratio-study report).

Other modules use only the names exported here.
"""

from landbridge.valuation.benchmark.service import import_benchmark_system, publish_benchmark_system
from landbridge.valuation.collateral import CollateralValue, collateral_value
from landbridge.valuation.finder_reads import (
    distances_to_places,
    latest_unit_value_table,
    latest_unit_values,
    within_distance,
)
from landbridge.valuation.sales.feed import feed_exchange_sales
from landbridge.valuation.sales.models import SaleMethod, SaleSource
from landbridge.valuation.sales.queries import get_sale, iter_sales, list_sales, sales_csv, write_sales_csv
from landbridge.valuation.sales.schemas import SaleIn
from landbridge.valuation.sales.service import SaleBatch, record_sale, record_sales, verify_sale_batch

__all__ = [
    "CollateralValue",
    "SaleBatch",
    "SaleIn",
    "SaleMethod",
    "SaleSource",
    "collateral_value",
    "distances_to_places",
    "feed_exchange_sales",
    "get_sale",
    "import_benchmark_system",
    "iter_sales",
    "latest_unit_value_table",
    "latest_unit_values",
    "list_sales",
    "publish_benchmark_system",
    "record_sale",
    "record_sales",
    "sales_csv",
    "verify_sale_batch",
    "within_distance",
    "write_sales_csv",
]

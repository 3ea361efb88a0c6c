"""Valuation (估价): so far the sales record (成交记录) that benchmark prices and mass appraisal learn from (L1, F1).

Other modules use only the names exported here.
"""

from landbridge.valuation.models import SaleMethod, SaleSource
from landbridge.valuation.queries import get_sale, iter_sales, list_sales, sales_csv, write_sales_csv
from landbridge.valuation.schemas import SaleIn
from landbridge.valuation.service import SaleBatch, record_sale, record_sales, verify_sale_batch

__all__ = [
    "SaleBatch",
    "SaleIn",
    "SaleMethod",
    "SaleSource",
    "get_sale",
    "iter_sales",
    "list_sales",
    "record_sale",
    "record_sales",
    "sales_csv",
    "verify_sale_batch",
    "write_sales_csv",
]

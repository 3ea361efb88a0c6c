"""Assessment test world: the supervision fixture (tests/supervision/conftest.py: loans, lots, dividends and quota
in two counties, hand-computed figures on 2026-06-30) and the organisations owning tasks on the board."""

from __future__ import annotations

from decimal import Decimal

from tests.supervision.conftest import GUIXI, YUEHU, YUJIANG, sw

# hand-computed county scores with set 2026-county-1 on 2026-06-30 (equal weights of 25):
#   lots (target 10, linear):        余江 1 → 10.00   贵溪 1 → 10.00   月湖 0 → 0.00
#   outstanding (target 1m, linear): 余江 135,000 → 13.50   贵溪 80,000 → 8.00   月湖 0 → 0.00
#   NPL ratio (target 5, lower):     余江 66.6667 → 500 / 66.6667 = 7.50   贵溪 0 of 80,000 → cap 120
#                                    月湖 no loans: a ratio over nothing is no data → 0
#   quota credited (efficacy):       余江 1,500.50 → 100   贵溪 800 → 60 + 40 × 800 / 1,500.50 = 81.33   月湖 → 60
COUNTY_TOTALS = {YUJIANG: Decimal("32.75"),   # (10 + 13.50 + 7.50 + 100) / 4
                 GUIXI: Decimal("54.83"),     # (10 + 8 + 120 + 81.33) / 4 = 54.8325
                 YUEHU: Decimal("15.00")}     # (0 + 0 + 0 + 60) / 4

__all__ = ["COUNTY_TOTALS", "sw"]

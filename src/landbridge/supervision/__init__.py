"""Supervision (城市大脑, issue #19): the city's view over every module, read-only towards them (P2, S2, S92).
No module imports this package; it reads the others through their public read functions."""

from landbridge.supervision.indicators import Indicator, IndicatorSet, in_force
from landbridge.supervision.service import Figure, parse_period, record_values, rederive

__all__ = ["Figure", "Indicator", "IndicatorSet", "in_force", "parse_period", "record_values", "rederive"]

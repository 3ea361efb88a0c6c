"""The land finder (找地, issue #23; L6, P1): parcels by the use the plan permits, area, appraised price, right
type, district or town and distance to roads and town centres, each with its parcel page and its open lot.

A process above the peer domains (ADR 0014): it reads the registry, planning, valuation and the exchange through
their public functions and owns no table.
"""

from landbridge.finder.search import Filters, search

__all__ = ["Filters", "search"]

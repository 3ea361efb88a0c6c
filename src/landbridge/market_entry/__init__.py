"""Market entry of collective operating construction land (集体经营性建设用地入市; issue #15; L1–L3, L5–L8).

A process (ADR 0014): one case per parcel carries the entry from the registered parcel to the land in use,
calling planning, collective, exchange, valuation and the registry through their public functions.
"""

from landbridge.market_entry.sites import EntrySite, entry_sites
from landbridge.market_entry.supervision_reads import (
    FLAG_NAMES,
    CaseFlag,
    EnteredLand,
    EntryFlag,
    case_flags,
    entered_land,
    list_flags,
)

__all__ = ["FLAG_NAMES", "CaseFlag", "EnteredLand", "EntryFlag", "EntrySite", "case_flags", "entered_land",
           "entry_sites", "list_flags"]

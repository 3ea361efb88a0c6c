"""Construction-land quota (建设用地指标, issue #16): reclamation projects whose accepted area is credited as quota
to a county's balance for a year, the annual supply plan, allocation of that quota to destination parcels,
consumption by them (also by their concluded market-entry case), quota sold on the exchange to buyers who allocate
it, and land banking (土地收储) by the reserve centre.

The invariant consumed ≤ allocated ≤ accepted (never negative) holds per county and year under concurrency: the
balance row is locked and every change is a conditional UPDATE that re-checks the bound in SQL.
"""

from landbridge.land_quota.entry import consume_by_entry
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.plan import approve_plan, draft_plan
from landbridge.land_quota.reserve import acquire as acquire_reserve
from landbridge.land_quota.reserve import cancel as cancel_reserve
from landbridge.land_quota.reserve import propose as propose_reserve
from landbridge.land_quota.reserve import supply as supply_reserve
from landbridge.land_quota.rules import EntryKind, ProjectKind, ProjectStatus
from landbridge.land_quota.service import (
    accept_reclamation,
    allocate,
    balance_of,
    consume,
    credit_project,
    register_project,
    reject_project,
    start_works,
)
from landbridge.land_quota.supervision_reads import (
    AllocationSite,
    QuotaCredit,
    QuotaMovement,
    allocation_sites,
    quota_credits,
    quota_movements,
)
from landbridge.land_quota.transfer import allocate_held, holdings_of, list_quota_lot, settle_quota_lot

__all__ = [
    "AllocationSite",
    "EntryKind",
    "ProjectKind",
    "ProjectStatus",
    "QuotaCredit",
    "QuotaError",
    "QuotaMovement",
    "accept_reclamation",
    "acquire_reserve",
    "allocate",
    "allocate_held",
    "allocation_sites",
    "approve_plan",
    "balance_of",
    "cancel_reserve",
    "consume",
    "consume_by_entry",
    "credit_project",
    "draft_plan",
    "holdings_of",
    "list_quota_lot",
    "propose_reserve",
    "quota_credits",
    "quota_movements",
    "register_project",
    "reject_project",
    "settle_quota_lot",
    "start_works",
    "supply_reserve",
]

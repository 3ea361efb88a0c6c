"""Construction-land quota (建设用地指标, issue #16): reclamation projects whose accepted area is credited as quota
to a county's balance for a year, allocation of that quota to destination parcels, and consumption by them.

The invariant consumed ≤ allocated ≤ accepted (never negative) holds per county and year under concurrency: the
balance row is locked and every change is a conditional UPDATE that re-checks the bound in SQL.
"""

from landbridge.land_quota.errors import QuotaError
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

__all__ = [
    "EntryKind",
    "ProjectKind",
    "ProjectStatus",
    "QuotaError",
    "accept_reclamation",
    "allocate",
    "balance_of",
    "consume",
    "credit_project",
    "register_project",
    "reject_project",
    "start_works",
]

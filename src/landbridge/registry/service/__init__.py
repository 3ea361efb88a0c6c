"""Registry transitions (不动产登记): parties, lodging, approval, certificates, documents (R1, R2, R3).

Split along its sections (issue #14 item 3): ``parties``, ``applications`` (first registration, right on a
unit, transfer), ``restrictions`` (mortgage, seizure, objection, advance notice, cancellation, suit),
``decisions`` (approve, reject, withdraw), ``certificates`` (and source documents); ``checks`` holds the rule
checks that lodging, approval and the bulk paths share, ``shared`` the counters, the spatial lock and the rule
set. This package re-exports the public transitions, so ``landbridge.registry.service`` reads as before.

Every transition loads and locks what it changes, checks the allowed state itself, applies the
change as new versioned rows, and writes a ledger event in the caller's transaction. Nothing is
ever deleted: approval flips pending rows to current and superseded rows to historic.
"""

from landbridge.registry.service.applications import lodge_first_registration, lodge_right_on_unit, lodge_transfer
from landbridge.registry.service.certificates import add_source_document, issue_certificate
from landbridge.registry.service.decisions import approve_application, reject_application, withdraw_application
from landbridge.registry.service.entry import lease_entered_right, lodge_entered_right
from landbridge.registry.service.entry_checks import is_entered_right
from landbridge.registry.service.parties import create_party
from landbridge.registry.service.restrictions import (
    lodge_advance_notice,
    lodge_cancellation,
    lodge_mortgage,
    lodge_objection,
    lodge_seizure,
    record_suit_filed,
)
from landbridge.registry.service.shared import MODULE, SPATIAL_LOCK, HolderInput, next_counter

__all__ = [
    "MODULE",
    "SPATIAL_LOCK",
    "HolderInput",
    "add_source_document",
    "approve_application",
    "create_party",
    "is_entered_right",
    "issue_certificate",
    "lease_entered_right",
    "lodge_advance_notice",
    "lodge_cancellation",
    "lodge_entered_right",
    "lodge_first_registration",
    "lodge_mortgage",
    "lodge_objection",
    "lodge_right_on_unit",
    "lodge_seizure",
    "lodge_transfer",
    "next_counter",
    "record_suit_filed",
    "reject_application",
    "withdraw_application",
]

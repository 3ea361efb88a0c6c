"""The ledger (存证日志): one tamper-evident event log that every module writes (P2).

Public functions only; other modules import from here. Subjects are built with ``landbridge.ledger.subjects``.
"""

from landbridge.ledger import subjects
from landbridge.ledger.panel import HistoryPanel, history_panel
from landbridge.ledger.service import (
    Event,
    NewEvent,
    TreeHead,
    VerifyReport,
    append_event,
    append_event_rows,
    append_events,
    consistency_proof,
    current_size,
    get_event,
    get_head,
    history,
    inclusion_proof,
    list_events,
    subject_reference,
    verify_ledger,
)

__all__ = [
    "Event",
    "HistoryPanel",
    "NewEvent",
    "TreeHead",
    "VerifyReport",
    "append_event",
    "append_event_rows",
    "append_events",
    "consistency_proof",
    "current_size",
    "get_event",
    "get_head",
    "history",
    "history_panel",
    "inclusion_proof",
    "list_events",
    "subject_reference",
    "subjects",
    "verify_ledger",
]

"""A record's ledger history as a page panel (issue #14 item 7): the registry parcel page, the exchange lot page and
the collective motion page show every event that concerns the record, newest first, each with its proof.

The panel shows public envelopes only (time, sequence number, module, event type, the subject where it is public,
links to the event and its inclusion proof), which anyone may read and verify (ADR 0010): a page that shows it
discloses nothing its reader could not fetch from ``/api/v1/ledger``. Template: ``ledger/history.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from landbridge.ledger import service

PANEL_LIMIT = 100
API = "/api/v1/ledger"


@dataclass(frozen=True)
class HistoryRow:
    """One line of a history panel: an event's public envelope and where to verify it."""

    seq: int
    recorded_at: datetime
    module: str
    event_type: str
    subject: str | None
    event_url: str
    proof_url: str


@dataclass(frozen=True)
class HistoryPanel:
    """The newest events of a record (at most ``PANEL_LIMIT``), and whether older ones exist."""

    rows: list[HistoryRow]
    more: bool
    api_url: str | None


def history_panel(session: Session, of: Sequence[str], *, limit: int = PANEL_LIMIT) -> HistoryPanel:
    """The history panel of the record(s) named by the subjects ``of`` (uniform ``ledger.subjects`` strings)."""
    found = service.history(session, of, limit=limit + 1)
    rows = [HistoryRow(e.seq, e.recorded_at, e.module, e.event_type, e.public_subject, f"{API}/events/{e.seq}",
                       f"{API}/proofs/inclusion/{e.seq}") for e in found[:limit]]
    api_url = f"{API}/events?subject={of[0]}" if len(of) == 1 else None
    return HistoryPanel(rows, len(found) > limit, api_url)

"""Checks and notices of the secondary market of an entered right (issue #15 item 4), shared by the transfer and
mortgage paths and by ``entry``: within the term only, with a written notice to the owning collective."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import Right, RightType
from landbridge.registry.service.shared import MODULE

ENTERED = RightType.collective_construction_land_use_right


def is_entered_right(right: Right) -> bool:
    """Whether a right was granted by market entry (its ``entry_method`` attribute)."""
    return right.right_type == ENTERED and bool((right.attrs or {}).get("entry_method"))


def today_local() -> date:
    return to_local(now()).date()


def check_in_term(right: Right, on: date | None = None) -> None:
    """An entered right may be transferred, leased or mortgaged only within its term (409
    registry.entered_right_expired after its last day)."""
    if right.term_end is not None and (on or today_local()) > right.term_end:
        raise RegistryError.ENTERED_RIGHT_EXPIRED.error(term_end=right.term_end.isoformat())


def notify_collective(session: Session, *, right: Right, action: str, actor: str, subject: str,
                      detail: dict[str, Any]) -> None:
    """The written notice to the owning collective of a secondary-market step on an entered right (rules.md
    Market entry: "with written notice to the collective"): a ledger event indexed also under the collective's
    party and the right."""
    if right.collective_party_id is None:
        return
    append_event(session, module=MODULE, event_type="collective_notified", subject=subject, actor=actor,
                 also=[subjects.party(right.collective_party_id), subjects.right(right.id)],
                 payload={"action": action, "right_id": right.id, "unit_id": right.unit_id,
                          "collective_party_id": right.collective_party_id,
                          "term_end": right.term_end, **detail})


def guard_entered(session: Session, rights: list[Right]) -> list[Right]:
    """The entered rights among ``rights``, each checked to be within its term (the transfer and mortgage paths
    call it before lodging, and notify the collective after)."""
    out = [r for r in rights if is_entered_right(r)]
    for r in out:
        check_in_term(r)
    return out

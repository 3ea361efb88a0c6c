"""Need-to-know reads of ledger private parts: the role table (``rules``) and the per-record scope checks that
domain modules register for their roles that see only some events (issue #12 item 1; ADR 0010).

The ledger imports no domain module: a module whose readers are scoped (a collective's clerk reads that
collective's events) registers a check here when its views are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from landbridge.ledger import rules
from landbridge.ledger.service import Event

ScopeCheck = Callable[[Session, Any, Event], bool]  # (session, principal, event) -> may this principal read it
_scopes: dict[str, ScopeCheck] = {}


def register_private_scope(module: str, check: ScopeCheck) -> None:
    """Let ``module`` decide which of its events a scoped reader (``rules.SCOPED_READERS``) may read."""
    _scopes[module] = check


def may_read_private(session: Session, principal: Any, role: str | None, event: Event) -> bool:
    """Whether this principal may read this event's private part: by role (need to know), then by scope."""
    if not rules.may_read_private(event.module, role, event.event_type):
        return False
    if not rules.needs_scope_check(event.module, role, event.event_type):
        return True
    check = _scopes.get(event.module)
    return check is not None and check(session, principal, event)

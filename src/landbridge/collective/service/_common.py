"""Helpers shared by the collective transitions: the rule set in force, ledger events, locks, dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Collective, CollectiveStatus, ShareAccount
from landbridge.collective.rules import CollectiveRules
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.money import MoneyError, to_money
from landbridge.ledger import append_event

MODULE = "collective"
CHUNK = 5_000


def collective_rules(day: date | None = None) -> CollectiveRules:
    """The collective rule set in force on ``day`` (default: today in the city's time).

    Records dated before the first version (a roll or quantification made before the platform) are
    read by the first version.
    """
    rule_set = get_profile().rules("collective")
    first = min(v.effective_from for v in rule_set.versions)
    version = rule_set.version_at(max(day or today(), first))
    return CollectiveRules.from_values(version.effective_from, {n: r.value for n, r in version.rules.items()})


def today() -> date:
    """Today's date in Asia/Shanghai, by the platform clock."""
    return to_local(now()).date()


def record(session: Session, *, event_type: str, subject: str, actor: str, payload: dict[str, Any]) -> int:
    """Append a collective event to the ledger in the caller's transaction; returns its sequence number."""
    return append_event(session, module=MODULE, event_type=event_type, subject=subject, actor=actor,
                        payload=payload).seq


def require_active(collective: Collective) -> None:
    """A converted collective (撤村改制) keeps its records but takes no new members or quantification."""
    if collective.status != CollectiveStatus.active:
        raise CollectiveError.CONVERTED.error(collective_id=collective.id)


def lock_accounts(session: Session, account_ids: Sequence[int]) -> dict[int, ShareAccount]:
    """Load and lock share accounts in ascending id order (a fixed order: no deadlock between transfers)."""
    ids = sorted(set(account_ids))
    stmt = select(ShareAccount).where(ShareAccount.id.in_(ids)).order_by(ShareAccount.id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = {a.id: a for a in session.execute(stmt).scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise CollectiveError.SHARE_ACCOUNT_NOT_FOUND.error({"obj_id": missing[0]})
    return found


def fit(value: str | None, limit: int, field: str) -> str | None:
    """An optional text no longer than its column (a 422, not a database error)."""
    if value is not None and len(value) > limit:
        raise CollectiveError.TEXT_TOO_LONG.error(field=field, limit=limit)
    return value


def need_text(value: str | None, missing: CollectiveError, *, limit: int = 300, field: str = "text") -> str:
    """A required free-text field (grounds, evidence, memo), stripped, no longer than its column; ``missing`` is
    the error when it is empty."""
    if value is None or not value.strip():
        raise missing.error()
    return str(fit(value.strip(), limit, field))


def money(value: Decimal | int | str) -> Decimal:
    """An amount of yuan (at most two places); anything else is a 422 with a stable code."""
    try:
        return to_money(value)
    except MoneyError as exc:
        raise CollectiveError.INVALID_AMOUNT_2.error({"exc": exc}) from None

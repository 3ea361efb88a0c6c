"""The exchange's rule sets (F4): which rule set is in force for a lot kind, and the snapshot a lot keeps."""

from __future__ import annotations

from datetime import date

from landbridge.cityprofile import get_profile
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import LotRules
from landbridge.kernel.clock import now, to_local


def today() -> date:
    """Today in Asia/Shanghai by the platform clock."""
    return to_local(now()).date()


def rules_for(kind: str, day: date | None = None) -> LotRules:
    """The rule set of lot ``kind`` in force on ``day`` (default today): versioned data in exchange.toml."""
    version = get_profile().rules("exchange").version_at(day or today())
    return LotRules.resolve(kind, version.effective_from, {n: r.value for n, r in version.rules.items()})


def lot_rules(lot: Lot) -> LotRules:
    """The rule-set snapshot a lot was created under."""
    return LotRules.from_snapshot(lot.rules)

"""The exchange's legal rule set (``exchange_legal.toml``, issue #24) as a lot reads it: the version in force on
the day the lot was created, the lot kind's own rule else the default, each with its source."""

from __future__ import annotations

from typing import Any

from landbridge.cityprofile import Rule, RuleSetVersion, get_profile
from landbridge.exchange.legal_rules import given_grounds
from landbridge.exchange.models import Lot
from landbridge.exchange.ruleset import lot_rules
from landbridge.kernel.clock import to_local

RULE_SET = "exchange_legal"


def legal_version(lot: Lot) -> RuleSetVersion:
    """The version of the legal rules a lot runs under (fixed by the lot's creation day)."""
    return get_profile().rules(RULE_SET).version_at(to_local(lot.created_at).date())


def legal_rule(lot: Lot, name: str) -> Rule:
    """A legal rule of the lot's kind (value, unit, source)."""
    rules = legal_version(lot).rules
    return rules.get(f"{lot.kind}.{name}") or rules[f"default.{name}"]


def legal_value(lot: Lot, name: str) -> Any:
    return legal_rule(lot, name).value


def preemption_grounds(lot: Lot) -> list[str]:
    """The grounds of pre-emption this lot's rules give, in the order they rank (the service, the API and the
    lot page all read them here)."""
    return given_grounds(legal_value(lot, "preemption_grounds"), member_priority=lot_rules(lot).member_priority)

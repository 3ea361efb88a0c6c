"""The trading methods (交易方式, F4): how a lot of each method is run, chosen through one table.

Each method is a module: ``listing`` (挂牌 + 限时竞价), ``auction`` (网络竞价), ``tender`` (招标) and
``negotiated`` (协议转让). ``METHODS`` maps a lot's method to what the engine needs of it: the deadlines it fires
(``due_step``) and the deadline its publication sets first. The methods build on the lot state machine
(``exchange.lots``); the deadlines loop (``exchange.deadlines``) and the services build on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from landbridge.exchange.lots import StepFinder
from landbridge.exchange.methods import auction, listing, negotiated, tender
from landbridge.exchange.rules import Method, Schedule


@dataclass(frozen=True)
class MethodEngine:
    """What the engine runs for one method: its due deadlines, and the first deadline set at publication."""

    module: str
    due_step: StepFinder
    first_deadline: Callable[[Schedule], datetime]


def _at_start(plan: Schedule) -> datetime:
    return plan.starts_at


def _at_registration_close(plan: Schedule) -> datetime:
    return plan.application_deadline


METHODS: dict[str, MethodEngine] = {
    Method.listing: MethodEngine(listing.__name__, listing.due_step, _at_start),
    Method.auction: MethodEngine(auction.__name__, auction.due_step, _at_registration_close),
    Method.tender: MethodEngine(tender.__name__, tender.due_step, _at_start),
    Method.negotiated: MethodEngine(negotiated.__name__, negotiated.due_step, _at_start),
}


def engine(method: str) -> MethodEngine:
    """The engine of a lot's method (every ``rules.Method`` has one)."""
    return METHODS[method]

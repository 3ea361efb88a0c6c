"""Demands and feedback (群众诉求 / 评价反馈, the 12345 hotline practice; issue #20 item 3, requirement S1): a
resident's demand taken online, by phone or at a desk, routed by rule to the department responsible, accepted,
transferred or returned, answered within working-day deadlines (escalated when overdue), revisited and rated; public
statistics by department without personal data.

Public functions only; other modules import from here.
"""

from landbridge.demands.errors import DemandError
from landbridge.demands.handling import approve_extension, merge, refuse_extension, reopen, request_extension
from landbridge.demands.rules import Channel, DemandStatus
from landbridge.demands.service import (
    accept,
    answer,
    demand_rules,
    dispatch,
    escalate_overdue,
    get_ticket,
    rate,
    reject,
    return_to_dispatcher,
    revisit,
    route,
    submit,
    transfer,
)
from landbridge.demands.stats import by_department

__all__ = [
    "Channel",
    "DemandError",
    "DemandStatus",
    "accept",
    "answer",
    "approve_extension",
    "by_department",
    "demand_rules",
    "dispatch",
    "escalate_overdue",
    "get_ticket",
    "merge",
    "rate",
    "refuse_extension",
    "reject",
    "reopen",
    "request_extension",
    "return_to_dispatcher",
    "revisit",
    "route",
    "submit",
    "transfer",
]

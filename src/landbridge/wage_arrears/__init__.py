"""Wage arrears (欠薪, 治欠保支; issue #20 item 4, requirements E1/E2): a worker's complaint of unpaid wages against an
employer named by its USCC, the county labour inspector's acceptance, order to pay within working days, payments to
the fen (never above what is owed), escalation level by level when overdue, closing when paid in full or as
referred; the worker's confirmation and rating; public statistics by township without personal data.

Public functions only; other modules import from here.
"""

from landbridge.wage_arrears.errors import WageArrearsError
from landbridge.wage_arrears.rules import CaseStatus
from landbridge.wage_arrears.service import (
    accept,
    arrears_rules,
    claim_payment,
    close_paid,
    confirm_receipt,
    decide_claim,
    escalate_overdue,
    file_case,
    get_case,
    order_payment,
    record_payment,
    refer,
    reject,
)
from landbridge.wage_arrears.stats import by_township

__all__ = [
    "CaseStatus",
    "WageArrearsError",
    "accept",
    "arrears_rules",
    "by_township",
    "claim_payment",
    "close_paid",
    "confirm_receipt",
    "decide_claim",
    "escalate_overdue",
    "file_case",
    "get_case",
    "order_payment",
    "record_payment",
    "refer",
    "reject",
]

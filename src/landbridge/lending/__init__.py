"""Lending (农村产权抵押贷款): property-right loans with shared risk, close of business, disposal (issue #17).

Other modules use only the names exported here.
"""

from landbridge.lending.claims import advance_claim, flag_overdue_claims, reconcile, shadow_ledger
from landbridge.lending.contract import contract_pdf, issue_contract
from landbridge.lending.guarantees import add_guarantee, guarantees_of
from landbridge.lending.outcomes import Outcome, outcomes_by_party, refuse_barred
from landbridge.lending.restructure import restructure_loan
from landbridge.lending.rules import (
    Instalment,
    LoanStatus,
    Method,
    Owed,
    Sharer,
    Tier,
    allocate_payment,
    classify,
    schedule,
    schedule_json,
    share_loss,
    split_pro_rata,
    waterfall,
)
from landbridge.lending.service import (
    apply_for_loan,
    apply_for_share_loan,
    confirm_lien,
    decide_loan,
    disburse,
    get_loan,
    lodge_lien,
    products,
    withdraw_loan,
)
from landbridge.lending.servicing import (
    contribute_to_fund,
    default_loan,
    fund_balance,
    fund_leverage,
    record_recovery,
    release_lien,
    repay,
    run_cob,
    settle_disposal,
    start_disposal,
)
from landbridge.lending.supervision_reads import LoanPosition, loan_positions

__all__ = [
    "Instalment",
    "LoanPosition",
    "LoanStatus",
    "Method",
    "Outcome",
    "Owed",
    "Sharer",
    "Tier",
    "add_guarantee",
    "advance_claim",
    "allocate_payment",
    "apply_for_loan",
    "apply_for_share_loan",
    "classify",
    "confirm_lien",
    "contract_pdf",
    "contribute_to_fund",
    "decide_loan",
    "default_loan",
    "disburse",
    "flag_overdue_claims",
    "fund_balance",
    "fund_leverage",
    "get_loan",
    "guarantees_of",
    "issue_contract",
    "loan_positions",
    "lodge_lien",
    "outcomes_by_party",
    "products",
    "reconcile",
    "record_recovery",
    "refuse_barred",
    "release_lien",
    "repay",
    "restructure_loan",
    "run_cob",
    "schedule",
    "schedule_json",
    "settle_disposal",
    "shadow_ledger",
    "share_loss",
    "split_pro_rata",
    "start_disposal",
    "waterfall",
    "withdraw_loan",
]

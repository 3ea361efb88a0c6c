"""Exchange (农村产权交易): lots, rule sets, bidders, deposits, the bidding engine and results (F3, F4, L6, L7).

Other modules use only the names exported here.
"""

from landbridge.exchange.awards import confirm_award, hand_over, record_default
from landbridge.exchange.barlist import bar_entry, bar_party, end_bar, forfeits_by_party
from landbridge.exchange.barlist import is_barred as party_is_barred  # whether a party is barred (失信) on a day
from landbridge.exchange.bidding import BidOutcome, place_bid
from landbridge.exchange.consortium import apply_as_consortium, members_of
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.entry import entry_fee_rate, entry_term_rules, entry_terms_of, set_entry_terms
from landbridge.exchange.entry_terms import EntryMethod, EntryTermRules
from landbridge.exchange.entry_terms import check_equity_share as check_entry_equity_share
from landbridge.exchange.entry_terms import check_grade as check_land_grade
from landbridge.exchange.entry_terms import check_term as check_entry_term
from landbridge.exchange.in_kind import IN_KIND, settle_in_kind
from landbridge.exchange.jobs import run_due
from landbridge.exchange.map_layer import lots_announced_after, lots_on_units
from landbridge.exchange.methods.negotiated import list_objections, lodge_objection, record_agreement, rule_objection
from landbridge.exchange.methods.tender import designate_evaluators, list_tenders, ranking, score_tender, submit_tender
from landbridge.exchange.payments import pay_balance
from landbridge.exchange.preemption_service import match_best_offer, register_preemption
from landbridge.exchange.queries import (
                                        ConcludedLot,
                                        bid_history,
                                        concluded_lots,
                                        find_bidder,
                                        find_result,
                                        get_lot,
                                        latest_attempt,
                                        list_lots,
                                        successor_of,
)
from landbridge.exchange.reserve import designate_reserve_officer, read_reserve, seal_reserve
from landbridge.exchange.result_objections import rule_result_objection
from landbridge.exchange.results_notice import ResultsNotice, file_objection, notice_of
from landbridge.exchange.rules import Channel, DepositStatus, LotKind, LotPhase, LotRules, Method
from landbridge.exchange.ruleset import rules_for
from landbridge.exchange.service import apply_for_lot, cancel_lot, confirm_deposit, create_lot, publish_lot, relist_lot
from landbridge.exchange.settlement import CollateralSale, collateral_sale, find_settlement, get_settlement
from landbridge.exchange.settlement_rules import SettlementStatus, land_use_category
from landbridge.exchange.supervision import FlagKind, list_flags, scan_lot

__all__ = [
                                        "IN_KIND",
                                        "BidOutcome",
                                        "Channel",
                                        "CollateralSale",
                                        "ConcludedLot",
                                        "DepositStatus",
                                        "EntryMethod",
                                        "EntryTermRules",
                                        "FlagKind",
                                        "LotKind",
                                        "LotPhase",
                                        "LotRules",
                                        "Method",
                                        "ResultsNotice",
                                        "SettlementStatus",
                                        "advance_lot",
                                        "apply_as_consortium",
                                        "apply_for_lot",
                                        "bar_entry",
                                        "bar_party",
                                        "bid_history",
                                        "cancel_lot",
                                        "check_entry_equity_share",
                                        "check_entry_term",
                                        "check_land_grade",
                                        "collateral_sale",
                                        "concluded_lots",
                                        "confirm_award",
                                        "confirm_deposit",
                                        "create_lot",
                                        "designate_evaluators",
                                        "designate_reserve_officer",
                                        "end_bar",
                                        "entry_fee_rate",
                                        "entry_term_rules",
                                        "entry_terms_of",
                                        "file_objection",
                                        "find_bidder",
                                        "find_result",
                                        "find_settlement",
                                        "forfeits_by_party",
                                        "get_lot",
                                        "get_settlement",
                                        "hand_over",
                                        "land_use_category",
                                        "latest_attempt",
                                        "list_flags",
                                        "list_lots",
                                        "list_objections",
                                        "list_tenders",
                                        "lodge_objection",
                                        "lots_announced_after",
                                        "lots_on_units",
                                        "match_best_offer",
                                        "members_of",
                                        "notice_of",
                                        "party_is_barred",
                                        "pay_balance",
                                        "place_bid",
                                        "publish_lot",
                                        "ranking",
                                        "read_reserve",
                                        "record_agreement",
                                        "record_default",
                                        "register_preemption",
                                        "relist_lot",
                                        "rule_objection",
                                        "rule_result_objection",
                                        "rules_for",
                                        "run_due",
                                        "scan_lot",
                                        "score_tender",
                                        "seal_reserve",
                                        "set_entry_terms",
                                        "settle_in_kind",
                                        "submit_tender",
                                        "successor_of",
]

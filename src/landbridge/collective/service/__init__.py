"""Collective transitions (C1, C2, L3, L5, L8), one function per business action, split by area.

Each takes a session, loads and locks what it changes, checks the allowed state, applies the change,
and writes a ledger event in the caller's transaction; none commits.
"""

from landbridge.collective.service.accounts import BookCategory, record_book_entry, run_dividend
from landbridge.collective.service.bulk import enrol_members_bulk, quantify_shares_bulk
from landbridge.collective.service.company import (
    contribute_land_equity,
    convert_to_company,
    reverse_land_equity_contribution,
)
from landbridge.collective.service.entry import (
    consult_affairs_council,
    council_consultation,
    distribute_land_revenue,
    pay_land_entry_fees,
)
from landbridge.collective.service.members import (
    admit_member,
    appoint_seat,
    end_membership,
    end_seat,
    transfer_member,
)
from landbridge.collective.service.organisation import create_collective, link_organisation, open_committee_book
from landbridge.collective.service.shares import (
    QuantificationResult,
    inherit_shares,
    lock_share_account,
    pledge_shares,
    quantify_shares,
    record_asset,
    release_pledge,
    sell_pledged_shares,
    transfer_shares,
)
from landbridge.collective.service.votes import (
    BallotReceipt,
    ReceiptCheck,
    SealedBallot,
    VoteVerdict,
    cast_ballot,
    check_receipt,
    convene_meeting,
    create_motion,
    open_vote,
    record_minutes,
    seal_due_votes,
    seal_vote,
    sealed_ballots,
    vote_passed,
    vote_verdict,
)

__all__ = [
    "BallotReceipt",
    "BookCategory",
    "QuantificationResult",
    "ReceiptCheck",
    "SealedBallot",
    "VoteVerdict",
    "admit_member",
    "appoint_seat",
    "cast_ballot",
    "check_receipt",
    "consult_affairs_council",
    "contribute_land_equity",
    "convene_meeting",
    "convert_to_company",
    "council_consultation",
    "create_collective",
    "create_motion",
    "distribute_land_revenue",
    "end_membership",
    "end_seat",
    "enrol_members_bulk",
    "inherit_shares",
    "link_organisation",
    "lock_share_account",
    "open_committee_book",
    "open_vote",
    "pay_land_entry_fees",
    "pledge_shares",
    "quantify_shares",
    "quantify_shares_bulk",
    "record_asset",
    "record_book_entry",
    "record_minutes",
    "release_pledge",
    "reverse_land_equity_contribution",
    "run_dividend",
    "seal_due_votes",
    "seal_vote",
    "sealed_ballots",
    "sell_pledged_shares",
    "transfer_member",
    "transfer_shares",
    "vote_passed",
    "vote_verdict",
]

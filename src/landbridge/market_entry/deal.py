"""Market-entry steps after the deal (trading.md c.1, RESULT_CONFIRMED … IN_USE; issue #15): the result, the
contract with the issued planning conditions, payment, fees, the collective's revenue and the registration.

The exchange owns the money (settlement, instalments, service and adjustment fees); each step here moves only
when the exchange's public reads say so, and refuses with its own code otherwise (ADR 0014).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import collective, exchange, planning, registry
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.ledger import subjects
from landbridge.market_entry import rules
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.queries import get_case
from landbridge.market_entry.rules import CaseState
from landbridge.market_entry.service import DECIDED_PHASES, _lot_also, _lot_phase, _move, today

PAID = "paid"
ZERO = Decimal("0.00")
PROJECT_NAME_MAX = 200  # the collective's project name column (input hygiene, not policy)


def confirm_result(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The lot's award is confirmed at the exchange (成交确认书): the case records the price and the buyer.

    A contribution as equity (作价入股) is made here, in the same transaction: the collective's books record the
    land contributed to the buyer's project at the price as its valuation, for the plan's equity share, decided by
    the members' equity motion the vote recorded (``collective.contribute_land_equity``; the collective still holds
    its right until the hand-over). The buyer must be an organisation (the exchange admits no natural person to
    such a lot; refused here too, for a lot won otherwise)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "confirm_result")
    phase = _lot_phase(session, case)
    result = exchange.find_result(session, case.lot_id) if case.lot_id else None
    if phase not in DECIDED_PHASES or result is None or result.winner_party_id is None or result.price_cny is None:
        raise MarketEntryError.LOT_NOT_DECIDED.error(phase=phase)
    case.price_cny, case.buyer_party_id = result.price_cny, result.winner_party_id
    more: dict[str, Any] = {}
    cited: tuple[str, ...] = ()
    assert case.plan is not None
    if _equity(case):
        more = _contribute(session, case, result.price_cny, result.winner_party_id, actor, result.winner_bidder_id)
        cited = (subjects.motion(more["equity_motion_id"]),)
    return _move(session, case, target, "result_confirmed", actor,
                 {"price_cny": result.price_cny, "confirmation_no": result.confirmation_no, **more},
                 *_lot_also(case), subjects.party(result.winner_party_id), *cited)


def _contribute(session: Session, case: EntryCase, price: Decimal, buyer_party_id: int, actor: str,
                winner_bidder_id: int | None) -> dict[str, Any]:
    """Record the collective's contribution of the land as equity in the buyer's project (作价入股); a project won
    by a consortium (联合体) names every member with its share, the lead as the project party."""
    assert case.plan is not None
    if case.equity_motion_id is None:
        raise MarketEntryError.EQUITY_MOTION_REQUIRED.error()
    buyer = registry.get_party(session, buyer_party_id)
    members = exchange.members_of(session, winner_bidder_id) if winner_bidder_id is not None else []
    # a consortium: every member, not only its lead (the lead is the buyer, read once)
    for pid in dict.fromkeys([buyer_party_id, *(p for p, _ in members)]):
        if (buyer if pid == buyer_party_id else registry.get_party(session, pid)).kind != "organisation":
            raise MarketEntryError.EQUITY_BUYER_NOT_ORGANISATION.error(party_id=pid)
    suffix = f"（入市案件 {case.number} 作价入股）"
    contribution = collective.contribute_land_equity(
        session, collective_id=case.collective_id, unit_id=case.unit_id,
        project_name=f"{buyer.name[:PROJECT_NAME_MAX - len(suffix)]}{suffix}", project_party_id=buyer_party_id,
        valuation=price, equity_share=str(case.plan["equity_share"]), motion_id=case.equity_motion_id, actor=actor,
        partners=members)
    case.equity_contribution_id = contribution.id
    return {"equity_contribution_id": contribution.id, "equity_share": str(case.plan["equity_share"]),
            "equity_motion_id": case.equity_motion_id,
            **({"partners": contribution.partners} if contribution.partners else {})}


def annul_result(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The exchange annulled the confirmed result (an objection to it upheld) and reopened the land as a new lot:
    the case follows it back to listed, forgets the price, the buyer and any contract, and a contribution as
    equity made on that result is reversed in the collective's books
    (``collective.reverse_land_equity_contribution``). 409 market_entry.result_not_annulled while the result
    stands (the lot not failed on an upheld objection, or no lot reopened)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "annul_result")
    assert case.lot_id is not None
    result = exchange.find_result(session, case.lot_id)
    new = exchange.successor_of(session, case.lot_id)
    if _lot_phase(session, case) != "unsuccessful" or result is None or result.reason != "objection_upheld" \
            or new is None:
        raise MarketEntryError.RESULT_NOT_ANNULLED.error()
    reversed_id = case.equity_contribution_id
    if reversed_id is not None:
        collective.reverse_land_equity_contribution(
            session, contribution_id=reversed_id, reason=f"入市案件 {case.number} 成交结果经异议撤销（{case.lot_id}）",
            actor=actor)
    previous = case.lot_id
    case.lot_id, case.start_price_cny, case.attempts, case.listed_at = new.id, new.start_price_cny, \
        case.attempts + 1, now()
    case.price_cny = case.buyer_party_id = case.equity_contribution_id = None
    case.contract_no = case.contract_sha256 = None
    return _move(session, case, target, "result_annulled", actor,
                 {"previous_lot_id": previous, "lot_id": new.id, "start_price_cny": new.start_price_cny,
                  "reversed_contribution_id": reversed_id}, subjects.lot(new.id), subjects.lot(previous),
                 *((subjects.collective(case.collective_id),) if reversed_id is not None else ()))


def contract_text(case: EntryCase, conditions: dict[str, Any]) -> dict[str, Any]:
    """The contract's content: parties, price, term and the issued planning conditions in full (a contract
    without them is void, 实施条例 art. 41: the system cannot produce one)."""
    assert case.plan is not None
    return {"case": case.number, "seller_party_id": case.collective_party_id, "buyer_party_id": case.buyer_party_id,
            "unit_id": case.unit_id, "price_cny": str(case.price_cny), "method": case.plan["method"],
            "term_years": case.plan["term_years"], "land_use": case.plan["land_use"],
            "planning_conditions": conditions, "motion_id": case.motion_id,
            "revenue_arrangement": case.plan["revenue_arrangement"],
            **({"equity_share": case.plan["equity_share"], "equity_motion_id": case.equity_motion_id,
                "equity_contribution_id": case.equity_contribution_id} if case.plan["method"] == "equity" else {})}


def sign_contract(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """Sign the entry contract; refused without issued planning conditions in force for the parcel."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "sign_contract")
    current = planning.current_conditions(session, case.parcel_id)
    if current is None or case.conditions_id is None:
        raise MarketEntryError.NO_CONDITIONS.error()
    if current.id != case.conditions_id:
        raise MarketEntryError.CONDITIONS_NOT_VALID.error(conditions_id=case.conditions_id)
    snap = planning.conditions_snapshot(current)
    body = contract_text(case, snap)
    case.contract_sha256 = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    case.contract_no = f"HT-{case.number}"
    return _move(session, case, target, "contract_signed", actor,
                 {"contract_no": case.contract_no, "contract_sha256": case.contract_sha256,
                  "conditions_number": snap["number"]}, *_lot_also(case))


def _settlement(session: Session, case: EntryCase) -> Any:
    return exchange.find_settlement(session, case.lot_id) if case.lot_id else None


def _in_kind(row: Any) -> bool:
    """Whether the exchange settled the case's lot in kind (以地作价入股: a contribution as equity, no price)."""
    return row is not None and row.status == exchange.SettlementStatus.in_kind


def record_payment(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The price is paid in full (all instalments), as the exchange's settlement says. A contribution as equity
    (作价入股) pays no price: this step has the exchange settle the lot in kind (``exchange.settle_in_kind``: the
    winner's deposit refunded, nothing due) and records the price as paid in kind at its value."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "record_payment")
    row = _settlement(session, case)
    if row is not None and row.status == exchange.SettlementStatus.in_kind_due:  # only an equity lot is due in kind
        assert case.lot_id is not None
        row = exchange.settle_in_kind(session, lot_id=case.lot_id, actor=actor)
    if _in_kind(row):
        return _move(session, case, target, "price_paid", actor,
                     {"in_kind": exchange.IN_KIND, "value_cny": row.price_cny, "paid_cny": ZERO,
                      "equity_contribution_id": case.equity_contribution_id}, *_lot_also(case))
    if row is None or row.status != PAID:
        raise MarketEntryError.NOT_PAID.error()
    return _move(session, case, target, "price_paid", actor, {"paid_cny": row.paid_cny}, *_lot_also(case))


def _equity(case: EntryCase) -> bool:
    return case.plan is not None and case.plan.get("method") == "equity"


def settle_fees(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The exchange's service fee and the adjustment fee (调节金, to the county treasury) are taken from the
    price; what remains is the collective's proceeds. Settled in kind (作价入股) there is no price to take them
    from: the collective pays both from its own book (``collective.pay_land_entry_fees``; the adjustment fee on
    the transaction value, the service fee's payer being the seller as the exchange's rules have it), and its
    cash proceeds are nil; 409 market_entry.fees_unfunded while its book holds less, and nothing changes."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "settle_fees")
    row = _settlement(session, case)
    if _in_kind(row):
        return _settle_fees_in_kind(session, case, row, target, actor)
    if row is None or row.status != PAID:
        raise MarketEntryError.NOT_PAID.error()
    case.fee_cny, case.adjustment_fee_cny, case.proceeds_cny = row.fee_cny, row.adjustment_fee_cny, row.payout_cny
    case.fees_settled_at = now()
    return _move(session, case, target, "fees_settled", actor,
                 {"fee_cny": row.fee_cny, "adjustment_fee_cny": row.adjustment_fee_cny,
                  "proceeds_cny": row.payout_cny, "adjustment_rate": row.adjustment_rate}, *_lot_also(case))


def _settle_fees_in_kind(session: Session, case: EntryCase, row: Any, target: CaseState, actor: str) -> EntryCase:
    adjustment = row.adjustment_fee_cny or ZERO
    try:
        entries = collective.pay_land_entry_fees(
            session, collective_id=case.collective_id, adjustment_fee=adjustment, service_fee=row.fee_cny,
            reference=f"入市案件 {case.number}（以地作价入股）", actor=actor, occurred_on=today())
    except DomainError as e:
        if e.code != "collective.insufficient_funds":
            raise
        raise MarketEntryError.FEES_UNFUNDED.error(amount=str(adjustment + row.fee_cny)) from None
    case.fee_cny, case.adjustment_fee_cny, case.proceeds_cny = row.fee_cny, row.adjustment_fee_cny, ZERO
    case.fees_settled_at = now()
    return _move(session, case, target, "fees_settled", actor,
                 {"in_kind": exchange.IN_KIND, "fee_cny": row.fee_cny, "adjustment_fee_cny": adjustment,
                  "proceeds_cny": ZERO, "adjustment_rate": row.adjustment_rate, "fees_paid_by": "collective_book",
                  "book_entry_ids": [e.id for e in entries]},
                 *_lot_also(case), subjects.collective(case.collective_id))


def distribute_revenue(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """Post the proceeds to the collective's book as land revenue and split them as the approved plan says:
    the retained collective fund and the members' distribution by shares (to the fen). Settled in kind
    (作价入股) there are no proceeds: the collective's asset is its equity share in the buyer's company, so nothing
    is posted and nothing is distributed to the members; the step records that."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "distribute_revenue")
    assert case.plan is not None and case.proceeds_cny is not None and case.motion_id is not None
    if _in_kind(_settlement(session, case)):
        case.retained_cny, case.members_cny, case.dividend_run_id = ZERO, ZERO, None
        return _move(session, case, target, "revenue_distributed", actor,
                     {"in_kind": exchange.IN_KIND, "proceeds_cny": ZERO, "retained_cny": ZERO, "members_cny": ZERO,
                      "dividend_run_id": None, "equity_contribution_id": case.equity_contribution_id},
                     subjects.motion(case.motion_id))
    split = rules.split_proceeds(case.proceeds_cny, Decimal(str(case.plan["revenue_arrangement"]
                                                                        ["retained_share"])))
    run = collective.distribute_land_revenue(
        session, collective_id=case.collective_id, amount=split.proceeds, retained=split.retained,
        period=case.number[-20:], motion_id=case.motion_id, memo=f"入市收益 {case.number}", actor=actor,
        occurred_on=today())
    case.retained_cny, case.members_cny, case.dividend_run_id = split.retained, split.members, run.id if run else None
    return _move(session, case, target, "revenue_distributed", actor,
                 {"proceeds_cny": split.proceeds, "retained_cny": split.retained, "members_cny": split.members,
                  "dividend_run_id": case.dividend_run_id}, subjects.motion(case.motion_id))


def register(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """Lodge the buyer's registration through the exchange's hand-over; refused before full payment."""
    case = get_case(session, case_id, lock=True)
    row = _settlement(session, case)
    if row is None or (row.status != PAID and not _in_kind(row)):
        raise MarketEntryError.REGISTRATION_BEFORE_PAYMENT.error()
    target = rules.transition(case.status, "register")
    assert case.lot_id is not None
    phase = _lot_phase(session, case)
    if phase == "settled":
        result = exchange.hand_over(session, lot_id=case.lot_id, actor=actor)
        case.registry_application_id = result.registry_application_id
    else:
        found = exchange.find_result(session, case.lot_id)
        case.registry_application_id = found.registry_application_id if found else None
    return _move(session, case, target, "registration_lodged", actor,
                 {"registry_application_id": case.registry_application_id}, *_lot_also(case))


def put_in_use(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The registry has approved the buyer's right: the land is in use."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "put_in_use")
    if case.registry_application_id is None or \
            registry.get_application(session, case.registry_application_id).status != "approved":
        raise MarketEntryError.NOT_REGISTERED_YET.error()
    return _move(session, case, target, "case_in_use", actor,
                 {"registry_application_id": case.registry_application_id},
                 subjects.application(case.registry_application_id))


__all__ = ["CaseState", "annul_result", "confirm_result", "contract_text", "distribute_revenue", "put_in_use",
           "record_payment", "register", "settle_fees", "sign_contract"]

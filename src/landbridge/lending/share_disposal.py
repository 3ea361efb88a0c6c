"""The sale of pledged collective asset shares after a default (质权实现, issue #17).

Collective asset shares pass only inside their collective (股权内部转让: to an active member or the household of
one, the collective's rule C2), so they are not offered on the exchange: once the loan is in disposal the pledgee
sells them to an eligible buyer at a price not below the floor of the day (民法典 art. 436: 折价 or 变卖 by reference
to the market; the floor is the shares' value by the rule ``share_valuation_method`` × ``share_sale_floor_ratio``).
In one transaction the pledge is released and the shares move to the buyer in the collective's share register
(``collective.sell_pledged_shares``, its own ledger event), the loan records the sale (``loan.pledged_shares_sold``)
and is settled from the price through the loan's waterfall, loss sharing and true-up (``apply_waterfall``,
``loan.settled``). Every refusal is typed and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.ledger import subjects
from landbridge.lending import rules, share_pledge
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Loan
from landbridge.lending.rules import LoanStatus, Owed
from landbridge.lending.service import _event, get_loan
from landbridge.lending.servicing import _instalments, apply_waterfall, owed_on

ZERO = Decimal("0.00")


def _eligible(session: Session, loan: Loan, buyer_party_id: int) -> None:
    """The buyer is on the collective's roll (a member or a member's household) and is neither the borrower nor the
    borrower's own household (a pledgor cannot buy back their own pledged shares to end the pledge)."""
    assert loan.collective_id is not None
    if not collective.holder_in_collective(session, loan.collective_id, buyer_party_id):
        raise LendingError.BUYER_INELIGIBLE.error(buyer_party_id=buyer_party_id)
    member = collective.find_active_membership(session, loan.borrower_party_id)
    own = {loan.borrower_party_id} | ({member.household_party_id} if member and member.household_party_id else set())
    if buyer_party_id in own:
        raise LendingError.BUYER_INELIGIBLE.error(buyer_party_id=buyer_party_id)


def sell_pledged_shares(session: Session, *, loan_id: int, buyer_party_id: int, price: Any, day: date, actor: str,
                        sale_costs: Any = None) -> Loan:
    """质押股权转让: sell a loan's pledged shares to ``buyer_party_id`` at ``price`` on ``day`` and settle the loan from
    it. Refused, nothing changed: 409 ``lending.not_a_share_pledge`` for a mortgage loan, ``lending.not_in_disposal``
    before the disposal started; 422 ``lending.buyer_ineligible``, ``lending.price_below_floor``,
    ``lending.proceeds_invalid`` (costs over the price); 409 ``lending.pledge_not_recorded`` where the pledge is no
    longer active in the share register."""
    value = rules.parse_money(price, "price")
    costs = ZERO if sale_costs in (None, "", "0", 0) else rules.parse_money(sale_costs, "sale_costs")
    if costs > value:
        raise LendingError.PROCEEDS_INVALID.error()
    loan = get_loan(session, loan_id, lock=True)
    if loan.collective_id is None or loan.share_pledge_id is None:
        raise LendingError.NOT_A_SHARE_PLEDGE.error(loan_no=loan.loan_no)
    if loan.status != LoanStatus.in_disposal:
        raise LendingError.NOT_IN_DISPOSAL.error(status=loan.status)
    rules.transition(loan.status, LoanStatus.settled)
    _eligible(session, loan, buyer_party_id)
    floor = share_pledge.sale_floor(session, loan, day)
    if value < floor.floor_cny:
        raise LendingError.PRICE_BELOW_FLOOR.error(price_cny=str(value), floor_cny=str(floor.floor_cny),
                                                   value_cny=str(floor.value_cny), ratio=str(floor.ratio))
    if not share_pledge.pledge_recorded(session, loan):
        raise LendingError.PLEDGE_NOT_RECORDED.error()
    pledge, bought = collective.sell_pledged_shares(session, pledge_id=loan.share_pledge_id, to_party_id=buyer_party_id,
                                                    ground=f"贷款 {loan.loan_no} 质权实现", actor=actor)
    sale = {"buyer_party_id": buyer_party_id, "buyer_account_id": bought.id, "share_pledge_id": pledge.id,
            "shares": str(pledge.quantity_shares), "price_cny": str(value), "sale_costs_cny": str(costs),
            "value_cny": str(floor.value_cny), "floor_cny": str(floor.floor_cny), "floor_ratio": str(floor.ratio),
            "valuation_basis": floor.method, "book_value_per_share": str(floor.per_share), "sold_on": day.isoformat()}
    loan.version += 1
    _event(session, loan, "loan.pledged_shares_sold", actor, sale, also=[subjects.share_account(bought.id),
                                                                         subjects.party(buyer_party_id)])
    rows = _instalments(session, loan.id)
    due, later = owed_on(loan, rows, day)
    claim = Owed(due.costs, due.interest, due.penalty, due.principal + later)
    fall = rules.waterfall(value, costs, claim, 1)  # a share pledge has no other lien ranked with it
    return apply_waterfall(session, loan, rows, fall, proceeds=value, sale_costs=costs, day=day, actor=actor,
                           facts={"share_sale": True, "buyer_party_id": buyer_party_id, "shares": sale["shares"]})

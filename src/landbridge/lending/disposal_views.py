"""Lending API for a disposal (issue #17): settle a loan from its collateral's paid sale on the exchange, offer the
collateral at the fixed price after the auctions failed (变卖), send a loan whose fixed-price sale failed back to
workout, and sell a share-pledge loan's pledged shares to an eligible member of the collective (质权实现). The
bank that made the loan only; each a self-guarding transition in the request's transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from landbridge.auth import Principal
from landbridge.lending import disposal, share_disposal
from landbridge.lending.views import _actor, _own_bank, bank, loan_read
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/lending", tags=["lending"], route_class=TransactionalRoute)


class FixedSaleIn(BaseModel):
    starts_at: datetime | None = None


class ShareSaleIn(BaseModel):
    """A sale of the pledged shares: the buyer (a registry party on the collective's roll), the price, the sale's
    costs (default none) and the day."""

    buyer_party_id: int = Field(ge=1)
    price_cny: str = Field(max_length=20)
    sale_costs_cny: str | None = Field(default=None, max_length=20)
    day: date


@router.post("/loans/{loan_id}/settlement/from-sale")
def settle_from_sale(loan_id: int, p: Principal = Depends(bank),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """Settle the loan from the exchange's paid sale of its collateral (409 lending.sale_not_paid before)."""
    _own_bank(session, p, loan_id)
    return loan_read(disposal.settle_from_sale(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/disposal/fixed-price-sale")
def fixed_price_sale(loan_id: int, body: FixedSaleIn, p: Principal = Depends(bank),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """变卖 after the collateral's auctions failed (409 lending.fixed_sale_not_due before)."""
    _own_bank(session, p, loan_id)
    return loan_read(disposal.start_fixed_price_sale(session, loan_id=loan_id, actor=_actor(p),
                                                     starts_at=body.starts_at))


@router.post("/loans/{loan_id}/disposal/failed")
def disposal_failed(loan_id: int, p: Principal = Depends(bank),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The fixed-price sale ended unsold: back to workout (409 lending.fixed_sale_not_failed otherwise)."""
    _own_bank(session, p, loan_id)
    return loan_read(disposal.end_failed_disposal(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/disposal/share-sale")
def share_sale(loan_id: int, body: ShareSaleIn, p: Principal = Depends(bank),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """质权实现: sell the pledged shares to an eligible buyer at no less than the floor and settle the loan from the
    price (409 lending.not_in_disposal, 422 lending.buyer_ineligible / lending.price_below_floor)."""
    _own_bank(session, p, loan_id)
    return loan_read(share_disposal.sell_pledged_shares(
        session, loan_id=loan_id, buyer_party_id=body.buyer_party_id, price=body.price_cny,
        sale_costs=body.sale_costs_cny, day=body.day, actor=_actor(p)))

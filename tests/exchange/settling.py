"""Test helper: the winner pays the balance of the price into the settlement sub-account (价款结算)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.exchange.settlement_models import Settlement


def pay_balance(s: Session, lot_id: int, *, ref: str | None = None) -> Settlement:
    """The simulated bank credits the lot's settlement sub-account with the full balance, in the winner's name."""
    row = exchange.get_settlement(s, lot_id)
    return exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                                payer_name=registry.get_party(s, row.party_id).name,
                                bank_ref=ref or f"BANK-{row.sub_account}", actor="bank:callback")

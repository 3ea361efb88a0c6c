"""What a caller gives the exchange, checked: amounts of yuan and bounded texts (F4)."""

from __future__ import annotations

from decimal import Decimal

from landbridge.exchange.errors import ExchangeError
from landbridge.kernel.money import MoneyError, to_money


def money(value: Decimal | int | str, field: str = "amount_cny") -> Decimal:
    """An amount of yuan (at most two places), else 422 exchange.invalid_amount."""
    try:
        amount = to_money(value)
    except MoneyError:
        raise ExchangeError.INVALID_AMOUNT.error(field=field) from None
    return amount


def text(value: str, limit: int, field: str | None = None) -> str:
    """Text of 1 to ``limit`` characters (stripped), else 422 exchange.invalid_text, naming ``field`` if given."""
    value = value.strip()
    if not value or len(value) > limit:
        named = {} if field is None else {"field": field}
        raise ExchangeError.INVALID_TEXT.error(limit=limit, **named)
    return value

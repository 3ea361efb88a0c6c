"""Money: ``Decimal`` yuan in code, integer fen (分) in storage. Never a float (rule of thumb 6)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

FEN = Decimal("0.01")
# Money is stored as BIGINT fen (at most 2^63-1): an amount of yuan has at most 16 integer digits. A bound of the
# storage, checked before any arithmetic so that an exponent like 1E+999999999 is refused, not a 500 (issue #12).
MAX_YUAN_DIGITS = 16


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse an amount of yuan exactly; floats are refused, at most two decimal places."""
    if isinstance(value, float):
        raise MoneyError("money must not be a float")
    if isinstance(value, bool):
        raise MoneyError("money must not be a bool")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    if amount and amount.adjusted() >= MAX_YUAN_DIGITS:
        raise MoneyError(f"amount out of range (at most {MAX_YUAN_DIGITS} digits of yuan): {value!r}")
    if amount != amount.quantize(FEN):
        raise MoneyError(f"more than two decimal places: {value!r}")
    return amount.quantize(FEN)


def round_fen(value: Decimal) -> Decimal:
    """Round a computed amount to the fen, half up (the usual Chinese accounting rounding)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def yuan_to_fen(amount: Decimal) -> int:
    """Exact conversion of yuan to integer fen; refuses sub-fen amounts."""
    return int(to_money(amount) * 100)


def fen_to_yuan(fen: int) -> Decimal:
    """Exact conversion of integer fen to yuan."""
    return (Decimal(fen) / 100).quantize(FEN)


class MoneyColumn(TypeDecorator[Decimal]):
    """A ``*_cny`` column: Decimal yuan in Python, BIGINT fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return yuan_to_fen(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return fen_to_yuan(int(value))

"""Canonical JSON for ledger entries: sorted keys, no whitespace, UTF-8, no floats.

Money goes in as integer fen or a decimal string, shares as "n/d", times as ISO-8601 UTC.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any
from uuid import UUID

from landbridge.kernel.clock import ensure_utc


def _normalise(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in ledger payloads")
    if isinstance(value, Enum):
        return _normalise(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_normalise(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot put {type(value).__name__} in a ledger payload")


def normalise(value: Any) -> Any:
    """Turn a payload into plain JSON types deterministically."""
    return _normalise(value)


def canonical_json(value: Any) -> str:
    """The one byte-exact text of a payload."""
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

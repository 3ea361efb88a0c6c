"""Bounded input (issue #12 item 7): the ranges every value from outside must lie in before it reaches the
database or arithmetic, as annotated types that schemas and routes share.

These are limits of the storage and of the service, not policy numbers: row ids are INTEGER columns
(-2^31 .. 2^31-1 on PostgreSQL), ledger sequence numbers BIGINT (-2^63 .. 2^63-1); money is stored as BIGINT
fen, so an amount in yuan has at most 16 integer digits and 2 decimals; a text or list from a request is
bounded so that one request cannot make the server spend unbounded memory or time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import annotated_types as at
from pydantic import Field

# the database's range for an integer compared with or stored in an INTEGER column (every row id): the bound
# of any integer a route takes unless it declares its own
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
DB_INT_RANGE = at.Interval(ge=DB_INT_MIN, le=DB_INT_MAX)
# a BIGINT column's range (ledger sequence numbers, tree sizes)
DB_BIGINT_MIN = -(2**63)
DB_BIGINT_MAX = 2**63 - 1
# dates a request may name: wide enough for any record of rural land (1900 .. 2999), narrow enough that a day
# more or a change of time zone never leaves Python's range (date.max + 1 day was a 500)
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
DATE_RANGE = at.Interval(ge=DATE_MIN, le=DATE_MAX)
MONEY_MAX_DIGITS = 18  # BIGINT fen: 9.2e18 fen, so 16 digits of yuan and 2 of fen
DECIMAL_MAX_DIGITS = 24  # any other decimal quantity (areas, ratios, shares)
TEXT_MAX = 10_000  # free text (notes, reasons, minutes) in one field
LIST_MAX = 10_000  # items in one list of a request body

DbInt = Annotated[int, DB_INT_RANGE]
"""Any integer a request gives: a count, an offset, a sequence number."""
Id = Annotated[int, at.Interval(ge=1, le=DB_INT_MAX)]
"""A row id (1 .. 2^31-1)."""
Seq = Annotated[int, at.Interval(ge=1, le=DB_BIGINT_MAX)]
"""A ledger sequence number or tree size (1 .. 2^63-1)."""
Day = Annotated[date, DATE_RANGE]
"""A calendar day from a request."""
Amount = Annotated[Decimal, Field(max_digits=MONEY_MAX_DIGITS, decimal_places=2, allow_inf_nan=False)]
"""An amount of yuan: exact to the fen, within the BIGINT fen column."""
BoundedDecimal = Annotated[Decimal, Field(max_digits=DECIMAL_MAX_DIGITS, allow_inf_nan=False)]
"""Any other decimal quantity: finite, with a bounded number of digits (so no ``1E+999999999``)."""
Text = Annotated[str, Field(max_length=TEXT_MAX)]
"""Free text from a request."""

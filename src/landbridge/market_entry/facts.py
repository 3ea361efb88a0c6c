"""Facts market entry answers for its peers (ADR 0016), through ``kernel.modules.fact`` and never by import.

``market_entry.parcel_entered``: whether the land of a parcel has entered the market through an entry case that
concluded, and with which case and area. Land quota (issue #16) asks it for each parcel holding unconsumed quota:
the land's entry consumes the parcel's allocation (ADR 0014: the process reads, the peer never calls back).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.rules import CaseState

#: A case has concluded (the land supplied) once its contract is signed (出让/出租合同签订); it stays so through
#: payment, fees, revenue, registration and use.
CONCLUDED = (CaseState.contract_signed, CaseState.paid, CaseState.fees_settled, CaseState.revenue_distributed,
             CaseState.registered, CaseState.in_use)


def parcel_entered(session: Session, *, parcel_id: int) -> dict[str, Any] | None:
    """The earliest concluded entry case on ``parcel_id``: ``{"case_id", "number", "status", "area_m2"}`` (the
    plan's area as a decimal string), or None where no case on the parcel has concluded."""
    case = session.scalars(select(EntryCase).where(EntryCase.parcel_id == parcel_id,
                                                   EntryCase.status.in_([s.value for s in CONCLUDED]))
                           .order_by(EntryCase.id).limit(1)).first()
    if case is None:
        return None
    try:
        area = Decimal(str((case.plan or {}).get("area_m2")))
    except (InvalidOperation, ValueError):
        return None
    return {"case_id": case.id, "number": case.number, "status": case.status, "area_m2": str(area)}

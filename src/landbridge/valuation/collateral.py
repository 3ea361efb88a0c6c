"""Collateral value for lenders (issue #17): a parcel's appraised value in the newest completed mass-appraisal run.

The smallest public read lending needs; it returns the stored value without re-running the model's explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge.valuation.mass.models import MassValue
from landbridge.valuation.mass.service import latest_run


@dataclass(frozen=True)
class CollateralValue:
    """An appraised value with the run that produced it."""

    parcel_id: int
    value_cny: Decimal
    run_no: str
    valuation_date: date


def collateral_value(session: Session, parcel_id: int) -> CollateralValue | None:
    """The parcel's value in the newest completed run, or None when it has none."""
    run = latest_run(session)
    value = None if run is None else session.get(MassValue, (run.id, parcel_id))
    if run is None or value is None:
        return None
    return CollateralValue(parcel_id, value.value_cny, run.run_no, run.valuation_date)

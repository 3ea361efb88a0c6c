"""Areas carry their unit: square metres (``area_m2``) and mu (``area_mu``; 1 mu = 10000/15 m²)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

M2_PER_MU = Decimal(10000) / Decimal(15)
CENTI = Decimal("0.01")


def m2_to_mu(area_m2: Decimal) -> Decimal:
    """Convert square metres to mu, rounded to 0.01 mu."""
    return (area_m2 / M2_PER_MU).quantize(CENTI, rounding=ROUND_HALF_UP)


def mu_to_m2(area_mu: Decimal) -> Decimal:
    """Convert mu to square metres, rounded to 0.01 m²."""
    return (area_mu * M2_PER_MU).quantize(CENTI, rounding=ROUND_HALF_UP)


def quantize_m2(area_m2: float | Decimal) -> Decimal:
    """A measured area (a float from geometry) as a Decimal to 0.01 m²."""
    return Decimal(str(area_m2)).quantize(CENTI, rounding=ROUND_HALF_UP)

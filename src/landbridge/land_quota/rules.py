"""Pure rules of the construction-quota ledger (issue #16): project states, area parsing and the balance
arithmetic consumed ≤ allocated ≤ accepted, never negative. No database, no web framework."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from landbridge.land_quota.errors import QuotaError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AREA = Decimal(10) ** 12 - CENT  # the largest value a Numeric(14, 2) column stores
MIN_YEAR, MAX_YEAR = 2000, 2100  # the years a quota ledger may name (a bounded input, not policy)
MIN_GRADE, MAX_GRADE = 1, 15  # 耕地质量等别 (GB/T 28407): 1 best to 15 worst


class ProjectKind(StrEnum):
    """What the reclaimed land was (the issue's kinds of idle construction land)."""

    homestead = "homestead"        # withdrawn homesteads (宅基地退出)
    mining = "mining"              # abandoned mining land (废弃工矿)
    public_welfare = "public_welfare"  # idle public-welfare land (闲置公益性用地)
    other = "other"


class ProjectStatus(StrEnum):
    """A reclamation project's life: planned → works → accepted (its quota credited) or rejected."""

    planned = "planned"
    works = "works"
    accepted = "accepted"
    rejected = "rejected"


class EntryKind(StrEnum):
    """A quota ledger entry's kind."""

    credit = "credit"
    allocation = "allocation"
    transfer = "transfer"
    consumption = "consumption"


TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.planned: frozenset({ProjectStatus.works, ProjectStatus.rejected}),
    ProjectStatus.works: frozenset({ProjectStatus.accepted, ProjectStatus.rejected}),
    ProjectStatus.accepted: frozenset(),
    ProjectStatus.rejected: frozenset(),
}


def transition(status: str, target: ProjectStatus) -> ProjectStatus:
    """``target`` if a project in ``status`` may move there; otherwise a typed refusal."""
    if target not in TRANSITIONS.get(ProjectStatus(status), frozenset()):
        raise QuotaError.INVALID_TRANSITION.error(status=status, target=target.value)
    return target


def area(value: Decimal | int | str, field: str = "area_m2") -> Decimal:
    """A positive area in m² with at most two decimals, as a Decimal quantised to the cent of a m²."""
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise QuotaError.INVALID_AREA.error(field=field) from None
    if not parsed.is_finite() or parsed <= 0 or parsed > MAX_AREA or parsed != parsed.quantize(CENT, ROUND_HALF_UP):
        raise QuotaError.INVALID_AREA.error(field=field)
    return parsed.quantize(CENT)


def county_code(value: str) -> str:
    """A county's region code (6 to 12 digits)."""
    if not isinstance(value, str) or not 6 <= len(value) <= 12 or not value.isdigit():
        raise QuotaError.INVALID_TEXT.error(field="county_code", max_length=12)
    return value


def year(value: int) -> int:
    """A quota year."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise QuotaError.INVALID_YEAR.error(year=str(value)[:12])
    return value


def grade(value: int) -> int:
    """A land quality grade (等别) 1 to 15."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_GRADE <= value <= MAX_GRADE:
        raise QuotaError.INVALID_GRADE.error(grade=str(value)[:12])
    return value


@dataclass(frozen=True)
class Totals:
    """A county's quota for a year: accepted (credited), allocated to parcels, consumed by them (m²)."""

    accepted: Decimal = ZERO
    allocated: Decimal = ZERO
    consumed: Decimal = ZERO

    @property
    def unallocated(self) -> Decimal:
        return self.accepted - self.allocated

    @property
    def unconsumed(self) -> Decimal:
        return self.allocated - self.consumed

    def holds(self) -> bool:
        """Whether the invariant 0 ≤ consumed ≤ allocated ≤ accepted holds."""
        return ZERO <= self.consumed <= self.allocated <= self.accepted


def credited(totals: Totals, amount: Decimal) -> Totals:
    """The totals after crediting ``amount`` of accepted quota."""
    return Totals(totals.accepted + amount, totals.allocated, totals.consumed)


def allocated(totals: Totals, amount: Decimal) -> Totals:
    """The totals after allocating ``amount``; refused if it would exceed the accepted quota."""
    after = Totals(totals.accepted, totals.allocated + amount, totals.consumed)
    if amount <= 0 or not after.holds():
        raise QuotaError.OVER_ALLOCATION.error(accepted=str(totals.accepted), allocated=str(totals.allocated),
                                               requested=str(amount))
    return after


def consumed(totals: Totals, amount: Decimal) -> Totals:
    """The totals after consuming ``amount``; refused if it would exceed the allocated quota."""
    after = Totals(totals.accepted, totals.allocated, totals.consumed + amount)
    if amount <= 0 or not after.holds():
        raise QuotaError.OVER_CONSUMPTION.error(allocated=str(totals.allocated), consumed=str(totals.consumed),
                                                requested=str(amount))
    return after

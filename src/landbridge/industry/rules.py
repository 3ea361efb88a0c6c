"""Pure rules of industry information (issue #19 item 5; P1, S3, S83–S85, S95–S98): the states of a place and a
project, a project's nature, the bounded text and money inputs, and the bundle coverage check (S96: a bundle of an
operating project and public-welfare ones; its revenue must cover its repayable financing by the rule's ratio).
No database, no web framework."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from landbridge.industry.errors import IndustryError

RULES = "industry"
TEXT_SHORT, TEXT_LONG = 200, 1000
MAX_AMOUNT = Decimal("100000000000")  # 1000 亿元: the largest amount one funding line or revenue may carry (bound)


class PlaceStatus(StrEnum):
    """A place's life: draft (being drawn) → published (on the investors' page and the map) → withdrawn."""

    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


class ProjectStatus(StrEnum):
    """A project's life: planned (谋划) → under_construction (在建) → operating (运营)."""

    planned = "planned"
    under_construction = "under_construction"
    operating = "operating"


class Nature(StrEnum):
    """经营性 (earns revenue) or 公益性 (public welfare, no revenue) (S96)."""

    operating = "operating"
    public_welfare = "public_welfare"


PLACE_MOVES: dict[PlaceStatus, frozenset[PlaceStatus]] = {
    PlaceStatus.draft: frozenset({PlaceStatus.published, PlaceStatus.withdrawn}),
    PlaceStatus.published: frozenset({PlaceStatus.withdrawn}),
    PlaceStatus.withdrawn: frozenset(),
}
PROJECT_MOVES: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.planned: frozenset({ProjectStatus.under_construction}),
    ProjectStatus.under_construction: frozenset({ProjectStatus.operating}),
    ProjectStatus.operating: frozenset(),
}


def place_move(status: str, target: PlaceStatus) -> PlaceStatus:
    if target not in PLACE_MOVES.get(PlaceStatus(status), frozenset()):
        raise IndustryError.INVALID_TRANSITION.error(status=status, what="place", action=target.value)
    return target


def project_move(status: str, target: ProjectStatus) -> ProjectStatus:
    if target not in PROJECT_MOVES.get(ProjectStatus(status), frozenset()):
        raise IndustryError.INVALID_TRANSITION.error(status=status, what="project", action=target.value)
    return target


def text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    found = (value or "").strip()
    if (required and not found) or len(found) > limit:
        raise IndustryError.INVALID_TEXT.error(field=field, max_length=limit)
    return found


def region(code: str) -> str:
    found = str(code or "")
    if len(found) != 12 or not found.isdigit():
        raise IndustryError.INVALID_REGION.error(region_code=found[:12])
    return found


def amount(value: Decimal | str | int, field: str, *, positive: bool = True) -> Decimal:
    """A yuan amount: finite, at most two decimals, above zero (or zero when not ``positive``), at most MAX_AMOUNT."""
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise IndustryError.INVALID_AMOUNT.error(field=field, most=str(MAX_AMOUNT)) from None
    if (not found.is_finite() or found < 0 or (positive and found == 0) or found > MAX_AMOUNT
            or found != found.quantize(Decimal("0.01"))):
        raise IndustryError.INVALID_AMOUNT.error(field=field, most=str(MAX_AMOUNT))
    return found.quantize(Decimal("0.01"))


def industries(values: Iterable[str], allowed: Sequence[str]) -> list[str]:
    """The named industries, each in the rule set's list, without repeats, in the order given (at least one)."""
    out: list[str] = []
    for v in list(values)[:len(allowed) + 1]:
        if v not in allowed:
            raise IndustryError.INVALID_INDUSTRY.error(industry=str(v)[:40])
        if v not in out:
            out.append(v)
    if not out:
        raise IndustryError.INVALID_INDUSTRY.error(industry="")
    return out


def coverage(revenue: Decimal, financing: Decimal) -> Decimal | None:
    """The bundle's coverage ratio (revenue / repayable financing), two decimals; None with no financing."""
    if financing <= 0:
        return None
    return (revenue / financing).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_coverage(revenue: Decimal, financing: Decimal, minimum: Decimal) -> None:
    """Refuse a bundle whose revenue does not cover its repayable financing ``minimum`` times (S96, S97)."""
    if financing > 0 and revenue < financing * minimum:
        raise IndustryError.BUNDLE_NOT_COVERED.error(revenue=str(revenue), financing=str(financing),
                                                     ratio=str(coverage(revenue, financing)), minimum=str(minimum))

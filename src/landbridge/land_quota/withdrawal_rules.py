"""Pure rules of the homestead withdrawal case (宅基地自愿有偿退出, the Yujiang reform; issue #16 part 5): the case's
steps, the area standard by household size, the compensation to the fen and the yearly over-standard fee. The
figures come from the rule set ``homestead`` (``HomesteadRules.from_values``); no database, no web framework."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from landbridge.land_quota.errors import QuotaError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_HOUSEHOLD = 30  # input hygiene (a household register's size), not policy
MAX_MONEY = Decimal(10) ** 13  # yuan; integer fen fits a BIGINT with room to spare


class WithdrawalStatus(StrEnum):
    """applied → approved | refused; approved → valued → paid → cancelling → handed_over."""

    applied = "applied"          # the household applied (申请)
    approved = "approved"        # the collective agreed (council, vote where its rules require)
    refused = "refused"          # the collective refused: the case ends
    valued = "valued"            # the compensation is set (补偿核定)
    paid = "paid"                # the collective paid it (补偿支付)
    cancelling = "cancelling"    # the registry cancellation is lodged (注销登记申请)
    handed_over = "handed_over"  # the right is cancelled and the land handed to a reclamation project (移交复垦)


STEPS: dict[str, tuple[WithdrawalStatus, frozenset[WithdrawalStatus]]] = {
    "approve": (WithdrawalStatus.approved, frozenset({WithdrawalStatus.applied})),
    "refuse": (WithdrawalStatus.refused, frozenset({WithdrawalStatus.applied})),
    "value": (WithdrawalStatus.valued, frozenset({WithdrawalStatus.approved})),
    "pay": (WithdrawalStatus.paid, frozenset({WithdrawalStatus.valued})),
    "cancel": (WithdrawalStatus.cancelling, frozenset({WithdrawalStatus.paid})),
    "hand_over": (WithdrawalStatus.handed_over, frozenset({WithdrawalStatus.cancelling})),
}
OPEN_STATES = frozenset({WithdrawalStatus.applied, WithdrawalStatus.approved, WithdrawalStatus.valued,
                         WithdrawalStatus.paid, WithdrawalStatus.cancelling})


def step(status: str, name: str) -> WithdrawalStatus:
    """The status step ``name`` moves a case in ``status`` to; a typed refusal where it may not."""
    target, sources = STEPS[name]
    if status not in sources:
        raise QuotaError.WITHDRAWAL_INVALID_STEP.error(status=status, step=name)
    return target


def money(value: Decimal | int | str, field: str) -> Decimal:
    """A positive amount of yuan with at most two decimals (floats refused)."""
    if isinstance(value, (bool, float)):
        raise QuotaError.WITHDRAWAL_INVALID_MONEY.error(field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise QuotaError.WITHDRAWAL_INVALID_MONEY.error(field=field) from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_MONEY or amount != amount.quantize(FEN):
        raise QuotaError.WITHDRAWAL_INVALID_MONEY.error(field=field)
    return amount.quantize(FEN)


def household_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_HOUSEHOLD:
        raise QuotaError.INVALID_HOUSEHOLD_SIZE.error(size=str(size)[:12], max=MAX_HOUSEHOLD)
    return size


def to_fen(amount: Decimal) -> int:
    """Whole fen of an amount already rounded to the fen."""
    return int((amount * 100).to_integral_value())


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeTier:
    up_to_m2: Decimal | None  # the excess this tier reaches to (cumulative); None: the rest
    rate: Decimal             # yuan per m² per year


@dataclass(frozen=True)
class HomesteadRules:
    """The rule set ``homestead`` of a day, as typed values."""

    area_standards: tuple[tuple[int | None, Decimal], ...]  # (max persons or None = any larger, m²)
    land_rate_per_m2: Decimal
    house_value_included: bool
    house_rates_per_m2: Mapping[str, Decimal]
    fee_tiers: tuple[FeeTier, ...]
    council_required: bool
    vote_required: bool
    vote_threshold: str
    digest: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any], digest: str = "") -> HomesteadRules:
        standards = tuple((int(r["max_persons"]) or None, Decimal(str(r["area_m2"])))
                          for r in values["area_standards"])
        tiers = tuple(FeeTier(Decimal(str(t["up_to_m2"])) or None, Decimal(str(t["rate"])))
                      for t in values["over_standard_fee_tiers"])
        return cls(area_standards=standards, land_rate_per_m2=Decimal(str(values["land_rate_per_m2"])),
                   house_value_included=bool(values["house_value_included"]),
                   house_rates_per_m2={k: Decimal(str(v)) for k, v in values["house_rates_per_m2"].items()},
                   fee_tiers=tiers, council_required=bool(values["council_required"]),
                   vote_required=bool(values["vote_required"]), vote_threshold=str(values["vote_threshold"]),
                   digest=digest)

    def area_standard(self, size: int) -> Decimal:
        """The homestead area a household of ``size`` persons may hold (m²)."""
        household_size(size)
        for max_persons, area_m2 in self.area_standards:
            if max_persons is None or size <= max_persons:
                return area_m2
        return self.area_standards[-1][1]

    def house_rate(self, structure: str) -> Decimal:
        if structure not in self.house_rates_per_m2:
            raise QuotaError.INVALID_HOUSE_STRUCTURE.error(structure=str(structure)[:24],
                                                          known=", ".join(sorted(self.house_rates_per_m2)))
        return self.house_rates_per_m2[structure]


@dataclass(frozen=True)
class Compensation:
    """The compensation of a withdrawal, each part rounded half-up to the fen; total = land + house."""

    land: Decimal
    house: Decimal

    @property
    def total(self) -> Decimal:
        return self.land + self.house


def compensation(area_m2: Decimal, land_rate: Decimal, *, house_floor_m2: Decimal = ZERO,
                 house_rate: Decimal = ZERO, house_included: bool = True) -> Compensation:
    """Land area × rate, plus (where the rules include it) the house's floor area × its structure's rate."""
    land = round_fen(area_m2 * land_rate)
    house = round_fen(house_floor_m2 * house_rate) if house_included else ZERO
    return Compensation(land, house)


def over_standard_fee(area_m2: Decimal, standard_m2: Decimal, tiers: Sequence[FeeTier]) -> tuple[Decimal, Decimal]:
    """(excess m², the year's fee in yuan to the fen): each tier's slice of the excess at its rate."""
    excess = area_m2 - standard_m2
    if excess <= 0:
        return ZERO, ZERO
    fee = Decimal(0)
    lower = Decimal(0)
    for tier in tiers:
        upper = excess if tier.up_to_m2 is None else min(excess, tier.up_to_m2)
        if upper > lower:
            fee += (upper - lower) * tier.rate
            lower = upper
        if lower >= excess:
            break
    return excess, round_fen(fee)

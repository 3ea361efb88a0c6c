"""Pure registry rules (rules.md, Registry): unit codes, shares, transfer blocks, deadlines (R1-R3).

No database and no web framework here: the service feeds these functions plain values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from landbridge.registry.errors import RegistryError

# 28 characters: region 12 + feature 2 + parcel sequence 5 + attachment 1 + building 4 + unit 4.
UNIT_CODE_RE = re.compile(r"^(\d{6})(\d{3})(\d{3})([JGZ][A-HJ-NP-Z])(\d{5})([FLQW])(\d{4})(\d{4})$")
ATTACHMENTS = frozenset({"F", "L", "Q", "W"})
SEQUENCE_MAX = 99_999
NUMBER_MAX = 9_999
PURE_LAND_SUFFIX = "W00000000"

# 宗地特征码 by right type: (ownership letter, right letter). J collective, G state land.
FEATURE_BY_RIGHT_TYPE: dict[str, str] = {
    "collective_land_ownership": "JA",
    "collective_construction_land_use_right": "JB",
    "homestead_use_right": "JC",
    "house_ownership": "JC",
    "land_contract_right": "JD",
    "land_management_right": "JD",
    "forest_right": "JE",
    "state_construction_land_use_right": "GB",
}
# Rights held by the owner of the unit (ownership-like); a derived management right is not.
UNIT_RIGHT_TYPES = frozenset(FEATURE_BY_RIGHT_TYPE)


OWNERSHIP_LETTER = "A"  # second letter of the feature code of a collective land ownership parcel (所有权宗地)


class Layer(StrEnum):
    """Cadastral layer of a parcel: ownership parcels (所有权宗地, e.g. a village territory) and the use-right
    parcels inside them (使用权宗地) each tile the ground; parcels only conflict within their layer (R1)."""

    ownership = "ownership"
    use = "use"


def layer_of(feature_or_parcel_code: str) -> Layer:
    """The layer of a parcel from its feature code (2 letters) or its 19/28-character code."""
    letter = feature_or_parcel_code[1] if len(feature_or_parcel_code) == 2 else feature_or_parcel_code[13]
    return Layer.ownership if letter == OWNERSHIP_LETTER else Layer.use


def feature_code(right_type: str) -> str:
    """宗地特征码 (2 letters) derived from ownership and right type (rules.md Registry, R1)."""
    try:
        return FEATURE_BY_RIGHT_TYPE[right_type]
    except KeyError:
        raise RegistryError.INVALID_RIGHT_TYPE.error(right_type=right_type) from None


def check_attachment(attachment: str) -> None:
    """定着物 code of a unit: F (house), L (forest), Q (other) or W (pure land) (rules.md Registry, R1)."""
    if attachment not in ATTACHMENTS:
        raise RegistryError.INVALID_ATTACHMENT.error(attachment=attachment)


def check_house_on_homestead(right_type: str, attachment: str) -> None:
    """房地一体: a house is registered only together with its homestead, on a unit with attachment F (R1)."""
    if not (right_type == "homestead_use_right" and attachment == "F"):
        raise RegistryError.HOUSE_NEEDS_HOMESTEAD.error()


def make_parcel_code(region_code: str, feature: str, sequence: int) -> str:
    """The 19-character parcel code (宗地代码): region 12 + feature 2 + sequence 5."""
    if not (len(region_code) == 12 and region_code.isdigit()):
        raise ValueError("parcel code needs a 12-digit region code")
    if not (len(feature) == 2 and feature[0] in "JGZ" and feature[1].isalpha() and feature[1].isupper()):
        raise ValueError("feature code must be J/G/Z plus an upper-case letter")
    if not 1 <= sequence <= SEQUENCE_MAX:
        raise ValueError("parcel sequence out of range")
    return f"{region_code}{feature}{sequence:05d}"


def make_unit_code(parcel_code: str, attachment: str = "W", building: int = 0, unit: int = 0) -> str:
    """The 28-character unit code (不动产单元号, GB/T 37346-2019) of a unit on a parcel (R1)."""
    if attachment not in ATTACHMENTS:
        raise ValueError("attachment must be one of F, L, Q, W")
    if attachment == "W" and (building or unit):
        raise ValueError("a pure-land unit has building and unit 0000")
    if attachment != "W" and not (1 <= building <= NUMBER_MAX and 1 <= unit <= NUMBER_MAX):
        raise ValueError("a unit with an attachment needs building and unit numbers 1..9999")
    code = f"{parcel_code}{attachment}{building:04d}{unit:04d}"
    if not valid_unit_code(code):
        raise ValueError(f"not a valid unit code: {code}")
    return code


@dataclass(frozen=True)
class UnitCode:
    """A parsed unit code."""

    county: str
    cadastral_district: str
    sub_district: str
    feature: str
    sequence: int
    attachment: str
    building: int
    unit: int

    @property
    def region_code(self) -> str:
        return self.county + self.cadastral_district + self.sub_district

    @property
    def parcel_code(self) -> str:
        return f"{self.region_code}{self.feature}{self.sequence:05d}"


def parse_unit_code(code: str) -> UnitCode | None:
    """Parse and cross-check a unit code; None when it is malformed or inconsistent."""
    m = UNIT_CODE_RE.match(code)
    if not m:
        return None
    county, district, sub, feature, seq, attachment, building, unit = m.groups()
    parsed = UnitCode(county, district, sub, feature, int(seq), attachment, int(building), int(unit))
    if parsed.sequence < 1:
        return None
    if attachment == "W" and (parsed.building or parsed.unit):
        return None
    if attachment != "W" and (parsed.building < 1 or parsed.unit < 1):
        return None
    if county.endswith("00") or sub == "000":  # a county (not a city) and a village-level sub-district
        return None
    return parsed


def valid_unit_code(code: str) -> bool:
    """Whether ``code`` is a well-formed, self-consistent 28-character unit code."""
    return parse_unit_code(code) is not None


def parse_share(value: str | Fraction | int) -> Fraction:
    """A co-holder share as an exact fraction in (0, 1] ("1/2", "1", Fraction)."""
    try:
        share = Fraction(value) if not isinstance(value, str) else Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        raise RegistryError.INVALID_SHARE_2.error({"value": value}, share=str(value)) from None
    if not 0 < share <= 1:
        raise RegistryError.INVALID_SHARE.error({"value": value}, share=str(value))
    return share


def check_shares(holders: Sequence[tuple[int, Fraction]]) -> None:
    """Co-holders of one right: at least one, no repeats, shares summing to exactly 1 (R1)."""
    if not holders:
        raise RegistryError.NO_HOLDERS.error()
    ids = [party for party, _ in holders]
    if len(set(ids)) != len(ids):
        raise RegistryError.DUPLICATE_HOLDER.error()
    for _, share in holders:
        parse_share(share)
    total = sum((share for _, share in holders), Fraction(0))
    if total != 1:
        raise RegistryError.SHARES_NOT_ONE.error({"total": total}, total=f"{total.numerator}/{total.denominator}")


def check_same_holders(land: Sequence[tuple[int, Fraction]], house: Sequence[tuple[int, Fraction]]) -> None:
    """房地一体: the house and its homestead have the same holders with the same shares (R1)."""
    if sorted(land) != sorted(house):
        raise RegistryError.HOUSE_LAND_HOLDER_MISMATCH.error()


def years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end``."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def check_management_term(start: date | None, end: date | None, min_years: int) -> None:
    """A land management right from a transfer is registrable only for a term of ``min_years`` or more."""
    if start is None or end is None or end <= start:
        raise RegistryError.INVALID_TERM.error()
    if years_between(start, end) < min_years:
        raise RegistryError.TERM_TOO_SHORT.error(min_years=min_years)


@dataclass(frozen=True)
class RestrictionFact:
    """What the transfer rule needs to know about a current restriction on the unit."""

    id: int
    kind: str
    holder_party_id: int | None
    expires_at: datetime | None
    no_transfer_agreement: bool


def transfer_blocks(restrictions: Iterable[RestrictionFact], *, transferees: Iterable[int], at: datetime,
                    mortgagee_consent: bool, no_transfer_rule: bool = True) -> list[RestrictionFact]:
    """The current restrictions that block a transfer to ``transferees`` at ``at`` (R3, rules.md)."""
    buyers = set(transferees)
    blocking: list[RestrictionFact] = []
    for r in restrictions:
        if r.kind == "seizure":
            blocking.append(r)
        elif r.kind == "advance_notice":
            if (r.expires_at is None or r.expires_at > at) and r.holder_party_id not in buyers:
                blocking.append(r)
        elif r.kind == "mortgage" and no_transfer_rule and r.no_transfer_agreement and not mortgagee_consent:
            blocking.append(r)
    return blocking


def raise_if_blocked(blocking: Sequence[RestrictionFact]) -> None:
    """409 ``registry.transfer_blocked`` naming the first blocking restriction."""
    if not blocking:
        return
    names = {"seizure": "查封", "advance_notice": "预告登记", "mortgage": "禁止转让约定的抵押"}
    first = blocking[0]
    raise RegistryError.TRANSFER_BLOCKED.error(
        {"names_get_first_kind_first_kind": names.get(first.kind, first.kind), "first": first},
        restriction_id=first.id,
        restriction_kind=first.kind,
        blocking=[{"restriction_id": b.id, "kind": b.kind} for b in blocking])


def next_mortgage_rank(current_ranks: Iterable[int | None]) -> int:
    """Mortgages rank by registration time: the next rank after the current ones (民法典 art. 414)."""
    return max((r for r in current_ranks if r is not None), default=0) + 1


def lapse_at(start: datetime, days: int) -> datetime:
    """When an objection / advance notice registered at ``start`` lapses."""
    return start + timedelta(days=days)


def share_text(share: Fraction) -> str:
    """A fraction as "n/d" (ledger payloads have no floats)."""
    return f"{share.numerator}/{share.denominator}"

"""Loading a city profile folder: ``profile.toml``, ``regions.csv`` and ``rules/*.toml``."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from landbridge.config import get_settings
from landbridge.errors import RuleViolation
from landbridge.kernel.ids import is_region_code

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Region:
    """An administrative division (行政区划) with its 12-digit code."""

    code: str
    name: str
    name_en: str
    level: str
    parent: str | None
    invented: bool
    kind: str = ""  # optional: subdistrict | town | xiang for townships, village | community for villages

    @property
    def county_code(self) -> str:
        return self.code[:6]


@dataclass(frozen=True)
class Rule:
    """One rule value with its unit, source and whether the city has confirmed it."""

    name: str
    value: Any
    unit: str
    source: str
    verified: bool


@dataclass(frozen=True)
class RuleSetVersion:
    effective_from: date
    source: str
    rules: dict[str, Rule]


class NoRuleSetInForce(RuleViolation, LookupError):
    """A date before any version of a rule set took effect (e.g. a valuation date of 2000 for rules of 2021):
    422 ``rules.not_in_force``, never a 500 (issue #12 item 7); still a ``LookupError`` for callers that fall
    back."""

    def __init__(self, name: str, day: date) -> None:
        super().__init__("rules.not_in_force", f"{day.isoformat()} 没有生效的“{name}”规则版本",
                         f"rule set {name} has no version in force on {day.isoformat()}", rule_set=name,
                         day=day.isoformat())


@dataclass
class RuleSet:
    """A named, versioned set of rules (e.g. ``registry``); ``at(day)`` picks the version in force."""

    name: str
    versions: list[RuleSetVersion] = field(default_factory=list)

    def version_at(self, day: date | None = None) -> RuleSetVersion:
        day = day or date.max
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise NoRuleSetInForce(self.name, day)
        return max(in_force, key=lambda v: v.effective_from)

    def rule(self, name: str, day: date | None = None) -> Rule:
        version = self.version_at(day)
        if name not in version.rules:
            raise KeyError(f"rule {self.name}.{name} is not defined")
        return version.rules[name]

    def decimal(self, name: str, day: date | None = None) -> Decimal:
        return Decimal(str(self.rule(name, day).value))

    def int(self, name: str, day: date | None = None) -> int:
        return int(self.rule(name, day).value)

    def value(self, name: str, day: date | None = None) -> Any:
        return self.rule(name, day).value


@dataclass
class CityProfile:
    """A city's configuration: identity, CRS, extent, regions and rule sets."""

    code: str
    name: str
    name_en: str
    province_abbr: str
    city_code: str
    geographic_srid: int
    projected_srid: int
    extent: tuple[float, float, float, float]
    map_center: tuple[float, float]
    map_zoom: int
    certificate_prefix: str
    encumbrance_certificate_prefix: str
    regions: dict[str, Region]
    rule_sets: dict[str, RuleSet]
    raw: dict[str, Any]

    def rules(self, name: str) -> RuleSet:
        if name not in self.rule_sets:
            raise KeyError(f"city profile {self.code} has no rule set {name}")
        return self.rule_sets[name]

    def region(self, code: str) -> Region | None:
        return self.regions.get(code)

    def children(self, code: str) -> list[Region]:
        return sorted((r for r in self.regions.values() if r.parent == code), key=lambda r: r.code)

    def villages(self) -> list[Region]:
        return sorted((r for r in self.regions.values() if r.level == "village"), key=lambda r: r.code)

    def certificate_number(self, year: int, serial: int, *, encumbrance: bool = False) -> str:
        pattern = self.encumbrance_certificate_prefix if encumbrance else self.certificate_prefix
        return pattern.format(year=year, serial=serial)


def _load_rule_sets(folder: Path) -> dict[str, RuleSet]:
    sets: dict[str, RuleSet] = {}
    for path in sorted((folder / "rules").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        rule_set = RuleSet(path.stem)
        for version in data.get("version", []):
            rules = {
                name: Rule(name, spec["value"], spec.get("unit", ""), spec.get("source", version.get("source", "")),
                           bool(spec.get("verified", True)))
                for name, spec in version.get("rules", {}).items()
            }
            rule_set.versions.append(RuleSetVersion(date.fromisoformat(str(version["effective_from"])),
                                                    version.get("source", ""), rules))
        sets[rule_set.name] = rule_set
    return sets


def _load_regions(folder: Path) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    with (folder / "regions.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            if not is_region_code(code):
                raise ValueError(f"bad region code {code!r} in {folder}")
            regions[code] = Region(code, row["name"], row["name_en"], row["level"], row["parent"] or None,
                                   row["invented"].strip().lower() == "true", (row.get("kind") or "").strip())
    for region in regions.values():
        if region.parent and region.parent not in regions:
            raise ValueError(f"region {region.code} has unknown parent {region.parent}")
    return regions


def load_profile(code: str, base: Path = DATA_DIR) -> CityProfile:
    """Read a city profile folder."""
    folder = base / code
    raw = tomllib.loads((folder / "profile.toml").read_text(encoding="utf-8"))
    extent = tuple(float(x) for x in raw["extent"])
    center = tuple(float(x) for x in raw["map_center"])
    return CityProfile(
        code=raw["code"], name=raw["name"], name_en=raw["name_en"], province_abbr=raw["province_abbr"],
        city_code=raw["city_code"], geographic_srid=int(raw["geographic_srid"]),
        projected_srid=int(raw["projected_srid"]),
        extent=(extent[0], extent[1], extent[2], extent[3]), map_center=(center[0], center[1]),
        map_zoom=int(raw["map_zoom"]), certificate_prefix=raw["certificate_prefix"],
        encumbrance_certificate_prefix=raw["encumbrance_certificate_prefix"],
        regions=_load_regions(folder), rule_sets=_load_rule_sets(folder), raw=raw,
    )


@lru_cache(maxsize=4)
def _cached(code: str) -> CityProfile:
    return load_profile(code)


def get_profile(code: str | None = None) -> CityProfile:
    """The configured city profile (cached)."""
    return _cached(code or get_settings().city_profile)

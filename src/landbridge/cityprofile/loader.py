"""Loading a city profile folder: ``profile.toml``, ``regions.csv`` and ``rules/*.toml``."""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from landbridge.cityprofile.errors import CityProfileError
from landbridge.cityprofile.schema import ProfileError, VersionSpec, kind_accepts, parse_rule_file, value_kind
from landbridge.config import get_settings
from landbridge.errors import Conflict, RuleViolation
from landbridge.kernel.clock import now
from landbridge.kernel.ids import is_region_code
from landbridge.kernel.workdays import CALENDAR_RULE_SET, Calendar

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TIME_ZONE = "Asia/Shanghai"


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
    """One rule value with its unit, source, whether the city has confirmed it, and the version that set it."""

    name: str
    value: Any
    unit: str
    source: str
    verified: bool
    effective_from: date | None = None


@dataclass(frozen=True)
class RuleSetVersion:
    """A version of a rule set as in force: its own amendments plus every rule it inherits."""

    effective_from: date
    source: str
    rules: dict[str, Rule]
    amended: frozenset[str] = frozenset()

    @property
    def digest(self) -> str:
        """The content digest of the resolved rule values (what a decision records)."""
        return rules_digest(self.rules)

    def values(self) -> dict[str, Any]:
        """The resolved values by rule name."""
        return {name: rule.value for name, rule in self.rules.items()}


def rules_digest(rules: dict[str, Rule]) -> str:
    """SHA-256 over the canonical JSON of each rule's value and the version date that set it."""
    body = {name: [rule.value, rule.effective_from.isoformat() if rule.effective_from else None]
            for name, rule in sorted(rules.items())}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def city_today(time_zone: str = DEFAULT_TIME_ZONE) -> date:
    """Today in the city's time zone on the process clock ("no day" in a rule read means this day)."""
    return now().astimezone(ZoneInfo(time_zone)).date()


class NoRuleSetInForce(RuleViolation, LookupError):
    """A date before any version of a rule set took effect (e.g. a valuation date of 2000 for rules of 2021):
    422 ``rules.not_in_force``, never a 500 (issue #12 item 7); still a ``LookupError`` for callers that fall
    back."""

    def __init__(self, name: str, day: date) -> None:
        spec, details = CityProfileError.NOT_IN_FORCE, {"rule_set": name, "day": day.isoformat()}
        super().__init__(spec.code, *spec.render(**details), **details)


@dataclass
class RuleSet:
    """A named, versioned set of rules (e.g. ``registry``); ``version_at(day)`` picks the version in force.

    Versions are amendments: each states only what it changes and inherits the rest (resolved at load).
    The version in force on a day is the one with the latest ``effective_from`` not after it; no day
    means today in the city's time zone, so a version that is not yet in force never applies.
    """

    name: str
    versions: list[RuleSetVersion] = field(default_factory=list)
    time_zone: str = DEFAULT_TIME_ZONE

    def version_at(self, day: date | None = None) -> RuleSetVersion:
        day = day or city_today(self.time_zone)
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

    def history(self, name: str) -> list[Rule]:
        """Every value the rule has had, oldest first (one entry per version that amended it)."""
        return [v.rules[name] for v in sorted(self.versions, key=lambda v: v.effective_from)
                if name in v.amended and name in v.rules]


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
    time_zone: str = DEFAULT_TIME_ZONE
    _calendars: dict[str, Calendar] = field(default_factory=dict, repr=False)

    def calendar(self) -> Calendar:
        """The working-day calendar: the package's national calendar plus this profile's ``calendar`` rules.

        The newest version is used: it records what is known of the dates, not a policy for a period.
        """
        if CALENDAR_RULE_SET not in self.rule_sets:
            return Calendar()
        newest = max(self.rule_sets[CALENDAR_RULE_SET].versions, key=lambda v: v.effective_from)
        key = newest.digest
        if key not in self._calendars:
            self._calendars[key] = Calendar.from_rules(newest.values())
        return self._calendars[key]

    def today(self) -> date:
        """Today in the city's time zone (the day a rule read without a day uses)."""
        return city_today(self.time_zone)

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


def resolve_versions(path: Path, specs: list[VersionSpec], inherited: RuleSetVersion | None = None,
                     ) -> list[RuleSetVersion]:
    """Resolve amendments in date order: each version inherits every rule of the one before it (the first, those
    of ``inherited`` when given, a version in force before them). One mechanism with ``amend_extended``: an
    amendment must keep the kind of the value it replaces, or the file is refused with the version and the rule."""
    base = [inherited] if inherited is not None else []
    return amend_extended(path, base, specs)[len(base):]


def amend_extended(path: Path, base: list[RuleSetVersion], specs: list[VersionSpec]) -> list[RuleSetVersion]:
    """A profile's amendments of a set it inherits, on one timeline with the base's versions.

    There is a version on every day either timeline has one: the base's version in force that day, with every
    amendment of this profile in force that day laid over it. So a base version newer than an amendment (a new
    national rule shipped with the platform) adds and changes the rules this city has not amended, and the city's
    own values stand until the city amends them again. An amendment keeps the kind of the value it replaces.
    """
    own: dict[str, Rule] = {}
    removed: set[str] = set()
    by_day = {s.effective_from: s for s in specs}
    base_by_day = {v.effective_from: v for v in base}
    resolved: list[RuleSetVersion] = []
    for day in sorted(set(by_day) | set(base_by_day)):
        in_force = [v for v in base if v.effective_from <= day]
        underlying = dict(in_force[-1].rules) if in_force else {}
        spec, amended = by_day.get(day), set(base_by_day[day].amended) if day in base_by_day else set()
        if spec is not None:
            current = {n: r for n, r in {**underlying, **own}.items() if n not in removed}
            for name in spec.removes:
                if name not in current:
                    raise ProfileError(path, "removes a rule that is not in force", version=day, rule=name)
                removed.add(name)
                own.pop(name, None)
            for name, rule in spec.rules.items():
                if name in current:
                    expected, found = value_kind(current[name].value), value_kind(rule.value)
                    if not kind_accepts(expected, found):
                        raise ProfileError(path, f"value {rule.value!r} is a {found}, the rule holds a {expected}",
                                           version=day, rule=name)
                own[name] = Rule(name, rule.value, rule.unit, rule.source or spec.source, rule.verified, day)
                removed.discard(name)
            amended |= set(spec.rules) | set(spec.removes)
        rules = {n: r for n, r in {**underlying, **own}.items() if n not in removed}
        source = spec.source if spec is not None else base_by_day[day].source
        resolved.append(RuleSetVersion(day, source, rules, frozenset(amended)))
    return resolved


def _load_rule_sets(folder: Path, time_zone: str, base: dict[str, RuleSet] | None = None) -> dict[str, RuleSet]:
    """Each ``rules/<set>.toml``; with a ``base`` (a profile that ``extends`` another), the base's sets are taken
    and this profile's versions of a set amend the base's (a version may not fall on a base version's day)."""
    sets: dict[str, RuleSet] = {n: RuleSet(n, list(r.versions), time_zone) for n, r in (base or {}).items()}
    for path in sorted((folder / "rules").glob("*.toml")):
        specs = parse_rule_file(path)
        inherited = sets[path.stem].versions if path.stem in sets else []
        if inherited:
            clash = {v.effective_from for v in inherited} & {s.effective_from for s in specs}
            if clash:
                raise ProfileError(path, "a version falls on the day of a version of the profile it extends",
                                   version=min(clash))
            sets[path.stem] = RuleSet(path.stem, amend_extended(path, inherited, specs), time_zone)
        else:
            sets[path.stem] = RuleSet(path.stem, resolve_versions(path, specs), time_zone)
    for version in sets[CALENDAR_RULE_SET].versions if CALENDAR_RULE_SET in sets else []:
        try:
            Calendar.from_rules(version.values())
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProfileError(folder / "rules" / f"{CALENDAR_RULE_SET}.toml", str(exc),
                               version=version.effective_from) from exc
    return sets


LOCK_FILE = "rules.lock"
REFERENCE_PROFILE = "yingtan"
OPTIONAL_SETS_PREFIX = "demo_"  # the demo world's sets: only a profile that builds a demo world needs them


def _check_against_reference(folder: Path, sets: dict[str, RuleSet]) -> None:
    """Every rule the code reads must be in another city's profile, of the same kind as in the built-in profile.

    The built-in reference profile (Yingtan) is the schema of the rule sets: a rule missing from the newest
    version of a set, or holding a value of another kind, is refused with the file and the rule named.
    """
    reference = _reference_sets()
    for name, ref in sorted(reference.items()):
        path = folder / "rules" / f"{name}.toml"
        if name not in sets:
            if name.startswith(OPTIONAL_SETS_PREFIX) or name == "calendar":
                continue
            raise ProfileError(path, "rule set missing (the platform reads it)")
        newest = max(sets[name].versions, key=lambda v: v.effective_from)
        for rule_name, rule in sorted(max(ref.versions, key=lambda v: v.effective_from).rules.items()):
            if rule_name not in newest.rules:
                raise ProfileError(path, "rule missing (the platform reads it)", version=newest.effective_from,
                                   rule=rule_name)
            found = newest.rules[rule_name]
            expected, kind = value_kind(rule.value), value_kind(found.value)
            if not kind_accepts(expected, kind):
                raise ProfileError(path, f"value {found.value!r} is a {kind}, the rule holds a {expected}",
                                   version=found.effective_from, rule=rule_name)


@lru_cache(maxsize=1)
def _reference_sets() -> dict[str, RuleSet]:
    return _load_rule_sets(DATA_DIR / REFERENCE_PROFILE, DEFAULT_TIME_ZONE)


def read_lock(folder: Path) -> dict[str, dict[str, str]]:
    """The stored digest of each version already in force: ``{set: {effective_from: digest}}``."""
    path = folder / LOCK_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, f"not a valid TOML file: {exc}") from exc
    return {str(k): {str(d): str(h) for d, h in v.items()} for k, v in data.items()}


def _check_lock(folder: Path, sets: dict[str, RuleSet]) -> None:
    """Refuse a profile in which a version already in force was edited: its digest must match ``rules.lock``."""
    for set_name, entries in read_lock(folder).items():
        path = folder / "rules" / f"{set_name}.toml"
        by_day = {v.effective_from.isoformat(): v for v in sets[set_name].versions} if set_name in sets else {}
        for day, digest in entries.items():
            version = by_day.get(day)
            if version is None:
                raise ProfileError(path, f"the version locked in {LOCK_FILE} is gone", version=date.fromisoformat(day))
            if version.digest != digest:
                raise ProfileError(path, f"a version already in force was edited (its digest no longer matches "
                                         f"{LOCK_FILE}): state the change as a new version",
                                   version=version.effective_from)


def unlocked_versions(profile: CityProfile, folder: Path) -> list[tuple[str, RuleSetVersion]]:
    """Versions in force today that ``rules.lock`` does not hold yet (``landbridge rules lock`` adds them)."""
    lock = read_lock(folder)
    today = profile.today()
    return [(name, v) for name, rule_set in sorted(profile.rule_sets.items()) for v in rule_set.versions
            if v.effective_from <= today and v.effective_from.isoformat() not in lock.get(name, {})]


def write_lock(profile: CityProfile, folder: Path) -> list[tuple[str, RuleSetVersion]]:
    """Add the versions now in force to ``rules.lock``; an entry already there is never changed."""
    added = unlocked_versions(profile, folder)
    lock = read_lock(folder)
    for name, version in added:
        lock.setdefault(name, {})[version.effective_from.isoformat()] = version.digest
    lines = ["# The digest of each rule-set version already in force (issue #13 item 2): a version in force is",
             "# never edited; a change is a new version. `landbridge rules lock` adds versions coming into force."]
    for name in sorted(lock):
        lines.append(f"\n[{name}]")
        lines += [f'"{day}" = "{digest}"' for day, digest in sorted(lock[name].items())]
    (folder / LOCK_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return added


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


def profile_folder(code: str) -> Path:
    """The folder of city profile ``code``: ``LANDBRIDGE_PROFILE_DIR/<code>`` if there is one, else built in."""
    outside = get_settings().profile_dir
    if outside is not None and (outside / code / "profile.toml").exists():
        return outside / code
    if (DATA_DIR / code / "profile.toml").exists():
        return DATA_DIR / code
    raise ProfileError(outside / code if outside else DATA_DIR / code, "no such city profile (profile.toml missing)")


def available_profiles() -> list[str]:
    """The codes of every city profile: built in and in ``LANDBRIDGE_PROFILE_DIR``."""
    bases = [DATA_DIR] + ([get_settings().profile_dir] if get_settings().profile_dir else [])
    return sorted({p.parent.name for base in bases if base for p in base.glob("*/profile.toml")})


def load_profile(code: str, base: Path | None = None) -> CityProfile:
    """Read a city profile folder (``base/code``, by default found by ``profile_folder``) and check it."""
    folder = base / code if base is not None else profile_folder(code)
    raw = tomllib.loads((folder / "profile.toml").read_text(encoding="utf-8"))
    time_zone = str(raw.get("time_zone", DEFAULT_TIME_ZONE))
    extended = load_profile(str(raw["extends"])).rule_sets if raw.get("extends") else None
    rule_sets = _load_rule_sets(folder, time_zone, extended)
    if folder.resolve() != (DATA_DIR / REFERENCE_PROFILE).resolve():
        _check_against_reference(folder, rule_sets)
    _check_lock(folder, rule_sets)
    extent = tuple(float(x) for x in raw["extent"])
    center = tuple(float(x) for x in raw["map_center"])
    return CityProfile(
        code=raw["code"], name=raw["name"], name_en=raw["name_en"], province_abbr=raw["province_abbr"],
        city_code=raw["city_code"], geographic_srid=int(raw["geographic_srid"]),
        projected_srid=int(raw["projected_srid"]),
        extent=(extent[0], extent[1], extent[2], extent[3]), map_center=(center[0], center[1]),
        map_zoom=int(raw["map_zoom"]), certificate_prefix=raw["certificate_prefix"],
        encumbrance_certificate_prefix=raw["encumbrance_certificate_prefix"],
        regions=_load_regions(folder), rule_sets=rule_sets, raw=raw,
        time_zone=time_zone,
    )


@lru_cache(maxsize=4)
def _cached(code: str) -> CityProfile:
    return load_profile(code)


def get_profile(code: str | None = None) -> CityProfile:
    """The configured city profile (cached)."""
    return _cached(code or get_settings().city_profile)


class RulesEdited(Conflict):
    """A record's stored rule digest no longer matches the profile: a version in force was edited in place."""

    def __init__(self, rule_set: str, day: date, stored: str, found: str) -> None:
        spec = CityProfileError.VERSION_EDITED
        details = {"rule_set": rule_set, "day": day.isoformat(), "stored": stored, "found": found}
        super().__init__(spec.code, *spec.render(**details), **details)


def decided_by(rule_set: str, day: date | None = None) -> RuleSetVersion:
    """The version of ``rule_set`` that decides a record on ``day`` (default today): store its ``digest`` on it."""
    return get_profile().rules(rule_set).version_at(day)


def rules_used(rule_set: str, day: date, stored: str | None) -> RuleSetVersion:
    """The version a record was decided under, checked against the digest stored on it (issue #13 item 2).

    A record from before digests were kept (``stored`` is None) is taken as it is.
    """
    version = get_profile().rules(rule_set).version_at(day)
    if stored is not None and stored != version.digest:
        raise RulesEdited(rule_set, day, stored, version.digest)
    return version

"""Indicators as versioned data (issue #19 scope 1; P2, S2, S92): ``indicators.toml`` beside this module.

Why a TOML file with versions and a lock, not a table: an indicator's definition is a published text that is
reviewed like a rule (which read function, which measure, which parameter with which source); in git every change
is a reviewed diff, and the file travels with the code that computes it, so one commit names both. Versions carry
an ``effective_from``: the version in force on an as-of day is the one a past value is re-derived with, and each
stored value names its version and the digest of its definition. A version in force is locked by its digest in
``indicators.lock`` (as ``cityprofile`` locks rule sets): an edit to it is refused at load, a change is a new
version. A table with versions would need an editing screen and review workflow this issue does not ask for.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from landbridge.supervision.errors import SupervisionError

HERE = Path(__file__).parent
DEFINITIONS = HERE / "indicators.toml"
LOCK = HERE / "indicators.lock"
KINDS = ("flow", "stock")
DIRECTIONS = ("higher", "lower")
REQUIRED = ("code", "name_zh", "name_en", "computation", "measure", "kind", "unit", "unit_en", "direction",
            "owner_zh", "owner_en", "source")


@dataclass(frozen=True)
class Indicator:
    """One indicator of one version: what it measures, how, in what unit, against which target, owned by whom."""

    code: str
    name_zh: str
    name_en: str
    computation: str
    measure: str
    kind: str
    unit: str
    unit_en: str
    direction: str
    owner_zh: str
    owner_en: str
    source: str
    target: Decimal | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def name(self, zh: bool) -> str:
        return self.name_zh if zh else self.name_en

    def meets(self, value: Decimal) -> bool | None:
        """Whether ``value`` meets the target (None without one)."""
        if self.target is None:
            return None
        return value >= self.target if self.direction == "higher" else value <= self.target


@dataclass(frozen=True)
class IndicatorSet:
    """One version of the indicator set: its name (``version``), when it takes effect and its digest."""

    version: str
    effective_from: date
    digest: str
    indicators: tuple[Indicator, ...]
    anomaly: dict[str, Decimal] = field(default_factory=dict)

    def threshold(self, name: str) -> Decimal | None:
        """An anomaly rule's threshold of this version (None where the version has none: that source is off)."""
        return self.anomaly.get(name)

    def get(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise SupervisionError.UNKNOWN_INDICATOR.error(indicator=code)


def _invalid(reason: str) -> Exception:
    return SupervisionError.DEFINITIONS_INVALID.error(reason=reason)


def _indicator(raw: dict[str, Any]) -> Indicator:
    missing = [k for k in REQUIRED if not isinstance(raw.get(k), str) or not raw[k].strip()]
    if missing:
        raise _invalid(f"indicator {raw.get('code', '?')} lacks {', '.join(missing)}")
    unknown = set(raw) - {*REQUIRED, "target", "params"}
    if unknown:
        raise _invalid(f"indicator {raw['code']} has unknown keys {', '.join(sorted(unknown))}")
    if raw["kind"] not in KINDS or raw["direction"] not in DIRECTIONS:
        raise _invalid(f"indicator {raw['code']}: kind must be {KINDS}, direction {DIRECTIONS}")
    try:
        target = Decimal(raw["target"]) if "target" in raw else None
    except (InvalidOperation, TypeError):
        raise _invalid(f"indicator {raw['code']}: target {raw['target']!r} is not a number") from None
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise _invalid(f"indicator {raw['code']}: params must be a table")
    return Indicator(**{k: raw[k] for k in REQUIRED}, target=target, params=dict(params))


def _anomaly(version: dict[str, Any]) -> dict[str, Decimal]:
    """The anomaly rules of a version (``[version.anomaly]``): each ``name = {value = "…", source = "…"}``."""
    out: dict[str, Decimal] = {}
    for name, rule in version.get("anomaly", {}).items():
        if not isinstance(rule, dict) or not isinstance(rule.get("source"), str) or not rule["source"].strip():
            raise _invalid(f"anomaly rule {name} needs a value and its source")
        try:
            value = Decimal(str(rule.get("value")))
        except InvalidOperation:
            raise _invalid(f"anomaly rule {name}: value {rule.get('value')!r} is not a number") from None
        if not value.is_finite() or value < 0:
            raise _invalid(f"anomaly rule {name}: value {rule.get('value')!r} is not a number from 0")
        out[name] = value
    return out


def digest_of(raw_version: dict[str, Any]) -> str:
    """The SHA-256 of a version's canonical JSON (sorted keys, dates as ISO text)."""
    text = json.dumps(raw_version, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def parse(text: str, lock: dict[str, str], today: date) -> list[IndicatorSet]:
    """The versions of a definitions text, oldest first; each version in force on ``today`` must match ``lock``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(str(exc)) from None
    sets: list[IndicatorSet] = []
    for version in raw.get("version", []):
        effective = version.get("effective_from")
        if not isinstance(effective, date) or not isinstance(version.get("version"), str):
            raise _invalid("each [[version]] needs version (text) and effective_from (a date)")
        digest = digest_of(version)
        if effective <= today and lock.get(version["version"]) != digest:
            raise SupervisionError.DEFINITIONS_CHANGED.error(version=version["version"])
        indicators = tuple(_indicator(i) for i in version.get("indicator", []))
        codes = [i.code for i in indicators]
        if len(set(codes)) != len(codes):
            raise _invalid(f"version {version['version']} names an indicator twice")
        sets.append(IndicatorSet(version["version"], effective, digest, indicators, _anomaly(version)))
    dates = [s.effective_from for s in sets]
    if not sets or dates != sorted(set(dates)):
        raise _invalid("versions must exist and take effect on distinct days, oldest first")
    return sets


@cache
def _load(today: date) -> tuple[IndicatorSet, ...]:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    return tuple(parse(DEFINITIONS.read_text(encoding="utf-8"), lock, today))


def in_force(on: date) -> IndicatorSet:
    """The indicator set in force on ``on`` (the oldest version for a day before every version); the versions in
    force today (city time) are checked against the lock."""
    from landbridge.kernel.clock import now, to_local

    sets = _load(to_local(now()).date())
    found = [s for s in sets if s.effective_from <= on]
    return found[-1] if found else sets[0]


def lock_text() -> str:
    """The lock file's text: the digest of every version, those not yet in force included, so that a version
    added for a later day loads on that day without another step (``python -m landbridge.supervision.indicators``
    writes it after a new version is added; a version not yet in force may still be edited and relocked)."""
    raw = tomllib.loads(DEFINITIONS.read_text(encoding="utf-8"))
    digests = {v["version"]: digest_of(v) for v in raw.get("version", [])}
    return json.dumps(digests, indent=2, sort_keys=True) + "\n"


def as_dict(indicator: Indicator) -> dict[str, Any]:
    """An indicator as JSON-ready data."""
    out = asdict(indicator)
    out["target"] = None if indicator.target is None else str(indicator.target)
    return out


if __name__ == "__main__":  # pragma: no cover - writes the lock
    LOCK.write_text(lock_text(), encoding="utf-8")

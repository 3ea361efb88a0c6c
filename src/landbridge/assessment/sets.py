"""Yearly assessment sets as versioned data (issue #19 scope 4): ``sets.toml`` beside this module, locked by digest
in ``sets.lock`` as supervision locks its indicators (a set in force is never edited; a change is a new version).

A set names the supervision indicators it scores (checked against the indicator set in force), so a score is
re-derivable: the run stores the set's version and digest and the code version, and the figures come from
supervision's public ``rederive`` for the same as-of day.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from landbridge.assessment.errors import AssessmentError
from landbridge.assessment.rules import DIRECTIONS, METHODS
from landbridge.supervision.indicators import digest_of

HERE = Path(__file__).parent
DEFINITIONS = HERE / "sets.toml"
LOCK = HERE / "sets.lock"
SUBJECT_KINDS = ("county", "township", "department")
ITEM_KEYS = ("indicator", "weight", "target", "direction", "method", "source")
SET_KEYS = ("version", "year", "subject_kind", "effective_from", "full", "cap", "best", "worst", "source", "item")


@dataclass(frozen=True)
class Item:
    """One scored indicator of a set: its weight, target, direction and method, with the source of the values."""

    indicator: str
    weight: Decimal
    target: Decimal
    direction: str
    method: str
    source: str


@dataclass(frozen=True)
class AssessmentSet:
    """One version of one year's set for one subject kind."""

    version: str
    year: int
    subject_kind: str
    effective_from: date
    digest: str
    full: Decimal
    cap: Decimal
    best: Decimal
    worst: Decimal
    source: str
    items: tuple[Item, ...]


def _invalid(reason: str) -> Exception:
    return AssessmentError.SETS_INVALID.error(reason=reason)


def _number(raw: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise _invalid(f"{what} {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise _invalid(f"{what} must be a non-negative number")
    return value


def _item(raw: dict[str, Any], version: str) -> Item:
    if set(raw) != set(ITEM_KEYS):
        raise _invalid(f"set {version}: an item needs exactly {', '.join(ITEM_KEYS)}")
    if raw["direction"] not in DIRECTIONS or raw["method"] not in METHODS:
        raise _invalid(f"set {version}: direction must be {DIRECTIONS}, method {METHODS}")
    if not str(raw["source"]).strip():
        raise _invalid(f"set {version}: item {raw['indicator']} has no source")
    weight = _number(raw["weight"], "weight")
    if weight <= 0:
        raise _invalid(f"set {version}: item {raw['indicator']} needs a positive weight")
    return Item(str(raw["indicator"]), weight, _number(raw["target"], "target"), raw["direction"], raw["method"],
                str(raw["source"]))


def parse(text: str, lock: dict[str, str], today: date) -> list[AssessmentSet]:
    """The sets of a definitions text; each set in force on ``today`` must match ``lock``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(str(exc)) from None
    out: list[AssessmentSet] = []
    for entry in raw.get("set", []):
        if set(entry) != set(SET_KEYS) or not isinstance(entry["effective_from"], date):
            raise _invalid(f"a [[set]] needs exactly {', '.join(SET_KEYS)}")
        version = str(entry["version"])
        if entry["subject_kind"] not in SUBJECT_KINDS or not isinstance(entry["year"], int):
            raise _invalid(f"set {version}: subject_kind must be {SUBJECT_KINDS} and year a number")
        digest = digest_of(entry)
        if entry["effective_from"] <= today and lock.get(version) != digest:
            raise AssessmentError.SETS_CHANGED.error(version=version)
        items = tuple(_item(i, version) for i in entry["item"])
        if not items or len({i.indicator for i in items}) != len(items):
            raise _invalid(f"set {version}: items must exist and name each indicator once")
        out.append(AssessmentSet(version, entry["year"], entry["subject_kind"], entry["effective_from"], digest,
                                 _number(entry["full"], "full"), _number(entry["cap"], "cap"),
                                 _number(entry["best"], "best"), _number(entry["worst"], "worst"),
                                 str(entry["source"]), items))
    if len({s.version for s in out}) != len(out):
        raise _invalid("set versions must be distinct")
    return out


@cache
def _load(today: date) -> tuple[AssessmentSet, ...]:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    return tuple(parse(DEFINITIONS.read_text(encoding="utf-8"), lock, today))


def all_sets(today: date) -> tuple[AssessmentSet, ...]:
    """Every set of the definitions (those in force checked against the lock)."""
    return _load(today)


def set_for(year: int, subject_kind: str, today: date) -> AssessmentSet:
    """The newest set in force on ``today`` for ``year`` and ``subject_kind``."""
    found = [s for s in _load(today) if s.year == year and s.subject_kind == subject_kind
             and s.effective_from <= today]
    if not found:
        raise AssessmentError.NO_SET.error(year=year, subject_kind=subject_kind[:16])
    return max(found, key=lambda s: s.effective_from)


def by_version(version: str, today: date) -> AssessmentSet:
    """The set named ``version`` (a run names the set it was scored with)."""
    for the_set in _load(today):
        if the_set.version == version:
            return the_set
    raise AssessmentError.SETS_INVALID.error(reason=f"no set {version[:40]}")


def lock_text() -> str:
    """The lock file's text: the digest of every set, those not yet in force included, so that a set added for a
    later year loads on its first day without another step (as the supervision indicators' lock; a set not yet in
    force may still be edited and relocked)."""
    raw = tomllib.loads(DEFINITIONS.read_text(encoding="utf-8"))
    digests = {s["version"]: digest_of(s) for s in raw.get("set", [])}
    return json.dumps(digests, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - writes the lock
    LOCK.write_text(lock_text(), encoding="utf-8")

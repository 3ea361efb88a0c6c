"""The schema of a rule file, checked when a profile loads (issue #13 item 1, rules as data).

A rule file is a list of versions; each version states the rules it sets or amends. A file that is
malformed, a rule without a value, a value of another kind than the one it amends, or a version that
repeats a date is refused with the file, the version and the rule named.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ProfileError(ValueError):
    """A city profile that cannot be loaded: names the file, the version and the rule at fault."""

    def __init__(self, path: Path | str, problem: str, *, version: date | None = None, rule: str | None = None) -> None:
        where = str(path)
        if version is not None:
            where += f" [version {version.isoformat()}]"
        if rule is not None:
            where += f" rule {rule}"
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.version = version
        self.rule = rule
        self.problem = problem


class RuleSpec(BaseModel):
    """One rule as written in a version: value, unit, source; ``verified`` is false unless stated."""

    model_config = ConfigDict(extra="forbid", strict=True)

    value: Any
    unit: str = ""
    source: str = ""
    verified: bool = False


class VersionSpec(BaseModel):
    """One version: the day it takes effect, its source, and the rules it sets or amends."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date
    source: str = Field(min_length=1)
    rules: dict[str, RuleSpec] = Field(default_factory=dict)
    removes: list[str] = Field(default_factory=list)  # rules this version takes out of the rule data


class RuleFileSpec(BaseModel):
    """A rule file: at least one version."""

    model_config = ConfigDict(extra="forbid")

    version: list[VersionSpec] = Field(min_length=1)


def value_kind(value: Any) -> str:
    """The kind of a rule value that an amendment must keep (a decimal written as a string is ``decimal``)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            return "string"
        return "decimal"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (date, datetime)):
        return "date"
    return type(value).__name__


def kind_accepts(expected: str, found: str) -> bool:
    """Whether a value of kind ``found`` may replace one of kind ``expected`` (an integer is a number)."""
    return expected == found or (expected == "number" and found == "integer") or (
        expected == "string" and found == "decimal")


def _location(error: dict[str, Any], data: dict[str, Any]) -> tuple[date | None, str | None]:
    loc = error.get("loc", ())
    day: date | None = None
    rule: str | None = None
    if len(loc) >= 2 and loc[0] == "version" and isinstance(loc[1], int):
        try:
            raw = data["version"][loc[1]].get("effective_from")
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            day = None
        if len(loc) >= 4 and loc[2] == "rules":
            rule = str(loc[3])
    return day, rule


def parse_rule_file(path: Path) -> list[VersionSpec]:
    """Read and check one rule file; versions sorted by date; raises ``ProfileError`` naming what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(path, f"not a valid TOML file: {exc}") from exc
    try:
        spec = RuleFileSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        day, rule = _location(dict(first), data)
        field = ".".join(str(p) for p in first["loc"][4:] if not isinstance(p, int)) if rule else ""
        problem = f"{first['msg']}" + (f" ({field})" if field else f" at {'.'.join(str(p) for p in first['loc'])}")
        raise ProfileError(path, problem, version=day, rule=rule) from exc
    versions = sorted(spec.version, key=lambda v: v.effective_from)
    seen: set[date] = set()
    for version in versions:
        if version.effective_from in seen:
            raise ProfileError(path, "two versions take effect on the same day", version=version.effective_from)
        seen.add(version.effective_from)
    for version in versions:
        both = set(version.removes) & set(version.rules)
        if both:
            raise ProfileError(path, "a version both sets and removes a rule", version=version.effective_from,
                               rule=min(both))
    if not versions[0].rules:
        raise ProfileError(path, "the first version sets no rules", version=versions[0].effective_from)
    return versions

"""``landbridge rules ...``: commands for the people who maintain a city's rules (issue #13 item 5)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer

from landbridge.cityprofile.loader import (
    CityProfile,
    RuleSet,
    load_profile,
    profile_folder,
    unlocked_versions,
    write_lock,
)
from landbridge.cityprofile.schema import ProfileError
from landbridge.config import get_settings

app = typer.Typer(help="city profile rules: show, check, diff, working days, lock", no_args_is_help=True)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _profile(code: str | None) -> CityProfile:
    try:
        return load_profile(code or get_settings().city_profile)
    except ProfileError as exc:
        raise _fail(str(exc)) from exc


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option}: not a date (YYYY-MM-DD): {text!r}", 2) from None


def _rule_set(profile: CityProfile, name: str) -> RuleSet:
    if name not in profile.rule_sets:
        known = ", ".join(sorted(profile.rule_sets))
        raise _fail(f"unknown rule set {name!r} in profile {profile.code}: one of {known}", 2)
    return profile.rule_sets[name]


@app.command("show")
def show(rule_set: str = typer.Argument(..., help="rule set, e.g. registry"),
         rule: str = typer.Argument(..., help="rule, e.g. objection_lapse_days"),
         on: str | None = typer.Option(None, "--on", help="day (YYYY-MM-DD); default today in the city"),
         as_json: bool = typer.Option(False, "--json", help="one JSON line"),
         profile: str | None = typer.Option(None, "--profile", help="city profile code")) -> None:
    """The value of a rule in force on a day, with its unit, source, status and version."""
    city = _profile(profile)
    day = _day(on, "--on")
    try:
        version = _rule_set(city, rule_set).version_at(day)
    except LookupError as exc:
        raise _fail(str(exc)) from exc
    if rule not in version.rules:
        raise _fail(f"unknown rule {rule_set}.{rule} on {(day or city.today()).isoformat()}", 2)
    found = version.rules[rule]
    data = {"set": rule_set, "rule": rule, "value": found.value, "unit": found.unit, "source": found.source,
            "verified": found.verified, "effective_from": found.effective_from, "version": version.effective_from}
    if as_json:
        typer.echo(_json(data))
        return
    status = "verified" if found.verified else "platform default, to be confirmed by the city"
    typer.echo(f"{rule_set}.{rule} = {_json(found.value)} {found.unit} (since {found.effective_from}; {status})\n"
               f"  source: {found.source}")


@app.command("check")
def check(profile: str | None = typer.Option(None, "--profile", help="city profile code")) -> None:
    """Validate the selected profile: every file, version and rule, the calendar and the lock."""
    code = profile or get_settings().city_profile
    city = _profile(code)
    folder = profile_folder(code)
    missing = unlocked_versions(city, folder)
    for name, version in missing:
        typer.echo(f"{folder / 'rules' / (name + '.toml')} [version {version.effective_from}]: in force but not in "
                   "rules.lock (run `landbridge rules lock`)", err=True)
    if missing:
        raise typer.Exit(1)
    rules = sum(len(v.amended) for s in city.rule_sets.values() for v in s.versions)
    typer.echo(f"profile {city.code} ({city.name}) OK: {len(city.rule_sets)} rule sets, "
               f"{sum(len(s.versions) for s in city.rule_sets.values())} versions, {rules} rule entries; "
               f"calendar covered until {city.calendar().covered_until()}")


@app.command("diff")
def diff(rule_set: str = typer.Argument(...),
         from_day: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
         to_day: str = typer.Option(..., "--to", help="YYYY-MM-DD"),
         as_json: bool = typer.Option(False, "--json", help="one JSON line per changed rule"),
         profile: str | None = typer.Option(None, "--profile", help="city profile code")) -> None:
    """The rules whose value differs between the versions in force on two days."""
    city = _profile(profile)
    rules = _rule_set(city, rule_set)
    try:
        old, new = rules.version_at(_day(from_day, "--from")), rules.version_at(_day(to_day, "--to"))
    except LookupError as exc:
        raise _fail(str(exc)) from exc
    changed = 0
    for name in sorted(set(old.rules) | set(new.rules)):
        before, after = old.rules.get(name), new.rules.get(name)
        if before is not None and after is not None and before.value == after.value:
            continue
        changed += 1
        row = {"rule": name, "from": before.value if before else None, "to": after.value if after else None,
               "since": after.effective_from if after else None, "source": after.source if after else None}
        typer.echo(_json(row) if as_json else
                   f"{name}: {_json(row['from'])} -> {_json(row['to'])} (since {row['since']}; {row['source']})")
    if not as_json:
        typer.echo(f"{changed} rule(s) differ between {old.effective_from} and {new.effective_from}")


@app.command("workdays")
def workdays_cmd(start: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
                 add: int = typer.Option(..., "--add", min=0, help="working days to add"),
                 as_json: bool = typer.Option(False, "--json", help="print {\"date\": \"YYYY-MM-DD\"}"),
                 profile: str | None = typer.Option(None, "--profile", help="city profile code")) -> None:
    """The day N working days after a day (make-up working days count); an uncovered year is refused."""
    from landbridge.kernel.workdays import CalendarNotCovered, add_workdays

    city = _profile(profile)
    day = _day(start, "--from")
    assert day is not None
    try:
        result = add_workdays(day, add, city.calendar())
    except CalendarNotCovered as exc:
        raise _fail(f"{exc.code}: {exc.message_en} (covered until {exc.details['covered_until']})") from exc
    typer.echo(_json({"date": result.isoformat()}) if as_json else result.isoformat())


@app.command("lock")
def lock(profile: str | None = typer.Option(None, "--profile", help="city profile code")) -> None:
    """Record the digest of every version now in force in rules.lock (existing entries are never changed)."""
    code = profile or get_settings().city_profile
    city = _profile(code)
    added = write_lock(city, profile_folder(code))
    for name, version in added:
        typer.echo(f"locked {name} {version.effective_from} {version.digest}")
    typer.echo(f"{len(added)} version(s) added to rules.lock")

"""``landbridge rules`` for the people who maintain rules, and the public rules page (issue #13 item 5)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landbridge.cityprofile import get_profile
from landbridge.cityprofile.loader import DATA_DIR, _cached
from landbridge.cli import app
from landbridge.config import get_settings
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.cityprofile.test_decisions import amend

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rules", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """LANDBRIDGE_PROFILE_DIR pointing at a copy of the Yingtan profile under another code."""
    shutil.copytree(DATA_DIR / "yingtan", tmp_path / "copycity")
    monkeypatch.setenv("LANDBRIDGE_PROFILE_DIR", str(tmp_path))
    get_settings.cache_clear()
    _cached.cache_clear()
    yield tmp_path / "copycity"
    monkeypatch.delenv("LANDBRIDGE_PROFILE_DIR")
    get_settings.cache_clear()
    _cached.cache_clear()


def test_show_prints_one_json_line() -> None:
    code, out, _ = run("show", "registry", "objection_lapse_days", "--on", "2026-06-01", "--json")
    assert code == 0 and len(out.splitlines()) == 1
    data = json.loads(out)
    assert data["value"] == 15 and data["unit"] == "days" and data["source"] == "民法典 art. 220"
    assert data["verified"] is True and data["effective_from"] == "2021-01-01"
    code, out, _ = run("show", "auth", "session_hours", "--json")
    assert code == 0 and json.loads(out)["verified"] is False


def test_show_refuses_an_unknown_set_or_rule() -> None:
    code, out, err = run("show", "nosuchset", "x", "--json")
    assert code == 2 and out == "" and "unknown rule set 'nosuchset'" in err
    code, out, err = run("show", "registry", "nosuchrule", "--json")
    assert code == 2 and out == "" and "unknown rule registry.nosuchrule" in err
    code, _, err = run("show", "registry", "objection_lapse_days", "--on", "2020-01-01", "--json")
    assert code == 1 and "no version in force" in err


def test_check_passes_the_built_in_profile_and_names_the_file_of_a_bad_one(outside: Path) -> None:
    code, out, _ = run("check")
    assert code == 0 and "profile yingtan" in out and "OK" in out
    path = outside / "rules" / "registry.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("value = 15", 'value = "15"'), encoding="utf-8")
    code, _, err = run("check", "--profile", "copycity")
    assert code == 1 and str(path) in err and "objection_lapse_days" in err


def test_check_fails_while_a_version_in_force_is_not_locked(outside: Path) -> None:
    lock = outside / "rules.lock"
    text = lock.read_text(encoding="utf-8")
    start = text.index("[auth]")
    lock.write_text(text[:start] + text[text.index("[", start + 1):], encoding="utf-8")
    code, _, err = run("check", "--profile", "copycity")
    assert code == 1 and "auth.toml [version 2021-01-01]: in force but not in rules.lock" in err
    code, out, _ = run("lock", "--profile", "copycity")
    assert code == 0 and "locked auth 2021-01-01" in out
    assert run("check", "--profile", "copycity")[0] == 0


def test_diff_lists_what_an_amendment_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    amend(monkeypatch, "registry", date(2030, 1, 1), {"objection_lapse_days": 20})
    monkeypatch.setattr("landbridge.cityprofile.cli.load_profile", lambda code: get_profile(code))
    code, out, _ = run("diff", "registry", "--from", "2026-01-01", "--to", "2030-06-01", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [{"rule": "objection_lapse_days", "from": 15, "to": 20, "since": "2030-01-01",
                     "source": "test"}]
    code, out, _ = run("diff", "registry", "--from", "2026-01-01", "--to", "2027-01-01")
    assert code == 0 and out.strip().endswith("0 rule(s) differ between 2021-01-01 and 2021-01-01")


def test_workdays_counts_make_up_days_and_refuses_an_uncovered_year() -> None:
    code, out, _ = run("workdays", "--from", "2026-02-13", "--add", "1", "--json")
    assert code == 0 and json.loads(out) == {"date": "2026-02-14"}  # a make-up Saturday
    code, out, _ = run("workdays", "--from", "2026-09-30", "--add", "1", "--json")
    assert code == 0 and json.loads(out) == {"date": "2026-10-08"}
    last = get_profile().calendar().covered_until()
    code, out, err = run("workdays", "--from", last.isoformat(), "--add", "1", "--json")
    assert code == 1 and out == "" and "kernel.calendar_not_covered" in err


def test_the_rules_page_lists_every_rule_with_source_status_and_history(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    amend(monkeypatch, "registry", date(2026, 3, 1), {"objection_lapse_days": 20})
    with TestClient(create_app()) as c:
        page = c.get("/rules?lang=zh_CN")
        assert page.status_code == 200 and "现行规则" in page.text
        row = page.text[page.text.index('id="rule-registry-objection_lapse_days"'):]
        row = row[:row.index("</tr>")]
        assert "<td>20</td>" in row and "2026-03-01" in row and "2021-01-01: 15" in row
        session = page.text[page.text.index('id="rule-auth-session_hours"'):]
        assert "平台默认值，待本市确认" in session[:session.index("</tr>")]
        n_rules = sum(len(s.version_at(date(2026, 3, 2)).rules) for s in get_profile().rule_sets.values()
                      if s.versions[0].effective_from <= date(2026, 3, 2))
        assert page.text.count('<tr id="rule-') == n_rules
        before = c.get("/rules?on=2026-02-01").text
        row = before[before.index('id="rule-registry-objection_lapse_days"'):]
        assert "<td>15</td>" in row[:row.index("</tr>")]
        assert c.get("/rules?on=someday").status_code == 422

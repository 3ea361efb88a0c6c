"""Rule versions as amendments, "no day" means today, and profiles checked when they load (issue #13 item 1)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from landbridge.cityprofile import load_profile
from landbridge.cityprofile.loader import DATA_DIR
from landbridge.cityprofile.schema import ProfileError
from landbridge.kernel.clock import Clock, get_clock, set_clock

AMENDMENT_2099 = """
[[version]]
effective_from = "2099-01-01"
source = "an amendment that is not yet in force"

[version.rules.objection_lapse_days]
value = 30
unit = "days"
source = "invented for the test"
"""


@pytest.fixture
def profile_copy(tmp_path: Path) -> Path:
    """A copy of the built-in Yingtan profile that a test may amend."""
    shutil.copytree(DATA_DIR / "yingtan", tmp_path / "yingtan")
    return tmp_path


@pytest.fixture
def frozen_today() -> Iterator[None]:
    """The process clock frozen at noon, 6 December 2026 (Asia/Shanghai)."""
    previous = get_clock()
    set_clock(Clock(datetime(2026, 12, 6, 4, 0, tzinfo=UTC), speed=0))
    yield
    set_clock(previous)


def _append(base: Path, rule_set: str, text: str) -> None:
    path = base / "yingtan" / "rules" / f"{rule_set}.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_future_version_never_applies_before_its_day(profile_copy: Path, frozen_today: None) -> None:
    _append(profile_copy, "registry", AMENDMENT_2099)
    registry = load_profile("yingtan", profile_copy).rules("registry")
    assert registry.int("objection_lapse_days") == 15  # no day: today, 2026-12-06
    assert registry.int("objection_lapse_days", date(2098, 12, 31)) == 15
    assert registry.int("objection_lapse_days", date(2099, 1, 1)) == 30
    assert registry.version_at().effective_from == date(2021, 1, 1)


def test_no_day_means_today_in_the_city_time_zone(profile_copy: Path) -> None:
    _append(profile_copy, "registry", AMENDMENT_2099.replace("2099-01-01", "2027-01-01"))
    registry = load_profile("yingtan", profile_copy).rules("registry")
    previous = get_clock()
    try:
        # 2026-12-31 16:30 UTC is already 1 January 2027 in Asia/Shanghai.
        set_clock(Clock(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), speed=0))
        assert registry.int("objection_lapse_days") == 30
        set_clock(Clock(datetime(2026, 12, 31, 15, 30, tzinfo=UTC), speed=0))
        assert registry.int("objection_lapse_days") == 15
    finally:
        set_clock(previous)


def test_a_partial_amendment_inherits_the_rest(profile_copy: Path) -> None:
    _append(profile_copy, "registry", AMENDMENT_2099)
    registry = load_profile("yingtan", profile_copy).rules("registry")
    new, old = registry.version_at(date(2099, 6, 1)), registry.version_at(date(2026, 6, 1))
    assert new.amended == frozenset({"objection_lapse_days"})
    assert set(new.rules) == set(old.rules)
    assert registry.int("advance_notice_lapse_days", date(2099, 6, 1)) == 90
    assert registry.decimal("overlap_tolerance_m2", date(2099, 6, 1)) == registry.decimal("overlap_tolerance_m2",
                                                                                         date(2026, 6, 1))
    assert new.rules["advance_notice_lapse_days"].effective_from == date(2021, 1, 1)
    assert new.rules["objection_lapse_days"].effective_from == date(2099, 1, 1)
    assert new.digest != old.digest
    assert [r.value for r in registry.history("objection_lapse_days")] == [15, 30]


@pytest.mark.parametrize(("text", "problem", "rule"), [
    ('[version.rules.objection_lapse_days]\nunit = "days"\nsource = "s"\n', "Field required", "objection_lapse_days"),
    ('[version.rules.objection_lapse_days]\nvalue = "fifteen"\nsource = "s"\n', "is a string, the rule holds a integer",
     "objection_lapse_days"),
    ('[version.rules.overlap_tolerance_m2]\nvalue = "a lot"\nsource = "s"\n', "is a string, the rule holds a decimal",
     "overlap_tolerance_m2"),
    ('[version.rules.objection_lapse_days]\nvalue = 20\nverified = "yes"\n', "valid boolean", "objection_lapse_days"),
    ('[version.rules.objection_lapse_days]\nvalue = 20\nsoruce = "typo"\n', "Extra inputs", "objection_lapse_days"),
])
def test_a_malformed_file_fails_to_load_with_its_name(profile_copy: Path, text: str, problem: str,
                                                      rule: str) -> None:
    _append(profile_copy, "registry", '\n[[version]]\neffective_from = "2030-01-01"\nsource = "bad"\n\n' + text)
    with pytest.raises(ProfileError) as caught:
        load_profile("yingtan", profile_copy)
    message = str(caught.value)
    assert "registry.toml" in message and "2030-01-01" in message and rule in message
    assert problem in message


def test_a_file_that_is_not_toml_or_repeats_a_day_is_refused(profile_copy: Path) -> None:
    _append(profile_copy, "auth", '\n[[version]]\neffective_from = "2021-01-01"\nsource = "again"\n')
    with pytest.raises(ProfileError, match=r"auth\.toml \[version 2021-01-01\]: two versions"):
        load_profile("yingtan", profile_copy)
    (profile_copy / "yingtan" / "rules" / "auth.toml").write_text("[[version]\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"auth\.toml: not a valid TOML"):
        load_profile("yingtan", profile_copy)


def test_verified_defaults_to_false(profile_copy: Path) -> None:
    _append(profile_copy, "auth", '\n[[version]]\neffective_from = "2030-01-01"\nsource = "s"\n\n'
                                  '[version.rules.login_max_failures]\nvalue = 6\nsource = "s"\n')
    auth = load_profile("yingtan", profile_copy).rules("auth")
    assert auth.rule("login_max_failures", date(2030, 1, 1)).verified is False
    builtin = load_profile("yingtan")
    assert builtin.rules("auth").rule("session_hours").verified is False  # a platform default
    assert builtin.rules("registry").rule("objection_lapse_days").verified is True  # 民法典 art. 220


def test_a_version_may_remove_rules_and_their_history_stays(profile_copy: Path) -> None:
    _append(profile_copy, "auth", '\n[[version]]\neffective_from = "2029-01-01"\nsource = "added"\n\n'
                                  '[version.rules.extra_hours]\nvalue = 2\nsource = "s"\n'
                                  '\n[[version]]\neffective_from = "2030-01-01"\nsource = "moved"\n'
                                  'removes = ["extra_hours"]\n')
    auth = load_profile("yingtan", profile_copy).rules("auth")
    assert "extra_hours" not in auth.version_at(date(2030, 1, 1)).rules
    assert auth.int("extra_hours", date(2029, 12, 31)) == 2
    assert [r.value for r in auth.history("extra_hours")] == [2]
    _append(profile_copy, "auth", '\n[[version]]\neffective_from = "2031-01-01"\nsource = "again"\n'
                                  'removes = ["extra_hours"]\n')
    with pytest.raises(ProfileError, match=r"auth\.toml \[version 2031-01-01\] rule extra_hours: removes a rule"):
        load_profile("yingtan", profile_copy)


def test_another_profile_missing_a_rule_the_platform_reads_is_refused(profile_copy: Path) -> None:
    _append(profile_copy, "auth", '\n[[version]]\neffective_from = "2030-01-01"\nsource = "s"\n'
                                  'removes = ["api_token_hours"]\n')
    with pytest.raises(ProfileError, match=r"auth\.toml \[version 2030-01-01\] rule api_token_hours: rule missing"):
        load_profile("yingtan", profile_copy)

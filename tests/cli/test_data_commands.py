"""``landbridge import/export parcels``, ``privacy rotate-keys`` and ``rules …``: success output, bad arguments
with their exit codes and messages (issue #14 item 8; R1; issue #12 item 4; issue #13 item 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.cityprofile.loader import _cached
from landbridge.config import Settings, get_settings
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.kernel.clock import Clock
from landbridge.registry.files import read_parcels, write_parcels
from landbridge.registry.models import Parcel
from tests.cli.conftest import landbridge

BOX = (116.95, 28.15, 116.96, 28.16)
PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def _parcels(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(Parcel)) or 0)


def test_import_then_export_in_and_out_of_a_box(db: Database, settings: Settings, clock: Clock,
                                                tmp_path: Path) -> None:
    source = tmp_path / "in.geojson"
    write_parcels(source, generate_parcels(8, BOX, seed=3), {"land_use_class": ["0702"] * 8})
    village = get_profile().villages()[3].code
    done = landbridge("import", "parcels", str(source), "--region-code", village, "--actor", "cli-test",
                      "--database", settings.database_url)
    assert done.code == 0, done.out
    assert "imported 8 parcels as application" in done.out and _parcels(db) == 8
    inside = landbridge("export", "parcels", str(tmp_path / "in-box.geojson"), "--bbox", ",".join(map(str, BOX)),
                        "--database", settings.database_url)
    assert inside.code == 0 and "exported 8 parcels" in inside.out
    assert len(read_parcels(tmp_path / "in-box.geojson").batch) == 8
    away = landbridge("export", "parcels", str(tmp_path / "away.gpkg"), "--bbox", "100,20,100.01,20.01",
                      "--database", settings.database_url)
    assert away.code == 0 and "exported 0 parcels" in away.out


def test_import_refusals_write_nothing(db: Database, settings: Settings, clock: Clock, tmp_path: Path) -> None:
    missing = landbridge("import", "parcels", str(tmp_path / "none.geojson"), "--database", settings.database_url)
    assert missing.code == 2 and "does not exist" in missing.err
    shapefile = tmp_path / "parcels.shp"
    shapefile.write_bytes(b"not a shapefile")
    wrong = landbridge("import", "parcels", str(shapefile), "--database", settings.database_url)
    assert wrong.code == 1 and "import rejected" in wrong.out and "registry.unreadable_file" in wrong.out
    assert _parcels(db) == 0


def test_export_refuses_a_box_without_four_numbers(db: Database, settings: Settings, tmp_path: Path) -> None:
    bad = landbridge("export", "parcels", str(tmp_path / "x.geojson"), "--bbox", "1,2,3",
                     "--database", settings.database_url)
    assert bad.code == 2 and "--bbox needs four numbers" in bad.err
    assert not (tmp_path / "x.geojson").exists()


def test_rotate_keys_on_an_empty_register_and_a_bad_chunk(db: Database, settings: Settings) -> None:
    done = landbridge("privacy", "rotate-keys", "--database", settings.database_url)
    assert done.code == 0 and "0 of 0 parties re-encrypted" in done.out
    bad = landbridge("privacy", "rotate-keys", "--chunk", "0", "--database", settings.database_url)
    assert bad.code == 2 and "--chunk" in bad.err


def test_rules_show_in_words_and_its_bad_arguments() -> None:
    shown = landbridge("rules", "show", "registry", "objection_lapse_days", "--on", "2026-06-01")
    assert shown.code == 0
    assert shown.out.startswith("registry.objection_lapse_days = 15 days (since 2021-01-01; verified)")
    assert "source: 民法典 art. 220" in shown.out
    default = landbridge("rules", "show", "auth", "session_hours")
    assert default.code == 0 and "platform default, to be confirmed by the city" in default.out
    bad_day = landbridge("rules", "show", "registry", "objection_lapse_days", "--on", "1 June")
    assert bad_day.code == 2 and "--on: not a date (YYYY-MM-DD): '1 June'" in bad_day.err and bad_day.out == ""
    no_city = landbridge("rules", "show", "registry", "objection_lapse_days", "--profile", "atlantis")
    assert no_city.code == 1 and "atlantis" in no_city.err
    missing = landbridge("rules", "show", "registry")
    assert missing.code == 2 and "Missing argument" in missing.err


def test_rules_diff_and_workdays_refuse_bad_days() -> None:
    unknown = landbridge("rules", "diff", "nosuchset", "--from", "2026-01-01", "--to", "2026-02-01")
    assert unknown.code == 2 and "unknown rule set 'nosuchset'" in unknown.err
    bad = landbridge("rules", "diff", "registry", "--from", "2026-13-01", "--to", "2026-02-01")
    assert bad.code == 2 and "--from: not a date" in bad.err
    same = landbridge("rules", "diff", "registry", "--from", "2026-01-01", "--to", "2026-02-01", "--json")
    assert same.code == 0 and same.out == ""  # one line per changed rule: none
    plain = landbridge("rules", "workdays", "--from", "2026-03-02", "--add", "5")
    assert plain.code == 0 and plain.out.strip() == "2026-03-09"
    negative = landbridge("rules", "workdays", "--from", "2026-03-02", "--add", "-1")
    assert negative.code == 2 and "--add" in negative.err
    not_a_day = landbridge("rules", "workdays", "--from", "soon", "--add", "1")
    assert not_a_day.code == 2 and "--from: not a date" in not_a_day.err


@pytest.fixture
def profile_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANDBRIDGE_PROFILE_DIR", str(PROFILES))
    get_settings.cache_clear()
    _cached.cache_clear()
    yield
    monkeypatch.delenv("LANDBRIDGE_PROFILE_DIR")
    get_settings.cache_clear()
    _cached.cache_clear()


def test_rules_commands_read_a_profile_from_outside_the_package(profile_dir: None) -> None:
    checked = landbridge("rules", "check", "--profile", "dongxiang")
    assert checked.code == 0 and "profile dongxiang" in checked.out and "OK" in checked.out
    own = json.loads(landbridge("rules", "show", "auth", "login_max_failures", "--profile", "dongxiang",
                                "--json").out)
    home = json.loads(landbridge("rules", "show", "auth", "login_max_failures", "--profile", "yingtan",
                                 "--json").out)
    assert (own["value"], home["value"]) == (3, 5)
    nothing = landbridge("rules", "lock", "--profile", "dongxiang")
    assert nothing.code == 0 and nothing.out.strip() == "0 version(s) added to rules.lock"

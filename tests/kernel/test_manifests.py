"""Module manifests (issue #14 item 1): a package added in its own folder shows up in the API, the CLI, the worker
and the schema; a manifest naming something that does not exist stops start-up, naming the manifest and the string.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import landbridge
from landbridge.db import Database
from landbridge.kernel import modules
from landbridge.kernel.modules import ManifestError
from landbridge.schema import load_models

PROFILE_RULES = Path(landbridge.__file__).parent / "cityprofile" / "data" / "yingtan" / "rules"


@pytest.fixture
def extra_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder whose packages are sub-packages of ``landbridge`` for this test only."""
    monkeypatch.setattr(landbridge, "__path__", [*landbridge.__path__, str(tmp_path)])
    modules.manifests.cache_clear()
    yield tmp_path
    for name in [n for n in sys.modules if any(n.startswith(f"landbridge.{p.name}") for p in tmp_path.iterdir())]:
        del sys.modules[name]
    monkeypatch.undo()
    modules.manifests.cache_clear()


def write_package(root: Path, name: str, files: dict[str, str]) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text('"""A package made by a test."""\n')
    for file, text in files.items():
        (package / file).parent.mkdir(parents=True, exist_ok=True)
        (package / file).write_text(textwrap.dedent(text))


def test_every_package_has_a_manifest_and_every_string_resolves() -> None:
    names = {m.name for m in modules.manifests()}
    packages = {p.parent.name for p in Path(landbridge.__file__).parent.glob("*/__init__.py")}
    assert names == packages
    modules.check_all()  # every router, table module, job, CLI group, middleware and template folder exists


def test_the_routers_mount_in_the_order_route_precedence_was_built_on() -> None:
    order = [r.target.removesuffix(":router") for r, _ in modules.routers()]
    assert order[:3] == ["landbridge.auth.views", "landbridge.web.docs", "landbridge.ledger.views"]
    assert order.index("landbridge.registry.views") < order.index("landbridge.registry.map_page")
    assert order.index("landbridge.registry.map_page") < order.index("landbridge.shell.session_pages")
    assert order.index("landbridge.valuation.sales.views") < order.index("landbridge.valuation.benchmark.views")
    # its catch-all rule paths come last (shell's manifest gives them order 999): every other router mounts before
    assert order[-1] == "landbridge.shell.rules_pages"


def test_every_rule_set_of_the_profile_belongs_to_exactly_one_package() -> None:
    declared = [rule_set for m in modules.manifests() for rule_set in m.rule_sets]
    assert len(declared) == len(set(declared))
    assert set(declared) == {p.stem for p in PROFILE_RULES.glob("*.toml")}


def test_a_misspelled_router_stops_the_app_naming_manifest_and_string(extra_packages: Path) -> None:
    write_package(extra_packages, "typo", {"manifest.py": """
        from landbridge.kernel.modules import Layer, Manifest, Router

        MANIFEST = Manifest(name="typo", layer=Layer.domain, order=901,
                            routers=(Router("landbridge.typo.vews:router", order=901),))
        """})
    from landbridge.main import create_app

    with pytest.raises(ManifestError, match=r"landbridge\.typo\.manifest names 'landbridge\.typo\.vews'"):
        create_app()


def test_a_misspelled_table_module_stops_the_app_too(extra_packages: Path) -> None:
    write_package(extra_packages, "typo", {"manifest.py": """
        from landbridge.kernel.modules import Layer, Manifest

        MANIFEST = Manifest(name="typo", layer=Layer.domain, order=901, models=("landbridge.typo.modls",))
        """})
    from landbridge.main import create_app

    with pytest.raises(ManifestError, match=r"landbridge\.typo\.manifest names 'landbridge\.typo\.modls'"):
        create_app()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("models", '("landbridge.typo.modles",)', "no module 'landbridge.typo.modles'"),
    ("jobs", '("landbridge.typo:run_deu",)', "landbridge.typo has no 'run_deu'"),
    ("long_jobs", '("landbridge.typo.jobs",)', "expected 'module:attribute'"),
    ("cli", '(CliGroup("typo", "landbridge.typo.clli:app", order=901),)', "no module 'landbridge.typo.clli'"),
    ("templates", '"templtes"', "template folder 'templtes'"),
])
def test_a_misspelled_string_of_any_kind_fails_loudly(extra_packages: Path, field: str, value: str,
                                                      message: str) -> None:
    write_package(extra_packages, "typo", {"manifest.py": f"""
        from landbridge.kernel.modules import CliGroup, Layer, Manifest

        MANIFEST = Manifest(name="typo", layer=Layer.domain, order=901, {field}={value})
        """})
    with pytest.raises(ManifestError, match=message.replace(".", r"\.").replace("(", r"\(")) as raised:
        modules.check_all()
    assert "landbridge.typo.manifest" in str(raised.value)


def test_a_package_without_a_manifest_or_with_a_taken_order_fails(extra_packages: Path) -> None:
    write_package(extra_packages, "bare", {})
    with pytest.raises(ManifestError, match=r"package landbridge\.bare has no manifest\.py"):
        modules.manifests()
    (extra_packages / "bare" / "manifest.py").write_text(
        "from landbridge.kernel.modules import Layer, Manifest\n\n"
        "MANIFEST = Manifest(name='bare', layer=Layer.domain, order=50)\n")  # planning's order
    modules.manifests.cache_clear()
    with pytest.raises(ManifestError, match=r"manifest order 50 is declared twice"):
        modules.manifests()


def test_a_router_order_taken_twice_fails(extra_packages: Path) -> None:
    write_package(extra_packages, "twice", {"manifest.py": """
        from landbridge.kernel.modules import Layer, Manifest, Router

        MANIFEST = Manifest(name="twice", layer=Layer.domain, order=902,
                            routers=(Router("landbridge.twice.views:router", order=140),))
        """})
    with pytest.raises(ManifestError, match=r"router order 140 is declared twice.*landbridge\.planning\.manifest"):
        modules.routers()


THROWAWAY = {
    "manifest.py": """
        \"\"\"A throwaway module: one router, one table, one job, one CLI group, one template folder.\"\"\"

        from landbridge.kernel.modules import CliGroup, Layer, Manifest, Router

        MANIFEST = Manifest(
            name="throwaway", layer=Layer.domain, order=990, templates="templates",
            routers=(Router("landbridge.throwaway.views:router", order=990),),
            models=("landbridge.throwaway.models",),
            jobs=("landbridge.throwaway.jobs:run_due",),
            cli=(CliGroup("throwaway", "landbridge.throwaway.cli:app", order=990),),
        )
        """,
    "models.py": """
        from sqlalchemy import Integer, String
        from sqlalchemy.orm import Mapped, mapped_column

        from landbridge.db import Base


        class Note(Base):
            __tablename__ = "throwaway_note"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            text: Mapped[str] = mapped_column(String(40))
        """,
    "views.py": """
        from fastapi import APIRouter
        from sqlalchemy import func, select

        from landbridge.db import get_database
        from landbridge.throwaway.models import Note

        router = APIRouter(prefix="/api/v1/throwaway", tags=["throwaway"])


        @router.get("/notes")
        def count_notes() -> dict[str, int]:
            with get_database().transaction(readonly=True) as session:
                return {"notes": session.scalar(select(func.count()).select_from(Note)) or 0}
        """,
    "jobs.py": """
        from sqlalchemy import func, select
        from sqlalchemy.orm import Session

        from landbridge.throwaway.models import Note


        def run_due(session: Session) -> int:
            if session.scalar(select(func.count()).select_from(Note)):
                return 0  # idempotent, as every job
            session.add(Note(text="from the worker"))
            return 1
        """,
    "cli.py": """
        import typer

        app = typer.Typer(help="a throwaway module's commands")


        @app.command("shout")
        def shout(word: str) -> None:
            \"\"\"Print a word in capitals.\"\"\"
            print(word.upper() + "!")


        @app.command("noop")
        def noop() -> None:
            \"\"\"Do nothing (a group with one command would collapse into it).\"\"\"
        """,
    "templates/throwaway/note.html": "<p>{{ note }}</p>\n",
}

DRIVER = """
import json, logging, sys
import landbridge

landbridge.__path__.append(sys.argv[1])
logging.basicConfig(level=logging.ERROR, stream=sys.stderr)

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landbridge.cli import app as cli
from landbridge.db import Database, set_database
from landbridge.main import create_app
from landbridge.schema import load_models, upgrade
from landbridge import worker
from landbridge.web.render import _env

url = sys.argv[2]
metadata = load_models()
upgrade(url)
db = Database(url)
set_database(db)
metadata.tables["throwaway_note"].create(db.engine)  # a real module adds a migration; see the howto
client = TestClient(create_app())
before = client.get("/api/v1/throwaway/notes").json()
fired = worker.run_due_jobs()
after = client.get("/api/v1/throwaway/notes").json()
runner = CliRunner()
print(json.dumps({
    "tables": sorted(metadata.tables),
    "openapi": sorted(client.get("/api/v1/openapi.json").json()["paths"]),
    "before": before, "after": after, "fired": fired,
    "jobs": [name for name, _ in worker.deadline_jobs()],
    "help": runner.invoke(cli, ["--help"]).output,
    "run": runner.invoke(cli, ["throwaway", "shout", "hello"]).output,
    "template": _env.get_template("throwaway/note.html").render(note="n"),
}))
"""


def test_a_throwaway_module_in_its_own_folder_shows_up_everywhere(tmp_path: Path) -> None:
    """Done means of issue #14: edits in the module's own folder only; app, CLI, worker and schema all see it."""
    write_package(tmp_path, "throwaway", THROWAWAY)
    env = {**os.environ, "LANDBRIDGE_MODE": "test", "LANDBRIDGE_VAR_DIR": str(tmp_path),
           "LANDBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'throwaway.db'}", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path), env["LANDBRIDGE_DATABASE_URL"]],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "throwaway_note" in seen["tables"] and "registry_parcel" in seen["tables"]  # beside everyone else's tables
    assert "/api/v1/throwaway/notes" in seen["openapi"]
    assert seen["before"] == {"notes": 0}
    assert seen["after"] == {"notes": 1}  # the worker ran the module's job and committed its row
    assert seen["fired"] >= 1
    assert seen["jobs"][-1] == "landbridge.throwaway.jobs:run_due"
    assert "throwaway" in seen["help"] and "valuation" in seen["help"]
    assert seen["run"].strip() == "HELLO!"
    assert seen["template"] == "<p>n</p>"
    assert "job" not in done.stderr  # no job failed (a failing job is logged and retried)



# The spatial index of each geometry column, made by the migrations for each database (kernel.spatial) and not
# declared in the models: SQLite's R*Tree tables, PostgreSQL's GiST index ix_<table>_geom; PostGIS's own table.
OWN_TABLES = re.compile(r"(_rtree(_node|_parent|_rowid)?|^spatial_ref_sys)$")
OWN_INDEXES = re.compile(r"^ix_\w+_geom$")


def _own(diff: object) -> bool:
    if not isinstance(diff, tuple):
        return False
    kind, item = diff[0], diff[1]
    return (kind == "remove_table" and bool(OWN_TABLES.search(item.name))) or (
        kind == "remove_index" and bool(OWN_INDEXES.match(item.name or "")))


def test_the_migrations_build_exactly_the_tables_the_manifests_declare(db: Database) -> None:
    """Models read through the manifests (as Alembic's env.py reads them) and the migrated schema agree, whole."""
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), load_models())
    real = [d for d in diffs if not _own(d)]
    assert real == []
    assert {"registry_parcel", "planning_zone", "exchange_lot", "auth_user"} <= set(load_models().tables)

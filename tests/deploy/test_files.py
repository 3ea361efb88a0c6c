"""The deployment files (deploy/, issue #22 item 3) name commands and options the CLI has, run as an unprivileged
user on a read-only root filesystem, and copy only what exists: they cannot rot silently when the CLI changes."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path

import pytest
import typer.main
import yaml

from landbridge.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LANDBRIDGE = "/opt/landbridge/.venv/bin/landbridge"


def _check_command(argv: list[str]) -> None:
    """``argv`` (after the ``landbridge`` executable) is a command of the CLI with options it knows."""
    command = typer.main.get_command(app)
    args = list(argv)
    while hasattr(command, "commands"):  # a group (typer carries its own click)
        assert args, f"{argv}: a command group needs a subcommand"
        name = args.pop(0)
        assert name in command.commands, f"{argv}: no command {name!r}"
        command = command.commands[name]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for arg in args:
        if arg.startswith("--"):
            assert arg.split("=", 1)[0] in known, f"{argv}: {command.name} has no option {arg}"


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read(path, encoding="utf-8")
    return unit


@pytest.mark.parametrize("name", ["landbridge-web@.service", "landbridge-worker.service",
                                  "landbridge-migrate.service"])
def test_systemd_units_run_real_commands_confined(name: str) -> None:
    unit = _unit(DEPLOY / "systemd" / name)
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == LANDBRIDGE
    _check_command([a.replace("%i", "8001") for a in argv[1:]])
    assert service["User"] == "landbridge" and service["EnvironmentFile"] == "/etc/landbridge/landbridge.env"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/landbridge"
    for variable in re.findall(r"\$\{(\w+)\}", service["ExecStart"]):  # every variable is in the example env
        assert f"\n{variable}=" in (DEPLOY / "landbridge.env.example").read_text(encoding="utf-8")
    if name != "landbridge-migrate.service":
        assert "landbridge-migrate.service" in unit["Unit"]["Requires"]


def test_the_example_environment_names_real_settings_and_holds_no_secret() -> None:
    from landbridge.config import Settings

    fields = {f"LANDBRIDGE_{name.upper()}" for name in Settings.model_fields}
    for line in (DEPLOY / "landbridge.env.example").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        assert name in fields or name == "LANDBRIDGE_PROXY_ADDRESSES", name  # the one the units use themselves
        if any(word in name for word in ("SECRET", "KEYS", "KEY", "TOKEN")) and not name.endswith(
                ("_FILE", "RETIRED_PUBLIC_KEYS")):
            assert value == "", f"{name} must be left empty in the example"


def _dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in text.splitlines()
            if ln.strip() and not ln.startswith("#")]


def test_the_image_runs_unprivileged_commands_the_cli_has() -> None:
    steps = _dockerfile()
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    for op, arg in steps:
        if op == "COPY":
            for source in arg.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    entry = json.loads(next(arg for op, arg in steps if op == "ENTRYPOINT"))
    assert entry == [LANDBRIDGE]
    _check_command(json.loads(next(arg for op, arg in steps if op == "CMD")))


def test_compose_services_use_real_commands_read_only() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    app_services = [s for s, spec in services.items() if spec.get("image") == "landbridge:latest"]
    assert set(app_services) == {"migrate", "web1", "web2", "worker"}
    for name in app_services:
        spec = services[name]
        _check_command(spec["command"])
        assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]
        assert (DEPLOY / spec["env_file"]).with_suffix(".env.example").exists()
    servers = (DEPLOY / "nginx" / "compose-servers.conf").read_text(encoding="utf-8")
    for name in ("web1", "web2"):
        assert f"server {name}:8000" in servers
    for volume in services["proxy"]["volumes"]:
        assert (DEPLOY / volume.split(":")[0]).exists()

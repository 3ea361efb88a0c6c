"""``make demo`` (``landbridge demo``) serves after building: it calls ``serve`` as a plain function, so every one of
serve's parameters must be passed (a typer default left out arrives as an ``OptionInfo``: the demo crashed so once)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from typer.testing import CliRunner

from landbridge import cli
from landbridge.db import Database, set_database
from landbridge.demo import world
from landbridge.demo.world_state import WorldReport


def test_demo_serves_with_every_parameter_of_serve(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(world, "build_world", lambda *_a, **_k: WorldReport(accounts=[("村民甲", "演示村", "member")]))
    monkeypatch.setattr(cli, "serve", lambda **kw: served.append(kw))
    try:
        # the test's own database (already migrated; the stubbed build writes nothing): no other URL left behind
        out = CliRunner().invoke(cli.app, ["demo", "--database", db.url, "--port", "8123"])
    finally:
        set_database(db)
    assert out.exit_code == 0, out.output
    assert "村民甲" in out.output and "serving http://127.0.0.1:8123" in out.output
    (kwargs,) = served
    assert set(kwargs) == set(inspect.signature(_real_serve()).parameters)
    assert not any(type(v).__name__ in ("OptionInfo", "ArgumentInfo") for v in kwargs.values())


def _real_serve() -> Any:
    return next(c.callback for c in cli.app.registered_commands if c.callback is not None
                and c.callback.__name__ == "serve")

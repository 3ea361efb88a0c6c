"""``landbridge valuation …``: commands that work on any sales table, not only ours (L1).

Each command lives in the module that owns it and registers itself with ``register(app)``; a module named
here that does not exist stops the CLI at start-up (issue #14 item 1: nothing is skipped silently).
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("landbridge.valuation.ratio.cli", "landbridge.valuation.mass.cli",
                   "landbridge.valuation.benchmark.cli", "landbridge.valuation.learn.cli")

app = typer.Typer(help="估价 / valuation: ratio studies, mass appraisal, benchmark prices", no_args_is_help=True)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register()

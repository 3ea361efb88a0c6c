"""``landbridge valuation …``: commands that work on any sales table, not only ours (L1).

Each command lives in the module that owns it and registers itself with ``register(app)``; a module
not present yet is skipped (as the optional routers in ``main.py``).
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("landbridge.valuation.ratio_cli", "landbridge.valuation.mass_cli",
                   "landbridge.valuation.benchmark_cli")

app = typer.Typer(help="估价 / valuation: ratio studies, mass appraisal, benchmark prices", no_args_is_help=True)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register()

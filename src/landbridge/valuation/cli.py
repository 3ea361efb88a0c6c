"""``landbridge valuation …``: commands that work on any sales table, not only ours (L1).

Each command lives in the module that owns it and registers itself with ``register(app)``; a module
not present yet is skipped (as the optional routers in ``main.py``).
"""

from __future__ import annotations

import typer

from landbridge.kernel.modules import import_optional

COMMAND_MODULES = ("landbridge.valuation.ratio.cli", "landbridge.valuation.mass.cli",
                   "landbridge.valuation.benchmark.cli", "landbridge.valuation.learn.cli")

app = typer.Typer(help="估价 / valuation: ratio studies, mass appraisal, benchmark prices", no_args_is_help=True)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = import_optional(name)
        if module is not None:
            module.register(app)


_register()

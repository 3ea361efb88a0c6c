"""``landbridge credit …``: the credit system's commands (issue #18)."""

from __future__ import annotations

import typer

from landbridge.credit.scorecard import cli as scorecard_cli

app = typer.Typer(help="credit: grades, the statistical scorecard", no_args_is_help=True)
scorecard_cli.register(app)

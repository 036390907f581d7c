"""The ``borderflow`` command line.

The commands live in :mod:`.commands` (one scenario, or results already written) and
:mod:`.commands_analysis` (many simulations); what they print, in :mod:`.show`. They are
registered here, in the order ``borderflow --help`` lists them.
"""

from __future__ import annotations

import sys

from borderflow.interfaces.cli.commands import (
    compare,
    params,
    plan,
    report,
    run,
    scenarios,
    serve,
    validate,
)
from borderflow.interfaces.cli.commands_analysis import (
    calibrate,
    ensemble,
    scorecard,
    sensitivity,
)
from borderflow.interfaces.cli.common import app, errors
from borderflow.interfaces.cli.data import data

__all__ = ["app", "main"]

for _command in (
    run,
    ensemble,
    report,
    compare,
    scenarios,
    validate,
    params,
    plan,
    data,
    serve,
    calibrate,
    sensitivity,
    scorecard,
):
    app.command()(_command)


def main() -> None:
    """Entry point of the ``borderflow`` command."""
    try:
        app()
    except KeyboardInterrupt:
        errors.print("Interrupted: no results folder was left half-written.")
        sys.exit(130)

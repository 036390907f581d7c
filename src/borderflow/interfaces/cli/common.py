"""What every command shares: the command group, the consoles, loading and refusing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from borderflow.interfaces import api
from borderflow.model.kernels import kernel_problem
from borderflow.report.html import Written, write_report
from borderflow.results import store
from borderflow.results.results import Results
from borderflow.scenario.bounds import MAX_WORKERS
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.schema import Scenario
from borderflow.scenario.settings import apply_settings


class _Commands(TyperGroup):
    """The commands; a path refused or a write the system refused ends in one line, no traceback.

    A refused output path (it holds what borderflow did not write) exits with 2, like any
    other bad argument; a failure of the operating system (disk full, read-only, name too
    long, permission) exits with 1.
    """

    def invoke(self, ctx: typer.Context) -> Any:
        problem = kernel_problem()
        if problem is not None:  # checked before any work: a typo never runs the other kernel
            stop(ValueError(f"borderflow: {problem}"))
        try:
            return super().invoke(ctx)
        except store.OutputRefusedError as exc:
            say(exc)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            say(exc)
            raise typer.Exit(code=1) from None


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=False,
    help="Simulate the migration and asylum system at the U.S.-Mexico border.",
)
# Wide enough for the tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

#: The scenario argument of the commands that run one.
ScenarioArgument = Annotated[str, typer.Argument(help="bundled name or scenario file")]
#: Options shared by the commands that run many simulations.
WorkersOption = Annotated[
    int, typer.Option(min=1, max=MAX_WORKERS, help="runs (simulations) at the same time")
]
BackendOption = Annotated[str, typer.Option(help="local (processes on this machine) or ray")]
RayAddressOption = Annotated[
    str | None, typer.Option(help="an existing Ray cluster (e.g. auto, ray://head:10001)")
]


def stop(problem: Exception) -> NoReturn:
    """Print a problem with what was asked as one line, in red, and exit with 2."""
    errors.print(str(problem), style="bold red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def say(exc: OSError) -> None:
    """Print an operating-system error as one line: the path and the cause."""
    if isinstance(exc, store.OutputError):
        line = str(exc)
    elif exc.filename:
        line = f"{exc.filename}: {store.describe(exc)}"
    else:
        line = store.describe(exc)
    errors.print(f"borderflow: {line}", markup=False, highlight=False, soft_wrap=True)


def fail(exc: ScenarioError) -> NoReturn:
    """Print every problem of a scenario and exit with 2."""
    errors.print(f"[bold red]The scenario has {len(exc.problems)} problem(s):[/]")
    for problem in exc.problems:
        errors.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def load(scenario: str, settings: list[str] | None) -> Scenario:
    """Load a scenario with ``--set`` applied, or print every problem and exit."""
    try:
        return apply_settings(api.load_scenario(scenario), settings or [])
    except ScenarioError as exc:
        fail(exc)


def default_folder(*parts: str) -> Path:
    """``results/`` and a folder name made of ``parts`` (the scenario, its changes, ...)."""
    return Path("results") / store.folder_name(*parts)


def report_into(source: Results | Path, folder: Path, png: bool = False) -> Written:
    """Write the report into a finished results folder, or say the results are whole without it.

    Raises:
        typer.Exit: the report could not be written (code 1); the results are complete.
    """
    try:
        return write_report(source, folder, png=png)
    except OSError as exc:
        errors.print(
            f"borderflow: {exc}; the results in {folder} are complete, "
            f"`borderflow report {folder}` writes the report again",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from None


@contextlib.contextmanager
def reading(*folders: str | Path) -> Iterator[None]:
    """Stop with one line when a finished result cannot be read: missing, damaged or changed.

    A write the system refuses is not a reading problem: it goes on to the command group,
    which says so in its own line.
    """
    try:
        yield
    except store.OutputError:
        raise
    except FileNotFoundError as exc:
        stop(exc)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Parquet, JSON and CSV readers each raise their own subclass of these.
        cause = " ".join(str(exc).split())[:200] or type(exc).__name__
        where = " or ".join(str(f) for f in folders)
        stop(
            ValueError(
                f"borderflow: cannot read the result in {where} (a file is damaged or was "
                f"changed): {type(exc).__name__}: {cause}; run it again to write it anew"
            )
        )

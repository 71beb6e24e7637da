"""The ``intake`` command: one table of subcommands, each loaded only when it is used.

Each area of the product keeps its own command in its own package; this module only dispatches
to them and turns ``IntakeError`` into a clear message and an exit code. A command of the
laboratory (``intake.lab``) whose optional dependency is not installed says in one line which
extra installs it, instead of a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from intake.errors import IntakeError
from intake.lab import missing_extra
from intake.log_lines import ENV, STYLES, configure_logging

#: subcommand name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "form": "intake.printing.cli:form",
    "demo-data": "intake.lab.roster.cli:demo_data",
    "samples": "intake.lab.samples.cli:samples",
    "read": "intake.reading.cli:read",
    "bench": "intake.lab.bench.cli:bench",
    "roster": "intake.roster.cli:roster",
    "db": "intake.db.cli:db",
    "serve": "intake.web.cli:serve",
    "worker": "intake.web.cli:worker",
    "batch": "intake.batch.cli:batch",
    "watch": "intake.batch.cli:watch",
    "staff": "intake.web.cli:staff",
    "demo": "intake.demo:demo",
    "retention": "intake.accounts.cli:retention",
    "accounts": "intake.accounts.cli:accounts",
    "portal": "intake.portal.cli:portal",
    "person": "intake.records.cli:person",
    "audit": "intake.audit_cli:audit",
    "storage": "intake.storage_cli:storage",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            message = missing_extra(exc)
            if message is None:
                raise
            return _not_installed(cmd_name, message)
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _not_installed(name: str, message: str) -> click.Command:
    """A stand-in for a command whose extra is missing: listed in ``--help``, and refusing to
    run (whatever its arguments) with the line that says what to install."""

    def refuse() -> None:
        raise click.ClickException(f"intake {name}: {message}")

    return click.Command(
        name,
        callback=refuse,
        help=f"(not installed) {message}",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log progress (ids only, never personal data).")
@click.option(
    "--log-format",
    type=click.Choice(STYLES),
    default=None,
    help=f"Log lines as JSON or text (default: {ENV}, else text on a terminal, JSON elsewhere).",
)
def cli(verbose: bool, log_format: str | None) -> None:
    """Parent Portal intake: forms, samples, reading, roster, review app and accounts."""
    try:
        configure_logging(logging.INFO if verbose else logging.WARNING, log_format)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if log_format:  # the job workers that intake serve starts write the same lines
        os.environ[ENV] = log_format


def outage_line(exc: BaseException) -> str | None:
    """One line for a service that cannot be reached (Redis, the database) or a URL that names
    none; None for anything else (a bug keeps its traceback)."""
    module = type(exc).__module__
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    if module.startswith("redis"):
        return f"the job queue (Redis) cannot be reached: {type(exc).__name__}: {first}"
    if module.startswith("sqlalchemy") and type(exc).__name__ in (
        "OperationalError",
        "InterfaceError",
        "ArgumentError",
        "NoSuchModuleError",
    ):
        return f"the database cannot be reached: {type(exc).__name__}: {first}"
    return None


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="intake", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ImportError as exc:
        # a command that imports an optional dependency only when it needs it
        message = missing_extra(exc)
        if message is None:
            raise
        click.echo(f"error: {message}", err=True)
        sys.exit(2)
    except IntakeError as exc:
        click.echo(f"error: {exc}", err=True)
        for problem in getattr(exc, "problems", [])[:50]:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    except Exception as exc:
        message = outage_line(exc)
        if message is None:
            raise
        click.echo(f"error: {message}", err=True)
        sys.exit(3)
    if isinstance(code, int) and code:
        sys.exit(code)
    return None

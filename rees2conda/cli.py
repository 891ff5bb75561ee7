"""The ``rees2conda`` command: a thin click shell over the library API.

Subcommands live in ``rees2conda.commands.<name>`` and are imported only when invoked, so
``rees2conda build`` on an up-to-date env and ``rees2conda check`` stay cheap to start.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys

import click

from rees2conda import __version__
from rees2conda.errors import UserError

#: command name -> module in rees2conda.commands holding a click command of the same name
COMMANDS: dict[str, str] = {
    "check": "check",
    "lock": "lock",
    "build": "build",
    "list": "list_envs",
    "remove": "remove",
    "config": "config",
    "kernel": "kernel",
}

HELP: dict[str, str] = {
    "check": "Lint a repository: what Binder would use, what conda can and cannot satisfy.",
    "lock": "Resolve the repository into a multi-platform conda-lock.yml.",
    "build": "Create or update a conda environment and Jupyter kernel from the repository.",
    "list": "List environments built by rees2conda.",
    "remove": "Remove an environment built by rees2conda, with its kernel.",
    "config": "Show the conda configuration rees2conda uses and which file set each value.",
    "kernel": "Register a Jupyter kernel for an existing (e.g. group-shared) environment.",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(f"rees2conda.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"rees2conda.commands.{module_name}":
                return None
            raise
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    @staticmethod
    def _available(name: str) -> bool:
        from importlib.util import find_spec

        return find_spec(f"rees2conda.commands.{COMMANDS[name]}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rees2conda")
def cli() -> None:
    """Turn a Binder repository (REES) into a conda environment plus a Jupyter kernel.

    No Docker, no root and no conda installation needed.
    """


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors become one line, never a traceback."""
    try:
        cli.main(args=argv, prog_name="rees2conda", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except UserError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: say so in one line, keep the traceback for those who ask
        if os.environ.get("REES2CONDA_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(
            "hint: this is a bug in rees2conda; rerun with REES2CONDA_DEBUG=1 for the traceback "
            "and report it.",
            err=True,
        )
        return 70
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run, then exit with the status.

    py-rattler 0.28 can abort at interpreter shutdown after an install or solve (its runtime
    threads outlive finalisation), turning a success into SIGABRT. When rattler was loaded we
    flush and leave with ``os._exit`` once the work is done, skipping that finalisation.
    """
    code = run(argv)
    if "rattler" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)

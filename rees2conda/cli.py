"""The ``rees2conda`` command: a thin click shell over the library API.

Subcommands live in ``rees2conda.commands.<name>`` and are imported only when invoked, so
``rees2conda build`` on an up-to-date env and ``rees2conda check`` stay cheap to start.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
from typing import Any

import click

from rees2conda import __version__
from rees2conda.errors import Refused, UserError

#: command name -> module in rees2conda.commands holding a click command of the same name
COMMANDS: dict[str, str] = {
    "check": "check",
    "lock": "lock",
    "build": "build",
    "list": "list_envs",
    "remove": "remove",
    "config": "config",
    "kernel": "kernel",
    "export": "export",
}

HELP: dict[str, str] = {
    "check": "Lint a repository: what Binder would use, what conda can and cannot satisfy.",
    "lock": "Resolve the repository into a multi-platform conda-lock.yml.",
    "build": "Create or update a conda env and Jupyter kernel from a repository, git URL, "
    "Binder link or DOI.",
    "list": "List environments built by rees2conda.",
    "remove": "Remove an environment built by rees2conda, with its kernel.",
    "config": "Show the conda configuration rees2conda uses and which file set each value.",
    "kernel": "Register a Jupyter kernel for an existing (e.g. group-shared) environment.",
    "export": "Write the lock as an explicit file or pinned environment.yml for plain conda.",
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


def _wants_json(argv: list[str]) -> bool:
    """``--json`` or ``--format json``: errors then go to stdout as JSON too."""
    args = list(argv)
    if "--" in args:
        args = args[: args.index("--")]
    if "--json" in args or "--format=json" in args:
        return True
    return any(a == "--format" and b == "json" for a, b in itertools.pairwise(args))


def _no_color(env: dict[str, str] | os._Environ[str]) -> bool:
    """https://no-color.org: any non-empty ``NO_COLOR`` turns colour off."""
    return bool(env.get("NO_COLOR"))


def _error(message: str, hint: str | None, code: int, as_json: bool) -> int:
    """One error, as one line (plus a hint) on stderr, or as a JSON document on stdout."""
    if as_json:
        import json

        doc = {"ok": False, "error": {"message": message, "hint": hint or None, "exit_code": code}}
        click.echo(json.dumps(doc, indent=2))
        return code
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors become one line, never a traceback.

    With ``--json``/``--format json`` an error is a JSON document on stdout (scripts parse
    stdout); ``NO_COLOR`` turns colour off in every command.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    as_json = _wants_json(args)
    extra: dict[str, Any] = {"color": False} if _no_color(os.environ) else {}
    try:
        cli.main(args=args, prog_name="rees2conda", standalone_mode=False, **extra)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        if as_json:
            return _error(exc.format_message(), None, exc.exit_code, True)
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except UserError as exc:
        if isinstance(exc, Refused) and not as_json:
            from rees2conda.output.findings import render_refusal

            click.echo(render_refusal(exc.report), err=True)
        return _error(exc.message, exc.hint, exc.exit_code, as_json)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: say so in one line, keep the traceback for those who ask
        if os.environ.get("REES2CONDA_DEBUG"):
            raise
        return _error(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in rees2conda; rerun with REES2CONDA_DEBUG=1 for the traceback "
            "and report it.",
            70,
            as_json,
        )
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run, then exit with the status (:func:`rees2conda.entry.leave`)."""
    from rees2conda.entry import leave

    leave(run(argv))

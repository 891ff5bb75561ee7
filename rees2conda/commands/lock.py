"""``rees2conda lock``: resolve a repository into a multi-platform conda-lock.yml."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rees2conda.commands.options import (
    apt_option,
    channel_options,
    output_options,
    path_argument,
)
from rees2conda.output.lock import lock_json, lock_summary
from rees2conda.resolve.virtual import PLATFORMS

PLATFORM_HELP = "Target platform, repeatable (default: the lock's platforms, else this machine's)."


@click.command("lock")
@path_argument
@click.option(
    "--lockfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: conda-lock.yml in the binder folder, else the root).",
)
@click.option(
    "-p",
    "--platform",
    "platforms",
    multiple=True,
    type=click.Choice(PLATFORMS),
    metavar="PLATFORM",
    help=PLATFORM_HELP,
)
@click.option("--no-kernel", is_flag=True, help="Do not add ipykernel to the environment.")
@channel_options
@click.option("--update", is_flag=True, help="Re-solve even when the lock is up to date.")
@click.option(
    "--check", "check_only", is_flag=True, help="Exit 0 if the lock is up to date, 1 if not."
)
@click.option("--offline", is_flag=True, help="Use cached repodata only.")
@apt_option
@output_options(
    quiet_help="No progress and no summary.", json_help="Print a JSON summary on stdout."
)
def command(
    path: str,
    lockfile: Path | None,
    platforms: tuple[str, ...],
    no_kernel: bool,
    channel_alias: str | None,
    channels: tuple[str, ...],
    override_channels: bool,
    update: bool,
    check_only: bool,
    offline: bool,
    apt: str,
    quiet: bool,
    as_json: bool,
) -> None:
    """Resolve PATH (default: .) into conda-lock.yml, with py-rattler and uv, no conda needed.

    Reuses the existing lock when nothing that decides the solve changed. Exit status: 0 ok,
    1 failure (or, with --check, a stale or missing lock), 2 usage errors.
    """
    from rees2conda.output.progress import TerminalObserver
    from rees2conda.resolve.api import LockOptions, lock

    if update and check_only:
        raise click.UsageError("--update and --check exclude each other")
    options = LockOptions(
        platforms=list(platforms) or None,
        kernel=not no_kernel,
        channels=list(channels),
        channel_alias=channel_alias,
        override_channels=override_channels,
        offline=offline,
        update=update,
        quiet=quiet or as_json,
        apt=apt,
        observer=TerminalObserver(messages=not quiet, live=not (quiet or as_json)),
    )
    result = lock(path, lockfile=lockfile, options=options, check_only=check_only)
    if as_json:
        click.echo(lock_json(result))
    elif not quiet:
        click.echo(lock_summary(result, check_only), err=check_only)
    if check_only and not result.up_to_date:
        sys.exit(1)

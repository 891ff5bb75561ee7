"""``rees2conda build``: the repository's conda environment and Jupyter kernel, idempotently.

Safe to run at every login: with nothing changed it prints nothing (with ``-q``), touches nothing
and imports no engine; see :mod:`rees2conda.env.api`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from rees2conda.commands.options import (
    apt_option,
    channel_options,
    fetch_if_remote,
    output_options,
    source_argument,
    source_options,
)

if TYPE_CHECKING:
    from rees2conda.sources.fetch import Fetched


@click.command("build")
@source_argument
@source_options
@click.option("-n", "--name", help="Environment name (default: the repository folder's name).")
@click.option(
    "-p",
    "--prefix",
    type=click.Path(file_okay=False, path_type=str),
    help="Environment path instead of a name.",
)
@click.option(
    "--lockfile",
    type=click.Path(dir_okay=False, path_type=str),
    help="Install this conda-lock.yml as is (also one written by conda-lock).",
)
@click.option("--locked", is_flag=True, help="Fail when the repository's conda-lock.yml is stale.")
@click.option("--frozen", is_flag=True, help="Install the repository's conda-lock.yml as it is.")
@click.option("--kernel-name", help="Jupyter kernel name (default: from the environment name).")
@click.option("--display-name", help="Kernel display name shown in JupyterLab.")
@click.option("--no-kernel", is_flag=True, help="Register no Jupyter kernel.")
@click.option(
    "--retarget/--no-retarget",
    default=None,
    help="Point the notebooks at the env's kernels (default: only in a folder with Binder files).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Install over an env rees2conda did not create or that came from elsewhere.",
)
@click.option("--offline", is_flag=True, help="Use only the package cache and the lock.")
@click.option(
    "--trust",
    is_flag=True,
    help="Run the repository's postBuild and wrap kernels in its start, as Binder does "
    "(remembered for these exact scripts; a changed script needs --trust again).",
)
@channel_options
@apt_option
@click.option(
    "--allow-foreign-urls",
    is_flag=True,
    help="Install locked packages whose URLs lie outside the lock's channels.",
)
@output_options(quiet_help="Print only errors.", json_help="Print one JSON summary on stdout.")
def command(
    source: str,
    ref: str | None,
    dest: str | None,
    name: str | None,
    prefix: str | None,
    lockfile: str | None,
    locked: bool,
    frozen: bool,
    kernel_name: str | None,
    display_name: str | None,
    no_kernel: bool,
    retarget: bool | None,
    force: bool,
    offline: bool,
    channel_alias: str | None,
    channels: tuple[str, ...],
    override_channels: bool,
    trust: bool,
    apt: str,
    allow_foreign_urls: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Create or update a conda environment and Jupyter kernel from SOURCE (default: .).

    SOURCE is a folder, a git URL (with --ref), a Binder link, gh:OWNER/REPO[@REF],
    gl:GROUP/REPO[@REF] or a DOI / Zenodo, Figshare, HydroShare or Dataverse record. A fetched
    SOURCE lands in ./NAME (or --dest) and is brought up to date on the next run, unless it
    has local changes.

    Without -n/-p the environment is named after the repository folder and goes into the first
    writable conda envs folder (envs_dirs in ~/.condarc, CONDA_ENVS_PATH, else ~/.conda/envs).
    """
    import sys

    from rees2conda.env.api import build
    from rees2conda.output.progress import TerminalObserver

    # --json keeps stdout for the summary: progress lines still go to stderr, live displays not
    observer = TerminalObserver(messages=not quiet, live=not (quiet or as_json))
    try:
        fetched = fetch_if_remote(source, ref, dest, offline=offline, progress=observer.message)
        path = str(fetched.path) if fetched else source
        result = build(
            path,
            origin=fetched.origin if fetched else None,
            name=name,
            prefix=prefix,
            lockfile=lockfile,
            locked=locked,
            frozen=frozen,
            kernel=not no_kernel,
            kernel_name=kernel_name,
            display_name=display_name,
            retarget=retarget,
            force=force,
            offline=offline,
            channels=channels,
            channel_alias=channel_alias,
            override_channels=override_channels,
            trust=trust,
            apt=apt,
            allow_foreign_urls=allow_foreign_urls,
            quiet=quiet or as_json,
            observer=observer,
        )
    except OSError as exc:  # permissions, full disk, ...: one line, no traceback
        from rees2conda.errors import UserError

        where = f"{exc.filename}: " if exc.filename else ""
        raise UserError(f"{where}{exc.strerror or exc}") from None
    opening = opening_lines(fetched, result.kernel_name, result.display_name) if fetched else None
    if as_json and fetched:
        import json

        data = result.to_json()
        data["origin"] = fetched.origin
        data["open"] = open_json(fetched)
        click.echo(json.dumps(data, indent=2))
        return
    from rees2conda.output.build import build_summary

    for to_stderr, line in build_summary(result, quiet=quiet, as_json=as_json, opening=opening):
        click.echo(line, err=to_stderr)
    sys.stdout.flush()


def opening_lines(fetched: Fetched, kernel_name: str | None, display_name: str | None) -> list[str]:
    """Where the sources came from, the notebook the link opens, and how to start Jupyter."""
    from rees2conda.sources.fetch import check_notebook, describe_origin, jupyter_command

    lines = [f"source: {describe_origin(fetched.origin)} -> {fetched.path}"]
    problem = check_notebook(fetched.path, fetched.notebook)
    if problem:
        lines.append(f"warning: the link's notebook {problem}")
    elif fetched.notebook:
        if kernel_name:
            lines.append(
                f"notebook: {fetched.notebook} (opens in kernel {kernel_name} ({display_name}))"
            )
        else:
            lines.append(f"notebook: {fetched.notebook} (no kernel registered)")
    notebook = None if problem else fetched.notebook
    lines.append(f"start Jupyter: {jupyter_command(fetched.path, notebook)}")
    return lines


def open_json(fetched: Fetched) -> dict[str, Any]:
    from rees2conda.sources.fetch import check_notebook, jupyter_command

    problem = check_notebook(fetched.path, fetched.notebook)
    notebook = None if problem else fetched.notebook
    return {
        "folder": str(fetched.path),
        "notebook": notebook,
        "problem": problem,
        "command": jupyter_command(fetched.path, notebook),
    }

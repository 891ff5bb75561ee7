"""``rees2conda build``: the repository's conda environment and Jupyter kernel, idempotently.

Safe to run at every login: with nothing changed it prints nothing (with ``-q``), touches nothing
and imports no engine; see :mod:`rees2conda.env.api`.
"""

from __future__ import annotations

import click

from rees2conda.commands.options import channel_options, output_options, path_argument


@click.command("build")
@path_argument
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
@click.option("--no-retarget", is_flag=True, help="Leave the repository's notebooks alone.")
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
@output_options(quiet_help="Print only errors.", json_help="Print one JSON summary on stdout.")
def command(
    path: str,
    name: str | None,
    prefix: str | None,
    lockfile: str | None,
    locked: bool,
    frozen: bool,
    kernel_name: str | None,
    display_name: str | None,
    no_kernel: bool,
    no_retarget: bool,
    force: bool,
    offline: bool,
    channel_alias: str | None,
    channels: tuple[str, ...],
    override_channels: bool,
    trust: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Create or update a conda environment and Jupyter kernel from PATH (default: .).

    Without -n/-p the environment is named after the repository folder and goes into the first
    writable conda envs folder (envs_dirs in ~/.condarc, CONDA_ENVS_PATH, else ~/.conda/envs).
    """
    import sys

    from rees2conda.env.api import build

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    try:
        result = build(
            path,
            name=name,
            prefix=prefix,
            lockfile=lockfile,
            locked=locked,
            frozen=frozen,
            kernel=not no_kernel,
            kernel_name=kernel_name,
            display_name=display_name,
            retarget=not no_retarget,
            force=force,
            offline=offline,
            channels=channels,
            channel_alias=channel_alias,
            override_channels=override_channels,
            trust=trust,
            quiet=quiet or as_json,
            progress=progress,
        )
    except OSError as exc:  # permissions, full disk, ...: one line, no traceback
        from rees2conda.errors import UserError

        where = f"{exc.filename}: " if exc.filename else ""
        raise UserError(f"{where}{exc.strerror or exc}") from None
    if as_json:
        import json

        click.echo(json.dumps(result.to_json(), indent=2))
        return
    for rel in result.scripts_skipped:
        click.echo(
            f"warning: {rel} not run: scripts run only when you trust them; review it, then "
            "`rees2conda build --trust`",
            err=True,
        )
    if quiet:
        for rel, why in result.notebooks_broken:
            click.echo(f"warning: {rel}: not retargeted: {why}", err=True)
        return
    if result.action == "unchanged":
        click.echo(f"{result.name}: up to date ({result.prefix})")
        return
    packages = f"{result.conda_packages} conda"
    if result.pip_packages:
        packages += f" + {result.pip_packages} pip"
    click.echo(
        f"{result.action} {result.name} at {result.prefix} ({packages} packages, "
        f"{result.seconds.get('total', 0):.1f} s)"
    )
    if result.kernel_name:
        click.echo(f"kernel: {result.kernel_name} ({result.display_name})")
    for rel in result.notebooks_changed:
        click.echo(f"retargeted {rel}")
    for rel, why in result.notebooks_broken:
        click.echo(f"warning: {rel}: not retargeted: {why}", err=True)
    sys.stdout.flush()

"""``rees2conda kernel ENV``: a Jupyter kernel for an existing environment (group-shared envs
that another member built), written only into this user's Jupyter data folder."""

from __future__ import annotations

import click


@click.command("kernel")
@click.argument("target", metavar="ENV")
@click.option("--kernel-name", help="Kernel name (default: from the environment name).")
@click.option("--display-name", help="Kernel display name shown in JupyterLab.")
@click.option("--force", is_flag=True, help="Replace a kernel of the same name.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary on stdout.")
def command(
    target: str,
    kernel_name: str | None,
    display_name: str | None,
    force: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Register a kernel for environment ENV (a name in conda's envs folders, or a path).

    For environments another member of your group built: nothing in the environment is
    written, so read access is enough.
    """
    from rees2conda.env.shared_kernel import register_kernel

    result = register_kernel(
        target, kernel_name=kernel_name, display_name=display_name, force=force
    )
    if as_json:
        import json
        from dataclasses import asdict

        click.echo(json.dumps(asdict(result), indent=2))
    elif not quiet:
        click.echo(f"kernel: {result.name} ({result.display_name}) for {result.prefix}")

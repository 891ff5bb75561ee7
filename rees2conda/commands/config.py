"""``rees2conda config``: conda's configuration as rees2conda sees it, and where each value
comes from (like ``conda config --show-sources``), so a user can tell why a mirror is used."""

from __future__ import annotations

import click


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def command(as_json: bool) -> None:
    """Show the effective conda settings rees2conda uses and the file that set each.

    Files are read in conda's order (system /etc/conda, $CONDA_ROOT, XDG and user files,
    $CONDA_PREFIX, $CONDARC), then CONDA_* variables; later sources win, lists merge.
    """
    from rees2conda.condarc import load_conda_config

    cfg = load_conda_config()
    data = cfg.to_json()
    if as_json:
        import json

        click.echo(json.dumps(data, indent=2))
        return
    click.echo("# files read, in order: " + (", ".join(data["files"]) or "none"))
    for key, value in data["values"].items():
        origin = cfg.origins.get(key)
        comment = f"  # {', '.join(origin)}" if origin else "  # default"
        if isinstance(value, list):
            click.echo(f"{key}:{comment}")
            for item in value:
                click.echo(f"  - {item}")
        elif isinstance(value, dict):
            click.echo(f"{key}:{comment}" + ("" if value else " {}"))
            for k, v in value.items():
                click.echo(f"  {k}: {v}")
        else:
            shown = str(value).lower() if isinstance(value, bool) else value
            click.echo(f"{key}: {shown}{comment}")

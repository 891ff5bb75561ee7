"""``rees2conda export``: the lock as an explicit file or pinned environment.yml for plain conda."""

from __future__ import annotations

import click

from rees2conda.commands.options import path_argument
from rees2conda.resolve.virtual import PLATFORMS


@click.command("export")
@path_argument
@click.option(
    "--lockfile",
    type=click.Path(dir_okay=False, path_type=str),
    help="Export this lock (default: the repository's conda-lock.yml).",
)
@click.option(
    "-p",
    "--platform",
    type=click.Choice(PLATFORMS),
    metavar="PLATFORM",
    help="Platform to export (default: this machine's).",
)
@click.option(
    "--kind",
    type=click.Choice(["explicit", "env"]),
    default="explicit",
    show_default=True,
    help="explicit: an @EXPLICIT file for `conda create --file`; env: a pinned environment.yml.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write to this file instead of stdout.",
)
def command(
    path: str, lockfile: str | None, platform: str | None, kind: str, output: str | None
) -> None:
    """Render PATH's lock (default: .) for people with plain conda, via conda-lock's library."""
    from rees2conda.resolve.export import export

    text = export(path, lockfile=lockfile, platform=platform, kind=kind)
    if output is None:
        click.echo(text, nl=False)
        return
    from rees2conda.fsutil import write_text_atomic

    try:
        write_text_atomic(output, text)
    except OSError as exc:
        from rees2conda.errors import UserError

        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output}", err=True)

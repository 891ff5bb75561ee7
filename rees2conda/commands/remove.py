"""``rees2conda remove NAME``: an environment rees2conda built, with its kernel."""

from __future__ import annotations

import click


@click.command("remove")
@click.argument("name")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def command(name: str, quiet: bool) -> None:
    """Remove environment NAME (or a prefix path): the env, its kernel and its
    ~/.conda/environments.txt entry. Refuses environments rees2conda did not create."""
    from rees2conda.env.catalog import remove

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    try:
        info = remove(name, quiet=quiet, progress=progress)
    except OSError as exc:  # permissions and the like: one line, no traceback
        from rees2conda.errors import UserError

        where = f"{exc.filename}: " if exc.filename else ""
        raise UserError(f"{where}{exc.strerror or exc}") from None
    if not quiet:
        extra = f" and kernel {info.kernel}" if info.kernel else ""
        click.echo(f"removed {info.name} ({info.prefix}){extra}")

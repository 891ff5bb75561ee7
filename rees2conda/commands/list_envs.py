"""``rees2conda list``: environments rees2conda built, with their kernel and state."""

from __future__ import annotations

import click


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on stdout.")
def command(as_json: bool) -> None:
    """List environments built by rees2conda: name, prefix, source, kernel and state.

    State is ok, stale (the repository changed or is gone since the build), incomplete (a
    build did not finish; the next build repairs it) or gone (a kernel whose environment was
    deleted; `rees2conda remove NAME` cleans it up). A kernel that a same-named one earlier on
    JUPYTER_PATH hides is reported.
    """
    from rees2conda.env.catalog import list_envs

    envs = list_envs()
    if as_json:
        import json

        click.echo(json.dumps([e.to_json() for e in envs], indent=2))
        return
    if not envs:
        click.echo("no environments built by rees2conda", err=True)
        return
    rows = [("NAME", "STATE", "KERNEL", "PREFIX", "SOURCE")] + [
        (e.name, e.state, e.kernel or "-", e.prefix, e.source or "-") for e in envs
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        click.echo(
            "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        )
    from rees2conda.kernel.spec import shadowing_kernel

    for e in envs:
        other = shadowing_kernel(e.kernel) if e.kernel and e.state != "gone" else None
        if other is not None:
            click.echo(
                f"warning: kernel {e.kernel!r} of {e.name} is shadowed by {other} "
                "(earlier on JUPYTER_PATH): Jupyter starts that one instead",
                err=True,
            )

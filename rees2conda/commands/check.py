"""``rees2conda check``: lint a repository for conda compatibility."""

from __future__ import annotations

import json
import sys

import click

from rees2conda.commands.options import path_argument
from rees2conda.model import Report


def exit_code(report: Report, strict: bool) -> int:
    """0 when conda can satisfy the repository (warnings allowed unless strict), else 1."""
    if not report.ok:
        return 1
    return 1 if strict and report.warnings else 0


@click.command("check")
@path_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for programs (one document on stdout), github for annotations.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def command(path: str, fmt: str, strict: bool) -> None:
    """Say which files Binder would use and what conda can and cannot satisfy.

    Exit status: 0 when conda can satisfy PATH (default: .), 1 when it cannot (or, with
    --strict, when there are warnings), 2 for usage errors.
    """
    from rees2conda import check

    report = check(path)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        from rees2conda.output.findings import render_github, render_text

        text = render_github(report) if fmt == "github" else render_text(report, strict)
        if text:
            click.echo(text)
    sys.exit(exit_code(report, strict))

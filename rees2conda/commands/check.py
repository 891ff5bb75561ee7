"""``rees2conda check``: lint a repository for conda compatibility."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from rees2conda.commands.options import apt_option, source_argument, source_options
from rees2conda.model import Report
from rees2conda.output.check import exit_code


@click.command("check")
@source_argument
@source_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for programs (one document on stdout), github for annotations.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@apt_option
def command(
    source: str, ref: str | None, dest: str | None, fmt: str, strict: bool, apt: str
) -> None:
    """Say which files Binder would use and what conda can and cannot satisfy.

    SOURCE is a folder (default: .) or anything `build` fetches: a git URL, a Binder link,
    gh:/gl: short forms, a DOI or record URL. A fetched SOURCE is read from a temporary copy
    that is deleted afterwards, unless --dest says where to keep it (then `build` reuses it).

    Exit status: 0 when conda can satisfy SOURCE, 1 when it cannot (or, with --strict, when
    there are warnings), 2 for usage errors.
    """
    try:
        report = _check_source(source, ref, dest, apt)
    except OSError as exc:  # a --dest that cannot be written, a full disk: one line
        from rees2conda.errors import UserError

        where = f"{exc.filename}: " if exc.filename else ""
        raise UserError(f"{where}{exc.strerror or exc}") from None
    emit(report, fmt, strict, sys.stdout)
    sys.exit(exit_code(report, strict))


def _check_source(source: str, ref: str | None, dest: str | None, apt: str = "refuse") -> Report:
    """Check a folder in place, or a fetched SOURCE in --dest or a temporary folder."""
    from rees2conda import check
    from rees2conda.sources.detect import looks_remote

    if not looks_remote(source) or dest is not None:
        from rees2conda.commands.options import fetch_if_remote

        fetched = fetch_if_remote(source, ref, dest, progress=_progress)
        return check(fetched.path if fetched else source, apt=apt)
    import tempfile
    from pathlib import Path

    from rees2conda.sources.fetch import default_folder, fetch_source
    from rees2conda.sources.spec import parse

    with tempfile.TemporaryDirectory(prefix="rees2conda-check-") as tmp:
        folder = Path(tmp) / default_folder(parse(source, ref))
        fetched = fetch_source(source, ref=ref, dest=folder, progress=_progress)
        report = check(fetched.path, apt=apt)
    report.path = fetched.origin.get("source") or source
    return report


def _progress(message: str) -> None:
    click.echo(message, err=True)


def emit(report: Report, fmt: str, strict: bool, stream: TextIO) -> None:
    """Write the report to ``stream`` in ``fmt`` (text, json or github).

    Whatever the report quotes (lone surrogates from file names that are not UTF-8, characters
    the stream's encoding lacks) is escaped, never an encoding error: JSON falls back to
    ``\\uXXXX`` escapes, text and annotations to backslash escapes.
    """
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if fmt == "json":
        from rees2conda.output.check import check_json

        click.echo(check_json(report, encoding), file=stream)
        return
    from rees2conda.output.findings import encodable, render_github, render_text

    text = render_github(report) if fmt == "github" else render_text(report, strict)
    if text:
        click.echo(encodable(text, encoding), file=stream)

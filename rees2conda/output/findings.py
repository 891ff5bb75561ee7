"""Formatting of a check report for people (plain text) and for GitHub Actions annotations.

Deliberately free of rich: ``check`` must start fast; colour comes from click's ANSI styling,
which click strips when the output is not a terminal.

Findings quote repository content (file names, requirement lines), which may hold anything:
control characters that would drive the terminal, lone surrogates from file names that are not
UTF-8 or from odd codecs. :func:`printable` escapes the former in every text rendering and
:func:`encodable` makes any rendering writable to a stream of any encoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import click

from rees2conda.model import Finding, Report, Severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


#: C0/C1 control characters (tab excepted), line separators and lone surrogates
_UNPRINTABLE_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` on one line, with control characters and lone surrogates as Python escapes
    (``\\x1b``, ``\\udcff``, ``\\n``), so that quoted content cannot drive a terminal."""
    return _UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def encodable(text: str, encoding: str | None) -> str:
    """``text`` with what ``encoding`` cannot encode as backslash escapes."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeError, LookupError):
        pass
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except (UnicodeError, LookupError):
        return text.encode("ascii", "backslashreplace").decode("ascii")


def location(finding: Finding) -> str:
    """``path:line:col`` as editors and compilers print it (parts that are unknown are left out)."""
    parts = [printable(finding.path) if finding.path else "<repository>"]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


def one_line(finding: Finding) -> str:
    """A finding on one line: ``path:line:col: severity [code] message``."""
    return (
        f"{location(finding)}: {finding.severity.value} [{finding.code}] "
        f"{printable(finding.message)}"
    )


def _by_file(findings: Iterable[Finding]) -> Iterator[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.path or "<repository>", []).append(finding)
    for path, items in groups.items():
        items.sort(key=lambda f: (f.line or 0, f.column or 0, _ORDER[f.severity]))
        yield path, items


def verdict(report: Report, strict: bool = False) -> str:
    """The closing line: can conda satisfy this repository, and the counts."""
    errors, warnings = len(report.errors), len(report.warnings)
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if not report.ok:
        return f"✗ conda cannot satisfy this repository as Binder would build it ({counts})."
    if strict and warnings:
        return f"✗ conda can satisfy this repository, but --strict fails on warnings ({counts})."
    return f"✓ conda can satisfy this repository ({counts})."


def render_findings(findings: Iterable[Finding]) -> list[str]:
    """Findings grouped by file, with line numbers, codes and hints (a blank line after each)."""
    out: list[str] = []
    for path, items in _by_file(findings):
        out.append(click.style(printable(path), bold=True))
        for f in items:
            where = f"{f.line}:{f.column or 1}" if f.line is not None else "-"
            sev = click.style(f"{f.severity.value:<7}", fg=_COLOURS[f.severity])
            message = printable(f.message)
            out.append(f"  {where:>6}  {sev}  {message}  " + click.style(f.code, dim=True))
            if f.hint:
                lines = [printable(line) for line in f.hint.split("\n")]
                hint = "hint: " + ("\n" + " " * 25).join(lines)  # pasted lines stay aligned
                out.append(f"          {'':7}  " + click.style(hint, dim=True))
        out.append("")
    return out


def render_refusal(report: Report) -> str:
    """Why ``lock`` or ``build`` refused a repository: its errors, rendered as ``check`` does."""
    return "\n".join(render_findings(report.errors)).rstrip("\n")


def render_text(report: Report, strict: bool = False) -> str:
    """Findings grouped by file with line numbers and hints, the files Binder reads, a verdict."""
    out = render_findings(report.findings)
    if report.files:
        out.append(click.style("Files", bold=True) + f" (config folder: {report.config_dir})")
        for rec in report.files:
            reason = f" — {printable(rec.reason)}" if rec.reason else ""
            out.append(f"  {rec.status:<8} {printable(rec.path)}{reason}")
        out.append("")
    if report.spec is not None and report.ok:
        spec = report.spec
        out.append(
            click.style("Environment", bold=True)
            + f": python {spec.python}; channels {', '.join(spec.channels) or '-'}; "
            f"{len(spec.conda)} conda spec{'s' * (len(spec.conda) != 1)}; "
            f"{len(spec.pip)} pip line{'s' * (len(spec.pip) != 1)}"
        )
    colour = "red" if not report.ok or (strict and report.warnings) else "green"
    out.append(click.style(verdict(report, strict), fg=colour, bold=True))
    return "\n".join(out)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: one ``::error file=…,line=…::message`` per finding."""
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in report.findings:
        props = []
        if f.path:
            props.append(f"file={_escape_property(printable(f.path))}")
        if f.line is not None:
            props.append(f"line={f.line}")
            if f.column is not None:
                props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f'rees2conda {f.code}')}")
        hint = "\n".join(printable(line) for line in f.hint.split("\n")) if f.hint else ""
        message = printable(f.message) + (f"\n{hint}" if hint else "")
        lines.append(f"::{kinds[f.severity]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)

"""The check report's text and GitHub renderings, from reports built in memory."""

from __future__ import annotations

import click

from rees2conda.commands.check import exit_code
from rees2conda.model import EnvSpec, FileRecord, Finding, Report, Severity
from rees2conda.output.findings import one_line, render_github, render_text


def _report(*findings: Finding) -> Report:
    return Report(
        path="repo",
        config_dir="binder",
        files=[
            FileRecord("binder/environment.yml", "used"),
            FileRecord("requirements.txt", "ignored", "shadowed by the binder folder"),
        ],
        findings=list(findings),
        spec=EnvSpec(),
    )


APT = Finding(
    "apt-txt",
    Severity.ERROR,
    "apt.txt installs system packages, which needs root",
    "install them with conda",
    "binder/apt.txt",
    2,
    1,
)
DEFAULTS = Finding(
    "defaults-channel",
    Severity.WARNING,
    "defaults: licensing, 50,000%",
    "use conda-forge",
    "binder/environment.yml",
    4,
    5,
)


def test_text_groups_by_file_with_hints_and_verdict() -> None:
    text = click.unstyle(render_text(_report(DEFAULTS, APT)))
    lines = text.splitlines()
    assert lines.index("binder/environment.yml") < lines.index("binder/apt.txt")
    assert any(line.strip().startswith("4:5") and "warning" in line for line in lines)
    assert "hint: install them with conda" in text
    assert "ignored  requirements.txt — shadowed by the binder folder" in text
    assert lines[-1].startswith("✗ conda cannot satisfy") and "1 error, 1 warning" in lines[-1]


def test_text_verdict_ok_and_strict() -> None:
    report = _report(DEFAULTS)
    assert click.unstyle(render_text(report)).splitlines()[-1].startswith("✓")
    assert "--strict" in click.unstyle(render_text(report, strict=True)).splitlines()[-1]
    assert "python 3.10; channels conda-forge" in click.unstyle(render_text(report))


def test_exit_codes() -> None:
    assert exit_code(_report(), strict=True) == 0
    assert exit_code(_report(DEFAULTS), strict=False) == 0
    assert exit_code(_report(DEFAULTS), strict=True) == 1
    assert exit_code(_report(APT), strict=False) == 1


def test_github_annotations_escape_properties_and_data() -> None:
    out = render_github(_report(APT, DEFAULTS)).splitlines()
    assert out[0] == (
        "::error file=binder/apt.txt,line=2,col=1,title=rees2conda apt-txt::"
        "apt.txt installs system packages, which needs root%0Ainstall them with conda"
    )
    assert out[1].startswith("::warning file=binder/environment.yml,line=4,col=5,")
    assert "50,000%25" in out[1]


def test_one_line_without_position() -> None:
    finding = Finding("x", Severity.INFO, "msg")
    assert one_line(finding) == "<repository>: info [x] msg"


def test_json_spec_kept_when_present() -> None:
    data = _report(APT).to_json()
    assert data["ok"] is False
    assert data["diagnostics"][0]["severity"] == "error"
    assert data["files"][1] == {
        "path": "requirements.txt",
        "status": "ignored",
        "reason": "shadowed by the binder folder",
    }

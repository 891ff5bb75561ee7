"""Helpers for the REES reader tests: read a fixture repository and summarise the report."""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda.model import Report
from rees2conda.rees.reader import read_repository

REPOS = Path(__file__).parent / "fixtures" / "repos"


def read(name: str) -> Report:
    """Read fixture repository ``name`` (under tests/fixtures/repos)."""
    return read_repository(REPOS / name)


def statuses(report: Report) -> dict[str, str]:
    return {f.path: f.status for f in report.files}


def reasons(report: Report) -> dict[str, str | None]:
    return {f.path: f.reason for f in report.files}


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def by_code(report: Report, code: str):
    found = [f for f in report.findings if f.code == code]
    assert found, f"no {code} in {[(f.code, f.message) for f in report.findings]}"
    return found[0]


def write_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create a repository under ``root`` from {relative path: text or bytes}."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    os.makedirs(root, exist_ok=True)
    return root

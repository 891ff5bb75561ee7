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


def read_unprivileged(repo: Path) -> dict:
    """The JSON report of ``repo`` read by a user whom permission bits stop.

    Root reads everything, so as root the reading runs in a forked child that drops to
    ``nobody`` first (the reader's lazy imports are done beforehand: the child may not reach
    site-packages). ``repo`` must be reachable by ``nobody`` (not under pytest's 0700 tmp_path).
    Skips when privileges cannot be dropped here.
    """
    import json

    import pytest

    if os.geteuid() != 0:
        return read_repository(repo).to_json()
    import packaging.requirements
    import packaging.specifiers  # noqa: F401
    import ruamel.yaml  # noqa: F401

    import rees2conda.rees.environment
    import rees2conda.rees.local_package
    import rees2conda.rees.requirements  # noqa: F401

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(rfd)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            status = 3
            data = json.dumps(read_repository(repo).to_json()).encode()
            with os.fdopen(wfd, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 1:
        pytest.skip("cannot drop root privileges here (setuid to nobody failed)")
    assert code == 0, f"the unprivileged reader failed with status {code}"
    return json.loads(data)

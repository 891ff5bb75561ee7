"""The repo2docker conformance run (repo2docker.py beside this file) under pytest.

Deselected by default (it builds some twenty environments, ~10-30 min): run it with
``python -m pytest -m conformance tests/conformance``. It fails when ``check`` disagrees with
repo2docker's ``detect()`` (the route it picks), when a row is malformed, or when a
conda-expressible repository neither passes its ``verify`` nor has a quoted reason to skip it,
unless what fails is the machine's local channel lacking a package (a CPython 3.5 where none can
be had): such a row must name the missing piece and is counted apart, as the script does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.conformance

SCRIPT = Path(__file__).with_name("repo2docker.py")
STATES = {"pass", "fail", "skip"}


def test_repo2docker_conformance(tmp_path: Path) -> None:
    out = tmp_path / "conformance.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", str(out)], capture_output=True, text=True
    )
    print(proc.stdout)
    assert out.is_file(), proc.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert len(rows) >= 40, "repo2docker 2026.4.0 ships 49 repositories with a verify script"
    for row in rows:
        assert {row[k] for k in ("check", "lock", "build", "verify")} <= STATES, row
        assert row["category"] in {"conda", "refused", "other"}, row
        if row["category"] != "conda" or row["verify"] != "pass":
            assert row["reason"], row
        if row["category"] == "conda" and row["verify"] == "skip":
            assert "`" in row["reason"], f"a skip quotes the verify line: {row}"
        if row["category"] == "refused":
            assert row["reason"].startswith("refused: R2C"), f"names check's refusal: {row}"
    disagree = [r for r in rows if r["check"] != "pass"]
    assert not disagree, "check disagrees with repo2docker:\n" + "\n".join(map(str, disagree))
    failing = [r for r in rows if r["category"] == "conda" and r["verify"] == "fail"]
    for row in failing:
        if row["cause"] == "not-in-channel":
            assert row["reason"], row
    failing = [r for r in failing if r["cause"] != "not-in-channel"]
    assert not failing, "\n".join(f"{r['repo']}: {r['reason']}" for r in failing)

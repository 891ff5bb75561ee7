"""``build --apt conda`` end to end: apt.txt's conda-forge equivalents installed into the env.

Runs the real CLI against the local conda-forge channel (``channel_env``), whose packages include
numpy and pip: the apt.txt below maps to them (and to nothing for sudo and git).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from build_helpers import build_json, run_cli

pytestmark = pytest.mark.slow


def test_build_apt_conda_installs_the_equivalents(tmp_path: Path, channel_env: dict[str, str]):
    repo = tmp_path / "apt-repo"
    repo.mkdir()
    (repo / "runtime.txt").write_text("python-3.11\n")
    (repo / "apt.txt").write_text("python3-numpy  # the notebooks import it\nsudo\ngit\n")

    refused = run_cli(["build", str(repo)], channel_env, check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "apt.txt" in refused.stderr and "--apt conda" in refused.stderr

    result = build_json(repo, channel_env, "--apt", "conda", "--no-kernel")
    assert result["action"] == "created"
    python = Path(result["prefix"]) / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", "import numpy; print(numpy.arange(4).sum())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "6"
    lock = Path(result["lockfile"]).read_text()
    assert "'rees2conda:apt:python3-numpy': numpy\n" in lock
    assert "'rees2conda:apt:sudo': not-needed\n" in lock

    again = build_json(repo, channel_env, "--apt", "conda", "--no-kernel")
    assert again["action"] == "unchanged"
    # the option decides the build: without it apt.txt is refused again, never a silent no-op
    refused = run_cli(["build", str(repo), "--no-kernel"], channel_env, check=False)
    assert refused.returncode == 1 and "--apt conda" in refused.stderr

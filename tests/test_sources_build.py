# ruff: noqa: E501
"""End to end: ``rees2conda build <Binder link>`` to a local repository, with the local channel,
then the notebook the link names runs in the registered kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from build_helpers import run_in_kernel
from sources_helpers import GitRemote, notebook

pytestmark = pytest.mark.slow

ENV_YML = "channels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy\n"
CODE = "import numpy, sys\nprint(int(numpy.arange(5).sum()), sys.prefix)"


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def test_binder_link_to_running_kernel(tmp_path: Path, channel_env: dict[str, str]) -> None:
    remote = GitRemote(
        tmp_path,
        "demo",
        {"binder/environment.yml": ENV_YML, "notebooks/demo.ipynb": notebook(CODE)},
    )
    here = tmp_path / "here"
    here.mkdir()
    link = f"https://mybinder.org/v2/git/{quote(remote.url, safe='')}/main?labpath=notebooks%2Fdemo.ipynb"
    proc = cli(["build", link], channel_env, here)
    checkout = here / "demo"
    prefix = Path(channel_env["HOME"]) / ".conda" / "envs" / "demo"
    assert "created demo" in proc.stdout
    assert (
        "notebook: notebooks/demo.ipynb (opens in kernel demo (Python 3.11 (demo)))" in proc.stdout
    )
    assert (
        f"start Jupyter: jupyter lab --notebook-dir={checkout} {checkout}/notebooks/demo.ipynb"
        in proc.stdout
    )
    # the notebook named by the link, executed in the kernel it now points at
    nb = json.loads((checkout / "notebooks" / "demo.ipynb").read_text())
    kernel = nb["metadata"]["kernelspec"]["name"]
    assert kernel == "demo"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert run_in_kernel(kernel, code).split() == ["10", str(prefix)]

    # provenance: the commit is in the stamp and in `list --json`
    listed = json.loads(cli(["list", "--json"], channel_env, here).stdout)
    (entry,) = [e for e in listed if e["name"] == "demo"]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=remote.work, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert entry["origin"]["commit"] == head
    assert entry["origin"]["notebook"] == "notebooks/demo.ipynb"

    # a new upstream commit that leaves the environment alone: checkout updated (the
    # retargeted notebook is restored and retargeted again), nothing rebuilt, stamp follows
    new = remote.commit({"README.md": "hello\n"}, "docs")
    proc = cli(["build", "--json", link], channel_env, here)
    result = json.loads(proc.stdout)
    assert result["action"] == "unchanged"
    assert result["origin"]["commit"] == new
    assert (checkout / "README.md").is_file()
    nb = json.loads((checkout / "notebooks" / "demo.ipynb").read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "demo"
    assert result["notebooks_changed"] == ["notebooks/demo.ipynb"]
    listed = json.loads(cli(["list", "--json"], channel_env, here).stdout)
    assert [e["origin"]["commit"] for e in listed if e["name"] == "demo"] == [new]

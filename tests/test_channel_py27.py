"""Python 2.7 end to end: make_channel's 2.7 (pip under 2.7, py27 packages) and rees2conda's
build of a ``python-2.7`` repository, whose pip lines go through the env's own pip and whose
kernel (ipykernel 4) starts and runs Python 2 code.

Only when this machine has a CPython 2.7 (pyenv, PATH or uv): make_channel cannot offer it
otherwise. The 2.7 channel is built here, not in the session's default channel (which CI
builds on every change of make_channel.py and must stay small).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from channel_helpers import cached_channel, make_channel

from tests.build_helpers import run_cli, run_in_kernel


@pytest.fixture(scope="module")
def channel27() -> Path:
    """A channel offering only Python 2.7 (cached beside the default one, by content)."""
    mc = make_channel()
    try:
        mc.find_interpreter("2.7")
    except RuntimeError as exc:
        pytest.skip(str(exc))
    return cached_channel("channel27", ["2.7"])


@pytest.fixture
def env27(channel_env: dict[str, str], channel27: Path) -> dict[str, str]:
    """channel_env with `conda-forge` meaning the 2.7 channel."""
    condarc = Path(channel_env["CONDARC"])
    condarc.write_text(f"channel_alias: {channel27.parent.as_uri()}\nchannels:\n  - conda-forge\n")
    return channel_env


@pytest.mark.slow
@pytest.mark.pypi
def test_channel27_packages_are_per_python(channel27: Path) -> None:
    repodata = json.loads((channel27 / "linux-64" / "repodata.json").read_text())
    records = repodata["packages.conda"]
    by_name = {r["name"]: r for r in records.values()}
    assert by_name["python"]["version"].startswith("2.7.")
    assert by_name["python_abi"]["build"].endswith("_cp27mu")
    assert by_name["ipykernel"]["version"].startswith("4.")
    assert "python_abi 2.7.* *_cp27mu" in by_name["tornado"]["depends"]  # built from its sdist
    # every py2 package is tied to 2.7: none can land in a Python 3 env
    for fn, rec in records.items():
        if rec["name"] not in ("python", "python_abi"):
            assert "python >=2.7,<2.8.0a0" in rec["depends"], fn


@pytest.mark.slow
@pytest.mark.pypi
def test_build_python27_repository_and_run_its_kernel(
    tmp_path: Path, env27: dict[str, str]
) -> None:
    repo = tmp_path / "py2repo"
    repo.mkdir()
    (repo / "runtime.txt").write_text("python-2.7\n")
    (repo / "requirements.txt").write_text("attrs==21.4.0\n")  # not in the conda closure
    prefix = tmp_path / "env"
    run_cli(["build", "-q", "--kernel-name", "py2", "-p", str(prefix), str(repo)], env27)
    # the pip line went through the env's own pip (uv cannot install into 2.7)
    site = prefix / "lib" / "python2.7" / "site-packages"
    assert (site / "attrs-21.4.0.dist-info").is_dir()
    spec = json.loads(
        (Path(env27["JUPYTER_DATA_DIR"]) / "kernels" / "py2" / "kernel.json").read_text()
    )
    assert spec["argv"][0] == str(prefix / "bin" / "python")
    code = "import sys, attr; print('%d.%d %s' % (sys.version_info[:2] + (attr.__version__,)))"
    assert run_in_kernel("py2", code).strip() == "2.7 21.4.0"

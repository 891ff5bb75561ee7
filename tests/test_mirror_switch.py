"""A lock's identity is its channel names: made through one mirror, fresh and installable
through another (package URLs rebased at install time; tokens come from the configuration)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli, run_in_kernel
from lock_helpers import CHANNELS, make_report, options

from rees2conda.condarc import CondaConfig
from rees2conda.resolve.api import lock_is_fresh, lock_report
from rees2conda.resolve.lockfile import read_channels
from rees2conda.resolve.rebase import rebase_url


def test_rebase_url_by_channel_name() -> None:
    cfg = CondaConfig(
        channel_alias="https://mirror.site/t/tok-1",
        custom_channels={"bioconda": "file:///srv/bio"},
        default_channels=["https://mirror.site/pkgs/main", "https://mirror.site/pkgs/r"],
    )
    names = ["conda-forge", "bioconda", "defaults", "https://other.example/ch"]
    fn = "linux-64/numpy-1.0-0.conda"
    assert (
        rebase_url(f"https://conda.anaconda.org/conda-forge/{fn}", names, cfg)
        == f"https://mirror.site/t/tok-1/conda-forge/{fn}"
    )
    # a token in the recorded URL is ignored when recognising the channel
    assert (
        rebase_url(f"https://old.example/t/xyz/conda-forge/{fn}", names, cfg)
        == f"https://mirror.site/t/tok-1/conda-forge/{fn}"
    )
    assert rebase_url(f"https://x/bioconda/{fn}", names, cfg) == f"file:///srv/bio/bioconda/{fn}"
    assert (
        rebase_url(f"https://repo.anaconda.com/pkgs/r/{fn}", names, cfg)
        == f"https://mirror.site/pkgs/r/{fn}"
    )
    # channels locked as URLs, and URLs of no locked channel, stay as they are
    assert rebase_url(f"https://other.example/ch/{fn}", names, cfg) == (
        f"https://other.example/ch/{fn}"
    )
    assert rebase_url(f"https://evil.example/pkgs/{fn}", names, cfg) == (
        f"https://evil.example/pkgs/{fn}"
    )


def test_lock_is_fresh_through_another_alias(tmp_path: Path) -> None:
    report = make_report(tmp_path, ["python=3.6", "numpy"], ["defaults-2018"])
    lockfile = tmp_path / "conda-lock.yml"
    lock_report(report, tmp_path, lockfile=lockfile, options=options(kernel=False))
    assert read_channels(lockfile) == ["defaults-2018"]  # names, as conda-lock records them
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "defaults-2018").symlink_to(CHANNELS / "defaults-2018")
    other = options(kernel=False, config=CondaConfig(channel_alias=mirror.as_uri()))
    assert lock_is_fresh(report.spec, lockfile, "linux-64", other)
    # a channel *name* change is a different lock
    renamed = make_report(tmp_path, ["python=3.6", "numpy"], ["defaults-2019"])
    assert not lock_is_fresh(renamed.spec, lockfile, "linux-64", other)


@pytest.mark.slow
def test_build_locked_through_another_mirror(
    tmp_path: Path, channel_env: dict[str, str], local_channel: Path
) -> None:
    """Lock through mirror A, remove A, ``build --locked`` through mirror B: fresh, installed
    from B, the kernel runs; a later login with yet another alias finds nothing to do."""
    mirror_a, mirror_b = tmp_path / "mirror-a", tmp_path / "mirror-b"
    for m in (mirror_a, mirror_b):
        m.mkdir()
        (m / "conda-forge").symlink_to(local_channel)
    repo = copy_repo("plain-python", tmp_path)
    env_a = {**channel_env, "CONDA_CHANNEL_ALIAS": mirror_a.as_uri()}
    run_cli(["lock", str(repo)], env_a)
    lock_text = (repo / "conda-lock.yml").read_text()
    assert mirror_a.as_uri() in lock_text
    (mirror_a / "conda-forge").unlink()
    # a private package cache: every package must really come from mirror B
    pkgs = tmp_path / "pkgs"
    env_b = {**channel_env, "CONDA_CHANNEL_ALIAS": mirror_b.as_uri(), "CONDA_PKGS_DIRS": str(pkgs)}
    run_cli(["lock", str(repo), "--check"], env_b)
    out = json.loads(run_cli(["build", str(repo), "--locked", "--json"], env_b).stdout)
    assert out["action"] == "created" and out["lock_source"] == "repository"
    assert (repo / "conda-lock.yml").read_text() == lock_text  # never rewritten
    printed = run_in_kernel(out["kernel_name"], "import sys; print(sys.prefix)")
    assert printed.strip() == out["prefix"]
    assert any(pkgs.iterdir())
    env_c = {**env_b, "CONDA_CHANNEL_ALIAS": "http://127.0.0.1:9/unreachable"}
    again = run_cli(["build", str(repo), "--locked", "--json"], env_c)
    assert json.loads(again.stdout)["action"] == "unchanged"
    assert os.path.isdir(out["prefix"])

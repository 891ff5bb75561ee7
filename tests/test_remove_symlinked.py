"""``remove`` of an env reached through a symlink (``~/.conda/envs/foo -> /scratch/foo``).

HPC users keep environments on scratch and link them into ``~/.conda/envs`` so that ``conda
activate foo`` finds them. Renaming the link away used to remove nothing while saying success.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo, run_cli

pytestmark = pytest.mark.slow


def test_remove_through_a_symlink_removes_env_kernel_and_link(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    real = tmp_path / "scratch" / "foo"
    real.parent.mkdir()
    result = build_json(repo, channel_env, "-p", str(real), "--kernel-name", "foo")
    kdir = Path(result["kernel_dir"])
    assert kdir.is_dir() and (real / "conda-meta").is_dir()
    envs = Path(channel_env["HOME"]) / ".conda" / "envs"
    envs.mkdir(parents=True, exist_ok=True)
    (envs / "foo").symlink_to(real)
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    assert [e["name"] for e in listed] == ["foo"]  # once, though known by two paths

    proc = run_cli(["remove", "foo"], channel_env)
    assert f"removed foo ({real})" in proc.stdout
    assert "symbolic link" in proc.stderr
    assert not real.exists() and not (envs / "foo").is_symlink() and not kdir.exists()
    assert list(real.parent.iterdir()) == []  # no trash, no lock left beside it
    registry = Path(channel_env["HOME"]) / ".conda" / "environments.txt"
    assert str(real) not in registry.read_text()
    assert json.loads(run_cli(["list", "--json"], channel_env).stdout) == []


def test_symlink_to_a_foreign_env_is_refused(tmp_path: Path, channel_env: dict[str, str]) -> None:
    foreign = tmp_path / "scratch" / "theirs"
    (foreign / "conda-meta").mkdir(parents=True)
    (foreign / "conda-meta" / "history").write_text("")
    envs = Path(channel_env["HOME"]) / ".conda" / "envs"
    envs.mkdir(parents=True)
    (envs / "theirs").symlink_to(foreign)
    proc = run_cli(["remove", "theirs"], channel_env, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"(a link to {foreign}) was not created by rees2conda" in proc.stderr
    assert (envs / "theirs").is_symlink() and (foreign / "conda-meta" / "history").exists()


def test_remove_by_real_path_drops_the_links_to_it(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    real = tmp_path / "scratch" / "bar"
    real.parent.mkdir()
    build_json(repo, channel_env, "-p", str(real), "--no-kernel")
    envs = Path(channel_env["HOME"]) / ".conda" / "envs"
    envs.mkdir(parents=True, exist_ok=True)
    (envs / "bar").symlink_to(real)
    (envs / "unrelated").symlink_to(tmp_path)  # another link stays
    run_cli(["remove", str(real)], channel_env)
    assert not real.exists() and not (envs / "bar").is_symlink()
    assert (envs / "unrelated").is_symlink()

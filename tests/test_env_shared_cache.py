"""Layered package caches: conda writes to the first writable ``pkgs_dirs`` entry and reads
packages from the others (a group's or centre's shared cache). A build copies verified
packages from them (hard links on one filesystem) instead of downloading, and never changes
them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli, run_in_kernel


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.lstat().st_mtime_ns, p.lstat().st_size)
        for p in root.rglob("*")
        if not p.name.startswith(".cache.lock")
    }


@pytest.mark.slow
def test_read_only_cache_is_a_source(
    tmp_path: Path, channel_env: dict[str, str], local_channel: Path
) -> None:
    group = tmp_path / "group-pkgs"
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "conda-forge").symlink_to(local_channel)
    first = copy_repo("plain-python", tmp_path / "a")
    env = {**channel_env, "CONDA_CHANNEL_ALIAS": mirror.as_uri(), "CONDA_PKGS_DIRS": str(group)}
    run_cli(["lock", str(first)], env)
    run_cli(["build", str(first), "-n", "builder", "-q"], env)
    before = _tree(group)
    assert any(p.is_dir() for p in group.iterdir())

    # the mirror is gone: every package must come from the group's cache
    (mirror / "conda-forge").unlink()
    mine = tmp_path / "my-pkgs"
    member = {**env, "CONDA_PKGS_DIRS": f"{mine},{group}"}
    out = json.loads(
        run_cli(["build", str(first), "-n", "member", "--locked", "--json"], member).stdout
    )
    assert out["action"] == "created"
    assert _tree(group) == before  # read, never written
    python_entry = next(p for p in mine.iterdir() if p.name.startswith("python-3"))
    linked = next(p for p in (python_entry / "bin").iterdir() if p.is_file())
    assert os.stat(linked).st_nlink > 1  # hard links, no copy, on one filesystem
    printed = run_in_kernel(out["kernel_name"], "import sys; print(sys.prefix)")
    assert printed.strip() == out["prefix"]

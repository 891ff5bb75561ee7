"""``~/.conda/environments.txt`` under concurrency: no line lost, no lock or temporary left."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rees2conda.env import registry

#: each child waits for the ``go`` file so that all of them hit the registry at once
CHILD = r"""
import os, sys, time
from rees2conda.env import registry
home, me, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
while not os.path.exists(go):
    time.sleep(0.005)
for i in range(count):
    registry.add(f"/envs/{me}-{i}", home)
for i in range(0, count, 3):
    registry.remove(f"/envs/{me}-{i}", home)
"""


def test_concurrent_updates_lose_no_line(tmp_path: Path) -> None:
    home, go = tmp_path / "home", tmp_path / "go"
    registry_file = registry.registry_path(home)
    registry_file.parent.mkdir(parents=True)
    registry_file.write_text("/opt/conda\n")  # a line conda wrote stays
    procs, count = 8, 12
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(home), f"p{n}", str(count), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(procs)
    ]
    time.sleep(0.5)  # let every interpreter start and wait at the line
    go.touch()
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""
    expected = {"/opt/conda"} | {
        f"/envs/p{n}-{i}" for n in range(procs) for i in range(count) if i % 3
    }
    lines = registry.list_registered(home)
    assert len(lines) == len(set(lines)) and set(lines) == expected
    assert sorted(p.name for p in registry_file.parent.iterdir()) == ["environments.txt"]


def test_symlinked_registry_is_updated_in_place(tmp_path: Path) -> None:
    """A dotfiles-managed environments.txt (a symlink) is the user's: written through, kept."""
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    real = tmp_path / "dotfiles" / "environments.txt"
    real.parent.mkdir()
    real.write_text("/opt/conda\n")
    registry.registry_path(home).symlink_to(real)
    assert registry.add("/envs/a", home)
    assert registry.registry_path(home).is_symlink()
    assert real.read_text() == "/opt/conda\n/envs/a\n"
    assert registry.remove("/envs/a", home) and real.read_text() == "/opt/conda\n"

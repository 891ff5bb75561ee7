"""A Python 2.7 environment with its own pip, for the tests of the pip path uv cannot take."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def python27_env(root: Path) -> Path:
    """A Python 2.7 environment with its own pip, made from this machine's 2.7 (as a conda env
    with python=2.7 and pip would be), or skip when there is none."""
    candidates = [
        shutil.which("python2.7"),
        *Path.home().glob(".pyenv/versions/2.7*/bin/python2.7"),
    ]
    found = None
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print(sys.executable); print(sys.prefix)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and len(probe.stdout.split()) == 2:
            found = [Path(p) for p in probe.stdout.split()]
            break
    if found is None:
        pytest.skip("no python2.7 on this machine")
    real, base = found
    lib = root / "lib" / "python2.7"
    (lib / "site-packages").mkdir(parents=True)
    (root / "bin").mkdir()
    shutil.copy2(real, root / "bin" / "python")
    for entry in (base / "lib" / "python2.7").iterdir():
        if entry.name != "site-packages":
            os.symlink(entry, lib / entry.name)
    site = base / "lib" / "python2.7" / "site-packages"
    if not (site / "pip").is_dir() or not (site / "setuptools").is_dir():
        pytest.skip("the machine's python2.7 has no pip and setuptools")
    for entry in site.iterdir():  # pip and setuptools, as conda's python=2.7 + pip has them
        if entry.name.startswith(("pip", "setuptools", "pkg_resources")) and entry.is_dir():
            shutil.copytree(entry, lib / "site-packages" / entry.name)
    return root / "bin" / "python"

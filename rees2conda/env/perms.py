"""Permissions for group-shared environments.

On clusters, envs live in group folders (``envs_dirs: [/project/group/envs]``) and every
member runs them. rattler writes ``conda-meta/*.json`` records 0600, so another member can run
the env's Python but ``conda list -p`` fails with PermissionError. Files are made as readable
as the user's umask allows (``0666 & ~umask``), as conda itself and ``open()`` do.
"""

from __future__ import annotations

import os
from pathlib import Path


def current_umask() -> int:
    """The process umask, read without changing it (setting and restoring it with
    ``os.umask`` races with threads, such as the package cache's parallel fetches)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: the only portable way
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0666 & ~umask``."""
    return 0o666 & ~current_umask()


def share_conda_meta(prefix: Path) -> int:
    """Widen private (``0600``) records in ``prefix/conda-meta`` to the umask's mode; never
    narrows anything. Returns how many files changed."""
    wanted = file_mode()
    changed = 0
    try:
        entries = list(os.scandir(prefix / "conda-meta"))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
            continue
        mode = entry.stat(follow_symlinks=False).st_mode & 0o777
        if mode | wanted != mode:
            os.chmod(entry.path, mode | wanted)
            changed += 1
    return changed

"""``conda``, ``mamba`` and ``micromamba`` on a trusted ``postBuild``'s ``PATH``.

Binder's postBuild scripts often run ``conda install -y …`` or ``mamba install -y …``; a
rees2conda env has neither tool, so they would fail with exit 127. While postBuild runs, a
private temporary folder holds three small scripts of those names, first on its ``PATH``; they
run :mod:`rees2conda.env.condashim` with this build's settings (the context file beside them:
prefix, platform, the lock's channels, the conda configuration, the package caches), so an
added package comes from the same channels, mirror, credentials and cache as the build's own.
The folder is removed when postBuild ends: nothing is written into the repository, and nothing
into the env but the packages installed. The context holds the conda configuration as read
(a channel token in it too), so the folder is the user's alone (0700, the file 0600).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: shim folders are ``<tmp>/rees2conda-shims-<pid of the build>-<random>``
_PREFIX = "rees2conda-shims-"
#: the commands a postBuild may call
TOOLS = ("conda", "mamba", "micromamba")
CONTEXT_NAME = "context.json"
#: written beside the context by a stand-in whose linking failed midway
FAILED_NAME = "install-failed"
#: the variable the shim scripts set to the context file
CONTEXT_VAR = "REES2CONDA_SHIM_CONTEXT"


def _script(tool: str, context: Path) -> str:
    """A ``/bin/sh`` script running the shim with rees2conda's own interpreter (``-E``: the
    postBuild's ``PYTHONPATH`` and friends do not reach it)."""
    root = str(Path(__file__).resolve().parent.parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {root!r}); "
        "from rees2conda.env.condashim import run; run(sys.argv[1:])"
    )
    return (
        "#!/bin/sh\n"
        f"# Written by rees2conda for a trusted postBuild: `{tool}` runs rees2conda's engine.\n"
        f"{CONTEXT_VAR}={shlex.quote(str(context))} "
        f'exec {shlex.quote(sys.executable)} -E -c {shlex.quote(code)} {tool} "$@"\n'
    )


@contextmanager
def conda_shims(context: dict[str, Any]) -> Iterator[Path]:
    """A private folder holding the ``conda``/``mamba``/``micromamba`` scripts and ``context``
    (see :func:`build_context`); removed on exit, and by the next build if this one is killed
    (:func:`sweep_stale`: the context holds the conda configuration, tokens too)."""
    sweep_stale(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))  # mode 0700
    try:
        path = folder / CONTEXT_NAME
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(context, fh)
        for tool in TOOLS:
            script = folder / tool
            script.write_text(_script(tool, path), encoding="utf-8")
            script.chmod(0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def failed_install(folder: Path) -> str | None:
    """What a stand-in's failed linking said (None when every install linked or none ran)."""
    try:
        return (folder / FAILED_NAME).read_text(encoding="utf-8")
    except OSError:
        return None


def sweep_stale(tmp: Path) -> list[Path]:
    """Remove this user's shim folders whose build process is gone (killed during postBuild,
    so its ``finally`` never ran); returns what was removed. A folder whose process still runs
    (or another user's) is left alone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(tmp))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(_PREFIX):
            continue
        pid = entry.name[len(_PREFIX) :].split("-", 1)[0]
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not pid.isdigit() or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        if _alive(int(pid)):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, not ours to signal
        return True
    return True


def build_context(
    *,
    prefix: Path,
    name: str,
    platform: str,
    config: Any,
    lockfile: Path,
    pkgs_dir: Path,
    read_only_caches: list[Path],
    offline: bool,
    allow_foreign_urls: bool,
    skip: list[str],
) -> dict[str, Any]:
    """What the shim needs of the build, as JSON: ``config`` is the build's
    :class:`~rees2conda.condarc.CondaConfig` (with ``--channel-alias`` applied), ``skip`` the
    conda packages a pip package replaced (never linked again)."""
    from rees2conda.resolve.lockfile import read_channels

    return {
        "prefix": str(prefix),
        "name": name,
        "platform": platform,
        "config": dataclasses.asdict(config),
        "lockfile": str(lockfile),
        "lock_channels": read_channels(lockfile),
        "pkgs_dir": str(pkgs_dir),
        "read_only_caches": [str(p) for p in read_only_caches],
        "offline": offline,
        "allow_foreign_urls": allow_foreign_urls,
        "skip": sorted(skip),
    }

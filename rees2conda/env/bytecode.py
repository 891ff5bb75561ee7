"""Byte-compile the Python files of the ``noarch: python`` packages a build linked, as conda does.

conda compiles a noarch package's ``.py`` files when it links them (packages built for one
Python ship their ``.pyc``); rattler links without compiling. Left alone, the first import
compiles them, which is slow on a cluster's shared filesystem, and in a group-shared env that
other users can only read it never happens: every kernel start of theirs compiles ipykernel's
closure again in memory. Only the packages linked by this build are compiled (their
``conda-meta`` record is newer than the build's incomplete marker), through the env's own
python so the ``.pyc`` match its version. A file that does not compile (a Python 2 test module
in a Python 3 package) is skipped, as conda skips it: compiling is never a reason to fail.
A Python 2 env is left alone (see :func:`compile_files`).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path


def linked_since(prefix: Path, since: float) -> list[str]:
    """Prefix-relative ``.py`` files of the noarch python packages whose conda-meta record was
    written at or after ``since`` (seconds since the epoch)."""
    meta = prefix / "conda-meta"
    files: list[str] = []
    try:
        entries = list(os.scandir(meta))
    except OSError:
        return files
    for entry in entries:
        if not entry.name.endswith(".json"):
            continue
        try:
            if entry.stat().st_mtime < since:
                continue
            record = json.loads(Path(entry.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("noarch") != "python":
            continue
        listed = record.get("files")
        if isinstance(listed, list):
            files.extend(f for f in listed if isinstance(f, str) and f.endswith(".py"))
    return files


def compile_files(python: Path, prefix: Path, files: list[str]) -> int:
    """Compile ``files`` (prefix-relative) with ``python``; returns how many were asked for.

    ``compileall -i -`` reads the list from stdin, one file after the other (its ``-j`` only
    applies to folders), so the list is shared among one process per core. The names go as
    file-system bytes: the caller's locale may not encode them (``LANG=C`` without UTF-8 mode).
    """
    names = [_name(prefix / f) for f in files if "\n" not in f]
    paths = [p for p in names if p is not None]
    if not paths or not python.exists() or python.resolve().name.startswith("python2"):
        # Python 2 writes the .pyc beside the source, where the package's record does not
        # list it: removing the package would leave it, and Python 2 imports a lone .pyc
        return 0
    # compileall's -j does not apply to a list: one process per core, each with its share
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = max(1, min(cores or 1, 8, len(paths) // 100))
    with tempfile.TemporaryDirectory(prefix="rees2conda-pyc-") as tmp:
        procs = []
        try:
            for i in range(jobs):
                listing = Path(tmp) / f"{i}.txt"
                listing.write_bytes(b"\n".join(paths[i::jobs]) + b"\n")
                with listing.open("rb") as stdin:
                    procs.append(
                        subprocess.Popen(
                            # -E: none of the caller's PYTHON* settings (PYTHONPYCACHEPREFIX
                            # would put the .pyc elsewhere, PYTHONDONTWRITEBYTECODE skip them)
                            [str(python), "-E", "-m", "compileall", "-q", "-i", "-"],
                            stdin=stdin,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            cwd=prefix,
                        )
                    )
            deadline = time.monotonic() + 600
            for proc in procs:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except (OSError, subprocess.SubprocessError):
            for proc in procs:
                proc.kill()
            for proc in procs:
                proc.wait()
            return 0
    return len(paths)


def _name(path: Path) -> bytes | None:
    """``path`` as file-system bytes; None for a name no file can have (a lone surrogate that
    a broken record's JSON can hold)."""
    try:
        return os.fsencode(path)
    except UnicodeEncodeError:
        return None

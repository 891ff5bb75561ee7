"""Installed kernelspecs read with the standard library only: the no-op path of ``build``
(:mod:`rees2conda.env.quick`) and the kernel commands (:mod:`rees2conda.kernel.spec`) share
these, so an env's kernel counts as intact, or as ours, by one definition.
"""

from __future__ import annotations

import os
import sys

from rees2conda.records import read_json

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any


def python_executable(prefix: str | os.PathLike[str]) -> str:
    """The env's python, as kernelspecs name it."""
    if sys.platform == "win32":
        return os.path.join(prefix, "python.exe")
    return os.path.join(prefix, "bin", "python")


def read_kernelspec(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """kernel.json of ``directory`` (None: absent, not a regular file, not a JSON object)."""
    data = read_json(os.path.join(directory, "kernel.json"))
    return data if isinstance(data, dict) else None


def kernel_owner(directory: str | os.PathLike[str]) -> str | None:
    """The prefix a kernelspec made by rees2conda belongs to (None for foreign kernels)."""
    meta = (read_kernelspec(directory) or {}).get("metadata") or {}
    ours = meta.get("rees2conda") if isinstance(meta, dict) else None
    if isinstance(ours, dict) and isinstance(ours.get("prefix"), str):
        return str(ours["prefix"])
    return None


def kernel_intact(directory: str | os.PathLike[str], prefix: str | os.PathLike[str]) -> bool:
    """Cheap check for the no-op path: kernel.json exists and runs a program of this prefix."""
    spec = read_kernelspec(directory)
    if spec is None:
        return False
    argv = spec.get("argv")
    if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
        return False
    prefix = os.fspath(prefix)
    python = python_executable(prefix)
    # the env's python, possibly behind a wrapper running the trusted `start` first
    if python in argv:
        return os.path.exists(python)
    program = argv[0]  # another kernel's program (R, a xeus binary) inside the env
    inside = os.path.commonpath([os.path.abspath(program), os.path.abspath(prefix)])
    return inside == os.path.abspath(prefix) and os.path.exists(program)

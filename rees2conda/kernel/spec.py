"""The Jupyter kernelspec of an environment: ``<jupyter data dir>/kernels/<name>/kernel.json``.

The kernel runs the environment's own Python, and its ``env`` carries the environment's
activation (``PATH`` with the env's ``bin`` first, ``CONDA_PREFIX``, ``CONDA_DEFAULT_ENV`` and what
packages' activation scripts set), so code in a notebook sees what ``conda activate`` would give.
``PATH`` is written as ``<prefix>/bin:${PATH}``: jupyter_client (>= 7) substitutes ``${VAR}`` from
the launching environment, so the user's PATH at launch time is kept.

The data dir follows jupyter_core's rule, replicated here so the no-op build path does not import
jupyter_core: ``JUPYTER_DATA_DIR``, else (Linux) ``$XDG_DATA_HOME/jupyter`` or
``~/.local/share/jupyter``; macOS ``~/Library/Jupyter``; Windows ``%APPDATA%\\jupyter``. With
``JUPYTER_PLATFORM_DIRS`` set, jupyter_core itself is asked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rees2conda.env.fsutil import write_text_atomic

_BAD = re.compile(r"[^a-z0-9._-]+")
LOGOS = ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg")


def jupyter_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's Jupyter data folder, as jupyter_core computes it."""
    env = os.environ if env is None else env
    if env.get("JUPYTER_DATA_DIR"):
        return Path(env["JUPYTER_DATA_DIR"])
    if env.get("JUPYTER_PLATFORM_DIRS", "").lower() not in ("", "0", "false", "no", "off"):
        from jupyter_core.paths import jupyter_data_dir as _jdd

        return Path(_jdd())
    home = Path(env.get("HOME") or os.path.expanduser("~")).resolve()
    if sys.platform == "darwin":
        return home / "Library" / "Jupyter"
    if sys.platform == "win32":
        appdata = env.get("APPDATA")
        if appdata:
            return Path(appdata, "jupyter").resolve()
        return home / ".jupyter" / "data"
    xdg = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(xdg) / "jupyter"


def kernel_dir(name: str, env: Mapping[str, str] | None = None) -> Path:
    return jupyter_data_dir(env) / "kernels" / name


def kernel_name_for(env_name: str) -> str:
    """A valid kernel name (jupyter_client accepts ``[a-z0-9._-]``, case-insensitively)."""
    name = _BAD.sub("-", env_name.lower()).strip("-.")
    return name or "rees2conda"


def valid_kernel_name(name: str) -> bool:
    return bool(name) and re.fullmatch(r"[a-zA-Z0-9._-]+", name) is not None


def python_path(prefix: str | os.PathLike[str]) -> Path:
    if sys.platform == "win32":
        return Path(prefix) / "python.exe"
    return Path(prefix) / "bin" / "python"


def build_kernelspec(
    prefix: str | os.PathLike[str],
    *,
    display_name: str,
    env_name: str,
    activation: Mapping[str, str],
    source: str,
    version: str,
) -> dict[str, Any]:
    """The kernel.json content for ``prefix``."""
    prefix = str(prefix)
    env = dict(activation)
    env.update(
        {
            "PATH": os.pathsep.join([str(Path(prefix) / "bin"), "${PATH}"]),
            "CONDA_PREFIX": prefix,
            "CONDA_DEFAULT_ENV": env_name,
        }
    )
    return {
        "argv": [str(python_path(prefix)), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "env": dict(sorted(env.items())),
        "metadata": {
            "debugger": True,
            "rees2conda": {
                "source": source,
                "prefix": prefix,
                "env_name": env_name,
                "version": version,
            },
        },
    }


def read_kernelspec(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    try:
        with open(Path(directory) / "kernel.json", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def kernel_owner(directory: str | os.PathLike[str]) -> str | None:
    """The prefix a kernelspec made by rees2conda belongs to (None for foreign kernels)."""
    spec = read_kernelspec(directory)
    meta = (spec or {}).get("metadata") or {}
    ours = meta.get("rees2conda") if isinstance(meta, dict) else None
    if isinstance(ours, dict) and isinstance(ours.get("prefix"), str):
        return ours["prefix"]
    return None


def write_kernelspec(
    directory: str | os.PathLike[str], spec: Mapping[str, Any], prefix: str | os.PathLike[str]
) -> bool:
    """Write kernel.json (atomically) plus the logos ipykernel ships. True when anything changed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(spec, indent=1) + "\n"
    changed = False
    target = directory / "kernel.json"
    try:
        current = target.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != text:
        write_text_atomic(target, text)
        changed = True
    logos = Path(prefix) / "share" / "jupyter" / "kernels" / "python3"
    for logo in LOGOS:
        src = logos / logo
        # lexists: a dangling symlink planted at the logo's name is not written through
        if src.is_file() and not os.path.lexists(directory / logo):
            shutil.copyfile(src, directory / logo)
            changed = True
    return changed


def remove_kernelspec(directory: str | os.PathLike[str]) -> bool:
    directory = Path(directory)
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True


def kernel_intact(directory: str | os.PathLike[str], prefix: str | os.PathLike[str]) -> bool:
    """Cheap check for the no-op path: kernel.json exists and runs this prefix's Python."""
    spec = read_kernelspec(directory)
    if spec is None:
        return False
    argv = spec.get("argv")
    python = str(python_path(prefix))
    # argv[0] is the env's python, or a wrapper running the trusted `start` before it
    return isinstance(argv, list) and python in argv and os.path.exists(python)

"""Helpers for the build tests: fixture repositories, running the CLI, running a kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPOS = Path(__file__).parent / "fixtures" / "build_repos"
#: modules the no-op build must not import
ENGINES = ("rattler", "uv", "conda_lock", "pydantic", "rich")


def copy_repo(name: str, dest: Path) -> Path:
    """A private copy of ``tests/fixtures/build_repos/<name>`` (builds retarget notebooks)."""
    target = dest / name
    shutil.copytree(REPOS / name, target)
    return target


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    check: bool = True,
    timeout: float = 300,
    python_flags: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """``python -m rees2conda ARGS`` in a subprocess, like a user would run it."""
    proc = subprocess.run(
        [sys.executable, *python_flags, "-m", "rees2conda", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"rees2conda {' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def build_json(repo: Path, env: Mapping[str, str], *extra: str) -> dict[str, Any]:
    proc = run_cli(["build", str(repo), "--json", *extra], env)
    return json.loads(proc.stdout)


def imported_engines(importtime_stderr: str) -> set[str]:
    """Top-level engine modules named in ``python -X importtime`` output."""
    found = set()
    for line in importtime_stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        module = line.rsplit("|", 1)[-1].strip()
        top = module.split(".")[0]
        if top in ENGINES:
            found.add(top)
    return found


def run_in_kernel(kernel_name: str, code: str, timeout: float = 90) -> str:
    """Start kernel ``kernel_name`` (from JUPYTER_DATA_DIR), run ``code``, return its stdout."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    ksm = KernelSpecManager()
    km = KernelManager(kernel_name=kernel_name, kernel_spec_manager=ksm)
    km.start_kernel()
    out: list[str] = []
    errors: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            errors.append("\n".join(msg["content"]["traceback"]))

    try:
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            reply = kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        finally:
            kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    if reply["content"]["status"] != "ok":
        raise AssertionError("kernel error:\n" + "\n".join(errors))
    return "".join(out)


def stamp(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / "rees2conda.stamp"

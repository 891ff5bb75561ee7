"""Running a trusted ``postBuild`` and wrapping kernels in a trusted ``start``, as Binder does.

repo2docker runs ``chmod +x postBuild && ./postBuild`` from the repository root after the
environment is installed, and execs every session through ``start`` (which must end with
``exec "$@"``). Here the user's checkout is never chmod-ed: the script runs through the
interpreter its ``#!`` line names (``/bin/sh`` without one, as a shell would), inside the
built env (its ``bin`` first on ``PATH``, ``CONDA_PREFIX`` and the activation variables),
``HOME`` unchanged.
"""

from __future__ import annotations

import collections
import os
import shlex
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rees2conda.errors import UserError

#: lines of a failing script's output shown in the error
TAIL = 15
WRAPPER = "rees2conda-start"
START_COPY = "start"


def interpreter_argv(script: Path) -> list[str]:
    """How to run ``script`` without its executable bit: its ``#!`` line (the rest of the line
    one argument, as Linux passes it), else ``/bin/sh``."""
    try:
        with open(script, "rb") as fh:
            first = fh.readline(4096)
    except OSError as exc:
        raise UserError(f"{script}: cannot read: {exc.strerror}") from None
    return _argv_for(first, script)


def _argv_for(first_line: bytes, script: Path) -> list[str]:
    """The command for ``script`` from its first line (``#!``), else ``/bin/sh``."""
    if first_line.startswith(b"#!"):
        line = first_line[2:].decode("utf-8", "replace").strip()
        interp, _, rest = line.partition(" ")
        if interp:
            return [interp, *([rest.strip()] if rest.strip() else []), str(script)]
    return ["/bin/sh", str(script)]


def env_for(
    prefix: Path, activation: Mapping[str, str], first: Path | None = None
) -> dict[str, str]:
    """The process environment with the built env activated (``first`` before its ``bin``:
    the ``conda`` stand-ins of :mod:`rees2conda.env.shims`)."""
    env = dict(os.environ)
    env.update(activation)
    head = [str(first)] if first is not None else []
    env["PATH"] = os.pathsep.join([*head, str(prefix / "bin"), os.environ.get("PATH", os.defpath)])
    env["CONDA_PREFIX"] = str(prefix)
    return env


def run_post_build(
    script: Path,
    *,
    repo: Path,
    prefix: Path,
    activation: Mapping[str, str],
    quiet: bool,
    echo: Callable[[str], None],
    rel: str,
    shims: Path | None = None,
) -> None:
    """Run ``script`` in the repository with the env activated; stream its output (unless
    ``quiet``); on failure raise with its exit status and last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=TAIL)
    try:
        proc = subprocess.Popen(
            interpreter_argv(script),
            cwd=repo,
            env=env_for(prefix, activation, shims),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        raise UserError(f"{rel}: cannot run it: {exc.strerror or exc}") from None
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        tail.append(line)
        if not quiet:
            echo(f"{rel}: {line}")
    code = proc.wait()
    if code != 0:
        shown = "\n".join(f"  {line}" for line in tail)
        raise UserError(
            f"{rel} failed (exit {code}); its last lines:\n{shown}",
            hint="fix the script (or the environment it needs) and build again; the "
            "environment is marked incomplete until a build succeeds",
        )


def wrap_with_start(
    spec: dict[str, Any], kernel_dir: Path, repo: Path, start: Path
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The kernelspec with its ``argv`` run through a copy of the trusted ``start``, and the
    files (the copy, the wrapper) to put in its kernel folder beside kernel.json.

    As in Binder, ``start`` runs in the repository and ``exec "$@"`` continues into the kernel;
    the kernel then returns to the folder Jupyter started it in (the notebook's). The copy in
    the kernel folder keeps a later, untrusted edit of ``start`` from running. The kernel
    folder is written whole by the caller (staged and swapped in), never file by file here.
    """
    copy = kernel_dir / START_COPY
    data = start.read_bytes()
    first = data.split(b"\n", 1)[0]
    run_start = " ".join(shlex.quote(a) for a in _argv_for(first, copy))
    wrapper = kernel_dir / WRAPPER
    text = (
        "#!/bin/sh\n"
        "# Written by rees2conda: the repository's trusted `start`, run before the kernel as\n"
        "# Binder runs it before every session (in the repository), then the kernel in the\n"
        "# folder Jupyter started it in.\n"
        "nbdir=$(pwd)\n"
        f"cd {shlex.quote(str(repo))} || exit 1\n"
        f'exec {run_start} /bin/sh -c \'cd "$0" && exec "$@"\' "$nbdir" "$@"\n'
    )
    files = {START_COPY: data, WRAPPER: text.encode("utf-8")}
    return {**spec, "argv": ["/bin/sh", str(wrapper), *spec["argv"]]}, files

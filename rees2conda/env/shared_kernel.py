"""A kernel for an environment somebody else built (``rees2conda kernel PREFIX``).

Group-shared envs are built once by one member; the others need a kernel in *their* Jupyter
data folder, without write access to the env. This reads the env (stamp, python record,
activation scripts) and writes only the user's kernelspec.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rees2conda import __version__
from rees2conda.env.location import find_named
from rees2conda.env.stamp import read_stamp
from rees2conda.errors import UserError
from rees2conda.kernel.spec import (
    build_kernelspec,
    env_kernels_dir,
    kernel_dir,
    kernel_name_for,
    kernel_owner,
    python_path,
    read_kernelspec,
    valid_kernel_name,
    write_kernelspec,
)

_PYTHON_RECORD = re.compile(r"^python-(\d+\.\d+)[.\d]*-[^-]+\.json$")


@dataclass
class SharedKernel:
    """What ``register_kernel`` wrote."""

    name: str
    display_name: str
    kernel_dir: str
    prefix: str


def python_version(prefix: Path) -> str | None:
    """``3.11`` from the env's ``conda-meta/python-3.11.7-….json`` record."""
    try:
        names = os.listdir(prefix / "conda-meta")
    except OSError:
        return None
    for name in names:
        match = _PYTHON_RECORD.match(name)
        if match:
            return match.group(1)
    return None


def register_kernel(
    target: str,
    *,
    kernel_name: str | None = None,
    display_name: str | None = None,
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> SharedKernel:
    """Register a kernel for the env ``target`` (a name or a prefix) in this user's Jupyter
    data folder. Nothing in the env is written."""
    from rees2conda.kernel.activation import activation_env

    env = os.environ if env is None else env
    prefix = find_named(target, env)
    if prefix is None:
        raise UserError(f"no environment {target!r}", hint="give its path, or see rees2conda list")
    if not python_path(prefix).exists():
        raise UserError(f"{prefix}: no python in the environment for a kernel")
    stamp = read_stamp(prefix)
    env_name = (stamp.name if stamp is not None else None) or prefix.name
    name = (kernel_name or kernel_name_for(env_name)).lower()
    if not valid_kernel_name(name):
        raise UserError(f"invalid kernel name {name!r}", hint="use letters, digits, '.', '_', '-'")
    version = python_version(prefix)
    shown = display_name or (
        f"Python {version} ({env_name})" if version else f"Python ({env_name})"
    )
    kdir = kernel_dir(name, env)
    if kdir.exists() and not force and kernel_owner(kdir) != str(prefix):
        raise UserError(
            f"kernel {name!r} already exists ({kdir})",
            hint="choose another --kernel-name, or use --force to replace it",
        )
    try:
        activation = activation_env(prefix)
    except (OSError, RuntimeError, subprocess.SubprocessError):
        activation = {}
    spec = build_kernelspec(
        prefix,
        display_name=shown,
        env_name=env_name,
        activation=activation,
        source=stamp.source if stamp is not None else str(prefix),
        version=__version__,
        base=read_kernelspec(env_kernels_dir(prefix) / "python3"),  # ipykernel's own
    )
    write_kernelspec(kdir, spec, prefix, force=force)
    return SharedKernel(name, shown, str(kdir), str(prefix))

"""rees2conda: a Binder repository (REES) as a conda environment plus a Jupyter kernel.

The library API returns data; the CLI (``rees2conda.cli``) only prints it. Heavy engines
(py-rattler, uv, conda-lock) are imported lazily inside the functions that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:  # pragma: no cover
    from os import PathLike
    from typing import Any

    from rees2conda.model import Report

__all__ = ["__version__", "build", "check", "list_envs", "lock", "remove"]


def check(path: str | PathLike[str] = ".", apt: str = "refuse") -> Report:
    """Read a repository the way Binder does and report what conda can and cannot satisfy.

    ``apt="conda"`` maps apt.txt to its conda-forge equivalents instead of refusing it.
    """
    from rees2conda.rees.reader import read_repository

    return read_repository(path, apt=apt)


def __getattr__(name: str) -> Any:  # lazy re-exports of the heavier API
    if name == "lock":
        from rees2conda.resolve.api import lock

        return lock
    if name == "build":
        from rees2conda.env.api import build

        return build
    if name in ("list_envs", "remove"):
        from rees2conda.env import catalog

        return getattr(catalog, name)
    raise AttributeError(name)

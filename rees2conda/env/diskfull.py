"""A full disk or an exceeded quota (a small home quota is the usual trigger) as one clear line.

rattler and uv report it deep in an error chain ("failed to link …", "Caused by: No space left on
device (os error 28)"), pip as one line; Python as an ``OSError``. Either way the user needs to
know *which* filesystem is full (the prefix's, or a tool's cache or temporary folder, which may
be elsewhere) and that the next build repairs the env (it is marked incomplete).
"""

from __future__ import annotations

import errno
import functools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from rees2conda.errors import UserError

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
F = TypeVar("F", bound=Callable[..., Any])
_TEXTS = {
    errno.ENOSPC: ("no space left on device", "os error 28"),
    errno.EDQUOT: ("disk quota exceeded", "os error 122"),
}


def no_space_errno(text: str) -> int | None:
    """``ENOSPC``/``EDQUOT`` when an engine's error text says so, else ``None``."""
    low = text.lower()
    for code, needles in _TEXTS.items():
        if any(n in low for n in needles):
            return code
    return None


#: a path an engine's error names: uv quotes them in backticks, pip and Python in quotes
_NAMED_PATH = re.compile(r"[`'\"](/[^`'\"\n]+)[`'\"]")


def named_paths(text: str) -> list[str]:
    """Absolute paths an engine's error text names (where the write really failed)."""
    return list(dict.fromkeys(_NAMED_PATH.findall(text)))


def tool_paths(text: str, prefix: Path, caches: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Where a tool that failed with a full disk may have been writing: the paths its error
    names, else the prefix, its caches and the temporary folder (``TMPDIR``)."""
    import tempfile

    named = named_paths(text)
    if named:
        return named
    return [str(prefix), *(str(c) for c in caches), tempfile.gettempdir()]


def mount_point(path: str | os.PathLike[str]) -> Path:
    """The mount point of the filesystem holding ``path`` (or its nearest existing parent)."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p.parent != p:
        p = p.parent
    while not os.path.ismount(p) and p.parent != p:
        p = p.parent
    return p


def _free(path: Path) -> int:
    try:
        st = os.statvfs(path)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


def disk_full(code: int, paths: Iterable[str | os.PathLike[str]], prefix: Path) -> UserError:
    """The one-line error: the fullest filesystem among ``paths`` (those written to)."""
    mounts = list(dict.fromkeys(mount_point(p) for p in paths)) or [mount_point(prefix)]
    mount = min(mounts, key=_free)
    from rees2conda.env.stamp import is_incomplete

    what = "disk quota exceeded on" if code == errno.EDQUOT else "no space left on"
    state = (
        "is marked incomplete and the next build repairs it"
        if is_incomplete(prefix)
        else "was not changed"
    )
    return UserError(f"{what} {mount}: free some space there, then build again; {prefix} {state}")


def reported_disk_full(func: F) -> F:
    """Turn ENOSPC/EDQUOT raised anywhere in a build's work into :func:`disk_full`.

    The wrapped function takes the build context (with its ``prefix``) first.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in NO_SPACE:
                raise
            prefix = Path(args[0].prefix)
            raise disk_full(exc.errno, [exc.filename or prefix], prefix) from None

    return wrapper  # type: ignore[return-value]

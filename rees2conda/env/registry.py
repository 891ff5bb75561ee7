"""``~/.conda/environments.txt``: the list conda reads for ``conda env list`` and ``activate NAME``.

rattler does not maintain it, so build adds the prefix and remove takes it out. Every change is
a read-modify-write under an inter-process lock (:class:`~rees2conda.locking.DirLock`, a
``mkdir`` lock that works on NFS) and an atomic replace, so concurrent builds of different envs
sharing one home never lose each other's lines. conda itself appends without a lock; a conda
running at the very same moment may still race us, as it does with itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda.fsutil import ANYWHERE, write_text_atomic
from rees2conda.paths import home_dir


def registry_path(home: str | os.PathLike[str] | None = None) -> Path:
    base = Path(home) if home is not None else home_dir()
    return base / ".conda" / "environments.txt"


def _lock_dir(path: Path) -> Path:
    return path.with_name(f".{path.name}.rees2conda-lock")


def _read(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _norm(prefix: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(prefix))


def _listed(want: str, lines: list[str]) -> bool:
    return any(line.strip() and _norm(line.strip()) == want for line in lines)


def registered(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    return _listed(_norm(prefix), _read(registry_path(home)))


def list_registered(home: str | os.PathLike[str] | None = None) -> list[str]:
    return [line.strip() for line in _read(registry_path(home)) if line.strip()]


def _write(path: Path, lines: list[str]) -> None:
    # the user's own file: a symlink there (dotfiles, ~/.conda moved to a bigger disk) is theirs
    write_text_atomic(path, "".join(f"{line}\n" for line in lines), within=ANYWHERE)


def add(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    """Append ``prefix`` unless listed. True when the file changed."""
    from rees2conda.locking import DirLock

    path = registry_path(home)
    want = _norm(prefix)
    if _listed(want, _read(path)):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with DirLock(_lock_dir(path)):
        lines = _read(path)
        if _listed(want, lines):
            return False
        _write(path, [line for line in lines if line.strip()] + [want])
    return True


def remove(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    """Drop every line naming ``prefix``. True when the file changed."""
    from rees2conda.locking import DirLock

    path = registry_path(home)
    want = _norm(prefix)
    if not _listed(want, _read(path)):
        return False
    with DirLock(_lock_dir(path)):
        lines = [line for line in _read(path) if line.strip()]
        kept = [line for line in lines if _norm(line.strip()) != want]
        if len(kept) == len(lines):
            return False
        _write(path, kept)
    return True

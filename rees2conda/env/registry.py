"""``~/.conda/environments.txt``: the list conda reads for ``conda env list`` and ``activate NAME``.

rattler does not maintain it, so build adds the prefix and remove takes it out. The file is
rewritten atomically; a concurrent conda may still race us, as conda itself does with itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda.env.fsutil import write_text_atomic


def registry_path(home: str | os.PathLike[str] | None = None) -> Path:
    base = Path(home) if home is not None else Path(os.path.expanduser("~"))
    return base / ".conda" / "environments.txt"


def _read(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _norm(prefix: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(prefix))


def registered(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    want = _norm(prefix)
    return any(_norm(line.strip()) == want for line in _read(registry_path(home)) if line.strip())


def list_registered(home: str | os.PathLike[str] | None = None) -> list[str]:
    return [line.strip() for line in _read(registry_path(home)) if line.strip()]


def add(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    """Append ``prefix`` unless listed. True when the file changed."""
    path = registry_path(home)
    lines = _read(path)
    want = _norm(prefix)
    if any(line.strip() and _norm(line.strip()) == want for line in lines):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [line for line in lines if line.strip()] + [want]
    write_text_atomic(path, "\n".join(lines) + "\n")
    return True


def remove(prefix: str | os.PathLike[str], home: str | os.PathLike[str] | None = None) -> bool:
    """Drop every line naming ``prefix``. True when the file changed."""
    path = registry_path(home)
    lines = _read(path)
    want = _norm(prefix)
    kept = [line for line in lines if line.strip() and _norm(line.strip()) != want]
    if len(kept) == len([line for line in lines if line.strip()]):
        return False
    write_text_atomic(path, "".join(f"{line}\n" for line in kept))
    return True

"""A cheap fingerprint of the repository files a build depends on, for the no-op path.

Reading a repository properly (YAML, requirement files) costs more than the whole no-op budget
allows, so the stamp stores which REES-relevant names exist at the root and in ``binder/`` /
``.binder/``, and a sha256 of every file the reader used. When both still match, the spec cannot
have changed. When they do not, ``build`` reads the repository and compares spec hashes, so a
fingerprint miss costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from rees2conda.env.quick import REES_NAMES, fingerprint_matches, rees_names

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any

__all__ = ["REES_NAMES", "file_sha256", "fingerprint", "matches"]


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def fingerprint(
    repo: str | os.PathLike[str], files: Iterable[str], stats: Iterable[str] = ()
) -> dict[str, Any]:
    """Names present plus the sha256 of ``files`` (repository-relative, ``/``-separated), and
    what ``lstat``/``realpath`` say of ``stats`` (absolute paths the reader only looked at:
    a symlink leaving the repository, a local package's setup.py), kept repository-relative."""
    from rees2conda.records import path_state

    repo = Path(repo)
    out: dict[str, Any] = {
        "names": rees_names(str(repo)),
        "files": {f: file_sha256(repo / f) for f in sorted(set(files))},
    }
    looked = {os.path.relpath(p, repo) for p in stats}
    if looked:
        out["stats"] = {rel: path_state(str(repo / rel)) for rel in sorted(looked)}
    return out


def matches(repo: str | os.PathLike[str], recorded: Any) -> bool:
    """Whether the repository still has the fingerprint ``recorded`` (from a stamp)."""
    return fingerprint_matches(os.fspath(repo), recorded)

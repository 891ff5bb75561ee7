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

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any

#: names whose appearance or disappearance can change what Binder (and so the reader) does:
#: ``rees.layout``'s REES_NAMES and ROOT_ONLY plus what else the reader or ``build`` looks at.
#: Spelled out, not imported, so that the no-op build never imports the reader's modules.
REES_NAMES = frozenset(
    {
        "environment.yml",
        "environment.yaml",
        "requirements.txt",
        "requirements3.txt",
        "runtime.txt",
        "Pipfile",
        "Pipfile.lock",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
        "DESCRIPTION",
        "Project.toml",
        "JuliaProject.toml",
        "REQUIRE",
        "default.nix",
        "Dockerfile",
        "apt.txt",
        "postBuild",
        "start",
        "install.R",
        "conda-lock.yml",
        "binder",
        ".binder",
    }
)


def _names(repo: Path) -> list[str]:
    out: list[str] = []
    for sub in ("", "binder", ".binder"):
        folder = repo / sub if sub else repo
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        prefix = f"{sub}/" if sub else ""
        out.extend(prefix + n for n in names if n in REES_NAMES)
    return sorted(out)


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def fingerprint(repo: str | os.PathLike[str], files: Iterable[str]) -> dict[str, Any]:
    """Names present plus the sha256 of ``files`` (repository-relative, ``/``-separated)."""
    repo = Path(repo)
    return {
        "names": _names(repo),
        "files": {f: file_sha256(repo / f) for f in sorted(set(files))},
    }


def matches(repo: str | os.PathLike[str], recorded: Any) -> bool:
    """Whether the repository still has the fingerprint ``recorded`` (from a stamp)."""
    if not isinstance(recorded, dict):
        return False
    files = recorded.get("files")
    if not isinstance(files, dict) or recorded.get("names") != _names(Path(repo)):
        return False
    repo = Path(repo)
    return all(file_sha256(repo / f) == sha for f, sha in files.items())

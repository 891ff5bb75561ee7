"""Provenance of an environment rees2conda built: a stamp written last, a marker written first.

``conda-meta/rees2conda.stamp`` (the stamp) says which repository, spec and lock the prefix was
built from, and which kernel belongs to it. It is written atomically as the very last step of a
successful build. It is JSON but not named ``*.json``: conda and rattler read every
``conda-meta/*.json`` as a package record and fail on anything else.
``conda-meta/rees2conda.incomplete`` (the marker) is written before the first change to a prefix
and removed only after the stamp: a prefix holding the marker is never trusted, whatever its
stamp says, and the next build repairs it. Both files also prove ownership: a prefix with neither
was not made by rees2conda. Import-light: this module is on the no-op path.

This module owns the stamp: :class:`Stamp` is its one typed form, and no other module reads the
JSON by key. A stamp of an older layout (a missing field, a wrong type, another ``format``)
reads as None, which every caller treats as "rebuild".
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from rees2conda.env.quick import MARKER_NAME, STAMP_FORMAT, STAMP_NAME, valid_stamp
from rees2conda.fsutil import write_text_atomic

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from typing import Any

__all__ = ["MARKER_NAME", "STAMP_FORMAT", "STAMP_NAME", "Stamp"]


@dataclass(frozen=True)
class Stamp:
    """What a finished build recorded: where from, with which options, what is in the prefix."""

    source: str  # the repository's real path
    name: str
    prefix: str
    platform: str
    #: the options that decide the build (see ``BuildContext.options_key``), compared as a whole
    options: dict[str, Any]
    spec_hash: str
    #: :func:`rees2conda.env.fingerprint.fingerprint` of the files the spec came from
    fingerprint: dict[str, Any]
    lockfile: str
    lock_source: str  # repository | resolved | given | frozen
    lock_sha256: str | None
    given_lock_sha256: str | None
    conda_packages: int  # records in conda-meta after the build (the no-op path counts them)
    has_python: bool
    pip: list[str] = field(default_factory=list)  # pip package names the build installed
    kernel_name: str | None = None
    display_name: str | None = None
    kernel_dir: str | None = None
    #: every kernel registered (the Python one too): name, display_name, language, dir
    kernels: list[dict[str, str]] = field(default_factory=list)
    built: float = 0.0
    version: str = ""
    tool: str = "rees2conda"
    #: trusted scripts applied (postBuild run, start wrapping the kernel): path -> sha256
    scripts: dict[str, str] = field(default_factory=dict)
    #: pip distribution -> the conda package it replaced (not linked again while pip has it)
    pip_replaced: dict[str, str] = field(default_factory=dict)
    #: where a fetched repository came from (``rees2conda.sources``), None for a local folder
    origin: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"format": STAMP_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stamp | None:
        """The stamp in ``data``, or None when it has another layout (then: rebuild).

        :func:`rees2conda.env.quick.valid_stamp` decides, for this class and the no-op path."""
        if valid_stamp(data) is None:
            return None
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def stamp_path(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / STAMP_NAME


def marker_path(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / MARKER_NAME


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a regular file, or None (never blocks on a FIFO, never raises on
    JSON nested past the recursion limit)."""
    from rees2conda.records import read_json

    data = read_json(str(path))
    return data if isinstance(data, dict) else None


def read_stamp(prefix: str | os.PathLike[str]) -> Stamp | None:
    """The stamp, or None when absent, unreadable or of another layout."""
    data = _read_json(stamp_path(prefix))
    return None if data is None else Stamp.from_json(data)


def read_marker(prefix: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The incomplete marker, or None. An unreadable marker still counts as present."""
    path = marker_path(prefix)
    if not path.exists():
        return None
    return _read_json(path) or {"source": None}


def is_incomplete(prefix: str | os.PathLike[str]) -> bool:
    return marker_path(prefix).exists()


def write_marker(prefix: str | os.PathLike[str], source: str) -> None:
    """Mark ``prefix`` as being changed; call before touching anything in it."""
    import socket  # not on the no-op path

    path = marker_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "source": source,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.time(),
    }
    write_text_atomic(path, json.dumps(data, indent=1) + "\n")


def write_stamp(prefix: str | os.PathLike[str], stamp: Stamp) -> None:
    """Write the stamp atomically; the caller removes the marker afterwards."""
    payload = stamp.to_json()
    write_text_atomic(stamp_path(prefix), json.dumps(payload, indent=1, sort_keys=True) + "\n")


def clear_marker(prefix: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        marker_path(prefix).unlink()


def owner_source(prefix: str | os.PathLike[str]) -> str | bool | None:
    """Which repository the prefix belongs to: a path, ``None`` (ours, source unknown) or False.

    False means rees2conda did not make this prefix (no stamp and no marker).
    """
    stamp = _read_json(stamp_path(prefix))
    if stamp is not None:
        src = stamp.get("source")
        return src if isinstance(src, str) else None
    marker = read_marker(prefix)
    if marker is not None:
        src = marker.get("source")
        return src if isinstance(src, str) else None
    return False

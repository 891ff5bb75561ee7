"""Provenance of an environment rees2conda built: a stamp written last, a marker written first.

``conda-meta/rees2conda.stamp`` (the stamp) says which repository, spec and lock the prefix was
built from, and which kernel belongs to it. It is written atomically as the very last step of a
successful build. It is JSON but not named ``*.json``: conda and rattler read every
``conda-meta/*.json`` as a package record and fail on anything else.
``conda-meta/rees2conda.incomplete`` (the marker) is written before the first change to a prefix
and removed only after the stamp: a prefix holding the marker is never trusted, whatever its
stamp says, and the next build repairs it. Both files also prove ownership: a prefix with neither
was not made by rees2conda. Import-light: this module is on the no-op path.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from rees2conda.env.fsutil import write_text_atomic

STAMP_NAME = "rees2conda.stamp"
MARKER_NAME = "rees2conda.incomplete"
#: bump when the stamp layout changes incompatibly; an older stamp then means "rebuild"
STAMP_FORMAT = 1


def stamp_path(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / STAMP_NAME


def marker_path(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / MARKER_NAME


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_stamp(prefix: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The stamp as a dict, or None when absent or unreadable."""
    data = _read_json(stamp_path(prefix))
    if data is None or data.get("format") != STAMP_FORMAT:
        return None
    return data


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


def write_stamp(prefix: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Write the stamp atomically; the caller removes the marker afterwards."""
    payload = {"format": STAMP_FORMAT, **data}
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

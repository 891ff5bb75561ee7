"""Content hashes that decide whether a lock is still valid, and reading them back cheaply.

Import-light on purpose (stdlib only): ``build`` on an up-to-date environment and ``lock`` on an
unchanged repository call this before knowing whether there is any work, and must not pay for
importing rattler, conda-lock or pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from rees2conda.model import EnvSpec

#: bump when the meaning of a lock changes (what we add, how pip is resolved): old locks go stale
#: 2: channels enter by name, not by URL (a lock's identity is independent of the mirror)
#: 3: pip always added; pip pins replace conda packages (the lock holds the pip entry)
LOCK_SCHEMA = 3


def platform_hash(
    spec: EnvSpec,
    platform: str,
    *,
    channels: Sequence[str],
    kernel: bool,
    virtual_overrides: Mapping[str, str],
    channel_priority: str = "flexible",
) -> str:
    """sha256 of everything that decides the solve for one platform.

    ``channel_priority`` enters only when it is not conda's default (flexible), so locks
    written before it was honoured stay valid.
    """
    extra: dict[str, object] = {
        "rees2conda-lock": LOCK_SCHEMA,
        "platform": platform,
        "channels": list(channels),
        "kernel": bool(kernel),
        "virtual": dict(sorted(virtual_overrides.items())),
    }
    if channel_priority != "flexible":
        extra["channel_priority"] = channel_priority
    return spec.content_hash(extra=extra)


_METADATA = re.compile(r"^metadata:[ \t]*\n((?:(?:[ \t].*)?\n)*)", re.MULTILINE)
_HASHES = re.compile(r"^  content_hash:[ \t]*\n((?:    .*\n)*)", re.MULTILINE)
_ENTRY = re.compile(r"^    ['\"]?([A-Za-z0-9_-]+)['\"]?:[ \t]*['\"]?([0-9a-fA-F]+)['\"]?[ \t]*$")


def read_content_hashes(lockfile: Path) -> dict[str, str] | None:
    """The ``metadata.content_hash`` mapping of a conda-lock v1 file, or None when unreadable.

    A regex over the block-style YAML conda-lock writes; anything unexpected returns None, which
    callers treat as "stale" (a re-solve is always safe, a wrong "fresh" is not).
    """
    try:
        text = lockfile.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    meta = _METADATA.search(text)
    if meta is None:
        return None
    block = _HASHES.search(meta.group(1) + "\n")
    if block is None:
        return None
    hashes: dict[str, str] = {}
    for line in block.group(1).splitlines():
        match = _ENTRY.match(line)
        if match is None:
            return None
        hashes[match.group(1)] = match.group(2).lower()
    return hashes

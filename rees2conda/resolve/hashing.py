"""Content hashes that decide whether a lock is still valid (reading them back: ``lockfile``).

Import-light on purpose (stdlib only): ``build`` on an up-to-date environment and ``lock`` on an
unchanged repository call this before knowing whether there is any work, and must not pay for
importing rattler, conda-lock or pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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

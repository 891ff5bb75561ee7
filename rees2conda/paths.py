"""The user's home and rees2conda's cache folder, as the given environment says.

Every module takes the environment as a mapping (tests pass their own, so the user's real
files never leak in) and asks here; standard library only (the no-op build path uses it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """``HOME`` from ``env`` (default: the process environment), else the account's home."""
    env = os.environ if env is None else env
    return Path(env.get("HOME") or os.path.expanduser("~"))


def cache_home(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """rees2conda's own cache folder (``$XDG_CACHE_HOME/rees2conda``, else ``~/.cache``)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str((home or home_dir(env)) / ".cache")
    return Path(base) / "rees2conda"

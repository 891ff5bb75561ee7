"""Which repository scripts (``postBuild``, ``start``) the user trusts, by content.

Running a stranger's script must stay the user's decision, and a login script must never run
new code silently: ``build --trust`` records the sha256 of each script it was given leave to
run, per repository, in ``$XDG_CONFIG_HOME/rees2conda/trust.json``; later builds run a script
only while its content still has a trusted hash. Import-light (the no-op path reads nothing
here; ``decide`` does).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rees2conda.paths import home_dir

#: the scripts Binder runs, in the order it runs them
SCRIPT_NAMES = ("postBuild", "start")


def trust_file(env: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/rees2conda/trust.json`` (else ``~/.config/…``)."""
    base = env.get("XDG_CONFIG_HOME") or str(home_dir(env) / ".config")
    return Path(base) / "rees2conda" / "trust.json"


def script_hashes(repo: Path, config_dir: str) -> dict[str, str]:
    """``{"binder/postBuild": sha256, …}`` for the scripts Binder would run (in the config
    folder only, as repo2docker looks for them). Non-regular files are not scripts."""
    out: dict[str, str] = {}
    for name in SCRIPT_NAMES:
        rel = name if config_dir in ("", ".") else f"{config_dir}/{name}"
        path = repo / rel
        try:
            if not path.is_file() or (path.is_symlink() and not _inside(path, repo)):
                continue
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def _inside(path: Path, repo: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(repo))


def _load(env: Mapping[str, str]) -> dict[str, Any]:
    try:
        data = json.loads(trust_file(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def trusted(repo: Path, scripts: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """The subset of ``scripts`` whose current content the user trusted for ``repo``."""
    recorded = (_load(env).get("repositories") or {}).get(str(repo)) or {}
    return {rel: sha for rel, sha in scripts.items() if recorded.get(rel) == sha}


def remember(repo: Path, scripts: Mapping[str, str], env: Mapping[str, str]) -> None:
    """Record that the user trusts these exact scripts of ``repo`` (atomic, under a lock)."""
    if not scripts:
        return
    from rees2conda.fsutil import write_text_atomic
    from rees2conda.locking import DirLock

    path = trust_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    with DirLock(path.with_name(".trust.lock")):
        data = _load(env)
        repos = data.setdefault("repositories", {})
        repos[str(repo)] = dict(sorted(scripts.items()))
        write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")

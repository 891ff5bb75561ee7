"""Records of what a full run found, keyed by its invocation, for the console entry's fast paths.

A record holds what an invocation (working folder, path, flags, the relevant environment
variables, machine, version) led to, with the signature (content hash, folder names) of every
file it was computed from. Standard library only, and nothing here decides anything: the no-op
build (:mod:`rees2conda.env.quick`) and the reused lock (:mod:`rees2conda.resolve.reuse`) say
what they record and when a record holds. Records live in ``~/.cache/rees2conda/<kind>/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat  # imported by os already
import sys

TYPE_CHECKING = False  # as typing's, without importing typing on the fast paths
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: bump when a record's layout or meaning changes
RECORD_FORMAT = 2
#: records kept per kind; the oldest written go first (one lost record costs one full run)
MAX_RECORDS = 256


def read_json(path: str, *, own: bool = False) -> Any:
    """The JSON in regular file ``path``, or None (absent, not a regular file, not valid JSON,
    nested too deeply, or, with ``own``, written by another user). Never blocks: a FIFO planted
    at the path is not waited on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            if own and hasattr(os, "getuid") and st.st_uid != os.getuid():
                return None
            return json.loads(fh.read())
    except (OSError, ValueError, RecursionError, MemoryError):
        return None


def read_record(path: str) -> Any:
    """A record, read only when this user wrote it: in a shared or group-writable cache another
    user's record could otherwise say "nothing to do" for inputs it never checked."""
    return read_json(path, own=True) if path else None


def file_sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


_ENV_PREFIXES = ("CONDA", "MAMBA", "XDG_", "JUPYTER", "REES2CONDA", "APPDATA", "LOCALAPPDATA")


def home_of(env: Mapping[str, str]) -> str:
    return env.get("HOME") or os.path.expanduser("~")


def invocation(
    path: str, fields: Mapping[str, Any], env: Mapping[str, str], kind: str = "noop"
) -> dict[str, Any]:
    """Everything besides the disk that decides what a run finds: a build's target, kernel and
    options key (``kind="noop"``), a lock's place and content hash (``kind="lock"``)."""
    from rees2conda import __version__

    relevant = {k: env[k] for k in env if k == "HOME" or k.startswith(_ENV_PREFIXES)}
    return {
        "kind": kind,
        "format": RECORD_FORMAT,
        "version": __version__,
        "cwd": os.getcwd(),
        "path": path,
        "fields": dict(sorted(fields.items())),
        # hashed: conda's variables may hold channel tokens, and the record is a file on disk
        "env": hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest(),
        "machine": os.uname().machine if hasattr(os, "uname") else "",
        "platform": sys.platform,
    }


def record_path(inv: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """Where ``inv``'s record lives, or "" (no record) when the cache folder is not an absolute
    path: a relative ``XDG_CACHE_HOME`` (ignored, as the XDG rules say) or ``HOME`` would put
    records in the working folder, which may be the repository."""
    key = hashlib.sha256(json.dumps(inv, sort_keys=True).encode()).hexdigest()[:24]
    xdg = env.get("XDG_CACHE_HOME")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(home_of(env), ".cache")
    if not os.path.isabs(base):
        return ""
    return os.path.join(base, "rees2conda", str(inv.get("kind")), key + ".json")


def keep_record(inv: Mapping[str, Any], record: Mapping[str, Any], env: Mapping[str, str]) -> None:
    """Write ``record`` for ``inv`` unless it is there already (best effort: full path only)."""
    from pathlib import Path

    from rees2conda.errors import UserError
    from rees2conda.fsutil import ANYWHERE, write_text_atomic

    target = record_path(inv, env)
    if not target:
        return
    try:
        data = json.loads(json.dumps({"inputs": inv, **record}))
        if read_record(target) == data:
            return
        os.makedirs(os.path.dirname(target), exist_ok=True)
        write_text_atomic(Path(target), json.dumps(data), within=ANYWHERE)  # order kept
    except (OSError, ValueError, TypeError, UserError):
        return
    prune(os.path.dirname(target), MAX_RECORDS)


def prune(folder: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written records of ``folder`` (best effort):
    every distinct invocation leaves one, and nothing else would ever remove them."""
    try:
        with os.scandir(folder) as it:
            found = [(e.stat().st_mtime, e.path) for e in it if e.name.endswith(".json")]
    except OSError:
        return
    if len(found) <= keep:
        return
    for _mtime, path in sorted(found)[: len(found) - keep]:
        try:
            os.unlink(path)
        except OSError:  # another process pruned it, or it is not ours to remove
            continue


def file_signature(path: str) -> object:
    """What a configuration entry holds: a file's sha256, a folder's names, or None."""
    if os.path.isdir(path):
        try:
            return sorted(os.listdir(path))
        except OSError:
            return "unreadable"
    return file_sha256(path)


def path_state(path: str) -> list[object] | None:
    """What ``lstat``, ``stat``, ``realpath`` and ``access`` say of ``path`` (None: absent)."""
    try:
        kind = stat.S_IFMT(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return None
    try:
        target: int | None = stat.S_IFMT(os.stat(path).st_mode)
    except (OSError, ValueError):
        target = None
    return [kind, os.path.realpath(path), target, os.access(path, os.R_OK | os.X_OK)]


def states_hold(items: object) -> bool:
    """Every ``[path, state]`` of ``items`` still holds (:func:`path_state`)."""
    if not isinstance(items, list):
        return False
    for item in items:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return False
        if path_state(item[0]) != item[1]:
            return False
    return True


def variable_signature(name: str, env: Mapping[str, str]) -> str | None:
    """A variable's value, hashed (it may hold a channel token), or None when unset."""
    value = env.get(name)
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()


def signatures_hold(items: object, env: Mapping[str, str] | None = None) -> bool:
    """Every ``[path, signature]`` of ``items`` still holds (:func:`file_signature`), and every
    ``["$", name, signature]`` (:func:`variable_signature`, of ``env``: the process's default)."""
    if not isinstance(items, list):
        return False
    env = os.environ if env is None else env
    for item in items:
        if not isinstance(item, list):
            return False
        if len(item) == 3 and item[0] == "$" and isinstance(item[1], str):
            if variable_signature(item[1], env) != item[2]:
                return False
        elif not (len(item) == 2 and file_signature(item[0]) == item[1]):
            return False
    return True


def config_signatures(env: Mapping[str, str], home: str) -> list[list[object]]:
    """``[path, signature]`` of every place conda reads configuration from, and
    ``["$", name, signature]`` of every variable their values name (conda expands ``$VAR`` in
    condarc values and ``CONDA_*`` variables: ``envs_dirs: [$SCRATCH/envs]`` moves the env with
    ``$SCRATCH``, a channel URL may hold ``${TOKEN}``). Full path only."""
    from pathlib import Path

    from rees2conda.condarc_files import expand_dirs, search_path, variable_names

    entries = search_path(env, Path(home))
    paths = list(dict.fromkeys([str(p) for p in entries] + [str(p) for p in expand_dirs(entries)]))
    texts = [v for k, v in env.items() if k.startswith(("CONDA", "MAMBA"))]
    for p in paths:
        if os.path.isfile(p):
            try:
                with open(p, encoding="utf-8", errors="replace") as fh:
                    texts.append(fh.read())
            except OSError:
                continue
    names = sorted({n for t in texts for n in variable_names(t)})
    signed: list[list[object]] = [[p, file_signature(p)] for p in paths]
    return signed + [["$", n, variable_signature(n, env)] for n in names]

"""A reused ``lock`` confirmed with the standard library: the reuse record.

Computing a lock's content hash means reading the repository (the reader, its regular
expressions, ruamel.yaml, packaging): several interpreter starts of imports to find, most of the
time, that nothing changed. So when ``lock`` reuses a lock, it keeps a *reuse record* in
``~/.cache/rees2conda/lock/<key>.json``: the invocation (working folder, arguments,
``CONDA_*``/``XDG_*`` variables, machine; see :func:`rees2conda.records.invocation`) and exactly
what the content hash was computed from:

- every file the reader opened and every folder it listed (seen through an audit hook while it
  reads: :class:`Watch`), by sha256 and names, every path it only looked at (``lstat``,
  ``realpath``: its own ``rees2conda.stat`` events), by :func:`rees2conda.records.path_state`,
  plus the REES names at the root and in ``binder/``/``.binder/``;
- the lock file itself (its platforms and package counts are what is printed);
- every conda configuration file (channels, ``channel_priority``), by content.

The console entry (:func:`quick_lock`) answers from the record when all of it still holds;
anything else, or any doubt, goes to the full path, which reads and hashes as before.
Standard library only on the fast path (``os``, ``sys``, ``json``, ``hashlib``).
"""

from __future__ import annotations

import os
import sys

from rees2conda import records
from rees2conda.env import quick

TYPE_CHECKING = False  # as typing's, without importing typing on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType
    from typing import Any

    from rees2conda.resolve.api import LockOptions, LockResult

KIND = "lock"


def fields_from_flags(given: Mapping[str, object]) -> dict[str, Any]:
    """The record's ``fields`` for the console entry's parsed ``lock`` flags."""
    lockfile = given.get("lockfile")
    platforms = given.get("platforms")
    return {
        "lockfile": os.path.abspath(str(lockfile)) if lockfile else None,
        "platforms": list(platforms) if isinstance(platforms, list) and platforms else None,
        "kernel": given.get("kernel", True),
        "offline": bool(given.get("offline")),
    }


def fields_from_options(
    options: LockOptions, lockfile: str | os.PathLike[str] | None
) -> dict[str, Any] | None:
    """The same for the full path's options; None for options the console entry never answers
    itself (channels, apt, a configuration passed in, ``--update``)."""
    if (
        options.channels
        or options.channel_alias
        or options.override_channels
        or options.update
        or options.apt != "refuse"
        or options.config is not None
    ):
        return None
    return {
        "lockfile": os.path.abspath(os.fspath(lockfile)) if lockfile is not None else None,
        "platforms": list(options.platforms) if options.platforms else None,
        "kernel": options.kernel,
        "offline": options.offline,
    }


class Watch:
    """While active: the files opened and folders listed under ``root`` (the reader's inputs).

    One audit hook per process (hooks cannot be removed); it records only while a watch is on.
    """

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.files: set[str] = set()
        self.dirs: set[str] = set()
        #: paths the reader looked at without opening (``rees2conda.stat`` events)
        self.stats: set[str] = set()

    def __enter__(self) -> Watch:
        if not _HOOKED:
            sys.addaudithook(_hook)
            _HOOKED.append(True)
        _WATCHES.append(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _WATCHES.remove(self)

    def saw(self, event: str, path: object) -> None:
        if isinstance(path, (bytes, os.PathLike)):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return  # a file descriptor
        if event == "rees2conda.stat":  # the reader's own: even a symlink leaving the root
            self.stats.add(os.path.abspath(path or "."))
            return
        full = os.path.realpath(path or ".")
        if full != self.root and not full.startswith(self.root + os.sep):
            return
        (self.files if event == "open" else self.dirs).add(os.path.abspath(path or "."))


_WATCHES: list[Watch] = []
_HOOKED: list[bool] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHES and event in ("open", "os.listdir", "os.scandir", "rees2conda.stat") and args:
        if event == "open" and len(args) > 1 and args[1] and "r" not in str(args[1]):
            return  # written, not read
        for watch in list(_WATCHES):
            watch.saw(event, args[0])


def record(
    path: str | os.PathLike[str],
    root: str,
    lockfile: str | os.PathLike[str] | None,
    options: LockOptions,
    watch: Watch,
    result: LockResult,
) -> None:
    """Keep the reuse record of a reused lock (best effort; nothing when the options are ones
    the console entry does not answer)."""
    from rees2conda.errors import UserError

    fields = fields_from_options(options, lockfile)
    if fields is None or not result.reused:
        return
    env = os.environ
    try:
        config = records.config_signatures(env, records.home_of(env))
    except (OSError, ValueError, UserError):
        return
    files = sorted(watch.files | {str(result.lockfile)})
    data = {
        "config": config,
        "root": root,
        "names": quick.rees_names(root),
        "files": [[f, records.file_signature(f)] for f in files],
        "dirs": [[d, records.file_signature(d)] for d in sorted(watch.dirs)],
        "stats": [[p, records.path_state(p)] for p in sorted(watch.stats)],
        "result": reused_json(result),
    }
    try:
        inv = records.invocation(os.fspath(path), fields, env, KIND)
    except OSError:  # no working folder (removed under the shell): no record
        return
    records.keep_record(inv, data, env)


def reused_json(result: LockResult) -> dict[str, Any]:
    """``LockResult.to_json`` of a reused lock."""
    data = result.to_json()
    return {**data, "reused": True, "up_to_date": True, "written": False}


def quick_lock(path: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``--json`` summary of the reused lock when the record still holds, else None."""
    env = os.environ
    if not os.path.isdir(path):
        return None
    try:
        inv = records.invocation(path, fields, env, KIND)
    except OSError:  # no working folder
        return None
    data = records.read_record(records.record_path(inv, env))
    if not isinstance(data, dict) or data.get("inputs") != inv:
        return None
    root = data.get("root")
    if not isinstance(root, str) or root != os.path.realpath(path):
        return None
    if data.get("names") != quick.rees_names(root):
        return None
    for key in ("config", "dirs", "files"):
        if not records.signatures_hold(data.get(key), env):
            return None
    if not records.states_hold(data.get("stats")):
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


def summary(result: Mapping[str, Any]) -> str:
    """:func:`rees2conda.output.lock.lock_summary` of a reused lock, from its JSON."""
    packages = result.get("packages") or {}
    counts = ", ".join(f"{p}: {n} packages" for p, n in packages.items())
    return f"{result.get('lockfile')} up to date, reused ({counts})"

"""What build did to a repository's notebooks, kept so it can be extended cheaply and undone.

``<prefix>/conda-meta/rees2conda.notebooks`` (JSON, not ``*.json``: conda reads those as package
records) holds the kernels notebooks go to by language, every notebook seen, the mtime of every
folder walked, and for each rewrite the kernelspec text from before. With it:

- the no-op ``build -q`` at login notices notebooks added since (a folder's mtime changes when an
  entry is added, renamed or replaced) with one ``stat`` per folder, and retargets only those;
  notebooks seen before are left as the user keeps them;
- ``remove`` puts each notebook's original kernelspec back, unless the user changed it since.

Import-light (json, os): it runs on the no-op path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from rees2conda.fsutil import write_text_atomic

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any

    from rees2conda.kernel.retarget import KernelRef, RetargetResult

RECORD_NAME = "rees2conda.notebooks"
FORMAT = 1


def record_path(prefix: str | os.PathLike[str]) -> Path:
    return Path(prefix) / "conda-meta" / RECORD_NAME


def read_record(prefix: str | os.PathLike[str]) -> dict[str, Any] | None:
    try:
        with open(record_path(prefix), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def _write(prefix: str | os.PathLike[str], data: Mapping[str, Any]) -> None:
    write_text_atomic(record_path(prefix), json.dumps(data, indent=1, sort_keys=True) + "\n")


def _merge(
    old: Mapping[str, Any] | None,
    result: RetargetResult,
    *,
    root: str,
    kernels: Mapping[str, KernelRef],
    seen: list[str],
) -> dict[str, Any]:
    edits = dict((old or {}).get("edits") or {})
    for rel, edit in result.edits.items():
        first = edits.get(rel)
        original = first["original"] if isinstance(first, dict) else edit.original
        edits[rel] = {"original": original, "written": edit.written}
    return {
        "format": FORMAT,
        "root": root,
        "enabled": True,
        "kernels": {lang: ref.as_kernelspec() for lang, ref in kernels.items()},
        "dirs": result.dirs,
        "seen": sorted(set(seen)),
        "edits": edits,
    }


def apply(
    repo: str | os.PathLike[str],
    prefix: str | os.PathLike[str],
    kernels: Mapping[str, KernelRef],
) -> RetargetResult:
    """Retarget every notebook of ``repo`` (the build's work path) and record it."""
    from rees2conda.kernel.retarget import retarget

    root = os.path.realpath(repo)
    old = read_record(prefix)
    result = retarget(root, kernels)
    _write(prefix, _merge(old, result, root=root, kernels=kernels, seen=result.seen))
    return result


def disable(prefix: str | os.PathLike[str], repo: str | os.PathLike[str]) -> None:
    """Record that this build leaves notebooks alone (earlier edits stay undoable)."""
    old = read_record(prefix) or {}
    data = {
        "format": FORMAT,
        "root": os.path.realpath(repo),
        "enabled": False,
        "edits": old.get("edits") or {},
    }
    if old != data:
        _write(prefix, data)


def _changed_dirs(root: str, dirs: Mapping[str, Any]) -> bool:
    for rel, mtime in dirs.items():
        try:
            if os.stat(os.path.join(root, rel)).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


def refresh(
    repo: str | os.PathLike[str],
    prefix: str | os.PathLike[str],
    registered: Iterable[Mapping[str, str]],
    *,
    asked: bool = False,
    everything: bool = False,
) -> RetargetResult | None:
    """On the no-op path: retarget notebooks added since the last build (None: nothing new).

    ``registered`` are the env's kernels as the stamp lists them. ``asked`` (``--retarget``)
    retargets every notebook when the last build left them alone; ``everything`` retargets
    every notebook (fetched sources moved to another commit).
    """
    record = read_record(prefix)
    root = os.path.realpath(repo)
    current = bool(record and record.get("enabled") and record.get("root") == root)
    if not current and not (asked or everything):
        return None
    if current and not everything and not _changed_dirs(root, (record or {}).get("dirs") or {}):
        return None
    from rees2conda.kernel.retarget import KernelRef, normalize_language, retarget

    kernels: dict[str, KernelRef] = {}
    for k in registered:
        ref = KernelRef(k["name"], k["display_name"], k["language"])
        kernels.setdefault(normalize_language(ref.language), ref)
    if not current or everything:
        return apply(repo, prefix, kernels)
    assert record is not None
    seen = list(record.get("seen") or [])
    result = retarget(root, kernels, skip=seen)
    _write(prefix, _merge(record, result, root=root, kernels=kernels, seen=seen + result.seen))
    return result


def restore(prefix: str | os.PathLike[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Put back each rewritten notebook's original kernelspec: (restored, left with why)."""
    from rees2conda.fsutil import write_bytes_atomic
    from rees2conda.kernel.retarget import Edit, restore_kernelspec

    record = read_record(prefix)
    restored: list[str] = []
    left: list[tuple[str, str]] = []
    if not record:
        return restored, left
    root = str(record.get("root") or "")
    for rel, raw in sorted((record.get("edits") or {}).items()):
        path = Path(root, rel)
        try:
            real = Path(os.path.realpath(path))
            if os.path.commonpath([str(real), root]) != root or not real.is_file():
                left.append((rel, "no longer a file in the repository"))
                continue
            text = real.read_bytes().decode("utf-8")
            new = restore_kernelspec(text, Edit(raw["original"], raw["written"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            left.append((rel, str(exc)))
            continue
        if new is None:
            left.append((rel, "kernelspec changed since the build: kept"))
            continue
        write_bytes_atomic(real, new.encode("utf-8"))
        restored.append(rel)
    return restored, left

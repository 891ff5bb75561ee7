"""Bringing a record's files into a folder, and keeping that folder in step with the record.

Files are downloaded into a staging folder beside the destination (size and checksum checked as
the record gives them, one byte budget for the whole record), unpacked when the record is one
zip (or a HydroShare bag, whose BagIt manifest is verified), then renamed into place. The folder
gets ``.rees2conda-source.json``: which record and version it holds and a hash of every file, so
a later run can tell an untouched folder (replaced by a new version) from one with local
changes (never overwritten). Notebook changes limited to ``metadata.kernelspec`` are the build's
own and do not count.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rees2conda.errors import UserError
from rees2conda.sources.archive import is_zip, member_path, unpack_zip
from rees2conda.sources.http import download, max_bytes
from rees2conda.sources.records import Record, resolve_record
from rees2conda.sources.urls import redact

PROVENANCE = ".rees2conda-source.json"
#: seconds to wait for HydroShare to prepare a bag (REES2CONDA_HYDROSHARE_WAIT overrides)
HYDROSHARE_WAIT = 120.0


@dataclass
class RecordCheckout:
    path: Path
    provenance: dict[str, Any]
    modified: bool


def read_provenance(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def fetch(
    requested: str,
    dest: Path,
    *,
    provider: str | None = None,
    offline: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RecordCheckout:
    """Fetch the record ``requested`` (DOI or URL) into ``dest``, or update what is there."""
    say = progress or (lambda _m: None)
    existing = dest.exists() and (not dest.is_dir() or any(dest.iterdir()))
    prov = read_provenance(dest) if existing else None
    if existing:
        if prov is None:
            raise UserError(
                f"{dest} exists and was not fetched by rees2conda; not touching it",
                hint="give another --dest, or move it away",
            )
        same_words = prov.get("requested") == redact(requested)
        if offline and same_words:
            return RecordCheckout(dest, prov, bool(changed_files(dest, prov)))
    if offline:
        raise UserError(f"{dest}: no copy of {redact(requested)} to use (--offline)")
    record = resolve_record(requested, provider)
    if prov is not None and not _same_record(prov, record):
        raise UserError(
            f"{dest} holds {prov.get('requested')}, not {redact(requested)}",
            hint="give another --dest",
        )
    old = prov
    if prov is not None and prov.get("content_id") == record.content_id:
        return RecordCheckout(dest, prov, bool(changed_files(dest, prov)))
    if prov is not None:
        changed = changed_files(dest, prov)
        if changed:
            more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
            raise UserError(
                f"{dest} has local changes ({changed[0]}{more}); not replacing it with "
                f"{record.provider} {record.content_id}",
                hint=f"move them away, or build it as it is: rees2conda build {dest}",
            )
    say(f"downloading {record.provider} record {record.content_id} into {dest} …")
    dest.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.rees2conda-fetch-", dir=dest.parent))
    try:
        content = stage / "content"
        content.mkdir()
        _download(record, content, stage)
        prov = {
            "kind": "record",
            "requested": redact(requested),
            "provider": record.provider,
            "record": record.record_id,
            "version": record.version,
            "content_id": record.content_id,
            "url": redact(record.url),
            "doi": record.doi,
            "fetched": time.time(),
            "files": manifest(content),
        }
        prov["stats"] = file_stats(content, list(prov["files"]))
        (content / PROVENANCE).write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")
        _swap_in(content, dest, stage, (old or {}).get("files") or {})
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return RecordCheckout(dest, prov, False)


def _same_record(prov: dict[str, Any], record: Record) -> bool:
    """The folder holds this record (any version: a concept DOI moves to new record ids)."""
    if prov.get("provider") != record.provider:
        return False
    return prov.get("record") == record.record_id or (
        record.doi is not None and prov.get("doi") == record.doi
    )


def _download(record: Record, content: Path, stage: Path) -> None:
    budget = max_bytes()
    label = f"{record.provider} {record.content_id}"
    if not record.files:
        raise UserError(f"{label} has no files to download")
    single_zip = record.unpack == "single-zip" and len(record.files) == 1
    if record.unpack == "bag":
        _hydroshare_bag(record, content, stage, budget)
        return
    for rf in record.files:
        rel = member_path(rf.path, label)
        if rel is None or rel == PROVENANCE:
            raise UserError(f"{label}: unsafe file name {rf.path!r}")
        target = (stage / "download" / rel) if single_zip else (content / rel)
        budget -= download(rf.url, target, rf.expected, budget=budget)
        if single_zip:
            if is_zip(target):
                unpack_zip(target, content, budget=budget, label=f"{label}: {rel}")
                _flatten(content)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, content / rel.rsplit("/", 1)[-1])
    if record.provider == "dataverse":
        _flatten(content)


def _hydroshare_bag(record: Record, content: Path, stage: Path, budget: int) -> None:
    """Download the bag (HydroShare prepares it on demand), verify its manifest, keep contents."""
    rf = record.files[0]
    target = stage / "bag.zip"
    wait = float(os.environ.get("REES2CONDA_HYDROSHARE_WAIT") or HYDROSHARE_WAIT)
    deadline = time.monotonic() + wait
    while True:
        download(rf.url, target, rf.expected, budget=budget)
        if is_zip(target):
            break
        if time.monotonic() >= deadline:
            raise UserError(f"{redact(rf.url)}: the bag is not ready after {wait:.0f} s; try later")
        time.sleep(min(10.0, max(0.1, deadline - time.monotonic())))
    bag = stage / "bag"
    bag.mkdir()
    unpack_zip(target, bag, budget=budget, label=f"hydroshare {record.record_id}")
    root = bag / record.record_id
    contents = root / "data" / "contents"
    if not contents.is_dir():
        raise UserError(f"hydroshare {record.record_id}: the bag has no data/contents folder")
    _verify_bag(root, record.record_id)
    for child in contents.iterdir():
        os.replace(child, content / child.name)


def _verify_bag(root: Path, label: str) -> None:
    """Check the files listed in the bag's ``manifest-<algo>.txt`` (BagIt) against their digest."""
    for manifest_file in sorted(root.glob("manifest-*.txt")):
        algo = manifest_file.stem.split("-", 1)[1]
        if algo not in hashlib.algorithms_available:
            continue
        for line in manifest_file.read_text(encoding="utf-8").splitlines():
            digest, _, rel = line.strip().partition(" ")
            rel = rel.strip()
            if not rel:
                continue
            path = root / rel
            if not path.resolve().is_relative_to(root.resolve()) or not path.is_file():
                raise UserError(f"hydroshare {label}: bag manifest names a missing file {rel}")
            if _file_digest(path, algo) != digest.lower():
                raise UserError(f"hydroshare {label}: {rel}: {algo} checksum mismatch")


def _flatten(content: Path) -> None:
    """A record that is one folder becomes that folder's content (as repo2docker does)."""
    entries = list(content.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        only = entries[0]
        tmp = content.parent / f".flatten-{os.getpid()}"
        os.rename(only, tmp)
        for child in tmp.iterdir():
            os.rename(child, content / child.name)
        tmp.rmdir()


def _swap_in(content: Path, dest: Path, stage: Path, old_files: dict[str, str]) -> None:
    """Put ``content`` at ``dest``. Files the user added to the old copy move over to the new one
    (a clash with a file of the new version refuses the update); the old copy is then removed."""
    if dest.exists():
        extras = [
            rel
            for rel in _all_files(dest)
            if rel not in old_files
            and rel != PROVENANCE
            and "/.ipynb_checkpoints/" not in f"/{rel}"
        ]
        clashes = [rel for rel in extras if (content / rel).exists()]
        if clashes:
            raise UserError(
                f"{dest}: {clashes[0]} was added locally and the new version has a file of that "
                "name; not replacing it",
                hint="move it away and run again",
            )
        old = stage / "old"
        os.rename(dest, old)
        for rel in extras:
            (content / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(old / rel, content / rel)
    os.rename(content, dest)


def _all_files(folder: Path) -> list[str]:
    out = []
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            out.append((Path(dirpath) / name).relative_to(folder).as_posix())
    return out


def _file_digest(path: Path, algo: str = "sha256") -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _notebook_digest(path: Path) -> str | None:
    """sha256 of a notebook with ``metadata.kernelspec`` removed (what the build may change)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(nb, dict) and isinstance(nb.get("metadata"), dict):
        nb["metadata"].pop("kernelspec", None)
    blob = json.dumps(nb, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def manifest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 (notebooks: ``nb:`` + digest without the kernelspec)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if rel == PROVENANCE or path.is_symlink():
                continue
            nb = _notebook_digest(path) if name.endswith(".ipynb") else None
            out[rel] = f"nb:{nb}" if nb else _file_digest(path)
    return out


def file_stats(folder: Path, rels: list[str]) -> dict[str, list[int]]:
    """relative path -> [size, mtime_ns]: lets a re-run skip hashing files nobody touched."""
    out = {}
    for rel in rels:
        st = (folder / rel).stat()
        out[rel] = [st.st_size, st.st_mtime_ns]
    return out


def changed_files(folder: Path, prov: dict[str, Any]) -> list[str]:
    """Files of the record changed or deleted since it was fetched (new files do not count).

    A file whose size and modification time are as recorded is not read again (a big data
    record is not hashed at every login)."""
    recorded = prov.get("files") or {}
    stats = prov.get("stats") or {}
    changed = []
    for rel, digest in sorted(recorded.items()):
        path = folder / rel
        if not path.is_file():
            changed.append(rel)
            continue
        st = path.stat()
        if stats.get(rel) == [st.st_size, st.st_mtime_ns]:
            continue
        if digest.startswith("nb:"):
            if f"nb:{_notebook_digest(path)}" != digest:
                changed.append(rel)
        elif _file_digest(path) != digest:
            changed.append(rel)
    return changed

"""Unpacking a downloaded zip without trusting it.

Refused: absolute names, ``..`` parts, names that collide after normalisation, device files and
FIFOs, symbolic links (a record has no need for them and they could point anywhere), more
members or more bytes than the limits allow. Sizes are the ones the archive declares, which
``zipfile`` enforces while reading (a member longer than declared fails its CRC/length check).
"""

from __future__ import annotations

import posixpath
import shutil
import stat
import zipfile
from pathlib import Path

from rees2conda.errors import UserError

MAX_MEMBERS = 100_000


def is_zip(path: Path) -> bool:
    return zipfile.is_zipfile(path)


def member_path(name: str, archive: str) -> str | None:
    """The member's safe relative POSIX path, None for directories; raises on unsafe names."""
    if "\\" in name or "\0" in name:
        raise UserError(f"{archive}: unsafe member name {name!r}; not unpacked")
    norm = posixpath.normpath(name)
    if name.startswith("/") or norm == ".." or norm.startswith("../") or ":" in norm.split("/")[0]:
        raise UserError(f"{archive}: member {name!r} would land outside the folder; not unpacked")
    if name.endswith("/") or norm == ".":
        return None
    return norm


def unpack_zip(path: Path, dest: Path, *, budget: int, label: str) -> int:
    """Unpack ``path`` into ``dest`` (which must exist); return the bytes written."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{label}: not a readable zip archive: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UserError(f"{label}: {len(infos)} members is over the limit of {MAX_MEMBERS}")
        total = sum(i.file_size for i in infos)
        if total > budget:
            raise UserError(
                f"{label}: unpacks to {total} bytes, over the limit of {budget}",
                hint="raise REES2CONDA_SOURCE_MAX_BYTES to allow it",
            )
        seen: set[str] = set()
        plan: list[tuple[zipfile.ZipInfo, str]] = []
        for info in infos:
            rel = member_path(info.filename, label)
            fmt = stat.S_IFMT(info.external_attr >> 16)
            if rel is None or fmt == stat.S_IFDIR:
                continue
            if fmt and fmt != stat.S_IFREG:
                kind = "a symbolic link" if fmt == stat.S_IFLNK else "a special file"
                raise UserError(f"{label}: member {info.filename!r} is {kind}; not unpacked")
            key = rel.lower()
            if key in seen:
                raise UserError(f"{label}: member {rel!r} appears twice; not unpacked")
            seen.add(key)
            plan.append((info, rel))
        written = 0
        root = dest.resolve()
        for info, rel in plan:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise UserError(f"{label}: member {rel!r} would land outside the folder")
            try:
                with zf.open(info) as src, open(target, "xb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise UserError(f"{label}: member {rel!r} is damaged: {exc}") from None
            mode = (info.external_attr >> 16) & 0o777
            if mode & 0o100:
                target.chmod(0o755)
            written += info.file_size
    return written

"""Reading repository files safely: never outside the repository, never huge, never binary.

A repository is untrusted input. A symlink may point at ``/etc/passwd``, a "file" may be a FIFO
that blocks forever, a 2 GB blob or UTF-16 text. Everything here returns either the text or a
Finding; nothing raises for what a repository contains.

Decoding follows pip (which is what reads requirement files on Binder): a BOM selects UTF-8/16/32,
a PEP 263 ``# -*- coding: ... -*-`` line in the first two lines selects that codec, else UTF-8
(Binder's locale). Anything else is reported rather than guessed.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from typing import Any

from rees2conda import codes
from rees2conda.model import Finding
from rees2conda.record import record

#: Larger REES files are not hand-written; a fully pinned `conda env export` is ~50 kB.
MAX_BYTES = 2 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
#: Text codecs that are not file encodings: punycode decodes in quadratic time, idna is for
#: host names. pip would try them; nobody writes a requirements file in them.
_NOT_FILE_CODECS = frozenset({"punycode", "idna"})


@record(frozen=True)
class Repo:
    """The repository being read: the path as given and its resolved real path."""

    root: str
    real: str

    @classmethod
    def at(cls, path: str) -> Repo:
        return cls(root=path, real=os.path.realpath(path))

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel not in ("", ".") else self.root

    def seen(self, rel: str) -> str:
        """``rel``'s path, announced as a ``rees2conda.stat`` audit event: what the reader
        decides from ``lstat``/``realpath`` alone is an input of ``lock``'s reuse record
        (:class:`rees2conda.resolve.reuse.Watch`) as much as what it opens."""
        path = self.abspath(rel)
        sys.audit("rees2conda.stat", path)
        return path

    def lexists(self, rel: str) -> bool:
        return os.path.lexists(self.seen(rel))

    def inside(self, rel: str) -> bool:
        """True when ``rel`` (after following symlinks) stays inside the repository."""
        real = os.path.realpath(self.seen(rel))
        return real == self.real or real.startswith(self.real.rstrip(os.sep) + os.sep)

    def isdir(self, rel: str) -> bool:
        """A directory inside the repository (a symlink to one inside counts, like Binder)."""
        return self.inside(rel) and os.path.isdir(self.abspath(rel))

    def isfile(self, rel: str) -> bool:
        return self.inside(rel) and os.path.isfile(self.abspath(rel))


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode(
    data: bytes, rel: str, *, coding_line: bool = False
) -> tuple[str | None, Finding | None]:
    """Decode bytes like pip does; a Finding instead of text when that fails."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), None
            except UnicodeDecodeError as exc:
                return None, codes.finding(
                    "R2C204",
                    f"{rel} starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} ({exc.reason})",
                    path=rel,
                )
    if b"\x00" in data:
        line, col = _line_col(data, data.index(b"\x00"))
        return None, codes.finding(
            "R2C204", f"{rel} is a binary file (NUL byte)", path=rel, line=line, column=col
        )
    encoding = "utf-8"
    if coding_line:
        declared = _declared_encoding(data, rel)
        if isinstance(declared, Finding):
            return None, declared
        encoding = declared or encoding
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, bytes) else b""
        offset = exc.start if exc.object == data else None
        where_bad: tuple[int | None, int | None] = (None, None)
        if offset is not None:
            where_bad = _line_col(data, offset)
        return None, codes.finding(
            "R2C204",
            f"{rel} is not valid {encoding}" + (f" (byte 0x{bad[0]:02x})" if bad else ""),
            path=rel,
            line=where_bad[0],
            column=where_bad[1],
        )
    except (UnicodeError, ValueError) as exc:  # codecs such as `undefined` refuse everything
        return None, codes.finding("R2C204", f"cannot be decoded as {encoding}: {exc}", path=rel)


def _declared_encoding(data: bytes, rel: str) -> str | Finding | None:
    """The codec a PEP 263 coding line in the first two lines names, as pip reads it, or a
    Finding when pip (or rees2conda) cannot decode with it."""
    for number, raw in enumerate(data.split(b"\n", 2)[:2], 1):
        m = _CODING_RE.match(raw)
        if not m:
            continue
        name = m.group(1).decode("ascii", "replace")
        where: dict[str, Any] = {"path": rel, "line": number, "column": m.start(1) + 1}
        try:
            info = codecs.lookup(name)
        except LookupError:
            return codes.finding(
                "R2C204", f"the coding line names an unknown encoding {name[:60]!r}", **where
            )
        if not getattr(info, "_is_text_encoding", True):  # rot13, hex, zlib, base64, uu, ...
            return codes.finding(
                "R2C204",
                f"the coding line names {name[:60]!r}, a bytes-to-bytes or str-to-str codec, "
                "not a text encoding: pip fails on it",
                **where,
            )
        if info.name in _NOT_FILE_CODECS:
            return codes.finding(
                "R2C204",
                f"the coding line names {name!r}, which is not a file encoding",
                **where,
            )
        return info.name
    return None


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(rel: str, mode: int) -> Finding:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return codes.finding(
        "R2C201", f"{rel} is {kind}, not a regular file; it was not read", path=rel
    )


def read_text(
    repo: Repo, rel: str, *, coding_line: bool = False
) -> tuple[str | None, Finding | None]:
    """The text of repository file ``rel`` or a Finding saying why it cannot be used.

    ``rel`` must already be a normalised repository-relative path (no ``..``). Symlinks are
    followed only while they stay inside the repository; the target is never opened otherwise.
    """
    data, problem = read_bytes(repo, rel)
    if data is None:
        return None, problem
    return decode(data, rel, coding_line=coding_line)


def read_bytes(repo: Repo, rel: str) -> tuple[bytes | None, Finding | None]:
    """The bytes of repository file ``rel`` under :func:`read_text`'s rules (inside the
    repository, a regular file, at most ``MAX_BYTES``), or a Finding saying why not."""
    path = repo.abspath(rel)
    if not repo.inside(rel):
        target = os.readlink(path) if os.path.islink(path) else "outside the repository"
        return None, codes.finding(
            "R2C203",
            f"{rel} is a symlink to {target}, outside the repository; it was not read",
            path=rel,
        )
    try:
        st = os.stat(path)
    except OSError as exc:
        return None, codes.finding(
            "R2C201", f"{rel} cannot be read: {exc.strerror or exc}", path=rel
        )
    if not stat.S_ISREG(st.st_mode):  # never opened: a FIFO would block, a device may act
        return None, _not_regular(rel, st.st_mode)
    if st.st_size > MAX_BYTES:
        return None, codes.finding(
            "R2C202",
            f"{rel} is {st.st_size} bytes, more than the {MAX_BYTES} bytes allowed",
            path=rel,
        )
    try:
        # O_NONBLOCK: were the file swapped for a FIFO since the stat, opening still returns
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):
                return None, _not_regular(rel, mode)
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, codes.finding(
            "R2C201", f"{rel} cannot be read: {exc.strerror or exc}", path=rel
        )
    if len(data) > MAX_BYTES:
        return None, codes.finding(
            "R2C202", f"{rel} is more than the {MAX_BYTES} bytes allowed", path=rel
        )
    return data, None

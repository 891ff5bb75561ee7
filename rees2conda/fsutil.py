"""Safe, atomic file writes: a reader sees the old content or the new, never half of either, and
a write never lands anywhere but the file it names.

Write to a fresh temporary file in the same folder (``O_EXCL | O_NOFOLLOW``: a planted symlink
at the temporary name cannot redirect it), fsync, ``os.replace`` over the target, fsync the
folder. Works on NFS too (rename within a directory is atomic there).

rees2conda writes into repositories written by strangers, so before replacing anything the
target is checked with ``lstat``: a symlink is followed only when it leads to a place inside
``within`` (the repository, for a lock file written there), and anything that is not a regular
file (a device, FIFO, socket or directory) is never replaced. The folder must exist: a write
never creates parent folders as a side effect.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from rees2conda.errors import UserError

#: ``within`` for the user's own files (``~/.conda/environments.txt``): follow a symlink wherever
#: it leads, still never replacing a non-regular file
ANYWHERE = Path("/")


class UnsafeWriteError(UserError, OSError):
    """A write refused because it would leave its place or replace what is not a regular file.

    Also an ``OSError``, so callers that report file-system failures per file (notebook
    rewriting) report this one the same way instead of failing the whole command.
    """


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def checked_target(
    path: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None
) -> Path:
    """The file a write to ``path`` may replace, or :class:`UnsafeWriteError` saying why not.

    ``path`` itself unless it is a symlink; a symlink is followed only when ``within`` is given
    and both the link's target and the folder it sits in stay inside ``within`` (real paths).
    With ``within``, the folder of ``path`` must also really be inside it (a symlinked folder
    leading out of the repository is refused).
    """
    path = Path(os.path.abspath(path))
    root = os.path.realpath(within) if within is not None else None
    if not path.parent.is_dir():
        raise UnsafeWriteError(
            f"cannot write {path}: folder {path.parent} does not exist",
            hint="create the folder first, or write elsewhere",
        )
    st = _lstat(path)
    if st is not None and stat.S_ISLNK(st.st_mode):
        real = Path(os.path.realpath(path))
        if root is None or not _inside(str(real), root):
            where = f", outside {within}" if within is not None else ""
            raise UnsafeWriteError(
                f"{path} is a symbolic link to {real}{where}; not writing through it",
                hint="remove the link (or make it a regular file), or write elsewhere",
            )
        path = real
        st = _lstat(path)
        if not path.parent.is_dir():
            raise UnsafeWriteError(f"cannot write {path}: folder {path.parent} does not exist")
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise UnsafeWriteError(
            f"{path} is {kind}, not a regular file; not replacing it",
            hint="write to a regular file",
        )
    if root is not None and not _inside(os.path.realpath(path.parent), root):
        raise UnsafeWriteError(
            f"{path.parent} leads outside {within} (a symbolic link); "
            f"not writing {path.name} there",
            hint="remove the link, or write elsewhere",
        )
    return path


def write_bytes_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    within: str | os.PathLike[str] | None = None,
) -> Path:
    """Replace ``path`` with ``data`` atomically; return the file really written.

    Keeps an existing file's permission bits; a new file gets ``0666`` minus the umask (as
    ``open()`` would). See :func:`checked_target` for what is refused and what ``within`` means.
    """
    target = checked_target(path, within=within)
    st = _lstat(target)
    if mode is None and st is not None:
        mode = stat.S_IMODE(st.st_mode)
    import secrets  # here, not at the top: the no-op build reads this module and never writes

    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)
    return target


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, within: str | os.PathLike[str] | None = None
) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), within=within)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename durable (best effort: some filesystems refuse to open directories)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

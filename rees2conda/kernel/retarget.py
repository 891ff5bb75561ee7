"""Point a repository's notebooks at the environment's kernel of their own language.

Only ``metadata.kernelspec`` changes, edited in place in the text (:mod:`jsonspan`): every other
byte stays (numbers such as ``1e400``, CRLF line endings, indentation, key order, escapes). A
notebook goes to the kernel registered for its language (kernelspec ``language``, else
``language_info.name``, else a well-known kernel name such as ``ir``; a notebook naming none is
Python, Jupyter's default); one whose language the env has no kernel for is left alone and
reported. Never touched, only reported: symlinks leading out of the repository (a symlink inside
it is kept and its target rewritten), read-only and hard-linked files, anything that is not a
regular file (a FIFO named ``x.ipynb`` is never opened for a blocking read), broken JSON. The
walk stays in the repository: hidden folders, checkpoints and nested projects (their own
``.git`` or REES files) are skipped. Writes are atomic and keep the file's permissions.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rees2conda.fsutil import write_bytes_atomic
from rees2conda.kernel import jsonspan

SKIP_DIRS = {".ipynb_checkpoints", "node_modules", "__pycache__", "site-packages"}
#: what makes a folder a project of its own (Binder's configuration files, a git checkout)
PROJECT_MARKERS = (
    ".git",
    "binder",
    ".binder",
    "Dockerfile",
    "Project.toml",
    "JuliaProject.toml",
    "REQUIRE",
    "default.nix",
    "runtime.txt",
    "environment.yml",
    "environment.yaml",
    "Pipfile",
    "Pipfile.lock",
    "requirements.txt",
    "requirements3.txt",
    "apt.txt",
    "install.R",
    "postBuild",
    "start",
    "setup.py",
    "pyproject.toml",
    "DESCRIPTION",
)
#: kernel names that tell the language when a notebook's metadata does not
_NAME_LANGUAGES = {"ir": "R", "bash": "bash", "julia": "julia", "xcpp": "C++"}


@dataclass(frozen=True)
class KernelRef:
    """What a notebook's ``metadata.kernelspec`` gets for one language."""

    name: str
    display_name: str
    language: str

    def as_kernelspec(self) -> dict[str, str]:
        return {"display_name": self.display_name, "language": self.language, "name": self.name}


@dataclass
class Edit:
    """A rewrite, enough to undo it: the kernelspec text before (None: absent) and after."""

    original: str | None
    written: dict[str, Any]


@dataclass
class RetargetResult:
    """Repository-relative paths: changed, already right, left alone (with why), broken."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)
    edits: dict[str, Edit] = field(default_factory=dict)
    #: every folder walked, with its mtime after the rewrite (the cheap "anything new?" signal)
    dirs: dict[str, int] = field(default_factory=dict)

    @property
    def seen(self) -> list[str]:
        return sorted({*self.changed, *self.unchanged, *(p for p, _ in self.skipped + self.broken)})


def normalize_language(language: str) -> str:
    """``Python3`` -> ``python``, ``R`` -> ``r``: the key kernels and notebooks are matched on."""
    lang = language.strip().lower()
    return re.sub(r"^python\d*(\.\d+)*$", "python", lang)


def notebook_language(nb: Mapping[str, Any]) -> str:
    """The language a notebook is written in, normalised (Python when it names none: Jupyter's
    default)."""
    return normalize_language(_language_label(nb))


def _language_label(nb: Mapping[str, Any]) -> str:
    """The notebook's language as it spells it (``R``, ``Bash``), for messages."""
    meta = nb.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    spec = meta.get("kernelspec")
    spec = spec if isinstance(spec, dict) else {}
    info = meta.get("language_info")
    info = info if isinstance(info, dict) else {}
    for value in (spec.get("language"), info.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    name = spec.get("name")
    if isinstance(name, str) and name.strip():
        lowered = name.strip().lower()
        if lowered in _NAME_LANGUAGES:
            return _NAME_LANGUAGES[lowered]
        if lowered.startswith("python"):
            return "python"
        return lowered  # unknown: matches no kernel unless one has that language
    return "python"


def is_project(names: Iterable[str]) -> bool:
    """Whether a folder holding ``names`` is a project of its own."""
    return not set(names).isdisjoint(PROJECT_MARKERS)


def has_rees_files(root: str | os.PathLike[str]) -> bool:
    """Whether ``root`` holds a Binder configuration (a bare folder such as ``$HOME`` does not)."""
    try:
        names = set(os.listdir(root))
    except OSError:
        return False
    return not (names - {".git"}).isdisjoint(PROJECT_MARKERS)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def walk(root: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
    """Notebook paths (relative, ``/``-separated) under ``root`` and the folders walked.

    Symlinked folders are not followed; hidden folders, checkpoints and nested projects are
    skipped. Entries are listed, never opened.
    """
    root = os.fspath(root)
    notebooks: list[str] = []
    dirs: dict[str, int] = {}

    def visit(rel: str) -> None:
        path = os.path.join(root, rel) if rel else root
        mtime = _mtime(path)
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        if mtime is not None:
            dirs[rel or "."] = mtime
        for entry in entries:
            name = entry.name
            child = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if name.startswith(".") or name in SKIP_DIRS:
                    continue
                try:
                    inner = os.listdir(entry.path)
                except OSError:
                    continue
                if not is_project(inner):
                    visit(child)
            elif name.endswith(".ipynb") and not name.startswith("."):
                notebooks.append(child)

    visit("")
    return notebooks, dirs


def find_notebooks(root: str | os.PathLike[str]) -> list[Path]:
    """``*.ipynb`` under ``root`` as :func:`walk` finds them."""
    return [Path(root) / rel for rel in walk(root)[0]]


class Skip(Exception):
    """A notebook deliberately left alone (another language): reported, not a problem."""


def _read_regular(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file; never blocks on a FIFO, device or socket."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file: left alone")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def _writable(path: Path, st: os.stat_result) -> bool:
    """Read-only means no write bit at all (root ignores permissions, so ask the bits too)."""
    return bool(st.st_mode & 0o222) and os.access(path, os.W_OK)


def _decode(raw: bytes) -> tuple[str, dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
        nb = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a JSON notebook ({exc})") from None
    if not isinstance(nb, dict):
        raise ValueError("not a notebook (top level is not an object)")
    if "metadata" in nb and not isinstance(nb["metadata"], dict):
        raise ValueError("metadata is not an object")
    return text, nb


def set_kernelspec(text: str, wanted: Mapping[str, str]) -> tuple[str, Edit] | None:
    """``text`` with ``metadata.kernelspec`` updated to ``wanted`` (None: already so)."""
    top = jsonspan.top_object(text)
    style = jsonspan.detect_style(text, top)
    meta_m = top.last("metadata")
    if meta_m is None:
        written: dict[str, Any] = dict(wanted)
        new = jsonspan.insert_member(
            text, top, "metadata", {"kernelspec": written}, style, sort=True
        )
        return new, Edit(None, written)
    meta = jsonspan.object_span(text, meta_m.value_start)
    ks_m = meta.last("kernelspec")
    if ks_m is None:
        written = dict(sorted(wanted.items()))
        new = jsonspan.insert_member(text, meta, "kernelspec", written, style, sort=True)
        return new, Edit(None, written)
    original = text[ks_m.value_start : ks_m.value_end]
    current = json.loads(original)
    if isinstance(current, dict):
        if all(current.get(k) == v for k, v in wanted.items()):
            return None
        written = dict(current)
        written.update(wanted)
        sort = list(current) == sorted(current)
    else:
        written, sort = dict(wanted), True
    base = jsonspan.line_indent(text, ks_m.key_start)
    value = jsonspan.serialize(written, style, base, multiline="\n" in original, sort=sort)
    new = text[: ks_m.value_start] + value + text[ks_m.value_end :]
    return new, Edit(original, json.loads(value))


def restore_kernelspec(text: str, edit: Edit) -> str | None:
    """``text`` with the kernelspec from before ``edit``; None when it changed since."""
    top = jsonspan.top_object(text)
    meta_m = top.last("metadata")
    if meta_m is None or text[meta_m.value_start] != "{":
        return None
    meta = jsonspan.object_span(text, meta_m.value_start)
    ks_m = meta.last("kernelspec")
    if ks_m is None or json.loads(text[ks_m.value_start : ks_m.value_end]) != edit.written:
        return None
    if edit.original is None:
        return jsonspan.delete_member(text, meta, ks_m)
    return text[: ks_m.value_start] + edit.original + text[ks_m.value_end :]


def _resolve_inside(path: Path, root_real: str) -> Path:
    """The file to edit: ``path`` itself, or a symlink's target when it stays in the repository."""
    if not path.is_symlink():
        return path
    real = os.path.realpath(path)
    if os.path.commonpath([real, root_real]) != root_real:
        raise ValueError("a symlink leading out of the repository: left alone")
    return Path(real)


def retarget_notebook(path: Path, kernels: Mapping[str, KernelRef], root_real: str) -> Edit | None:
    """Rewrite one notebook when needed: the edit made, None when already right.

    Raises :class:`Skip` for a notebook of another language, ValueError/OSError when it must be
    left alone (broken, read-only, not a regular file, a symlink out of the repository).
    """
    target = _resolve_inside(path, root_real)
    raw, st = _read_regular(target)
    text, nb = _decode(raw)
    label = _language_label(nb)
    ref = kernels.get(normalize_language(label))
    if ref is None:
        raise Skip(f"{label} notebook: the environment has no {label} kernel")
    try:
        change = set_kernelspec(text, ref.as_kernelspec())
    except ValueError as exc:  # the scanner disagrees with json.loads: leave it
        raise ValueError(f"cannot edit in place ({exc})") from None
    if change is None:
        return None
    if not _writable(target, st):
        raise ValueError("read-only: left alone")
    if st.st_nlink > 1:  # replacing the file would split it from its other names
        raise ValueError("hard-linked: left alone")
    now = os.stat(target)
    if (now.st_mtime_ns, now.st_size, now.st_ino) != (st.st_mtime_ns, st.st_size, st.st_ino):
        raise ValueError("changed while being read (saved in Jupyter?): left alone")
    new, edit = change
    write_bytes_atomic(target, new.encode("utf-8"), mode=stat.S_IMODE(st.st_mode))
    return edit


def retarget(
    root: str | os.PathLike[str],
    kernels: Mapping[str, KernelRef],
    *,
    skip: Iterable[str] = (),
) -> RetargetResult:
    """Point every notebook under ``root`` except those in ``skip`` (relative paths) at the
    kernel of its language; ``kernels`` maps :func:`normalize_language` keys to kernels."""
    root_real = os.path.realpath(root)
    notebooks, dirs = walk(root_real)
    result = RetargetResult()
    done: set[str] = set()
    skipped = set(skip)
    for rel in notebooks:
        if rel in skipped:
            continue
        path = Path(root_real, rel)
        real = os.path.realpath(path)
        if real in done:  # a symlink and its target: one rewrite
            result.unchanged.append(rel)
            continue
        done.add(real)
        try:
            edit = retarget_notebook(path, kernels, root_real)
        except Skip as exc:
            result.skipped.append((rel, str(exc)))
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            result.broken.append((rel, why))
        else:
            if edit is None:
                result.unchanged.append(rel)
            else:
                result.changed.append(rel)
                result.edits[rel] = edit
    # the mtimes after our own writes: the next login's "anything new?" compares against these
    after = {d: _mtime(os.path.join(root_real, d)) for d in dirs}
    result.dirs = {d: m for d, m in after.items() if m is not None}
    return result

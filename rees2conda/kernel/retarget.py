"""Point a repository's notebooks at the environment's kernel.

Only ``metadata.kernelspec`` (``name``, ``display_name``, ``language``) changes. The file keeps
its layout: the indent detected from the file (nbformat writes 1), key order (a new
``kernelspec`` key goes where ``sort_keys`` would put it when the metadata is sorted),
``ensure_ascii`` as found and the trailing newline. A notebook already pointing at the kernel is
not touched; writes are atomic. Broken notebooks are reported, never fatal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rees2conda.env.fsutil import write_bytes_atomic

SKIP_DIRS = {".ipynb_checkpoints", "node_modules", "__pycache__", "site-packages"}


@dataclass
class RetargetResult:
    """Repository-relative paths of notebooks changed, already right, and broken (with why)."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)


def find_notebooks(root: str | os.PathLike[str]) -> Iterator[Path]:
    """``*.ipynb`` under ``root``, skipping hidden folders, checkpoints and node_modules."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for fname in sorted(filenames):
            if fname.endswith(".ipynb") and not fname.startswith("."):
                yield Path(dirpath) / fname


def _detect_indent(text: str) -> int | str | None:
    """The indent of the first nested line (None: compact, one line)."""
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    second = lines[1]
    stripped = second.lstrip(" \t")
    ws = second[: len(second) - len(stripped)]
    if not ws:
        return 0
    if set(ws) == {" "}:
        return len(ws)
    return ws


def _set_kernelspec(meta: dict[str, Any], wanted: dict[str, str]) -> dict[str, Any]:
    """``meta`` with its kernelspec updated, keeping key order."""
    current = meta.get("kernelspec")
    if isinstance(current, dict):
        new = dict(current)
        new.update(wanted)
        return {k: (new if k == "kernelspec" else v) for k, v in meta.items()}
    keys = list(meta)
    items = list(meta.items())
    if keys == sorted(keys):
        pos = sum(1 for k in keys if k < "kernelspec")
        items.insert(pos, ("kernelspec", dict(wanted)))
    else:
        items.append(("kernelspec", dict(wanted)))
    return dict(items)


def retarget_notebook(path: Path, wanted: dict[str, str]) -> bool:
    """Rewrite one notebook when needed. True when it changed; ValueError when it is broken."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        nb = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a JSON notebook ({exc})") from None
    if not isinstance(nb, dict):
        raise ValueError("not a notebook (top level is not an object)")
    meta = nb.get("metadata", {})
    if not isinstance(meta, dict):
        raise ValueError("metadata is not an object")
    current = meta.get("kernelspec")
    if isinstance(current, dict) and all(current.get(k) == v for k, v in wanted.items()):
        return False
    new_meta = _set_kernelspec(meta, wanted)
    if "metadata" in nb:
        nb = {k: (new_meta if k == "metadata" else v) for k, v in nb.items()}
    else:
        nb["metadata"] = new_meta
    ensure_ascii = text.isascii() and "\\u" in text
    indent = _detect_indent(text)
    if indent is None:  # one line: keep its separators (minified writers drop the spaces)
        separators = (
            ", " if re.search(r'[\]}"\d],\s', text) else ",",
            ": " if '": ' in text else ":",
        )
    else:
        separators = (",", ": ")
    out = json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
    if text.endswith("\n"):
        out += "\n"
    write_bytes_atomic(path, out.encode("utf-8"))
    return True


def retarget(
    root: str | os.PathLike[str], *, name: str, display_name: str, language: str = "python"
) -> RetargetResult:
    """Point every notebook under ``root`` at kernel ``name``."""
    root = Path(root)
    wanted = {"display_name": display_name, "language": language, "name": name}
    result = RetargetResult()
    for path in find_notebooks(root):
        rel = path.relative_to(root).as_posix()
        try:
            changed = retarget_notebook(path, wanted)
        except (OSError, ValueError) as exc:
            result.broken.append((rel, str(exc)))
            continue
        (result.changed if changed else result.unchanged).append(rel)
    return result

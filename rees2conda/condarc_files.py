"""Where conda looks for its configuration files, and reading one file with conda's flags.

Computing centres configure conda for everyone in system files (``/etc/conda/condarc``, drop-ins
in ``/etc/conda/condarc.d/``, the base install's ``$CONDA_ROOT/.condarc``); users add their own.
rees2conda reads the same files in the same order as conda, so a mirror set up by the centre
works without the user doing anything. Import-light (ruamel.yaml only, loaded on first file).

conda's per-key flags are comments: ``key: value  #!final`` (no later file may change the key),
and ``- item  #!top`` / ``- item  #!bottom`` (where a list item goes when lists are merged).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rees2conda.errors import UserError

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any

#: set to a folder to read the system files from ``<root>/etc/conda/...`` (tests; chroots)
SYSTEM_ROOT_VAR = "REES2CONDA_SYSTEM_ROOT"

#: conda's search path for Unix (``conda/base/constants.py``), in precedence order: later wins
_SEARCH_PATH = (
    "/etc/conda/.condarc",
    "/etc/conda/condarc",
    "/etc/conda/condarc.d/",
    "/var/lib/conda/.condarc",
    "/var/lib/conda/condarc",
    "/var/lib/conda/condarc.d/",
    "$CONDA_ROOT/.condarc",
    "$CONDA_ROOT/condarc",
    "$CONDA_ROOT/condarc.d/",
    "$XDG_CONFIG_HOME/conda/.condarc",
    "$XDG_CONFIG_HOME/conda/condarc",
    "$XDG_CONFIG_HOME/conda/condarc.d/",
    "~/.config/conda/.condarc",
    "~/.config/conda/condarc",
    "~/.config/conda/condarc.d/",
    "~/.conda/.condarc",
    "~/.conda/condarc",
    "~/.conda/condarc.d/",
    "~/.condarc",
    "$CONDA_PREFIX/.condarc",
    "$CONDA_PREFIX/condarc",
    "$CONDA_PREFIX/condarc.d/",
    "$CONDARC",
)
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
_ITEM_FLAG = re.compile(r"^\s*-\s*(.*?)\s*#!(top|bottom)\b")


def expand_vars(value: str, env: Mapping[str, str]) -> str:
    """``$VAR`` and ``${VAR}`` from ``env``, as conda expands condarc values (unset: kept)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env.get(name, match.group(0))

    return _VAR.sub(sub, value)


def variable_names(value: str) -> set[str]:
    """The variables :func:`expand_vars` would look up in ``value``."""
    return {m.group(1) or m.group(2) for m in _VAR.finditer(value)}


def search_path(env: Mapping[str, str], home: Path) -> list[Path]:
    """Every candidate file or ``condarc.d`` folder, in conda's order (later wins).

    ``CONDA_RESTRICT_RC_SEARCH_PATH`` limits it to ``$CONDARC``, as in conda. Entries whose
    variable is unset are skipped (conda does not read ``/.condarc`` for an unset root).
    """
    system_root = env.get(SYSTEM_ROOT_VAR) or "/"
    entries = ("$CONDARC",) if "CONDA_RESTRICT_RC_SEARCH_PATH" in env else _SEARCH_PATH
    paths: list[Path] = []
    xdg = env.get("XDG_CONFIG_HOME")
    for entry in entries:
        if entry.startswith("$"):
            var, _, rest = entry[1:].partition("/")
            base = xdg if var == "XDG_CONFIG_HOME" else env.get(var)
            if not base:
                continue
            path = Path(base).expanduser() / rest if rest else Path(base).expanduser()
        elif entry.startswith("~"):
            path = home / entry[2:]
        else:
            path = Path(system_root) / entry.lstrip("/")
        if entry.endswith("/"):
            path = Path(str(path) + "/")
        if path not in paths:
            paths.append(path)
    return paths


def expand_dirs(paths: list[Path]) -> list[Path]:
    """Files to read: plain files as they are, ``condarc.d/`` folders as their sorted
    ``*.yml``/``*.yaml`` files (conda's rule). Missing entries are skipped; duplicates (XDG and
    ``~/.config`` are often the same folder) read once."""
    files: list[Path] = []
    seen: set[str] = set()
    for path in paths:
        candidates: list[Path]
        if path.is_dir():
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                raise UserError(
                    f"{path}: cannot read conda configuration folder: {exc.strerror}"
                ) from None
            candidates = [path / n for n in names if n.endswith((".yml", ".yaml"))]
        else:
            candidates = [path]
        for c in candidates:
            if not c.is_file():
                continue
            key = os.path.realpath(c)
            if key not in seen:
                seen.add(key)
                files.append(c)
    return files


@dataclass
class RawFile:
    """One configuration source: its values and the keys/items carrying conda's flags."""

    name: str
    data: dict[str, Any]
    final: set[str] = field(default_factory=set)
    top: dict[str, list[str]] = field(default_factory=dict)
    bottom: dict[str, list[str]] = field(default_factory=dict)


def read_file(path: Path, cache: Path | None = None) -> RawFile:
    """Read one condarc file; invalid YAML is a located :class:`UserError`.

    With ``cache`` (a folder), the YAML parse is kept there as JSON per file and content
    (:func:`_cached_parse`), so that the no-op build does not import a YAML parser.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UserError(f"{path}: cannot read conda configuration: {why}") from None
    data = _cached_parse(path, text, cache) if cache is not None else _parse(path, text)
    raw = RawFile(str(path), {str(k): v for k, v in data.items()})
    _scan_flags(text, raw)
    return raw


def _cached_parse(path: Path, text: str, cache: Path) -> dict[Any, Any]:
    """:func:`_parse` through a cache keyed by the file's path and content.

    Only a parse that survives a JSON round trip unchanged is kept, so a cached answer is the
    parser's answer; an invalid file is parsed (and reported) every time. A cache that cannot be
    read or written is skipped.
    """
    import hashlib
    import json

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    entry = cache / (hashlib.sha256(str(path).encode()).hexdigest()[:24] + ".json")
    try:
        with open(entry, encoding="utf-8") as fh:
            kept = json.load(fh)
        if isinstance(kept, dict) and kept.get("sha256") == digest:
            data = kept.get("data")
            if isinstance(data, dict):
                return data
    except (OSError, ValueError):
        pass
    data = _parse(path, text)
    try:
        blob = json.dumps({"sha256": digest, "data": data}, sort_keys=True)
    except (TypeError, ValueError):
        return data
    if json.loads(blob)["data"] == data:
        from rees2conda.fsutil import write_text_atomic

        try:
            cache.mkdir(parents=True, exist_ok=True)
            write_text_atomic(entry, blob)
        except OSError:
            pass
    return data


def _parse(path: Path, text: str) -> dict[Any, Any]:
    """The YAML mapping in ``text`` (an empty file is an empty mapping)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError(
            f"{where}: invalid conda configuration: {problem}", hint="fix or remove the file"
        ) from None
    except YAMLError as exc:
        raise UserError(f"{path}: invalid conda configuration: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}:1:1: invalid conda configuration: expected a mapping")
    return data


def _scan_flags(text: str, raw: RawFile) -> None:
    """Find ``#!final`` on top-level keys and ``#!top``/``#!bottom`` on their list items."""
    key: str | None = None
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            key = match.group(1)
            if "#!final" in match.group(2):
                raw.final.add(key)
            continue
        if key is None:
            continue
        item = _ITEM_FLAG.match(line)
        if item:
            value = item.group(1).strip().strip("'\"")
            (raw.top if item.group(2) == "top" else raw.bottom).setdefault(key, []).append(value)

"""The root setup.py / pyproject.toml that Binder installs with ``pip install .``.

docs/binder-rules.md §5.

A pyproject.toml counts as a package only with both ``[project]`` and ``[build-system]``;
``requires-python`` is read from ``[project]`` whether or not it is a package, as repo2docker does.
"""

from __future__ import annotations

import posixpath
import re
import sys

from rees2conda import codes
from rees2conda.model import Finding
from rees2conda.record import record
from rees2conda.rees.python import describe_number, long_number
from rees2conda.rees.textfile import Repo, read_bytes, read_text


@record
class Pyproject:
    """What matters of a root pyproject.toml."""

    is_package: bool = False
    requires_python: str | None = None
    requires_python_line: int | None = None
    problem: Finding | None = None


#: Entries (content lines and array items) beyond which a TOML file is not parsed: tomllib is
#: pure Python (~3 us per array item); a project file has a few hundred.
MAX_TOML_ENTRIES = 50_000
_CONTENT_LINE_RE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


class TooLarge(ValueError):
    """A TOML document too large to be a project file; it is not parsed."""


def loads_toml(text: str) -> dict[str, object]:
    """Parse TOML; :class:`TooLarge` for a document too large to be a project file."""
    entries = text.count(",") + sum(1 for _ in _CONTENT_LINE_RE.finditer(text))
    if entries > MAX_TOML_ENTRIES:
        raise TooLarge(
            f"it has about {entries} entries (lines and array items), more than "
            f"{MAX_TOML_ENTRIES}: too large to be a project file"
        )
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def read_pyproject(repo: Repo, rel: str = "pyproject.toml") -> Pyproject:
    """Parse the root pyproject.toml; problems become ``problem`` (never raises)."""
    text, problem = read_text(repo, rel)
    if problem is not None:
        return Pyproject(problem=problem)
    assert text is not None
    try:
        data = loads_toml(text)
    except Exception as exc:  # tomllib.TOMLDecodeError, RecursionError on deep nesting
        line, col = _toml_position(str(exc))
        return Pyproject(
            problem=codes.finding(
                "R2C604",
                f"{rel} is not read: {exc}"
                if isinstance(exc, TooLarge)
                else f"{rel} is not valid TOML: {str(exc).split(' (at')[0]}",
                path=rel,
                line=line,
                column=col,
            )
        )
    project = data.get("project")
    result = Pyproject(is_package=isinstance(project, dict) and "build-system" in data)
    if isinstance(project, dict) and "requires-python" in project:
        value = project["requires-python"]
        line = _key_line(text, "requires-python")
        if not isinstance(value, str):
            result.problem = codes.finding(
                "R2C604", "requires-python must be a string", path=rel, line=line
            )
            return result
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        number = long_number(value)
        if number is not None:
            result.problem = codes.finding(
                "R2C604",
                f"requires-python has {describe_number(number)}: pip cannot compare it",
                path=rel,
                line=line,
            )
            return result
        try:
            SpecifierSet(value)
        except InvalidSpecifier:
            result.problem = codes.finding(
                "R2C604",
                f"requires-python {value!r} is not a valid version specifier",
                path=rel,
                line=line,
            )
            return result
        result.requires_python = value
        result.requires_python_line = line
    return result


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith(key) and stripped[len(key) :].lstrip().startswith("="):
            return number
    return None


def _toml_position(message: str) -> tuple[int | None, int | None]:
    m = re.search(r"at line (\d+), column (\d+)", message)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


#: the files whose content decides a local package's dependencies (what pip reads to build it)
METADATA_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


def metadata_digest(repo: Repo, rel: str) -> tuple[tuple[str, ...], str | None]:
    """(metadata files present, sha256 over their names and bytes) of the local package at
    ``rel``; ``((), None)`` for an archive (its own hash is checked when it installs) or a
    folder whose metadata cannot be read (the reader reports that itself)."""
    import hashlib

    if not repo.isdir(rel):
        return (), None
    found = []
    digest = hashlib.sha256()
    for name in METADATA_FILES:
        path = name if rel == "." else posixpath.join(rel, name)
        if not repo.lexists(path):
            continue
        data, _ = read_bytes(repo, path)  # bytes: pip reads a latin-1 setup.py too
        if data is None:
            return (), None
        found.append(path)
        digest.update(f"{path}\0{len(data)}\0".encode() + data)
    return tuple(found), digest.hexdigest() if found else None

"""runtime.txt grammar, as repo2docker parses it (docs/binder-rules.md section 3).

The stripped text is split on ``-``: 2 parts ``name-version``, 4 parts ``name-YYYY-MM-DD``,
5 parts ``name-version-YYYY-MM-DD``; every part non-empty; the date must be a real
``YYYY-MM-DD`` date. Anything else fails the Binder build.
"""

from __future__ import annotations

import re

from rees2conda.model import DEFAULT_PYTHON

_DATE_RE = re.compile(r"\d\d\d\d-\d\d-\d\d")
_PY_VERSION_RE = re.compile(r"[0-9]{1,19}(\.[0-9]{1,19})*")


class Runtime:
    """A parsed runtime.txt: ``name`` (``python``, ``r``, ...), optional version and date.

    A plain class, not a dataclass: building one at import costs more than this whole module.
    """

    __slots__ = ("date", "name", "version")

    def __init__(self, name: str, version: str | None, date: str | None) -> None:
        self.name = name
        self.version = version
        self.date = date

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Runtime):
            return NotImplemented
        return (self.name, self.version, self.date) == (other.name, other.version, other.date)

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.date))

    def __repr__(self) -> str:
        return f"Runtime(name={self.name!r}, version={self.version!r}, date={self.date!r})"

    @property
    def is_r_snapshot(self) -> bool:
        """The R build: name ``r`` with a date (docs/binder-rules.md section 2 item 4)."""
        return self.name == "r" and self.date is not None


class InvalidRuntime(ValueError):
    """runtime.txt does not follow the grammar; Binder fails the build."""


def parse_runtime(text: str) -> Runtime:
    """Parse runtime.txt text; raise :class:`InvalidRuntime` with a message when invalid."""
    stripped = text.strip()
    if not stripped:
        raise InvalidRuntime("the file is empty")
    parts = stripped.split("-")
    if len(parts) not in (2, 4, 5) or any(not p for p in parts):
        raise InvalidRuntime(
            f"expected `name-version`, `name-YYYY-MM-DD` or "
            f"`name-version-YYYY-MM-DD`, got {stripped[:80]!r}"
        )
    name = parts[0]
    version = parts[1] if len(parts) in (2, 5) else None
    date = None
    if len(parts) in (4, 5):
        date = "-".join(parts[-3:])
        if not _DATE_RE.fullmatch(date):
            raise InvalidRuntime(f"the date {date!r} is not YYYY-MM-DD")
        import datetime  # only for a date: most runtime.txt files have none

        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise InvalidRuntime(f"the date {date!r} is not a real date") from None
    return Runtime(name=name, version=version, date=date)


#: What a bare major version means (repo2docker's ``major_pythons``).
MAJOR_PYTHONS = {"2": "2.7", "3": DEFAULT_PYTHON}


def python_from_runtime(rt: Runtime) -> tuple[str | None, str]:
    """The Python a ``python-…`` runtime selects and how: (version, kind).

    kind is ``default`` (no version, or a bare major like ``python-3``), ``minor`` (X.Y),
    ``patch`` (X.Y.Z: Binder rejects it, conda can pin it) or ``invalid`` (not a version
    Binder can use; version is then None).
    """
    if rt.version is None:
        return None, "default"
    if not _PY_VERSION_RE.fullmatch(rt.version):
        return None, "invalid"
    parts = rt.version.split(".")
    if len(parts) == 1:
        mapped = MAJOR_PYTHONS.get(parts[0])
        return (mapped, "default") if mapped else (None, "invalid")
    if len(parts) == 2:
        return rt.version, "minor"
    return rt.version, "patch"

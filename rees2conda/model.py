"""The data every stage shares: findings, file records, the normalised environment spec, the report.

Reading (``rees2conda.rees``) produces these; locking and building consume them; printing happens
only at the edge (``rees2conda.output``). Records (``rees2conda.record``), not dataclasses, keep the
``check`` path import-light.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Literal

from rees2conda.record import field, record

FileStatus = Literal["used", "ignored", "rejected"]

#: Binder's default Python when nothing pins one (repo2docker 2025.12).
DEFAULT_PYTHON = "3.10"


class Severity(str, Enum):
    """How bad a finding is: ``error`` = conda cannot satisfy the repository as Binder builds it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record(frozen=True)
class Origin:
    """Where an item came from: a repository-relative path with ``/`` and a 1-based line."""

    path: str
    line: int | None = None
    column: int | None = None


@record(frozen=True)
class Finding:
    """One diagnostic with a stable code (see ``rees2conda.codes``)."""

    code: str
    severity: Severity
    message: str
    hint: str = ""
    path: str | None = None
    line: int | None = None
    column: int | None = None
    #: machine-readable details of some codes (e.g. the conda specs an apt package maps to);
    #: in JSON only when present, so older readers see the same diagnostics as before
    data: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }
        if self.data is not None:
            out["data"] = self.data
        return out


@record(frozen=True)
class FileRecord:
    """A REES-relevant file and what Binder does with it."""

    path: str
    status: FileStatus
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@record(frozen=True)
class CondaDep:
    """A conda match spec as written, with its origin and what the reader parsed from it.

    Made only by :func:`rees2conda.rees.condaspec.parse_dep` (or ``conda_dep``), which parses
    ``spec`` once as ``lock`` does: ``name`` is the lower-cased package name, ``channel`` the
    channel the spec names itself as written (``conda-forge::numpy``,
    ``numpy[channel=conda-forge]``; a trailing subdir dropped), else None. Later stages use
    these instead of parsing ``spec`` again.
    """

    spec: str
    origin: Origin
    name: str
    channel: str | None = None


PipKind = Literal["requirement", "url", "vcs", "editable", "path", "option"]


@record(frozen=True)
class PipLine:
    """One pip requirement line after ``-r`` expansion and continuation joining, comments removed.

    ``base`` is the repository-relative folder that relative paths in ``line`` are resolved
    against (the including file's folder for ``-r``/``-c``; the repository root for ``-e .`` in
    requirements.txt, as pip runs there; the environment file's folder for environment.yml).
    ``kind`` says how the lock must treat it: ``requirement`` (name + specifier/markers/extras),
    ``url`` (``name @ https://...`` or a bare archive URL), ``vcs`` (``git+...``), ``editable``
    (``-e ...``), ``path`` (a local directory or archive), ``option`` (``--index-url`` and
    friends, ``--pre``, ``-c constraints`` lines).

    What the reader parsed, so that later stages do not parse ``line`` again: ``name``, a
    ``requirement`` line's distribution name as written; ``option`` and ``value``, an ``option``
    line that is one option: its name as pip reads it (``-c``, ``-r``, ``-i``,
    ``--extra-index-url``, ``--pre``) and its value (None for a flag). For a local package
    (``path``/``editable`` inside the repository): ``local``, its repository-relative path;
    ``local_files``, its metadata files (``setup.py``, ``setup.cfg``, ``pyproject.toml``); and
    ``digest``, their sha256, which decide its dependencies and so enter the content hash.
    """

    line: str
    origin: Origin
    kind: PipKind = "requirement"
    base: str = "."
    name: str | None = None
    option: str | None = None
    value: str | None = None
    local: str | None = None
    local_files: tuple[str, ...] = ()
    digest: str | None = None


@record
class EnvSpec:
    """The conda-satisfiable environment a repository asks for, normalised.

    ``channels`` excludes ``nodefaults``; ``nodefaults`` records whether it was given. ``conda``
    includes the ``python`` pin (as ``python=X.Y`` or the user's own spec). ``python`` is the
    version the environment is pinned to (``"3.10"``, ``"3.11.4"``).
    """

    python: str = DEFAULT_PYTHON
    python_origin: Origin | None = None
    channels: list[str] = field(default_factory=lambda: ["conda-forge"])
    nodefaults: bool = False
    conda: list[CondaDep] = field(default_factory=list)
    pip: list[PipLine] = field(default_factory=list)
    #: with ``--apt conda``: apt.txt package -> its conda specs (comma-separated), or
    #: ``not-needed``/``host``; the specs themselves are in ``conda``
    apt: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "python": self.python,
            "channels": list(self.channels),
            "conda": [d.spec for d in self.conda],
            "pip": [p.line for p in self.pip],
        }
        if self.apt:
            out["apt"] = dict(self.apt)
        return out

    def content_hash(self, extra: dict[str, Any] | None = None) -> str:
        """sha256 of what determines the solve (not where items came from).

        ``extra`` lets the locker add what it decides (platform, added packages) to the hash.
        """
        payload = {
            "python": self.python,
            "channels": self.channels,
            "nodefaults": self.nodefaults,
            "conda": [d.spec for d in self.conda],
            # a local package's metadata digest only where there is one: other locks keep
            # their hash
            "pip": [[p.kind, p.base, p.line, *([p.digest] if p.digest else [])] for p in self.pip],
            "extra": extra or {},
        }
        if self.apt:  # only then: locks of repositories without apt.txt keep their hash
            payload["apt"] = self.apt
        import hashlib  # here: ``check`` never hashes, and hashlib costs ~2 ms to import

        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


@record
class Report:
    """What ``check`` returns: the files, the findings and, when readable, the spec."""

    path: str
    config_dir: str = "."
    #: the Binder build that decides (``rees.routes``, docs/binder-rules.md §2): ``legacy``,
    #: ``docker``, ``julia``, ``julia-require``, ``nix``, ``r``, ``conda``, ``pipfile``,
    #: ``python``, ``default``; None when Binder fails before choosing one (both binder folders)
    route: str | None = None
    files: list[FileRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    spec: EnvSpec | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """True when conda can satisfy the repository as Binder would build it."""
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "config_dir": self.config_dir,
            "route": self.route,
            "ok": self.ok,
            "files": [f.to_json() for f in self.files],
            "diagnostics": [f.to_json() for f in self.findings],
            "spec": self.spec.to_json() if self.spec is not None else None,
        }

"""What ``build`` did, as data: the library returns it, the CLI prints it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any


@dataclass
class BuildResult:
    """What ``build`` did; ``to_json`` is the ``--json`` summary."""

    action: str  # "created" | "updated" | "unchanged"
    name: str
    prefix: str
    source: str
    kernel_name: str | None = None
    display_name: str | None = None
    kernel_dir: str | None = None
    lockfile: str | None = None
    lock_source: str | None = None  # "repository" | "resolved" | "given" | "frozen"
    platform: str | None = None
    conda_packages: int = 0
    pip_packages: int = 0
    notebooks_changed: list[str] = field(default_factory=list)
    notebooks_broken: list[tuple[str, str]] = field(default_factory=list)
    #: trusted scripts applied (path -> sha256); present scripts not run for lack of trust
    scripts: dict[str, str] = field(default_factory=dict)
    scripts_skipped: list[str] = field(default_factory=list)
    #: notebooks of a language the env has no kernel for (left byte for byte)
    notebooks_skipped: list[tuple[str, str]] = field(default_factory=list)
    #: every kernel registered: name, display_name, language, dir
    kernels: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["packages"] = {"conda": self.conda_packages, "pip": self.pip_packages}
        data["notebooks_broken"] = [{"path": p, "reason": r} for p, r in self.notebooks_broken]
        data["notebooks_skipped"] = [{"path": p, "reason": r} for p, r in self.notebooks_skipped]
        return data

    def take_notebooks(self, res: Any) -> None:
        """Copy a ``RetargetResult`` in (None: nothing was done)."""
        if res is not None:
            self.notebooks_changed = list(res.changed)
            self.notebooks_broken = list(res.broken)
            self.notebooks_skipped = list(res.skipped)

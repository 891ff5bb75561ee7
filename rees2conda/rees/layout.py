"""Where Binder reads REES files from: ``binder/``, ``.binder/`` or the root (binder-rules §1).

If either folder exists, every REES file is read only from there, even when it is empty. Both
folders at once make Binder fail. ``setup.py``, ``pyproject.toml`` and ``DESCRIPTION`` count only
at the root and only without a binder folder.
"""

from __future__ import annotations

import os

from rees2conda import codes
from rees2conda.model import Finding
from rees2conda.record import field, record
from rees2conda.rees.textfile import Repo

#: Files Binder looks for in the configuration folder, in order of precedence.
REES_NAMES: tuple[str, ...] = (
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
)

#: Files that count only at the repository root, and only without a binder folder.
ROOT_ONLY: tuple[str, ...] = ("setup.py", "pyproject.toml", "DESCRIPTION")


@record
class Layout:
    """The configuration folder and the REES files present."""

    config_dir: str = "."
    both: bool = False
    #: REES_NAMES present in the configuration folder (and ROOT_ONLY when it is the root)
    present: list[str] = field(default_factory=list)
    #: files at the root shadowed by the binder folder (repository-relative)
    shadowed: list[str] = field(default_factory=list)
    #: files of the other folder when both exist
    other: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def rel(self, name: str) -> str:
        """Repository-relative path of ``name`` in the configuration folder."""
        return name if self.config_dir == "." else f"{self.config_dir}/{name}"

    def has(self, name: str) -> bool:
        return name in self.present


def _folder(repo: Repo, name: str, findings: list[Finding]) -> bool:
    path = repo.abspath(name)
    if not repo.lexists(name):
        return False
    if not repo.inside(name):
        target = os.readlink(path) if os.path.islink(path) else "?"
        findings.append(
            codes.finding(
                "R2C203",
                f"{name} is a symlink to {target}, outside the repository; it was not read",
                path=name,
            )
        )
        return False
    return os.path.isdir(path)


def _names_in(repo: Repo, folder: str, names: tuple[str, ...]) -> list[str]:
    prefix = "" if folder == "." else folder + "/"
    return [n for n in names if repo.lexists(prefix + n)]


def _unreadable(repo: Repo, name: str, findings: list[Finding]) -> None:
    """Report a folder Binder needs that cannot be listed or searched (it is not empty)."""
    if os.access(repo.seen(name), os.R_OK | os.X_OK):
        return
    what = "the repository folder" if name == "." else f"{name}/"
    findings.append(
        codes.finding(
            "R2C115",
            f"{what} cannot be read (no read or search permission): its files cannot be "
            "checked, and Binder would fail copying it",
            path=None if name == "." else name,
        )
    )


def find_layout(repo: Repo) -> Layout:
    """Decide the configuration folder and list the REES files Binder would look at."""
    layout = Layout()
    _unreadable(repo, ".", layout.findings)
    has_binder = _folder(repo, "binder", layout.findings)
    has_dot = _folder(repo, ".binder", layout.findings)
    for name, present in (("binder", has_binder), (".binder", has_dot)):
        if present:
            _unreadable(repo, name, layout.findings)
    if has_binder and has_dot:
        layout.both = True
        layout.config_dir = ".binder"  # what repo2docker would prefer, were it not an error
        layout.findings.append(
            codes.finding(
                "R2C107", "both binder/ and .binder/ exist; Binder refuses to build", path=".binder"
            )
        )
        layout.other = [f"binder/{n}" for n in _names_in(repo, "binder", REES_NAMES)]
    elif has_dot:
        layout.config_dir = ".binder"
    elif has_binder:
        layout.config_dir = "binder"
    if layout.config_dir == ".":
        layout.present = _names_in(repo, ".", REES_NAMES + ROOT_ONLY)
    else:
        layout.present = _names_in(repo, layout.config_dir, REES_NAMES)
        layout.shadowed = _names_in(repo, ".", REES_NAMES + ROOT_ONLY)
    return layout

"""Differential test: ``rees2conda check`` reads repositories the way repo2docker (Binder) does.

repo2docker's buildpacks decide everything we claim to mirror without Docker: each class has a
``detect()``, and ``render()`` turns the chosen one into a Dockerfile, raising where Binder's build
fails before any package is installed. So for every fixture repository, and for small repositories
hypothesis combines from REES files, we run repo2docker's own decision (its buildpack order, in the
repository as working directory, network refused) and compare it with our Report:

- which buildpack decides (Dockerfile, Julia, Nix, R, conda, Pipfile, Python, the default): our
  ``Report.route`` against the buildpack repo2docker's own loop picks, by name; or why Binder fails;
- the configuration folder, the environment file used, the files Binder uses;
- the Python version.

Where rees2conda deliberately differs (docs/binder-rules.md), the difference is spelled out as a
numbered "Known difference" in the comparison below and asserted, not skipped. The module is skipped
when repo2docker is not installed (CI installs ``jupyter-repo2docker``; no Docker daemon is needed).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rees_helpers import REPOS, write_repo

from rees2conda.model import DEFAULT_PYTHON, Report, Severity
from rees2conda.rees import python as py
from rees2conda.rees.reader import read_repository
from rees2conda.rees.routes import BUILDPACKS, ROUTES

buildpacks = pytest.importorskip(
    "repo2docker.buildpacks", reason="jupyter-repo2docker is not installed"
)
from repo2docker.app import Repo2Docker  # noqa: E402  (after the skip)

#: repo2docker's own order of buildpacks and its fallback, read from its configuration.
ORDER = Repo2Docker.class_traits()["buildpacks"].default()
DEFAULT = Repo2Docker.class_traits()["default_buildpack"].default()

#: repo2docker's buildpack class -> our route name (``Report.route``, docs/binder-rules.md §2)
_KIND = BUILDPACKS

#: Our error codes, by the Binder failure they stand for (Binder fails before installing anything).
FAILURE_CODES: dict[str, set[str]] = {
    "both-binder": {"R2C107"},
    "legacy-dockerfile": {"R2C110"},
    "runtime": {"R2C301"},
    "python-malformed": {"R2C407"},
    "pyproject": {"R2C604"},
    "requires-python": {"R2C606"},
    "yaml": {"R2C401", "R2C406"},
    "env-shape": {"R2C402"},
    "encoding": {"R2C204"},
    "unreadable": {"R2C201", "R2C202", "R2C203"},
    "apt": {"R2C106", "R2C114"},
}
#: Errors for what conda cannot build although Binder can (the whole point of ``check``).
CONDA_CANNOT = {"R2C101", "R2C102", "R2C103", "R2C104", "R2C105", "R2C106", "R2C113"}
#: Errors Binder only meets later, when pip or micromamba installs: render() cannot see them.
AT_INSTALL = {
    "R2C201",
    "R2C202",
    "R2C203",
    "R2C204",
    "R2C205",
    "R2C206",
    "R2C207",
    "R2C208",
    "R2C402",
    "R2C407",
    "R2C501",
    "R2C502",
    # pip refuses a package whose requires-python excludes the Python Binder chose without
    # reading it (a non-python runtime.txt), or an invalid pyproject.toml next to setup.py
    "R2C604",
    "R2C606",
}


# --- repo2docker's side ---------------------------------------------------------------------------
@dataclass
class Outcome:
    """What one reader (repo2docker or rees2conda) decides about one repository."""

    kind: str | None  # the deciding route's name; None when Binder fails before picking one
    failure: str | None = None  # why Binder fails before installing (category), else None
    detail: str = ""
    config_dir: str | None = None
    python: str | None = None
    env_file: str | None = None
    used: frozenset[str] = field(default_factory=frozenset)


@contextlib.contextmanager
def _inside(path: Path) -> Iterator[None]:
    """repo2docker reads relative paths: run it in the repository, quiet, with no network."""
    old_cwd = os.getcwd()
    logger = logging.getLogger("repo2docker")
    old_level = logger.level
    old_connect = socket.socket.connect

    def refuse(self: socket.socket, *args: object) -> None:
        raise OSError("network refused in the differential test")

    os.chdir(path)
    logger.setLevel(logging.CRITICAL)
    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = old_connect  # type: ignore[method-assign]
        logger.setLevel(old_level)
        os.chdir(old_cwd)


def _category(exc: BaseException) -> str:
    """Map a repo2docker exception to the failure category our codes are grouped by."""
    text = str(exc)
    name = type(exc).__name__
    if "both a 'binder' and a '.binder'" in text:
        return "both-binder"
    if "legacy buildpack" in text:
        return "legacy-dockerfile"
    if (
        "runtime.txt version not supported by pyproject" in text
        or "compatible with pyproject" in text
    ):
        return "requires-python"
    if "must always be specified as 'x.y'" in text:
        return "python-patch"
    if "on linux-64 is not supported" in text:
        return "python-unsupported"
    if "should contain a dictionary" in text or "is not iterable" in text:
        return "env-shape"
    if name in ("TOMLDecodeError", "InvalidSpecifier"):
        return "pyproject"
    if "invalid package name" in text and "apt.txt" in text:
        return "apt"
    if isinstance(exc, UnicodeDecodeError):
        return "encoding"
    if isinstance(exc, OSError):
        return "unreadable"
    if "yaml" in type(exc).__module__:
        return "yaml"
    if isinstance(exc, KeyError):  # repo2docker's major_pythons has only "2" and "3"
        return "python-major"
    if "is not valid SemVer" in text:  # `python=3.` or `python=.3` in environment.yml
        return "python-malformed"
    if name == "InvalidVersion" or "runtime.txt" in text or "month" in text or "day" in text:
        return "runtime"  # grammar, date, a version packaging cannot parse
    raise AssertionError(f"unexpected repo2docker failure {name}: {text}") from exc


def _base_used(bp: object, binder: str) -> set[str]:
    used = set()
    for name in ("apt.txt", "postBuild", "start"):
        if os.path.exists(os.path.join(binder, name)):
            used.add(name)
    return used


def _python_used(bp: object, binder: str) -> set[str]:
    """Files the Python buildpack (and the Julia/R ones built on it) installs from."""
    used = set()
    name = bp.runtime[0]  # type: ignore[attr-defined]
    if name == "python":
        used.add("runtime.txt")
    if os.path.exists(os.path.join(binder, "requirements.txt")):
        used.add("requirements.txt")
    if bp.separate_kernel_env and os.path.exists(  # type: ignore[attr-defined]
        os.path.join(binder, "requirements3.txt")
    ):
        used.add("requirements3.txt")
    if bp._is_python_package():  # type: ignore[attr-defined]
        if os.path.exists("setup.py"):
            used.add("setup.py")
        if os.path.exists("pyproject.toml"):
            import tomllib

            data = tomllib.loads(Path("pyproject.toml").read_text())
            if "project" in data and "build-system" in data:
                used.add("pyproject.toml")
    return used


def _pip_includes(env: object, folder: str) -> set[str]:
    """Top-level files micromamba's pip reads through `-r file` in environment.yml's pip list."""
    found = set()
    for dep in env.get("dependencies") or []:  # type: ignore[attr-defined]
        if isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            for line in dep["pip"]:
                parts = str(line).split()
                include = len(parts) == 2 and parts[0] in ("-r", "--requirement")
                if include and os.path.isfile(os.path.join(folder, parts[1])):
                    found.add(os.path.normpath(parts[1]))
    return found


def binder_outcome(path: Path) -> Outcome:
    """repo2docker's decision for the repository at ``path`` (its detect loop + render)."""
    with _inside(path):
        picked = None
        default = False
        try:
            for bp_class in ORDER:
                bp = bp_class(base_image="docker.io/library/buildpack-deps:24.04")
                if bp.detect():
                    picked = bp
                    break
            else:
                picked = DEFAULT(base_image="docker.io/library/buildpack-deps:24.04")
                default = True
        except Exception as exc:
            return Outcome(kind=None, failure=_category(exc), detail=f"{type(exc).__name__}: {exc}")
        kind = "default" if default else _KIND[type(picked).__name__]
        binder = picked.binder_dir
        out = Outcome(kind=kind, config_dir=binder or ".")
        rel = (lambda n: f"{binder}/{n}") if binder else (lambda n: n)
        try:
            picked.platform = "linux/amd64"
            if kind == "docker":
                used = {"Dockerfile"}
            elif kind in ("conda", "python", "default", "pipfile"):
                out.python = picked.python_version
                picked.render()  # raises where Binder's build fails before installing
                used = _base_used(picked, binder)
                if kind == "conda":
                    out.env_file = os.path.relpath(picked.environment_yaml_path)
                    used.add(os.path.basename(out.env_file))
                    used |= _pip_includes(picked.environment_yaml, binder)
                elif kind in ("python", "default"):
                    used |= _python_used(picked, binder)
                else:
                    used |= {n for n in ("Pipfile", "Pipfile.lock") if os.path.exists(rel(n))}
                    if picked.separate_kernel_env and os.path.exists(rel("requirements3.txt")):
                        used.add("requirements3.txt")
            elif kind == "nix":
                used = {"default.nix"} | _base_used(picked, binder)
            elif kind in ("julia", "r"):
                # rendering these needs the network (Julia versions, CRAN snapshots); the files
                # they use come from the buildpacks they extend (Python, and through it conda)
                used = _base_used(picked, binder) | _python_used(picked, binder)
                if picked.environment_yaml_path:
                    used.add(os.path.basename(picked.environment_yaml_path))
                if kind == "julia":
                    used.add("Project.toml")
                else:
                    if picked.runtime[0] == "r":
                        used.add("runtime.txt")
                    used |= {n for n in ("install.R",) if os.path.exists(rel(n))}
                    if not binder and os.path.exists("DESCRIPTION"):
                        used.add("DESCRIPTION")
            else:  # julia-require: detected only to fail
                used = {"REQUIRE"}
        except Exception as exc:
            out.failure = _category(exc)
            out.detail = f"{type(exc).__name__}: {exc}"
            return out
        out.used = frozenset(n if n in _ROOT_ONLY else rel(n) for n in used)
        return out


# --- our side -------------------------------------------------------------------------------------
_ROOT_ONLY = ("setup.py", "pyproject.toml", "DESCRIPTION")


def our_outcome(report: Report) -> Outcome:
    errors = {f.code for f in report.findings if f.severity is Severity.ERROR}
    failures = [cat for cat, codes in FAILURE_CODES.items() if errors & codes]
    kind = report.route
    env = next(
        (
            f.path
            for f in report.files
            if f.status in ("used", "rejected")
            and os.path.basename(f.path) in ("environment.yml", "environment.yaml")
        ),
        None,
    )
    return Outcome(
        kind=kind,
        failure=",".join(failures) or None,
        config_dir=report.config_dir,
        python=report.spec.python if report.spec else None,
        env_file=env if kind == "conda" else None,
        used=frozenset(f.path for f in report.files if f.status in ("used", "rejected")),
    )


# --- the comparison -------------------------------------------------------------------------------
def _python_agrees(binder: Outcome, ours: Outcome, report: Report) -> None:
    assert ours.python is not None, report.to_json()
    if ours.python == binder.python:
        return
    codes = {f.code for f in report.findings}
    # Known difference 1 (binder-rules §4): `python=3.11.4` in environment.yml. repo2docker
    # builds its 3.11 base environment, then `micromamba env update` installs exactly 3.11.4; our
    # spec describes the environment after that update, so it pins the patch version.
    if binder.kind == "conda" and ours.python.startswith(f"{binder.python}."):
        return
    # Known difference 2 (binder-rules §4): a constraint that is not a pin (`python>=3.12`) and
    # excludes Binder's default. repo2docker starts from its default base and the solver then moves
    # Python; we pin the highest Binder Python the constraint allows (the solver's choice) and warn.
    if binder.kind == "conda" and binder.python == DEFAULT_PYTHON and "R2C601" in codes:
        assert ours.python in py.BINDER_PYTHONS, ours.python
        return
    raise AssertionError(f"Python: Binder {binder.python}, rees2conda {ours.python}")


def _used_agrees(binder: Outcome, ours: Outcome, report: Report) -> None:
    # Files reached through `-r`/`-c` are used by pip for Binder as well; repo2docker only names the
    # top-level ones, so compare the REES files themselves.
    top = {
        f.path
        for f in report.files
        if os.path.basename(f.path) in _REES_BASENAMES
        and os.path.dirname(f.path) in ("", "binder", ".binder")
    }
    expected = set(binder.used)
    r3 = next((p for p in expected if os.path.basename(p) == "requirements3.txt"), None)
    if r3 is not None and any(f.code == "R2C704" for f in report.findings):
        # Known difference 5 (binder-rules §3, python-2): with a Python older than 3.7 Binder
        # installs requirements3.txt into the notebook-server environment beside the kernel;
        # rees2conda builds only the kernel environment and says so (R2C704).
        expected.discard(r3)
    assert ours.used & top == expected, (
        f"files used: Binder {sorted(expected)}, rees2conda {sorted(ours.used & top)}"
    )


_REES_BASENAMES = {
    "Dockerfile",
    "default.nix",
    "Project.toml",
    "DESCRIPTION",
    "install.R",
    "environment.yml",
    "environment.yaml",
    "Pipfile",
    "Pipfile.lock",
    "requirements.txt",
    "requirements3.txt",
    "runtime.txt",
    "apt.txt",
    "postBuild",
    "start",
    "setup.py",
    "pyproject.toml",
}


def assert_agrees(path: Path) -> None:
    """rees2conda's reading of ``path`` agrees with repo2docker's, up to the known differences."""
    report = read_repository(path)
    binder = binder_outcome(path)
    ours = our_outcome(report)
    context = f"\nBinder: {binder}\nours:   {ours}\nreport: {report.to_json()}"
    errors = {f.code for f in report.findings if f.severity is Severity.ERROR}
    codes = {f.code for f in report.findings}
    assert "R2C001" not in codes, context  # the reader itself must never fail
    if binder.kind is not None:  # repo2docker picked a buildpack, whatever happens next
        assert ours.kind == binder.kind, (
            f"buildpack: Binder {binder.kind}, rees2conda {ours.kind}" + context
        )
    elif binder.failure == "legacy-dockerfile":  # its detect() raises: the route that decides
        assert ours.kind == "legacy", context
    elif binder.failure == "both-binder":  # Binder fails before choosing any buildpack
        assert ours.kind is None, context

    if binder.failure == "python-patch":
        # Known difference 3 (binder-rules §3): runtime.txt `python-X.Y.Z` fails on Binder; conda
        # can pin it, so rees2conda warns (R2C303) and pins the exact version.
        assert "R2C303" in codes, context
        assert ours.python == binder.python, context
        return
    if binder.failure == "python-unsupported":
        # Known difference 4: a Python without a Binder base environment (3.4, 3.15) fails on
        # Binder; conda may have it, so rees2conda warns (R2C305) and pins it.
        assert "R2C305" in codes and ours.python == binder.python, context
        return
    if binder.failure == "python-major":
        # `python=4` in environment.yml: Binder fails (it maps only 2 and 3); rees2conda warns the
        # same way (R2C305) and asks conda for it as written. runtime.txt `python-4` is invalid.
        assert codes & {"R2C305", "R2C301"}, context
        return
    if binder.failure is not None:
        expected = FAILURE_CODES[binder.failure]
        assert errors & expected, (
            f"Binder fails ({binder.detail}); expected one of {expected}" + context
        )
        return

    assert ours.config_dir == binder.config_dir, context
    unexplained = errors - CONDA_CANNOT - AT_INSTALL
    assert not unexplained, f"errors where Binder's build passes: {unexplained}" + context
    if binder.kind == "conda":
        assert ours.env_file == binder.env_file, context
    if binder.kind in ("conda", "python", "default") and report.spec is not None:
        try:
            _python_agrees(binder, ours, report)
        except AssertionError as exc:
            raise AssertionError(str(exc) + context) from None
    if binder.kind != "julia-require":  # Binder refuses it: nothing is used
        try:
            _used_agrees(binder, ours, report)
        except AssertionError as exc:
            raise AssertionError(str(exc) + context) from None


def test_routes_are_repo2dockers_buildpack_order() -> None:
    """Our ordered routes are repo2docker's buildpacks in its order, then its default (the
    unnamed route, both binder folders, is the failure repo2docker meets before any buildpack)."""
    ours = [route.name for route in ROUTES if route.name is not None]
    assert ours == [_KIND[bp.__name__] for bp in ORDER] + ["default"]


def test_buildpack_order_is_the_one_rees_md_describes() -> None:
    """binder-rules §2's precedence is repo2docker's buildpack order; a release must not move it."""
    assert [_KIND[bp.__name__] for bp in ORDER] == [
        "legacy",
        "docker",
        "julia",
        "julia-require",
        "nix",
        "r",
        "conda",
        "pipfile",
        "python",
    ]
    assert _KIND[DEFAULT.__name__] == "python"


# --- every fixture repository ---------------------------------------------------------------------
FIXTURES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_agrees_with_repo2docker(name: str) -> None:
    assert_agrees(REPOS / name)


# --- generated repositories -----------------------------------------------------------------------
ENVIRONMENTS = [
    "dependencies:\n  - python=3.11\n  - numpy\n",
    "dependencies:\n  - python=3.11.4\n",
    "dependencies:\n  - python==3.9.*\n",
    "dependencies:\n  - python=3\n",
    "dependencies:\n  - python=2.7\n",
    "dependencies:\n  - python=3.6\n",
    "dependencies:\n  - python=3.4\n",
    "dependencies:\n  - python=3.15\n",
    "dependencies:\n  - python=4\n",
    "dependencies:\n  - python=3.\n",
    "dependencies:\n  - python>=3.12\n",
    "dependencies:\n  - python >=3.9\n",
    "dependencies:\n  - python 3.12\n",
    "dependencies:\n  - numpy\n  - python=3.12\n",
    "dependencies:\n  - numpy\n",
    "channels: [conda-forge]\ndependencies:\n  - pip\n  - pip:\n    - -r requirements.txt\n",
    "",
    "- numpy\n",
    "dependencies: [python=3.11\n",
    "dependencies:\n",
    "\ufeffdependencies:\n  - python=3.12\n",
    "name: x\nprefix: /opt/x\ndependencies:\n  - conda-forge::python=3.8\n  - python=3.9\n",
]
RUNTIMES = [
    "python-3.11",
    "python-3.9-2023-01-01",
    "python-3",
    "python-2",
    "python-2.7",
    "python-3.7",
    "python-3.6",
    "python-3.5",
    "python-3.11.4",
    "python-3.x",
    "python-3.4",
    "python-3.15",
    "python-4",
    "r-2023-01-01",
    "r-4.3-2023-01-01",
    "r-4.3",
    "julia-1.9",
    "Python-3.12",
    "python3.11",
    "",
    "python-3.11-2023-02-30",
    " python-3.10 \n\n",
    "python-3.11-2023-01-01-x",
    "python-3.11\u00e9",
]
PYPROJECTS = [
    '[project]\nname = "p"\nrequires-python = ">=3.12"\n'
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    '[project]\nname = "p"\nrequires-python = ">=3.8"\n'
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    '[project]\nname = "p"\n'
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    '[project]\nname = "p"\nrequires-python = "<3.8"\n'
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    '[project]\nname = "p"\nrequires-python = ">=3.11"\n',
    "[tool.black]\nline-length = 100\n",
    "[project\n",
]
#: Files Binder looks for in the configuration folder, with the contents to combine.
FOLDER_FILES: dict[str, list[str]] = {
    "environment.yml": ENVIRONMENTS,
    "environment.yaml": ENVIRONMENTS[:3] + ENVIRONMENTS[-4:],
    "runtime.txt": RUNTIMES,
    "requirements.txt": ["numpy\n", "# nothing\n", "-e .\n", "-r missing.txt\n", "numpy==\n"],
    "requirements3.txt": ["notebook\n"],
    "Pipfile": [
        '[packages]\nrequests = "*"\n',
        '[packages]\nrequests = "*"\n[requires]\npython_version = "2.7"\n',
    ],
    "Pipfile.lock": [
        '{"_meta": {"requires": {"python_version": "3.9"}}, "default": {}}\n',
        '{"_meta": {"requires": {"python_full_version": "2.7.18"}}, "default": {}}\n',
    ],
    "Dockerfile": ["FROM python:3.11\n"],
    "default.nix": ["{ pkgs ? import <nixpkgs> {} }: pkgs.mkShell {}\n"],
    "Project.toml": ['[deps]\nExample = "7876af07-990d-54b4-ab0e-23690620f79a"\n'],
    "REQUIRE": ["julia 0.7\n"],
    "apt.txt": ["curl\n", "Curl\n"],
    "postBuild": ["#!/bin/bash\necho hi\n"],
    "start": ['#!/bin/bash\nexec "$@"\n'],
    "install.R": ['install.packages("ggplot2")\n'],
}
#: Files that count only at the repository root.
ROOT_FILES: dict[str, list[str]] = {
    "setup.py": ["from setuptools import setup\nsetup(name='p')\n"],
    "pyproject.toml": PYPROJECTS,
    "DESCRIPTION": ["Package: p\nVersion: 0.1\n"],
}
#: How likely each file is, so that the interesting combinations stay frequent.
_RARE = {"Dockerfile", "default.nix", "Project.toml", "REQUIRE", "DESCRIPTION", "Pipfile.lock"}


@st.composite
def repositories(draw: st.DrawFn) -> dict[str, str]:
    """A small repository: a configuration folder (or none), REES files in it and at the root."""
    folder = draw(
        st.sampled_from([".", ".", ".", ".", ".", "binder", "binder", ".binder"] * 2 + ["both"])
    )
    files: dict[str, str] = {}

    def pick(names: dict[str, list[str]], prefix: str) -> None:
        for name, variants in names.items():
            chance = 12 if name in _RARE else 3
            if draw(st.integers(0, chance - 1)) == chance - 1:  # shrinks towards "absent"
                files[prefix + name] = draw(st.sampled_from(variants))

    if folder == "both":
        files["binder/.keep"] = ""
        files[".binder/.keep"] = ""
        pick(FOLDER_FILES, ".binder/")
    elif folder != ".":
        files[f"{folder}/.keep"] = ""  # the folder exists even when empty
        pick(FOLDER_FILES, f"{folder}/")
    pick(FOLDER_FILES, "")
    pick(ROOT_FILES, "")
    if draw(st.integers(0, 19)) == 19:
        files["Dockerfile"] = "# Binder\nFROM andrewosh/binder-base\n"
    return files


def _combinations() -> list[dict[str, str | bytes]]:
    """Every variant of each file, alone and against the files it interacts with."""
    combos: list[dict[str, str | bytes]] = []
    for env in ENVIRONMENTS:
        combos.append({"environment.yml": env})
        combos.append(
            {"binder/environment.yaml": env, "environment.yml": "dependencies: [python=3.9]\n"}
        )
        combos.append(
            {"environment.yml": env, "runtime.txt": "python-3.12", "requirements.txt": "x\n"}
        )
    for runtime in RUNTIMES:
        combos.append({"runtime.txt": runtime})
        combos.append({"binder/runtime.txt": runtime, "binder/requirements3.txt": "x\n"})
        for pyproject in PYPROJECTS:
            combos.append({"runtime.txt": runtime, "pyproject.toml": pyproject})
        for other in ("Pipfile", "environment.yml", "DESCRIPTION", "Project.toml", "install.R"):
            variants = FOLDER_FILES.get(other) or ROOT_FILES[other]
            combos.append({"runtime.txt": runtime, other: variants[0], "requirements.txt": "x\n"})
    for pyproject in PYPROJECTS:
        combos.append({"pyproject.toml": pyproject})
        combos.append({"pyproject.toml": pyproject, "setup.py": ROOT_FILES["setup.py"][0]})
        combos.append({"pyproject.toml": pyproject, "environment.yml": ENVIRONMENTS[0]})
        combos.append({"pyproject.toml": pyproject, "binder/requirements.txt": "x\n"})
    for name, variants in FOLDER_FILES.items():
        for where in ("", "binder/", ".binder/"):
            combos.append({where + name: variants[0], "setup.py": ROOT_FILES["setup.py"][0]})
    for name in ("environment.yml", "runtime.txt", "requirements.txt", "apt.txt", "binder"):
        combos.append({f"{name}/x": "", "setup.py": ROOT_FILES["setup.py"][0]})  # a directory
    for name, text in (("runtime.txt", b"python-3.11\xe9"), ("environment.yml", b"# \xe9\n")):
        combos.append({name: text})  # not UTF-8
    legacy = "# Binder\nFROM andrewosh/binder-base\n"
    combos.append({"Dockerfile": legacy, "binder/requirements.txt": "x\n"})
    combos.append({"Dockerfile": "FROM ubuntu  # not andrewosh/binder-base\n", "binder/x": ""})
    combos.append({"Dockerfile": legacy, "binder/x": "", ".binder/x": ""})
    return combos


COMBINATIONS = _combinations()


@pytest.mark.parametrize(
    "files",
    COMBINATIONS,
    ids=[" ".join(f"{k}={v[:14]!r}" for k, v in c.items()) for c in COMBINATIONS],
)
def test_combination_agrees_with_repo2docker(files: dict[str, str | bytes], tmp_path: Path) -> None:
    assert_agrees(write_repo(tmp_path, files))


@settings(
    max_examples=250,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(repositories())
def test_generated_repository_agrees_with_repo2docker(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_agrees(write_repo(Path(tmp), files))

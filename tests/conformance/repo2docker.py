#!/usr/bin/env python
"""Conformance run: repo2docker's own test repositories, built by rees2conda.

repo2docker ships, in its source distribution, the repositories it tests itself with, each with
a ``verify`` script that must pass inside the image Binder builds. This script:

1. fetches ``jupyter-repo2docker==2026.4.0``'s sdist (``pip download``; cached) and finds every
   test repository with a ``verify`` script;
2. classifies each one with repo2docker's own buildpack ``detect()`` (no Docker needed):
   ``conda`` (conda-expressible: the conda or Python buildpack), ``refused`` (a buildpack conda
   cannot stand in for: Dockerfile, Nix, Julia, R, Pipfile; or an apt.txt package without a
   conda-forge equivalent for ``--apt conda``, or any apt.txt where ``--apt`` is missing) or
   ``other`` (repo2docker itself fails on it), and checks that ``rees2conda check`` agrees;
3. builds a local channel (conda-forge is out of reach) with tests/fixtures/make_channel.py,
   extended with the conda packages the repositories ask for (``--extra``: from PyPI, or
   fortran-compiler from Debian's gfortran; the others stay missing and are reported as
   "package not in the local channel") and every Python they name that make_channel can
   offer (2.7 included; a missing one, 3.5, is named as such);
4. locks and builds every conda-expressible repository (a copy; ``--trust`` where it has
   postBuild/start) and runs its ``verify`` the way Binder does: the environment first on
   PATH, ``CONDA_PREFIX`` set, the copy as working directory, through its ``start`` script if
   it has one, and Python verify scripts with the environment's python.

A verify script that checks what only Binder's image can have (its user, ``/srv`` paths, the
separate kernel/server environments, tools of the base image) is skipped, quoting the line.

Usage::

    python tests/conformance/repo2docker.py [--json out.json] [--only conda/py312 ...]

Each run works in a throwaway directory (HOME, Jupyter dirs, package cache, copies); the sdist
and the channel are cached in ``$REES2CONDA_TEST_CACHE`` (default ``~/.cache/rees2conda-tests``).
Exit status: 0 when ``check`` agrees with repo2docker everywhere, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

# run as a script, this file's folder comes first on sys.path and its name would shadow the
# repo2docker package it compares with
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
SDIST_NAME = "jupyter_repo2docker-2026.4.0"
ROOT = Path(__file__).resolve().parents[2]
MAKE_CHANNEL = ROOT / "tests" / "fixtures" / "make_channel.py"

#: repo2docker buildpack -> the check error code that refuses it by design.
REFUSED: dict[str, str] = {
    "LegacyBinderDockerBuildPack": "R2C110",
    "DockerBuildPack": "R2C101",
    "JuliaProjectTomlBuildPack": "R2C102",
    "JuliaRequireBuildPack": "R2C102",
    "NixBuildPack": "R2C103",
    "RBuildPack": "R2C104",
    "PipfileBuildPack": "R2C105",
}
BASE_IMAGE = "docker.io/library/buildpack-deps:24.04"
CONDA_BUILDPACKS = ("CondaBuildPack", "PythonBuildPack")
APT_CODE = "R2C106"  # apt.txt refused (no --apt conda here)
APT_NO_EQUIVALENT = "R2C113"  # with --apt conda: an apt package conda-forge has no equivalent of

#: Lines of a verify script (or a file it runs) that only Binder's image can satisfy, with why.
BINDER_ONLY: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\bjovyan\b|NB_USER|getuid\(\) == 1000"),
        "Binder's image user (jovyan, uid 1000)",
    ),
    (re.compile(r"/srv/conda"), "Binder's image layout under /srv/conda"),
    (
        re.compile(r"KERNEL_PYTHON_PREFIX|NB_PYTHON_PREFIX"),
        "Binder's separate kernel and notebook-server environments",
    ),
    (
        re.compile(r"micromamba|\bmamba\b|\[\"conda\", \"list\""),
        "the conda/mamba/micromamba commands of Binder's image (no conda is installed)",
    ),
    (re.compile(r"/tmp/appendix"), "a file written by repo2docker's --appendix build option"),
    (re.compile(r"REPO_DIR"), "the REPO_DIR variable of Binder's image"),
    (
        re.compile(r"jupyter (serverextension|nbextension) list.*jupyter_server_proxy"),
        "jupyter_server_proxy, which repo2docker adds to its notebook-server environment",
    ),
    (
        re.compile(r"configurable-http-proxy|shutil.which\(\"node\"\)"),
        "Node.js/npm from Binder's base image",
    ),
    (
        re.compile(r"python3 -c 'import nbgitpuller'"),
        "Binder's notebook-server environment (requirements3.txt goes there)",
    ),
]
#: Lock/build errors that mean the local channel lacks a package (not a rees2conda failure).
NOT_IN_CHANNEL = re.compile(
    r"no candidates were found|cannot solve the request because of: .*(?:does not exist|"
    r"nothing provides)|nothing provides|not found in the local channel|"
    r"is not available|No package .* found",
    re.IGNORECASE,
)


@dataclass
class Row:
    """One repository's outcome (the --json objects)."""

    repo: str
    category: str = "other"
    check: str = "skip"
    lock: str = "skip"
    build: str = "skip"
    verify: str = "skip"
    reason: str = ""
    #: what the first non-pass is due to: "refused" (by design), "binder-only" (verify checks
    #: Binder's image), "not-in-channel" (the local channel lacks a package), "failure" (real)
    cause: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def note(self, stage: str, text: str, cause: str) -> None:
        self.notes.append(f"{stage}: {text}")
        self.reason = "; ".join(self.notes)
        self.cause = self.cause or cause


# --- sdist and repositories -----------------------------------------------------------------------
def cache_dir() -> Path:
    env = os.environ.get("REES2CONDA_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "rees2conda-tests"


PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]


def fetch_sdist(cache: Path) -> Path:
    """repo2docker's unpacked sdist (downloaded once with pip, cached)."""
    tree = cache / "repo2docker" / SDIST_NAME
    if (tree / "tests").is_dir():
        return tree
    dl = cache / "repo2docker" / "sdist"
    tarball = dl / f"{SDIST_NAME}.tar.gz"
    if not tarball.is_file():
        subprocess.run(
            [*PIP_DOWNLOAD, "-d", str(dl), REPO2DOCKER],
            check=True,
        )
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache / "repo2docker"))
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
    with contextlib.suppress(OSError):  # a concurrent run won the race
        os.rename(tmp / SDIST_NAME, tree)
    shutil.rmtree(tmp, ignore_errors=True)
    return tree


def find_repos(tests: Path) -> list[str]:
    """Every test repository (relative to tests/) that has a verify script."""
    return sorted(p.parent.relative_to(tests).as_posix() for p in tests.rglob("verify"))


# --- repo2docker's side ---------------------------------------------------------------------------
@contextlib.contextmanager
def inside(path: Path) -> Iterator[None]:
    """repo2docker reads relative paths: run it in the repository, quietly."""
    old = os.getcwd()
    logger = logging.getLogger("repo2docker")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
        logger.setLevel(level)


def detect(repo: Path) -> tuple[str, str, str, str]:
    """(buildpack class name, route, binder folder, repo2docker's error) by repo2docker's own
    order; the route is ``default`` when no buildpack detected and the fallback builds."""
    from repo2docker.app import Repo2Docker

    from rees2conda.rees.routes import BUILDPACKS

    traits = Repo2Docker.class_traits()
    order = traits["buildpacks"].default()
    default = traits["default_buildpack"].default()
    with inside(repo):
        try:
            bp = next((b for b in (c(base_image=BASE_IMAGE) for c in order) if b.detect()), None)
            # a buildpack this script does not know yet shows as itself: a check disagreement
            route = (
                "default" if bp is None else BUILDPACKS.get(type(bp).__name__, type(bp).__name__)
            )
            bp = bp or default(base_image=BASE_IMAGE)
            name = type(bp).__name__
            if name in CONDA_BUILDPACKS:
                bp.platform = "linux/amd64"
                bp.render()  # raises where Binder's build fails before installing
            return name, route, bp.binder_dir or "", ""
        except Exception as exc:
            return "", "", "", f"{type(exc).__name__}: {exc}"


# --- running rees2conda ---------------------------------------------------------------------------
def rees2conda(*args: str, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "rees2conda", *args]
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 124, "", f"timed out after {timeout} s")


def first_error(text: str) -> str:
    """The line that says what went wrong (first error-looking line, else the last line),
    with the next one when it ends in a colon ("postBuild failed; its last lines:")."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, ln in enumerate(lines):
        if re.search(r"error|Error|✗|cannot|failed|not found|No such file", ln):
            if ln.endswith(":") and i + 1 < len(lines):
                ln = f"{ln} {lines[i + 1]}"
            return ln[:300]
    return lines[-1][:300] if lines else "(no output)"


def failure(proc: subprocess.CompletedProcess, offered: dict[str, str]) -> tuple[str, str]:
    """(reason, cause) of a failed lock or build."""
    text = proc.stderr + "\n" + proc.stdout
    missing = NOT_IN_CHANNEL.search(text)
    if not missing:
        return first_error(text), "failure"
    line = next(ln.strip() for ln in text.splitlines() if NOT_IN_CHANNEL.search(ln))
    python = re.search(r"for python (\d+(?:\.\d+)?)", line)
    if python:
        want = python.group(1)
        known = [v for k, v in offered.items() if k == want or k.startswith(f"{want}.")]
        if any(known):
            line += f" (make_channel cannot offer it: {next(filter(None, known))})"
        elif not known:
            line += (
                f" (no CPython {want} available to build the local channel from: pyenv, PATH "
                "and uv have none here)"
            )
    return f"package not in the local channel: {line}", "not-in-channel"


def check_json(repo: Path, env: dict[str, str], apt: list[str]) -> tuple[int, dict]:
    proc = rees2conda("check", "--format", "json", *apt, str(repo), env=env)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        return proc.returncode, {"diagnostics": [], "error": first_error(proc.stderr)}


def errors(report: dict) -> list[dict]:
    return [d for d in report.get("diagnostics", []) if d.get("severity") == "error"]


def cli_has(command: str, option: str) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", command, "--help"], capture_output=True, text=True
    )
    return option in proc.stdout


# --- the local channel ----------------------------------------------------------------------------
def load_make_channel() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_rees2conda_make_channel", MAKE_CHANNEL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def conda_names(specs: list[str]) -> set[str]:
    """Package names of conda MatchSpecs ("numpy=1.2" -> numpy), python left out."""
    names = set()
    for spec in specs:
        m = re.match(r"\s*(?:[\w.-]+::)?([A-Za-z0-9_.-]+)", spec)
        if m and m.group(1).lower() != "python":
            names.add(m.group(1).lower())
    return names


_INSTALL = re.compile(r"^\s*(?:conda|mamba|micromamba)\s+install\s+(.*)$", re.MULTILINE)


def postbuild_installs(repo: Path) -> set[str]:
    """Package names a repository's postBuild installs with ``conda``/``mamba install`` (the
    channel must offer them too: rees2conda's stand-ins install them from it)."""
    names: set[str] = set()
    for rel in ("postBuild", "binder/postBuild", ".binder/postBuild"):
        try:
            text = (repo / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for args in _INSTALL.findall(text):
            words = shlex.split(args.split("#", 1)[0])
            specs = [
                w
                for i, w in enumerate(words)
                if not w.startswith("-") and (i == 0 or words[i - 1] not in ("-c", "-n", "-p"))
            ]
            names |= conda_names(specs)
    return names


def build_channel(
    mc: ModuleType, pythons: list[str], wanted: set[str], cache: Path
) -> tuple[Path, set[str]]:
    """The local channel with `wanted` conda packages where PyPI has them.

    Returns (channel, names left out because PyPI has no such project). Cached by content.
    """
    pypi = {v: k for k, v in mc.CONDA_NAMES.items()}
    # what the default channel already makes (R over the machine's R, ipykernel, ...)
    wanted = wanted - set(getattr(mc, "R_PACKAGES", {})) - {mc.conda_name(r) for r in mc.ROOTS}
    # what make_channel makes from Debian's packages (gfortran), not from PyPI
    debian = sorted(wanted & set(getattr(mc, "DEBIAN_PACKAGES", ())))
    extra = sorted(pypi.get(n, n) for n in wanted - set(debian))
    missing: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="rees2conda-conformance-resolve-") as tmp:
        for py in pythons:
            while True:
                try:
                    mc.resolve_wheels(py, Path(tmp), tuple(extra))
                    break
                except RuntimeError as exc:
                    gone = set(
                        re.findall(r"Because (\S+) was not found in the package registry", str(exc))
                    )
                    gone |= set(re.findall(r"Because there are no versions of (\S+)", str(exc)))
                    gone = {re.split(r"[<>=!~\[]", g)[0] for g in gone} & set(extra)
                    if not gone:
                        raise
                    missing |= gone
                    extra = [e for e in extra if e not in gone]
    versions = {py: mc.find_interpreter(py).version for py in pythons}
    extra += debian
    key = hashlib.sha256(
        MAKE_CHANNEL.read_bytes() + json.dumps([versions, extra], sort_keys=True).encode()
    ).hexdigest()[:16]
    root = cache / "conformance" / f"channel-{key}"
    if not (root / "channel.json").is_file():
        root.parent.mkdir(parents=True, exist_ok=True)
        tmpdir = Path(tempfile.mkdtemp(prefix=f".building-{key}-", dir=root.parent))
        tmpdir.chmod(0o755)
        try:
            mc.build_channel(tmpdir / "conda-forge", pythons, extra)
            info = {"pythons": pythons, "versions": versions, "extra": extra}
            (tmpdir / "channel.json").write_text(json.dumps(info, indent=2))
            with contextlib.suppress(OSError):
                os.rename(tmpdir, root)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return root / "conda-forge", missing


def run_env(run: Path, channel: Path) -> dict[str, str]:
    """A throwaway HOME where the name conda-forge means the local channel."""
    home = run / "home"
    home.mkdir(parents=True, exist_ok=True)
    condarc = home / ".condarc"
    condarc.write_text(f"channel_alias: {channel.parent.as_uri()}\nchannels:\n  - conda-forge\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONDA_", "JUPYTER_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    uv_cache = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")
    env.update(
        HOME=str(home),
        CONDARC=str(condarc),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        CONDA_PKGS_DIRS=str(run / "pkgs"),
        # postBuild scripts run with --trust: global npm installs stay in the throwaway HOME
        NPM_CONFIG_PREFIX=str(home / ".npm-global"),
        NPM_CONFIG_CACHE=str(home / ".npm"),
        UV_CACHE_DIR=uv_cache,  # PyPI wheels are not re-downloaded
    )
    return env


# --- verify ---------------------------------------------------------------------------------------
def binder_only(repo: Path, binder: str, apt_option: bool) -> str:
    """Why no conda environment can pass `verify` (quoting the line), or "".

    Without `--apt conda`, a command from apt.txt counts; with it, conda-forge provides them.
    """
    files = [repo / "verify"]
    text = (repo / "verify").read_text(errors="replace")
    files += [repo / n for n in ("verify.py", "tests.py") if n in text and (repo / n).is_file()]
    apt_file = repo / binder / "apt.txt"
    apt = set(apt_file.read_text().split()) if apt_file.is_file() and not apt_option else set()
    for path in files:
        lines = path.read_text(errors="replace").splitlines()
        for no, line in enumerate(lines, 1):
            if line.lstrip().startswith("#"):
                continue  # comments; the shebang's interpreter is the environment's python
            where = f"{path.name}:{no} `{line.strip()}`"
            which = re.match(r"\s*which\s+(\S+)", line)
            if which and which.group(1) in apt:
                return f"{where} needs {which.group(1)}, a system package from apt.txt"
            for pattern, cause in BINDER_ONLY:
                if pattern.search(line):
                    return f"{where} checks {cause}"
    return ""


def interpreter(script: Path, prefix: Path) -> list[str]:
    """How to run `script`: Python scripts with the environment's python, others by shebang."""
    first = script.read_text(errors="replace").split("\n", 1)[0]
    if first.startswith("#!"):
        argv = shlex.split(first[2:])
        if any(re.fullmatch(r"python[\d.]*", Path(a).name) for a in argv):
            return [str(prefix / "bin" / "python"), str(script)]
        return [*argv, str(script)]
    return ["/bin/sh", str(script)]


def run_verify(repo: Path, binder: str, prefix: Path, env: dict[str, str]) -> tuple[bool, str]:
    cmd = interpreter(repo / "verify", prefix)
    start = repo / binder / "start"
    if start.is_file():
        cmd = interpreter(start, prefix) + cmd
    venv = {
        **env,
        "PATH": f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "CONDA_PREFIX": str(prefix),
    }
    try:
        proc = subprocess.run(cmd, cwd=repo, env=venv, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return False, "timed out after 600 s"
    if proc.returncode == 0:
        return True, ""
    return False, first_error(proc.stderr + "\n" + proc.stdout)


# --- one repository -------------------------------------------------------------------------------
def conformance(
    name: str,
    copy: Path,
    env: dict[str, str],
    run: Path,
    offered: dict[str, str],
    apt_option: bool,
    trust: bool,
) -> Row:
    """check, lock, build and verify one repository copy."""
    row = Row(repo=name)
    t0 = time.monotonic()
    bp, route, binder, r2d_error = detect(copy)
    has_apt = (copy / binder / "apt.txt").is_file()
    apt_args = ["--apt", "conda"] if apt_option and has_apt else []
    code, report = check_json(copy, env, apt_args)
    errs = errors(report)
    codes = {e.get("code") for e in errs}
    if not r2d_error and report.get("route") != route:
        row.category = "conda" if bp in CONDA_BUILDPACKS else "refused"
        row.check = "fail"
        row.note(
            "check", f"decides route {report.get('route')!r}, repo2docker {route!r}", "failure"
        )
        row.seconds = round(time.monotonic() - t0, 1)
        return row
    if r2d_error:
        row.category = "other"
        row.check = "pass" if code != 0 else "fail"
        row.note("repo2docker", r2d_error, "failure")
    elif bp in REFUSED or (has_apt and (not apt_option or APT_NO_EQUIVALENT in codes)):
        row.category = "refused"
        want = REFUSED.get(bp, APT_NO_EQUIVALENT if apt_option else APT_CODE)
        row.check = "pass" if code == 1 and want in codes else "fail"
        why = next((e for e in errs if e.get("code") == want), None)
        if why:
            row.note("refused", f"{want} {why.get('path') or ''}: {why['message']}", "refused")
        else:
            got = f"got {sorted(codes)} (exit {code})"
            row.note("check", f"expected {want} for {bp}, {got}", "failure")
    else:
        row.category = "conda"
        row.check = "pass" if code == 0 else "fail"
        if code != 0:
            msg = errs[0]["message"] if errs else report.get("error", f"exit {code}")
            row.note("check", f"refuses what repo2docker builds ({bp}): {msg}", "failure")
    if row.category != "conda":
        row.seconds = round(time.monotonic() - t0, 1)
        return row

    skip = binder_only(copy, binder, apt_option)
    proc = rees2conda("lock", "-q", *apt_args, str(copy), env=env)
    row.lock = "pass" if proc.returncode == 0 else "fail"
    if proc.returncode:
        row.note("lock", *failure(proc, offered))
    prefix = run / "envs" / name.replace("/", "--")
    if row.lock == "pass":
        scripts = any((copy / binder / n).is_file() for n in ("postBuild", "start"))
        extra = ["--trust"] if scripts and trust else []
        proc = rees2conda("build", "-q", *extra, *apt_args, "-p", str(prefix), str(copy), env=env)
        row.build = "pass" if proc.returncode == 0 else "fail"
        if proc.returncode:
            row.note("build", *failure(proc, offered))
    else:
        row.build = "fail"
    if skip:
        row.verify = "skip"
        row.note("verify skipped", skip, "binder-only")
    elif row.build != "pass":
        row.verify = "fail"
        row.note("verify", "not run: no environment", "failure")
    else:
        ok, why = run_verify(copy, binder, prefix, env)
        row.verify = "pass" if ok else "fail"
        if not ok:
            row.note("verify", why, "failure")
        elif not any(
            ln.strip() and not ln.lstrip().startswith("#")
            for ln in (copy / "verify").read_text(errors="replace").splitlines()
        ):
            extra = " (external-verify, run from the host against Binder's server, is not)"
            note = extra if (copy / "external-verify").is_file() else ""
            row.reason = f"verify is empty: passes trivially{note}"
    row.seconds = round(time.monotonic() - t0, 1)
    return row


# --- the run --------------------------------------------------------------------------------------
def table(rows: list[Row]) -> str:
    cols = ("repo", "category", "check", "lock", "build", "verify")
    width = {c: max(len(c), *(len(getattr(r, c)) for r in rows)) for c in cols}
    out = ["  ".join(c.ljust(width[c]) for c in cols) + "  reason"]
    for r in rows:
        out.append("  ".join(getattr(r, c).ljust(width[c]) for c in cols) + "  " + r.reason)
    conda = [r for r in rows if r.category == "conda"]
    agree = sum(r.check == "pass" for r in rows)
    out.append("")
    out.append(
        f"{len(rows)} repositories: {len(conda)} conda-expressible, "
        f"{sum(r.category == 'refused' for r in rows)} refused by design, "
        f"{sum(r.category == 'other' for r in rows)} other; check agrees with repo2docker on "
        f"{agree}/{len(rows)}"
    )
    out.append(
        "conda-expressible: "
        f"lock {sum(r.lock == 'pass' for r in conda)}, "
        f"build {sum(r.build == 'pass' for r in conda)}"
        f", verify pass {sum(r.verify == 'pass' for r in conda)} / "
        f"skip {sum(r.verify == 'skip' for r in conda)} / "
        f"fail {sum(r.verify == 'fail' for r in conda)} of {len(conda)}"
    )
    fails = [r for r in conda if r.verify == "fail"]
    out.append(
        "verify failures: "
        f"{sum(r.cause == 'not-in-channel' for r in fails)} for a package not in the local "
        f"channel, {sum(r.cause == 'failure' for r in fails)} real"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the rows as JSON")
    parser.add_argument("--only", nargs="+", default=[], metavar="REPO", help="e.g. conda/py312")
    parser.add_argument("--sdist", type=Path, help="an unpacked repo2docker sdist to use")
    parser.add_argument("--keep", action="store_true", help="keep the run directory")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    cache = cache_dir()
    tree = args.sdist or fetch_sdist(cache)
    tests = tree / "tests"
    every = find_repos(tests)
    unknown = sorted(set(args.only) - set(every))
    if unknown:
        parser.error(f"no test repository with a verify script: {', '.join(unknown)}")
    names = [n for n in every if not args.only or n in args.only]
    run = Path(tempfile.mkdtemp(prefix="rees2conda-conformance-"))
    try:
        # copies first: classification and reading never touch the sdist
        for name in names:
            shutil.copytree(tests / name, run / "repos" / name, symlinks=True)
        mc = load_make_channel()
        offered = mc.available_pythons()
        apt_option = cli_has("build", "--apt")
        trust = cli_has("build", "--trust")
        plain_env = run_env(run / "probe", run / "none" / "conda-forge")
        wanted: set[str] = set()
        pythons = list(mc.default_pythons())
        absent: set[str] = set()  # Pythons repositories name that no source here has
        for name in names:
            probe_apt = ["--apt", "conda"] if apt_option else []
            _, report = check_json(run / "repos" / name, plain_env, probe_apt)
            spec = report.get("spec") or {}
            wanted |= conda_names(spec.get("conda", []))
            wanted |= postbuild_installs(run / "repos" / name)
            py = spec.get("python")
            if py and offered.get(py) == "" and py not in pythons:
                pythons.append(py)
            elif py and py not in offered:
                absent.add(py)
        print(
            f"[conformance] pythons {', '.join(pythons)}; not offered: "
            + "; ".join(
                [f"{k} ({v})" for k, v in offered.items() if v]
                + [f"{k} (no CPython {k} here)" for k in sorted(absent)]
            ),
            file=sys.stderr,
        )
        channel, missing = build_channel(mc, pythons, wanted, cache)
        print(
            f"[conformance] channel {channel} ({time.monotonic() - t0:.0f} s); not on PyPI: "
            f"{', '.join(sorted(missing)) or '-'}",
            file=sys.stderr,
        )
        env = run_env(run, channel)
        rows = []
        for name in names:
            row = conformance(name, run / "repos" / name, env, run, offered, apt_option, trust)
            print(f"[conformance] {name}: {row.verify} ({row.seconds} s)", file=sys.stderr)
            rows.append(row)
    finally:
        if not args.keep:
            shutil.rmtree(run, ignore_errors=True)
        else:
            print(f"[conformance] kept {run}", file=sys.stderr)
    print(table(rows))
    print(f"total {time.monotonic() - t0:.0f} s")
    if args.json:
        data = [{k: v for k, v in asdict(r).items() if k != "notes"} for r in rows]
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0 if all(r.check == "pass" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

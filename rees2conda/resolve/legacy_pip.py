"""pip lines for the Pythons uv cannot target (2.7, 3.5): resolved by pip itself.

Binder still builds ``python-2.7`` and 3.5 repositories with pip lines. uv refuses to resolve for
Python < 3.6, so these go through pip's resolver, run by the interpreter rees2conda runs on,
for the target: ``pip install --dry-run --report`` with ``--python-version``, ``--abi``,
``--platform`` and ``--only-binary=:all:`` gives each package's wheel URL and sha256. pip
evaluates environment markers (``python_version < "3"``) against the interpreter running it,
not the target, so a small wrapper hands pip's marker evaluation the target's values.

What conda installed is the starting point, as for uv: its versions are constraints, offered as
metadata-only stub wheels (so conda-only versions exist for pip), and a constraint goes when a
pip line needs another version (the user's pin wins, as Binder's ``pip install``). Packages
that publish no wheel for the target cannot have their dependencies resolved without building
them for a Python this machine need not have: that is an error naming the line.

VCS lines (``git+https://…@rev#egg=name``) are checked out by pip, their metadata built by the
interpreter running it (as for sdists and the repository's own packages), and locked as uv
locks them for newer Pythons: ``git+<url>@<commit>``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rees2conda.errors import UserError
from rees2conda.model import PipLine
from rees2conda.resolve.condadist import CondaDist, conda_dists, normalize, pep440

if TYPE_CHECKING:
    from rattler import RepoDataRecord

    from rees2conda.resolve.pypi import ResolvedPip

#: the oldest Python uv resolves for
UV_MIN_PYTHON = (3, 6)

#: pip's marker evaluation gets the target's values (pip uses its own interpreter's otherwise)
_PIP_MAIN = """\
import json, sys
target = json.loads(sys.argv[1])
from pip._vendor.packaging import markers
_default = markers.default_environment
def default_environment():
    values = _default()
    values.update(target)
    return values
markers.default_environment = default_environment
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""

_SYSTEMS = {"linux": ("linux", "Linux", "posix"), "osx": ("darwin", "Darwin", "posix")}
_MACHINES = {"64": "x86_64", "aarch64": "aarch64", "arm64": "arm64", "ppc64le": "ppc64le"}


def needs_pip_resolver(python: str) -> bool:
    """True for ``X.Y`` older than what uv can target."""
    major, minor = (int(p) for p in python.split(".")[:2])
    return (major, minor) < UV_MIN_PYTHON


def marker_environment(platform: str, python_full: str) -> dict[str, str]:
    """PEP 508 marker values of CPython ``python_full`` on conda subdir ``platform``."""
    family, _, arch = platform.partition("-")
    sys_platform, system, os_name = _SYSTEMS.get(family, ("win32", "Windows", "nt"))
    machine = "AMD64" if family == "win" else _MACHINES.get(arch, arch)
    short = ".".join(python_full.split(".")[:2])
    return {
        "implementation_name": "cpython",
        "implementation_version": python_full,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_system": system,
        "python_full_version": python_full,
        "python_version": short,
        "sys_platform": sys_platform,
    }


def _abis(python: str) -> list[str]:
    """conda's CPython builds: wide unicode (``cp27mu``) on 2.7, pymalloc (``cp35m``) on 3.x."""
    major, minor = (int(p) for p in python.split(".")[:2])
    tag = f"cp{major}{minor}"
    return [f"{tag}mu" if major == 2 else f"{tag}m", "abi3", "none"]


def _stub_wheel(
    folder: Path,
    name: str,
    version: str,
    tag: str,
    requires: Sequence[str] = (),
    extras: Sequence[str] = (),
) -> None:
    """A metadata-only wheel with the target's best tag and a build tag, so that pip picks it
    over PyPI's file of the same version."""
    stem = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Provides-Extra: {e}\n" for e in extras)
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{stem}-1-{tag}.whl", "w") as whl:
        whl.writestr(f"{stem}.dist-info/METADATA", metadata)
        whl.writestr(
            f"{stem}.dist-info/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: rees2conda\nRoot-Is-Purelib: true\nTag: {tag}\n",
        )
        whl.writestr(f"{stem}.dist-info/RECORD", "")


def _stub_wheels(dists: Mapping[str, CondaDist], folder: Path, tag: str) -> None:
    """Stubs at conda's versions, without dependencies (those are conda's business)."""
    for name, dist in dists.items():
        version = pep440(dist.version)
        if version is not None:
            _stub_wheel(folder, name, version, tag)


def _initial_constraints(dists: Mapping[str, CondaDist], lines: Sequence[PipLine]) -> set[str]:
    """conda distributions kept at conda's version: all but those a pip line pins elsewhere."""
    from packaging.requirements import InvalidRequirement, Requirement

    keep = {name for name, dist in dists.items() if pep440(dist.version)}
    for pip in lines:
        if pip.kind != "requirement":
            continue
        try:
            req = Requirement(pip.line.split(" #", 1)[0].strip())
        except InvalidRequirement:
            continue
        name = normalize(req.name)
        if name in keep and not req.specifier.contains(pep440(dists[name].version) or "", True):
            keep.discard(name)
    return keep


def resolve_with_pip(
    lines: Sequence[PipLine],
    root: Path,
    platform: str,
    records: Sequence[RepoDataRecord],
    *,
    offline: bool = False,
    env: Mapping[str, str] | None = None,
) -> list[ResolvedPip]:
    """Resolve ``lines`` for an old Python with pip's resolver (see the module docstring)."""
    from rees2conda.resolve.pypi import pip_error, platform_names, requirement_lines

    python_full = next(str(r.version) for r in records if r.name.normalized == "python")
    python = ".".join(python_full.split(".")[:2])
    if offline:
        raise UserError(
            f"pip lines for Python {python} are resolved by pip, which has no offline mode",
            hint="run lock once online; the lock is then reused offline",
        )
    dists = conda_dists(records)
    abis = _abis(python)
    plats = [p for p in platform_names(platform, env) if not p.startswith("linux_")]
    with tempfile.TemporaryDirectory(prefix="rees2conda-pip-") as tmp:
        tmpdir = Path(tmp)
        requirements = requirement_lines(lines, root)
        best = f"cp{python.replace('.', '')}-{abis[0]}-{plats[0]}" if plats else "py2.py3-none-any"
        _stub_wheels(dists, tmpdir / "conda", best)
        report = tmpdir / "report.json"
        cmd = [
            sys.executable,
            "-c",
            _PIP_MAIN,
            json.dumps(marker_environment(platform, python_full)),
        ]
        cmd += ["--isolated", "install", "--dry-run", "--ignore-installed", "--report", str(report)]
        cmd += ["--python-version", python, "--implementation", "cp", "--only-binary=:all:"]
        cmd += [arg for abi in abis for arg in ("--abi", abi)]
        cmd += [arg for plat in [*plats, "any"] for arg in ("--platform", plat)]
        cmd += ["--target", str(tmpdir / "target"), "--find-links", str(tmpdir / "conda")]
        cmd += ["--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
        bundle = os.environ.get("SSL_CERT_FILE")  # set by rees2conda.transport when configured
        if bundle:
            cmd += ["--cert", bundle]
        cmd += ["-r", str(tmpdir / "requirements.in"), "-c", str(tmpdir / "constraints.txt")]
        keep = _initial_constraints(dists, lines)
        sdists: dict[str, Mapping[str, Any]] = {}
        # the repository's own packages: metadata built by pip (no deps), then a stub carrying
        # their dependencies stands in for them; build installs them from the repository
        local: dict[str, tuple[str, str]] = {}  # name -> (editable|local, repository path)
        (tmpdir / "constraints.txt").write_text(
            "".join(f"{n}=={pep440(dists[n].version)}\n" for n in sorted(keep))
        )
        vcs: dict[str, str] = {}  # name -> git+<url>@<commit>
        for i, pip in enumerate(lines):
            if _is_vcs(pip):
                requirements[i] = _lock_vcs(cmd, pip, requirements[i], root, tmpdir, best, vcs)
                continue
            if pip.kind not in ("editable", "path"):
                continue
            target = re.sub(r"^-e\s+", "", requirements[i])
            path, _, extras = target.partition("[")
            item = _sdist(cmd, path, root)
            if item is None:
                where = f"{pip.origin.path}:{pip.origin.line}"
                raise UserError(f"{where}: pip cannot read the package at {pip.line}")
            meta = item["metadata"]
            name = normalize(meta["name"])
            source = "editable" if pip.kind == "editable" else "local"
            local[name] = (source, _relative(Path(path), root))
            _stub_wheel(
                tmpdir / "conda",
                meta["name"],
                meta["version"],
                best,
                meta.get("requires_dist") or [],
                meta.get("provides_extra") or [],
            )
            requirements[i] = f"{meta['name']}{'[' + extras if extras else ''}=={meta['version']}"
        (tmpdir / "requirements.in").write_text("\n".join(requirements) + "\n")
        keep -= set(vcs)  # a VCS checkout replaces conda's package, as with uv
        for _ in range(100):
            (tmpdir / "constraints.txt").write_text(
                "".join(f"{n}=={pep440(dists[n].version)}\n" for n in sorted(keep))
            )
            proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
            if proc.returncode == 0:
                break
            # a pip line needs another version than conda's: conda's constraint goes (pip wins)
            blamed = {
                normalize(n) for n in re.findall(r"\(constraint\) ([A-Za-z0-9._-]+)", proc.stdout)
            } & keep
            if blamed:
                keep -= blamed
                continue
            # no wheel for the target: the sdist is locked, its dependencies come from its
            # metadata (a stub wheel carrying them stands in for it in the next round)
            missing = re.search(r"No matching distribution found for (.+)$", proc.stderr, re.M)
            item = None
            if missing and "--only-binary=:all:" in cmd:
                item = _sdist(cmd, missing.group(1).strip(), root)
            if item is None or normalize(item["metadata"]["name"]) in sdists:
                raise _pip_failure(proc.stdout + proc.stderr, lines, platform, python, pip_error)
            meta = item["metadata"]
            sdists[normalize(meta["name"])] = item
            requires = meta.get("requires_dist") or []
            _stub_wheel(tmpdir / "conda", meta["name"], meta["version"], best, requires)
        data = json.loads(report.read_text(encoding="utf-8"))
    return _from_report(data, dists, sdists, local, root, vcs)


def _is_vcs(pip: PipLine) -> bool:
    """A VCS line: ``git+https://…``, ``name @ git+…``, or an editable one (``-e git+…``)."""
    if pip.kind == "vcs":
        return True
    target = re.sub(r"^(-e|--editable)(\s+|=)", "", pip.line.strip())
    return pip.kind == "editable" and bool(re.match(r"[a-z]+\+[a-z]+://", target))


#: pip's syntax (upper case only), as :mod:`rees2conda.resolve.credentials` reads it: a name it
#: expanded but the lock writer did not put back would leave its value in the lock
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand_vars(text: str, env: Mapping[str, str]) -> str:
    """``${VAR}`` references expanded as pip expands them in requirement files."""
    return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), text)


_DIRECT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S+)")


def _lock_vcs(
    cmd: Sequence[str],
    pip: PipLine,
    requirement: str,
    root: Path,
    tmpdir: Path,
    tag: str,
    vcs: dict[str, str],
) -> str:
    """Lock one VCS line as uv does for newer Pythons: the revision pinned to its commit.

    pip checks the repository out and builds its metadata (with the interpreter running it, as
    for sdists); a stub wheel carrying its dependencies stands in for it in the resolution.
    Returns the requirement that replaces the line (``name==version``).
    """
    target = re.sub(r"^(-e|--editable)(\s+|=)", "", requirement.strip())
    # `${VAR}` credentials, as pip expands them in requirement files (the lock writer redacts)
    target = expand_vars(target, os.environ)
    direct = _DIRECT.match(target)
    if direct:  # pip's PEP 508 parser refuses `name @ git+file:///…`: the #egg= form it reads
        name, extras, url = direct.groups()
        target = url if "#" in url else f"{url}#egg={name}{extras or ''}"
    unconstrained = list(cmd)  # conda's version of the package must not stop the checkout
    unconstrained[unconstrained.index("-r") + 3] = os.devnull  # "-r reqs -c constraints"
    item = _sdist(unconstrained, target, root)
    where = f"{pip.origin.path}:{pip.origin.line}" if pip.origin.line else pip.origin.path
    info = (item or {}).get("download_info", {})
    commit = info.get("vcs_info", {}).get("commit_id")
    if item is None or not commit:
        raise UserError(
            f"{where}: pip cannot check out or read the package at {pip.line}",
            hint="check that the repository URL and revision exist and that the package "
            "builds its metadata (setup.py or pyproject.toml)",
        )
    meta = item["metadata"]
    kind = info["vcs_info"].get("vcs", "git")
    vcs[normalize(meta["name"])] = f"{kind}+{info['url']}@{commit}"
    requires = meta.get("requires_dist") or []
    _stub_wheel(tmpdir / "conda", meta["name"], meta["version"], tag, requires)
    return f"{meta['name']}=={meta['version']}"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return os.path.relpath(path.resolve(), root.resolve()).replace(os.sep, "/")


def _sdist(cmd: Sequence[str], requirement: str, root: Path) -> Mapping[str, Any] | None:
    """pip's pick for one requirement with sdists allowed and ``--no-deps`` (pip builds its
    metadata with the interpreter running it); None when pip finds nothing."""
    with tempfile.TemporaryDirectory(prefix="rees2conda-sdist-") as tmp:
        report = Path(tmp) / "report.json"
        args = list(cmd)
        args[args.index("--report") + 1] = str(report)
        args.remove("--only-binary=:all:")
        at = args.index("-r")  # "-r requirements.in -c constraints.txt" end the pip command
        args = [*args[:at], *args[at + 2 : at + 4], "--no-deps", requirement]
        proc = subprocess.run(args, cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            return None
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
    return items[0] if items else None


_PIP_CHATTER = re.compile(
    r"^\s*(Collecting|Looking in|Using cached|Downloading|Obtaining|WARNING: Location)"
)


def _pip_failure(
    output: str, lines: Sequence[PipLine], platform: str, python: str, pip_error: Any
) -> UserError:
    """pip's own error lines (not its progress), with the pip lines it names."""
    keep = [
        ln
        for ln in output.splitlines()
        if ln.strip()
        and not re.match(
            r"^\s*(Collecting|Looking in|Using cached|Downloading|Obtaining|WARNING: Location)", ln
        )
    ]
    error = pip_error("\n".join(keep), lines, platform, python)
    if "no matching distribution" in output.lower():
        error.hint = (
            f"pip found no wheel for Python {python} on {platform}; for this Python, rees2conda "
            "locks only packages that publish wheels: pin a version with a wheel, or take the "
            "package from conda"
        )
    return error


def _from_report(
    data: Mapping[str, Any],
    dists: Mapping[str, CondaDist],
    sdists: Mapping[str, Mapping[str, Any]],
    local: Mapping[str, tuple[str, str]],
    root: Path,
    vcs: Mapping[str, str],
) -> list[ResolvedPip]:
    """pip's ``--report``, minus what conda installs at the resolved version; sdists and VCS
    checkouts for the stubs that stood in for them."""
    from rees2conda.resolve.pypi import ResolvedPip

    out: list[ResolvedPip] = []
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        name = normalize(meta.get("name", ""))
        version = str(meta.get("version", ""))
        dist = dists.get(name)
        if name in local:
            source, rel = local[name]
            uri = (root / rel).resolve().as_uri()
            replaces = dist.conda_name if dist is not None else None
            out.append(ResolvedPip(name, version, uri, None, source, rel, replaces))
            continue
        if name in vcs:
            replaces = dist.conda_name if dist is not None else None
            out.append(ResolvedPip(name, version, vcs[name], None, "vcs", None, replaces))
            continue
        if dist is not None and pep440(dist.version) == pep440(version):
            continue
        info = sdists.get(name, item).get("download_info", {})
        archive = info.get("archive_info", {})
        sha = (archive.get("hashes") or {}).get("sha256")
        if sha is None and str(archive.get("hash", "")).startswith("sha256="):
            sha = archive["hash"].split("=", 1)[1]
        replaces = dist.conda_name if dist is not None else None
        out.append(ResolvedPip(name, version, info["url"], sha, "index", None, replaces))
    return out

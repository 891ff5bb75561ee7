"""The pip part of a lock: uv resolves the pip lines for each platform's locked Python.

What conda already installed is the starting point, as for Binder's ``pip install`` after conda:
uv prefers the conda versions (see :mod:`rees2conda.resolve.condadist`); a package resolved at
the conda version is left out (conda installs it), one at another version replaces the conda
package (``ResolvedPip.replaces``), so nothing is locked twice. Each PyPI
package gets one wheel URL compatible with the target platform and Python (chosen with
``packaging.tags``) and its sha256; an sdist only when no wheel fits.

Local installs (``-e .``, paths) are recorded as conda-lock does for pip path dependencies
(``url: file:///<absolute path>``), and additionally by repository-relative path in the lock's
``custom_metadata`` so that ``build`` can find them from another checkout. VCS requirements are
recorded as ``git+<url>@<commit>``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from rees2conda.errors import UserError
from rees2conda.model import PipLine
from rees2conda.resolve.condadist import (
    CondaDist,
    conda_dists,
    conda_to_pypi_map,  # noqa: F401 - re-exported
    normalize,
    pep440,
    preferences_pylock,
    write_stub_wheels,
)
from rees2conda.resolve.virtual import DEFAULT_GLIBC, DEFAULT_OSX, overrides

if TYPE_CHECKING:
    from packaging.tags import Tag
    from rattler import RepoDataRecord

PipSource = str  # "index" | "local" | "editable" | "vcs" | "url"


@dataclass(frozen=True)
class ResolvedPip:
    """One pip package of a platform's lock, before it is written."""

    name: str
    version: str
    url: str
    sha256: str | None
    source: PipSource = "index"
    local_path: str | None = None  # repository-relative, "/" separated
    #: the conda package this distribution replaces (a pip pin that conda's version misses)
    replaces: str | None = None


def conda_provided(records: Iterable[RepoDataRecord]) -> dict[str, str]:
    """Distribution name -> version of the Python distributions the conda records install."""
    return {name: dist.version for name, dist in conda_dists(records).items()}


def locked_python(records: Iterable[RepoDataRecord]) -> str | None:
    """``X.Y`` of the locked ``python`` record."""
    for record in records:
        if record.name.normalized == "python":
            return ".".join(str(record.version).split(".")[:2])
    return None


def _glibc(platform: str, env: Mapping[str, str] | None) -> tuple[int, int]:
    value = overrides(platform, env).get("glibc") or DEFAULT_GLIBC
    major, _, minor = value.partition(".")
    try:
        return int(major), int(minor.split(".")[0] or 0)
    except ValueError:
        return 2, 17


def _osx(platform: str, env: Mapping[str, str] | None) -> tuple[int, int]:
    value = overrides(platform, env).get("osx") or DEFAULT_OSX.get(platform, "10.15")
    parts = [int(p) for p in re.findall(r"\d+", value)[:2]] + [0]
    return parts[0], parts[1]


_ARCH = {"linux-64": "x86_64", "linux-aarch64": "aarch64", "linux-ppc64le": "ppc64le"}


def uv_platform(platform: str, env: Mapping[str, str] | None = None) -> str:
    """uv's ``--python-platform`` for a conda subdir (glibc from the virtual packages)."""
    if platform in ("linux-64", "linux-aarch64"):
        arch = _ARCH[platform]
        _, minor = _glibc(platform, env)
        supported = [17, 28, *range(31, 41)]
        best = max([m for m in supported if m <= minor] or [17])
        return f"{arch}-manylinux_2_{best}"
    table = {
        "osx-64": "x86_64-apple-darwin",
        "osx-arm64": "aarch64-apple-darwin",
        "win-64": "x86_64-pc-windows-msvc",
    }
    if platform not in table:
        raise UserError(f"pip requirements cannot be locked for {platform} (no uv target)")
    return table[platform]


def platform_names(platform: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Wheel platform tags of a conda subdir (``manylinux_2_17_x86_64``, …), best first."""
    from packaging import tags

    if platform.startswith("linux-"):
        arch = _ARCH[platform]
        gmaj, gmin = _glibc(platform, env)
        plats = []
        for m in range(gmin, 4, -1):
            plats.append(f"manylinux_{gmaj}_{m}_{arch}")
            legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(m)
            if legacy:
                plats.append(f"{legacy}_{arch}")
        plats.append(f"linux_{arch}")
        return plats
    if platform.startswith("osx-"):
        arch = "arm64" if platform == "osx-arm64" else "x86_64"
        return list(tags.mac_platforms(_osx(platform, env), arch))
    if platform == "win-64":
        return ["win_amd64"]
    return []


def platform_tags(platform: str, python: str, env: Mapping[str, str] | None = None) -> list[Tag]:
    """Wheel tags a CPython ``python`` (``X.Y``) on ``platform`` accepts, best first."""
    from packaging import tags

    major, minor = (int(p) for p in python.split(".")[:2])
    plats = platform_names(platform, env)
    version = (major, minor)
    out = list(tags.cpython_tags(version, platforms=plats))
    out += list(tags.compatible_tags(version, f"cp{major}{minor}", plats))
    return out


def pick_file(package: Mapping[str, Any], accepted: Sequence[Tag]) -> tuple[str, str | None]:
    """(url, sha256) of the best wheel for ``accepted`` tags, else the sdist."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    rank = {tag: i for i, tag in enumerate(accepted)}
    best: tuple[int, Mapping[str, Any]] | None = None
    for wheel in package.get("wheels", []) or []:
        filename = wheel.get("name") or wheel["url"].rsplit("/", 1)[-1]
        try:
            _, _, _, wheel_tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            continue
        score = min((rank[t] for t in wheel_tags if t in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, wheel)
    chosen = best[1] if best else package.get("sdist")
    if not chosen or "url" not in chosen:
        raise UserError(
            f"no file of {package.get('name')} {package.get('version')} fits this platform",
            hint="pin a version that publishes a compatible wheel",
        )
    return chosen["url"], (chosen.get("hashes") or {}).get("sha256")


def requirement_lines(lines: Sequence[PipLine], root: Path) -> list[str]:
    """pip lines rewritten so that relative paths resolve against their ``base`` folder."""
    out: list[str] = []
    for pip in lines:
        base = (root / pip.base).resolve()
        text = pip.line.strip()
        if pip.kind == "editable":
            target = re.sub(r"^(-e|--editable)(\s+|=)", "", text)
            if "://" not in target and not target.startswith("git+"):
                target = str((base / target).resolve())
            out.append(f"-e {target}")
        elif pip.kind == "path":
            head, sep, extras = text.partition("[")
            out.append(str((base / head).resolve()) + (sep + extras if sep else ""))
        elif pip.option in ("-c", "-r") and pip.value is not None and "://" not in pip.value:
            out.append(f"{pip.option} {(base / pip.value).resolve()}")
        else:
            out.append(text)
    return out


def uv_binary() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def resolve_pip(
    lines: Sequence[PipLine],
    root: Path,
    platform: str,
    records: Sequence[RepoDataRecord],
    *,
    offline: bool = False,
    env: Mapping[str, str] | None = None,
) -> list[ResolvedPip]:
    """Resolve ``lines`` with uv for ``platform`` given the conda ``records`` it sits on."""
    python = locked_python(records)
    if python is None:
        raise UserError(f"pip requirements need python in the conda environment ({platform})")
    from rees2conda.resolve.legacy_pip import needs_pip_resolver, resolve_with_pip

    if needs_pip_resolver(python):
        return resolve_with_pip(lines, root, platform, records, offline=offline, env=env)
    dists = conda_dists(records)
    with tempfile.TemporaryDirectory(prefix="rees2conda-uv-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "requirements.in").write_text("\n".join(requirement_lines(lines, root)) + "\n")
        write_stub_wheels(dists, tmpdir / "conda")
        out = tmpdir / "pylock.toml"
        out.write_text(preferences_pylock(dists), encoding="utf-8")
        cmd = [
            uv_binary(),
            "pip",
            "compile",
            str(tmpdir / "requirements.in"),
            "--find-links",
            str(tmpdir / "conda"),
            "--python-version",
            python,
            "--python-platform",
            uv_platform(platform, env),
            "--format",
            "pylock.toml",
            "--no-header",
            "--quiet",
            "-o",
            str(out),
        ]
        if offline:
            cmd.append("--offline")
        run_env = uv_environment(os.environ)  # SSL_CERT_FILE set by the lock when configured
        if platform.startswith("osx-"):
            major, minor = _osx(platform, env)
            run_env["MACOSX_DEPLOYMENT_TARGET"] = f"{major}.{minor}"
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=run_env)
        if proc.returncode != 0:
            raise pip_error(proc.stderr, lines, platform, python)
        data = _load_toml(out.read_text(encoding="utf-8"))
        return _to_resolved(data, tmpdir, root, platform, python, dists, env)


def uv_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment uv runs in: never downloads a Python, no progress bars."""
    run_env = dict(base)
    run_env.pop("VIRTUAL_ENV", None)
    run_env["UV_NO_PROGRESS"] = "1"
    run_env["UV_PYTHON_DOWNLOADS"] = "never"
    return run_env


def _load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return os.path.relpath(path.resolve(), root.resolve()).replace(os.sep, "/")


def _to_resolved(
    data: Mapping[str, Any],
    outdir: Path,
    root: Path,
    platform: str,
    python: str,
    dists: Mapping[str, CondaDist],
    env: Mapping[str, str] | None,
) -> list[ResolvedPip]:
    """The pylock's packages minus those conda already installs at the resolved version.

    A package at another version than conda's (a user's pin that conda's version does not meet,
    or what such a pin needs) replaces the conda package, as ``pip install`` does on Binder.
    """
    accepted = platform_tags(platform, python, env)
    out: list[ResolvedPip] = []
    for pkg in data.get("packages", []):
        name = normalize(pkg["name"])
        version = str(pkg.get("version", ""))
        dist = dists.get(name)
        replaces = None
        if dist is not None:
            index = not ({"directory", "vcs", "archive"} & set(pkg))
            conda_version = pep440(dist.version)
            if index and (conda_version is None or conda_version == pep440(version)):
                continue  # conda's installed distribution satisfies pip: it stays
            replaces = dist.conda_name
        if "directory" in pkg or ("archive" in pkg and "path" in pkg["archive"]):
            info = pkg.get("directory") or pkg["archive"]
            path = (outdir / info["path"]).resolve()
            source = "editable" if info.get("editable") else "local"
            rel = _relative(path, root)
            version = version or _static_version(path) or "0"
            out.append(ResolvedPip(name, version, path.as_uri(), None, source, rel, replaces))
        elif "vcs" in pkg:
            vcs = pkg["vcs"]
            url = f"{vcs.get('type', 'git')}+{vcs['url']}@{vcs['commit-id']}"
            out.append(ResolvedPip(name, version or "0", url, None, "vcs", None, replaces))
        elif "archive" in pkg:
            archive = pkg["archive"]
            sha = (archive.get("hashes") or {}).get("sha256")
            out.append(
                ResolvedPip(name, version or "0", archive["url"], sha, "url", None, replaces)
            )
        else:
            url, sha = pick_file(pkg, accepted)
            out.append(ResolvedPip(name, version, url, sha, "index", None, replaces))
    return out


def _static_version(path: Path) -> str | None:
    """``[project].version`` of a local package when it is static (uv's pylock omits it)."""
    try:
        data = _load_toml((path / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("project", {}).get("version")
    return str(version) if version else None


def pip_error(stderr: str, lines: Sequence[PipLine], platform: str, python: str) -> UserError:
    """uv's explanation plus the file:line of pip lines it names."""
    from rees2conda.resolve.uvtext import uv_error_text

    text = uv_error_text(stderr) or stderr.strip()
    lowered = text.lower()
    blamed = []
    for pip in lines:
        if pip.name is not None and canonicalize_name(pip.name) in canonicalize_name(lowered):
            where = pip.origin.path + (f":{pip.origin.line}" if pip.origin.line else "")
            blamed.append(f"  {where}: {pip.line}")
    msg = [f"the pip requirements cannot be resolved for {platform} (Python {python}):", text]
    if blamed:
        msg += ["requested by:", *blamed]
    hint = (
        "pip resolves on top of the conda packages, keeping their versions where the pins allow; "
        "the pins named above conflict with each other or with the Python version"
    )
    if "network" in lowered or "dns" in lowered or "connect" in lowered:
        hint = "PyPI could not be reached; try again online or with --offline and a warm uv cache"
    return UserError("\n".join(msg), hint=hint)

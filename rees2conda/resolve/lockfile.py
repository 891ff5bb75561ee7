"""``conda-lock.yml`` (conda-lock's unified v1 format): the one module that reads and writes it.

Three ways in: :func:`read_view`, a stdlib-only fast view (content hashes, package counts,
custom metadata) for the reuse and no-op paths; :func:`read_locked_packages`, the packages
``build`` installs (rattler); :func:`build_lockfile` + :func:`write_atomic`, the writer. Where a
repository's own lock lives is :func:`repository_lock_path`. Import-light at module level.

Written in exactly the layout of conda-lock's own writer (tests compare the two) so that
conda-lock, micromamba, rattler/pixi and conda-store read it; read back with rattler (what
``build`` installs from). Input-file metadata is deliberately not written: conda-lock cannot
read back a file whose inputs carry only sha256.

The repository's own packages (``-e .``, ``./pkg``) are not artifacts with a hash: they are
recorded only in ``metadata.custom_metadata`` under ``rees2conda:pip:<name>``, as
``editable:<path>`` or ``local:<path>`` relative to the lockfile, never as an absolute
``file://`` URL. So the lock is the same in every clone, and conda-lock's installer (which can
only install absolute URLs) installs everything else; ``pip install -e .`` adds the package, as
``build`` does. Their dependencies are ordinary locked entries.
The apt.txt packages ``--apt conda`` mapped, with their conda specs, are recorded under
``rees2conda:apt:<package>``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rees2conda.errors import UserError

if TYPE_CHECKING:
    from rattler import RepoDataRecord

    from rees2conda.resolve.pypi import ResolvedPip

CUSTOM_PREFIX = "rees2conda:pip:"
#: ``rees2conda:apt:<apt package>: <conda specs, comma-separated>``: what ``--apt conda`` added
APT_PREFIX = "rees2conda:apt:"
#: the file name of a repository's lock (beside its environment files)
LOCKFILE_NAME = "conda-lock.yml"


def repository_lock_path(root: str | os.PathLike[str], config_dir: str) -> Path:
    """A repository's own lock: in its Binder folder (``binder/``, ``.binder/``), else the root.

    ``config_dir`` is :attr:`rees2conda.model.Report.config_dir` (``""`` for the root). Absolute,
    symlinks not resolved: whoever writes there judges a symlink at that place.
    """
    return Path(os.path.abspath(Path(root) / config_dir / LOCKFILE_NAME))


# -- the fast view (stdlib only) --------------------------------------------------------------
_METADATA = re.compile(r"^metadata:[ \t]*\n((?:(?:[ \t].*)?\n)*)", re.MULTILINE)
_HASHES = re.compile(r"^  content_hash:[ \t]*\n((?:    .*\n)*)", re.MULTILINE)
_HASH_ENTRY = re.compile(
    r"^    ['\"]?([A-Za-z0-9_-]+)['\"]?:[ \t]*['\"]?([0-9a-fA-F]+)['\"]?[ \t]*$"
)
_PLATFORM = re.compile(r"^[ \t-]*platform: ['\"]?([A-Za-z0-9_-]+)['\"]?[ \t]*$", re.MULTILINE)
#: a local pip package (``-e .``, ``./pkg``): recorded in custom metadata, not as a package entry
_LOCAL_PIP = re.compile(r"^[ \t]+['\"]?rees2conda:pip:", re.MULTILINE)


@dataclass(frozen=True)
class LockView:
    """What the reuse and no-op paths need from a lock, read without rattler or conda-lock.

    Content hashes and package counts are regexes over the block-style YAML conda-lock (and
    :func:`dump_lockfile`) writes; custom metadata YAML-parses the small metadata block. Anything
    unexpected in the content hashes makes :func:`read_view` return None, which callers treat
    as "stale": a re-solve is always safe, a wrong "fresh" is not.
    """

    path: Path
    text: str
    content_hash: dict[str, str]  # platform -> hash

    def package_counts(self) -> dict[str, int]:
        """Packages per platform (conda + pip, local pip packages included, as a written lock
        counts them)."""
        counts: dict[str, int] = {}
        for match in _PLATFORM.finditer(self.text):
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
        local = len(_LOCAL_PIP.findall(self.text))
        return {platform: n + local for platform, n in counts.items()}

    def custom_metadata(self) -> dict[str, str]:
        """``metadata.custom_metadata``."""
        return _custom_metadata(self.text)


def _metadata(text: str) -> dict[str, object]:
    """The ``metadata`` block, YAML-parsed on its own (not the package list)."""
    meta = _METADATA.search(text)
    if meta is None:
        return {}
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load(meta.group(1)) or {}
    return data if isinstance(data, dict) else {}


def _custom_metadata(text: str) -> dict[str, str]:
    """``metadata.custom_metadata`` (its values are quoted as each writer likes)."""
    if "custom_metadata:" not in text:
        return {}
    custom = _metadata(text).get("custom_metadata")
    if not isinstance(custom, dict):
        return {}
    return {str(k): str(v) for k, v in custom.items()}


def read_channels(lockfile: str | os.PathLike[str]) -> list[str]:
    """``metadata.channels`` of a lock: the channel names (or URLs) as locked."""
    entries = _metadata(Path(lockfile).read_text(encoding="utf-8")).get("channels")
    out = []
    for entry in entries if isinstance(entries, list) else []:
        url = entry.get("url") if isinstance(entry, dict) else entry
        if isinstance(url, str) and url:
            out.append(url.rstrip("/"))
    return out


def read_view(lockfile: str | os.PathLike[str]) -> LockView | None:
    """The fast view of ``lockfile``, or None when it is unreadable or its hashes are not there."""
    path = Path(lockfile)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    meta = _METADATA.search(text)
    if meta is None:
        return None
    block = _HASHES.search(meta.group(1) + "\n")
    if block is None:
        return None
    hashes: dict[str, str] = {}
    for line in block.group(1).splitlines():
        match = _HASH_ENTRY.match(line)
        if match is None:
            return None
        hashes[match.group(1)] = match.group(2).lower()
    return LockView(path, text, hashes)


# -- reading packages and writing -------------------------------------------------------------


@dataclass(frozen=True)
class LockedPip:
    """A pip package of a lock, as ``build`` installs it."""

    name: str
    version: str
    url: str
    sha256: str | None
    local_path: str | None = None  # absolute path for local sources, else None
    editable: bool = False


@dataclass
class LockedEnv:
    """What one platform of a lockfile installs: conda records, then pip packages."""

    platform: str
    conda: list[RepoDataRecord] = field(default_factory=list)
    pip: list[LockedPip] = field(default_factory=list)


def _dependencies(depends: Sequence[str]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for dep in depends:
        name, _, rest = dep.strip().partition(" ")
        out.setdefault(name, [])
        if rest.strip():
            out[name].append(rest.strip())
    return {name: ",".join(specs) for name, specs in out.items()}


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value else None


def build_lockfile(
    conda: Mapping[str, Sequence[RepoDataRecord]],
    pip: Mapping[str, Sequence[ResolvedPip]],
    *,
    content_hashes: Mapping[str, str],
    channel_urls: Sequence[str],
    sources: Sequence[str],
    lockfile_dir: Path,
    root: Path,
    secrets: Mapping[str, str] | None = None,
    apt: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The lock as conda-lock's ``Lockfile.to_v1().dict_for_output()`` would give it.

    Same keys, order and sorting (packages by manager, name, platform; dependencies by name;
    virtual packages dropped; one ``main`` category). Built as plain data because importing
    conda_lock (~0.7 s) and its pure-Python YAML dump would cost more than the solve itself;
    the tests check that conda-lock's own writer produces the same document from it.

    Every URL is redacted (:mod:`rees2conda.resolve.credentials`): ``secrets`` are the values
    of the ``${VAR}`` references of the pip lines, written back as ``${VAR}``; literal
    credentials and conda channel tokens are dropped.
    """
    from rees2conda.resolve.credentials import redact_url

    packages: list[dict[str, Any]] = []
    custom: dict[str, str] = {APT_PREFIX + name: specs for name, specs in (apt or {}).items()}
    for platform, records in conda.items():
        for r in records:
            if r.name.normalized.startswith("__"):
                continue
            hashes = {"md5": _hex(r.md5), "sha256": _hex(r.sha256)}
            packages.append(
                {
                    "name": r.name.normalized,
                    "version": str(r.version),
                    "manager": "conda",
                    "platform": platform,
                    "dependencies": dict(sorted(_dependencies(r.depends).items())),
                    "url": redact_url(r.url),
                    "hash": {k: v for k, v in hashes.items() if v},
                    "build": str(r.build),
                    "category": "main",
                    "optional": False,
                }
            )
    for platform, entries in pip.items():
        for p in entries:
            sha = p.sha256
            url = redact_url(p.url, secrets)
            if p.source in ("local", "editable") and p.local_path is not None:
                rel = os.path.relpath(root / p.local_path, lockfile_dir).replace(os.sep, "/")
                custom[CUSTOM_PREFIX + p.name] = f"{p.source}:{rel}"
                continue
            if p.source == "vcs":
                custom[CUSTOM_PREFIX + p.name] = "vcs"
                sha = hashlib.sha256(url.encode()).hexdigest()
            packages.append(
                {
                    "name": p.name,
                    "version": p.version,
                    "manager": "pip",
                    "platform": platform,
                    "dependencies": {},
                    "url": url,
                    "hash": {"sha256": sha} if sha else {},
                    "category": "main",
                    "optional": False,
                }
            )
    packages.sort(key=lambda d: (d["manager"], d["name"], d["platform"]))
    metadata: dict[str, Any] = {
        "content_hash": dict(sorted(content_hashes.items())),
        "channels": [{"url": redact_url(url), "used_env_vars": []} for url in channel_urls],
        "platforms": sorted(content_hashes),
        "sources": list(sources),
    }
    if custom:
        metadata["custom_metadata"] = dict(sorted(custom.items()))
    return {"version": 1, "metadata": metadata, "package": packages}


HEADER = """\
# This lock file was generated by rees2conda lock, in conda-lock's format. DO NOT EDIT!
#
# A "lock file" contains a concrete list of package versions (with checksums) to be
# installed. Unlike e.g. `conda env create`, the resulting environment will not change as new
# package versions become available, unless you explicitly update the lock file.
#
# Install this environment as "YOURENV" with:
#     conda-lock install -n YOURENV {name}
# To re-solve after changing the repository's environment files:
#     rees2conda lock --lockfile {name} [--update]
"""


def dump_lockfile(lock: Mapping[str, Any], name: str = "conda-lock.yml") -> str:
    """YAML text laid out as conda-lock's writer does (block style, insertion order)."""
    from rees2conda.resolve.yamlout import dump

    return HEADER.format(name=name) + dump(lock)


def write_atomic(lock: Mapping[str, Any], path: Path, *, within: Path | None = None) -> Path:
    """Write into a temporary file beside ``path``, then rename over it; return the file written.

    A failure at any point leaves an existing lockfile untouched (never a truncated file). The
    folder must exist; a symlink is followed only to a place inside ``within`` (the repository),
    and a device, FIFO or directory is never replaced (see :mod:`rees2conda.fsutil`).
    """
    from rees2conda.fsutil import UnsafeWriteError, write_bytes_atomic

    text = dump_lockfile(lock, path.name)
    try:
        return write_bytes_atomic(path, text.encode("utf-8"), within=within)
    except UnsafeWriteError:
        raise
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def read_locked_packages(lockfile: Path, platform: str) -> LockedEnv:
    """The conda records and pip packages ``build`` installs for ``platform``."""
    from rattler import LockFile
    from rattler.exceptions import ParseCondaLockError

    from rees2conda.resolve.credentials import restore_references

    lockfile = Path(lockfile)
    try:
        lock = LockFile.from_path(lockfile)
    except ParseCondaLockError as exc:
        raise UserError(f"{lockfile}: not a readable conda-lock file: {exc}") from None
    except OSError as exc:
        raise UserError(f"cannot read {lockfile}: {exc}") from None
    env = lock.default_environment()
    plat = next((p for p in lock.platforms() if p.name == platform), None)
    if env is None or plat is None:
        names = ", ".join(p.name for p in lock.platforms()) or "none"
        raise UserError(
            f"{lockfile} has no packages for {platform} (it has: {names})",
            hint=f"run: rees2conda lock -p {platform}",
        )
    conda = env.conda_repodata_records_for_platform(plat) or []
    try:
        custom = _custom_metadata(lockfile.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {lockfile}: {exc}") from None
    pip: list[LockedPip] = []
    seen: set[str] = set()
    for pkg in env.pypi_packages_for_platform(plat) or []:
        seen.add(pkg.name)
        kind = custom.get(CUSTOM_PREFIX + pkg.name, "index")
        sha = pkg.hashes.sha256.hex() if pkg.hashes and pkg.hashes.sha256 else None
        local_path = None
        editable = False
        if kind.startswith(("local:", "editable:")):
            source, _, rel = kind.partition(":")
            local_path = str((lockfile.parent / rel).resolve())
            editable = source == "editable"
            sha = None
        elif kind == "vcs":
            sha = None
        elif pkg.location.startswith("file:"):
            from urllib.parse import unquote, urlparse

            local_path = unquote(urlparse(pkg.location).path)
        url = restore_references(pkg.location)  # rattler percent-encodes ${VAR}
        pip.append(LockedPip(pkg.name, pkg.version, url, sha, local_path, editable))
    for key, kind in custom.items():
        name = key[len(CUSTOM_PREFIX) :]
        source, _, rel = kind.partition(":")
        if not key.startswith(CUSTOM_PREFIX) or name in seen or source not in _LOCAL_SOURCES:
            continue
        path = (lockfile.parent / rel).resolve()
        pip.append(LockedPip(name, "", path.as_uri(), None, str(path), source == "editable"))
    return LockedEnv(platform=platform, conda=list(conda), pip=pip)


_LOCAL_SOURCES = ("local", "editable")

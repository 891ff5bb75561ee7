"""``lock``: a repository into a multi-platform ``conda-lock.yml``; the API ``build`` relies on.

The reuse path (nothing changed) reads the lock's fast view (``lockfile.read_view``) and
compares hashes: no rattler, conda-lock or pydantic import, no solve, no write.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rees2conda.condarc import CondaConfig, load_conda_config
from rees2conda.errors import Refused, UserError, require_directory
from rees2conda.model import EnvSpec, Report
from rees2conda.observe import SILENT, Observer
from rees2conda.resolve.channels import channel_identity, resolve_channels
from rees2conda.resolve.credentials import redact_urls
from rees2conda.resolve.hashing import platform_hash
from rees2conda.resolve.lockfile import (
    LockedEnv,
    LockedPip,
    read_locked_packages,
    read_view,
    repository_lock_path,
)
from rees2conda.resolve.virtual import check_platform, host_platform, overrides

if TYPE_CHECKING:
    from rees2conda.resolve.solve import Requested

__all__ = [
    "LockOptions",
    "LockRefused",
    "LockResult",
    "LockedEnv",
    "LockedPip",
    "lock",
    "lock_is_fresh",
    "read_locked_packages",
]


@dataclass
class LockOptions:
    """How to lock: what the command-line options of ``rees2conda lock`` set."""

    platforms: list[str] | None = None  # None -> the existing lock's platforms, else the host
    kernel: bool = True  # add ipykernel
    channels: Sequence[str] = ()  # -c additions, highest priority
    channel_alias: str | None = None
    override_channels: bool = False
    offline: bool = False
    update: bool = False
    quiet: bool = True
    config: CondaConfig | None = None  # None -> load_conda_config()
    apt: str = "refuse"  # "conda": apt.txt's conda-forge equivalents join the spec (rees.apt)
    observer: Observer = SILENT  # progress (a live status while solving); never stderr itself


@dataclass
class LockResult:
    """What ``lock`` did: where, for which platforms, how many packages, reused or not."""

    lockfile: Path
    platforms: list[str]
    packages: dict[str, int]  # per platform (conda + pip)
    reused: bool
    up_to_date: bool
    report: Report
    written: bool = False
    channels: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "lockfile": str(self.lockfile),
            "platforms": list(self.platforms),
            "packages": dict(self.packages),
            "reused": self.reused,
            "up_to_date": self.up_to_date,
            "written": self.written,
            "channels": list(self.channels),
        }


class LockRefused(Refused):
    """``check`` found errors: the repository cannot be locked as Binder would build it."""

    def __init__(self, report: Report) -> None:
        super().__init__(report, "locking")


def _config(options: LockOptions) -> CondaConfig:
    config = options.config if options.config is not None else load_conda_config()
    return config.with_channel_alias(options.channel_alias)


def _added_specs(spec: EnvSpec, kernel: bool) -> list[str]:
    """What ``build`` installs besides the spec: ipykernel, and pip (conda and Binder always
    put pip in the environment, so ``%pip install`` works in a notebook)."""
    names = {d.name for d in spec.conda}
    added = []
    if kernel and "ipykernel" not in names:
        added.append("ipykernel")
    if "pip" not in names:
        added.append("pip")
    return added


def _has_pip(spec: EnvSpec) -> bool:
    return any(p.kind != "option" for p in spec.pip)


def content_hashes(
    spec: EnvSpec,
    platforms: Sequence[str],
    channels: Sequence[str],
    kernel: bool,
    env: Mapping[str, str] | None = None,
    channel_priority: str = "flexible",
) -> dict[str, str]:
    """Per-platform content hash (see :func:`rees2conda.resolve.hashing.platform_hash`)."""
    return {
        p: platform_hash(
            spec,
            p,
            channels=channels,
            kernel=kernel,
            virtual_overrides=overrides(p, env),
            channel_priority=channel_priority,
        )
        for p in platforms
    }


def lock_is_fresh(spec: EnvSpec, lockfile: Path, platform: str, options: LockOptions) -> bool:
    """True when ``lockfile`` holds ``platform`` locked from exactly this spec and settings."""
    view = read_view(lockfile)
    existing = view.content_hash if view is not None else None
    if not existing or platform not in existing:
        return False
    config = _config(options)
    names = channel_identity(spec, options.channels, options.override_channels)
    expected = content_hashes(
        spec, [platform], names, options.kernel, channel_priority=config.channel_priority
    )[platform]
    return existing[platform] == expected


def _platforms(options: LockOptions, existing: Mapping[str, str] | None) -> list[str]:
    if options.platforms:
        seen: list[str] = []
        for p in options.platforms:
            if check_platform(p) not in seen:
                seen.append(p)
        return seen
    if existing:
        return sorted(existing)
    return [host_platform()]


def lock(
    path: str | os.PathLike[str],
    *,
    lockfile: Path | None = None,
    options: LockOptions = LockOptions(),  # noqa: B008 - never mutated
    check_only: bool = False,
) -> LockResult:
    """Lock the repository at ``path``; reuse the existing lock when nothing that matters changed.

    ``check_only`` reports freshness (``up_to_date``) without solving or writing anything.
    Raises :class:`LockRefused` when ``check`` has errors, :class:`UserError` on solve failures
    (no file is written or truncated then).
    """
    from rees2conda.rees.reader import read_repository
    from rees2conda.resolve import reuse

    require_directory(path)
    root = Path(path).resolve()
    with reuse.Watch(str(root)) as watch:
        report = read_repository(root, apt=options.apt)
    result = lock_report(report, root, lockfile=lockfile, options=options, check_only=check_only)
    if result.reused and not check_only:
        reuse.record(path, str(root), lockfile, options, watch, result)
    return result


def lock_report(
    report: Report,
    root: Path,
    *,
    lockfile: Path | None = None,
    options: LockOptions = LockOptions(),  # noqa: B008 - never mutated
    check_only: bool = False,
) -> LockResult:
    """:func:`lock` for an already-read repository (tests build the Report themselves)."""
    if report.errors:
        raise LockRefused(report)
    spec = report.spec
    if spec is None:
        raise UserError(f"{report.path}: no environment could be read")
    root = Path(root).resolve()
    result, hashes, urls = _assess(report, spec, root, lockfile, options, check_only)
    if check_only or result.reused:
        return result
    writable = checked_lock_target(result.lockfile, root)  # refuse before the (slow) solve
    result.packages = solve_and_write(
        spec, root, writable, result.platforms, urls, hashes, options, report
    )
    result.up_to_date = True
    result.written = True
    return result


def reusable_lock(
    path: str | os.PathLike[str],
    *,
    lockfile: Path | None = None,
    options: LockOptions = LockOptions(),  # noqa: B008 - never mutated
) -> LockResult | None:
    """The result of :func:`lock` when it would reuse the existing lock, else None.

    Reads and hashes only (no solve, no write, no engine import): the CLI's fast path answers
    an unchanged repository with it and leaves everything else to :func:`lock`.
    """
    from rees2conda.rees.reader import read_repository
    from rees2conda.resolve import reuse

    root = Path(path).resolve()
    if not root.is_dir() or options.update:
        return None
    with reuse.Watch(str(root)) as watch:
        report = read_repository(root, apt=options.apt)
    if report.errors or report.spec is None:
        return None
    result, _, _ = _assess(report, report.spec, root, lockfile, options, check_only=False)
    if not result.reused:
        return None
    reuse.record(path, str(root), lockfile, options, watch, result)
    return result


def _assess(
    report: Report,
    spec: EnvSpec,
    root: Path,
    lockfile: Path | None,
    options: LockOptions,
    check_only: bool,
) -> tuple[LockResult, dict[str, str], list[str]]:
    """Where the lock goes, for which platforms and channels, and whether it is fresh.

    The result is final when ``check_only`` or when the lock is reused (``reused``, package
    counts filled in from the lock's fast view); else the caller solves, with the content hashes
    and the channel URLs returned beside it (the result shows them with tokens masked).
    """
    if lockfile is not None:
        target = Path(lockfile)
    else:
        target = repository_lock_path(root, report.config_dir)
    # not resolved: a symlink at the lock's place must be judged, not silently followed
    target = Path(os.path.abspath(target))
    view = read_view(target) if target.is_file() else None
    existing = view.content_hash if view is not None else None
    platforms = _platforms(options, existing)
    config = _config(options)
    urls = resolve_channels(spec, config, options.channels, options.override_channels)
    names = channel_identity(spec, options.channels, options.override_channels)
    hashes = content_hashes(
        spec, platforms, names, options.kernel, channel_priority=config.channel_priority
    )
    fresh = existing is not None and all(existing.get(p) == h for p, h in hashes.items())
    shown = redact_urls(urls)  # summaries and logs never show a channel token
    result = LockResult(target, platforms, {}, False, fresh, report, channels=shown)
    if check_only or (fresh and not options.update):
        if view is not None:
            counts = view.package_counts()
            result.packages = {p: counts.get(p, 0) for p in platforms}
        result.reused = fresh and not check_only
    return result, hashes, urls


def channel_origins(spec: EnvSpec, config: CondaConfig, options: LockOptions) -> dict[str, str]:
    """Channel URL -> the setting that chose it (for network error messages)."""
    from rees2conda.resolve.channels import channel_names

    origins: dict[str, str] = {}
    for name in channel_names(spec, options.channels, options.override_channels):
        for url in config.expand(name):
            origins.setdefault(url, config.url_origin(name))
    if options.channel_alias:
        origins = {
            u: o.replace("via channel_alias", "via --channel-alias", 1) for u, o in origins.items()
        }
    return origins


def _lock_root(target: Path, root: Path) -> Path:
    """Where a symlink at ``target`` may lead: the repository when ``target`` is in it (as
    written or really), else the folder the user named (``--lockfile`` elsewhere)."""
    base = str(root).rstrip(os.sep) + os.sep
    folders = (os.path.abspath(target.parent), os.path.realpath(target.parent))
    inside = any(f == str(root) or f.startswith(base) for f in folders)
    return root if inside else target.parent


def checked_lock_target(target: Path, root: Path) -> Path:
    """The file writing ``target`` really replaces (see :func:`_lock_root` for where a symlink
    may lead).

    Raises a located :class:`UserError` for a symlink leading out of the repository, a device
    or other non-regular file, or a missing folder (see :mod:`rees2conda.fsutil`).
    """
    from rees2conda.fsutil import checked_target

    return checked_target(target, within=_lock_root(target, root))


def requested_specs(
    spec: EnvSpec, kernel: bool, config: CondaConfig | None = None
) -> list[Requested]:
    """The match specs to solve: the spec's own (with origins) plus what build adds.

    A channel-qualified spec gets the channel URL ``config`` resolves its channel to.
    """
    from rees2conda.resolve.matchspec import solvable
    from rees2conda.resolve.solve import Requested

    config = config or CondaConfig()
    return [Requested(solvable(d.spec, d.channel, config), d) for d in spec.conda] + [
        Requested(s, optional=s == "pip") for s in _added_specs(spec, kernel)
    ]


def solve_and_write(
    spec: EnvSpec,
    root: Path,
    target: Path,
    platforms: Sequence[str],
    channel_urls: Sequence[str],
    hashes: Mapping[str, str],
    options: LockOptions,
    report: Report,
) -> dict[str, int]:
    """Solve every platform (conda, then pip), write the lock atomically, return counts."""
    from rees2conda.resolve.credentials import referenced_values
    from rees2conda.resolve.lockfile import build_lockfile, write_atomic
    from rees2conda.resolve.solve import solve_platforms
    from rees2conda.transport import apply_transport

    apply_transport(_config(options))
    what = f"Fetching repodata and solving for {', '.join(platforms)}…"
    conda = solve_platforms(
        requested_specs(spec, options.kernel, _config(options)),
        channel_urls,
        platforms,
        offline=options.offline,
        status=None if options.quiet else options.observer.status(what),
        channel_priority=_config(options).channel_priority,
        origins=channel_origins(spec, _config(options), options),
    )
    pip = {}
    if _has_pip(spec):
        from concurrent.futures import ThreadPoolExecutor

        from rees2conda.resolve.pypi import resolve_pip

        # one uv process per platform; they spend their time waiting on PyPI, so run together
        with ThreadPoolExecutor(max_workers=len(platforms)) as pool:
            futures = {
                p: pool.submit(resolve_pip, spec.pip, root, p, conda[p], offline=options.offline)
                for p in platforms
            }
            pip = {p: f.result() for p, f in futures.items()}
        from rees2conda.resolve.overlay import apply_pip_overlay

        conda = {
            p: apply_pip_overlay(conda[p], pip[p], spec.pip, p, kernel=options.kernel)
            for p in platforms
        }
    sources = sorted(
        os.path.relpath(root / f.path, target.parent).replace(os.sep, "/")
        for f in report.files
        if f.status == "used"
    )
    model = build_lockfile(
        conda,
        pip,
        content_hashes=hashes,
        # conda-lock records channels as given (names); package URLs carry the mirror
        channel_urls=channel_identity(spec, options.channels, options.override_channels),
        sources=sources,
        lockfile_dir=target.parent,
        root=root,
        secrets=referenced_values(p.line for p in spec.pip),
        apt=spec.apt,
    )
    write_atomic(model, target, within=_lock_root(target, root))
    return {p: len(conda[p]) + len(pip.get(p, [])) for p in platforms}

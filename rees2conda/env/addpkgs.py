"""``conda install SPEC…`` inside a trusted postBuild: solve the env plus the new specs, install.

What conda does to an existing env, with the build's engine: every installed package stays
requested; a first solve pins them all (conda's ``--freeze-installed``), and only when the new
specs cannot fit does a second solve let them move (favouring what is installed, Python pinned:
its pip packages and site-packages stay valid). The result is linked by rattler exactly as the
build links the lock (:func:`rees2conda.env.install.install_conda`: hash-verified cache entries,
URLs inside the channels, the build's credentials and package caches). The packages added are
not in the lock: the stamp counts them (it is written after postBuild), and a later build that
re-applies the lock removes them and runs postBuild again, which adds them back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rees2conda.errors import UserError


@dataclass(frozen=True)
class ShimContext:
    """The build's settings, as :func:`rees2conda.env.shims.build_context` wrote them."""

    prefix: Path
    name: str
    platform: str
    config: Any  # CondaConfig
    lockfile: Path
    lock_channels: list[str]
    pkgs_dir: Path
    read_only_caches: list[Path] = field(default_factory=list)
    offline: bool = False
    allow_foreign_urls: bool = False
    skip: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShimContext:
        from rees2conda.condarc import CondaConfig

        return cls(
            prefix=Path(data["prefix"]),
            name=data["name"],
            platform=data["platform"],
            config=CondaConfig(**data["config"]),
            lockfile=Path(data["lockfile"]),
            lock_channels=list(data["lock_channels"]),
            pkgs_dir=Path(data["pkgs_dir"]),
            read_only_caches=[Path(p) for p in data["read_only_caches"]],
            offline=bool(data["offline"]),
            allow_foreign_urls=bool(data["allow_foreign_urls"]),
            skip=list(data["skip"]),
        )


def installed_records(prefix: Path) -> list[Any]:
    """The env's conda packages, as rattler ``PrefixRecord``s read from ``conda-meta``."""
    from rattler import PrefixRecord

    out = []
    for entry in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            out.append(PrefixRecord.from_path(entry))
        except Exception as exc:  # rattler's parse errors
            raise UserError(f"{entry}: not a readable package record: {exc}") from None
    return out


def channel_urls(ctx: ShimContext, extra: Sequence[str], override: bool) -> list[str]:
    """``-c`` channels first, then the lock's (unless ``--override-channels``), as URLs."""
    names = list(extra) if override else [*extra, *ctx.lock_channels]
    urls: list[str] = []
    for name in names:
        for url in ctx.config.expand(name):
            if url not in urls:
                urls.append(url)
    return urls


def _key(record: Any) -> tuple[str, str, str]:
    return (record.name.normalized, str(record.version), str(record.build))


def add_packages(
    ctx: ShimContext, specs: Sequence[str], extra: Sequence[str], override: bool
) -> list[Any]:
    """Install ``specs`` into the env (with ``-c`` channels ``extra``); the records that were
    added or changed."""
    from rees2conda.env import install as inst
    from rees2conda.model import Origin
    from rees2conda.rees.condaspec import SpecProblem, parse_dep
    from rees2conda.resolve.credentials import install_client
    from rees2conda.resolve.matchspec import qualified_channel_urls, solvable
    from rees2conda.resolve.solve import Requested, solve_onto
    from rees2conda.transport import apply_transport

    if override and not extra:
        raise UserError("--override-channels needs at least one -c/--channel")
    config = ctx.config
    apply_transport(config)
    requested = []
    urls = channel_urls(ctx, extra, override)
    qualified: list[str] = []
    for spec in specs:
        dep = parse_dep(spec, Origin("postBuild (command line)"))
        if isinstance(dep, SpecProblem):
            raise UserError(f"invalid conda match spec {spec!r}: {dep.message}")
        requested.append(Requested(solvable(dep.spec, dep.channel, config), dep))
        if dep.channel:
            qualified.append(dep.channel)
            urls += [u for u in qualified_channel_urls(dep.channel, config) if u not in urls]
    installed = installed_records(ctx.prefix)
    new_names = {r.name for r in requested}
    keep = [Requested(r.name.normalized) for r in installed if r.name.normalized not in new_names]
    common = {
        "offline": ctx.offline,
        "env": os.environ,
        "channel_priority": config.channel_priority,
    }
    try:
        solved = solve_onto([*requested, *keep], urls, ctx.platform, pinned=installed, **common)
    except UserError:
        pinned = [r for r in installed if r.name.normalized == "python"]
        others = [r for r in installed if r.name.normalized != "python"]
        solved = solve_onto(
            [*requested, *keep], urls, ctx.platform, pinned=pinned, favoured=others, **common
        )
    before = {_key(r) for r in installed}
    records = [r for r in solved if r.name.normalized not in ctx.skip]
    changed = [r for r in records if _key(r) not in before]
    if not changed:
        return []
    try:
        inst.install_conda(
            records,
            ctx.prefix,
            cache_dir=ctx.pkgs_dir,
            client=install_client(config),
            lockfile=ctx.lockfile,
            # what the env already holds came from the lock's channels, even with
            # --override-channels
            channels=[*extra, *ctx.lock_channels, *qualified],
            config=config,
            allow_foreign_urls=ctx.allow_foreign_urls,
            offline=ctx.offline,
            read_only_caches=ctx.read_only_caches,
        )
    except BaseException as exc:
        note_failed_install(f"{type(exc).__name__}: {exc}")
        raise
    return changed


def note_failed_install(message: str) -> None:
    """Leave word for the build that linking failed midway: a postBuild that goes on after a
    failed ``conda install`` (``|| true``) must not get a half-linked env sealed as good
    (:func:`rees2conda.env.shims.failed_install` reads it)."""
    from rees2conda.env.shims import CONTEXT_VAR, FAILED_NAME

    where = os.environ.get(CONTEXT_VAR)
    if where:
        with contextlib.suppress(OSError):
            (Path(where).parent / FAILED_NAME).write_text(message, encoding="utf-8")

"""Whether ``build`` has work, and which lock it installs: the first phase.

:func:`decide` runs under the prefix lock on the read repository (after the no-op test of
:mod:`rees2conda.env.noop` failed): it chooses the lock, and finds "nothing to install" when the
spec and the lock are the ones the stamp records, even though some REES file changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rees2conda.env import fingerprint as fp
from rees2conda.env.context import BuildContext
from rees2conda.env.location import resolved_lock_path
from rees2conda.env.noop import same_build
from rees2conda.env.stamp import Stamp, owner_source, write_stamp
from rees2conda.errors import Refused, UserError
from rees2conda.kernel.spec import kernel_owner

if TYPE_CHECKING:
    from typing import Any

    from rees2conda.kernel.register import Registered
    from rees2conda.model import Report
    from rees2conda.resolve.lockfile import LockedEnv


@dataclass
class LockChoice:
    """The lock a build installs and where it comes from."""

    path: Path
    source: str  # repository | resolved | given | frozen
    needs_resolve: bool = False


@dataclass
class BuildPlan:
    """What the phases after :func:`decide` share; each phase fills in its part."""

    report: Report
    choice: LockChoice
    previous: Stamp | None  # the stamp before this build
    fingerprint: dict[str, object]
    spec_hash: str
    seconds: dict[str, float] = field(default_factory=dict)
    #: nothing to install: the caller reports "unchanged" from ``previous``
    nothing_to_do: bool = False
    # filled in by the phases
    locked: LockedEnv | None = None  # resolve
    created: bool = False  # mark: the prefix had no environment before
    repairing: bool = False  # mark: a previous build did not finish
    display_name: str | None = None  # kernels
    notebooks_changed: list[str] = field(default_factory=list)  # notebooks
    notebooks_broken: list[tuple[str, str]] = field(default_factory=list)  # notebooks
    #: trusted scripts this build applies (path -> sha256), and the present ones it skips
    scripts: dict[str, str] = field(default_factory=dict)
    #: install_conda: pip distribution -> the conda package it replaces (for the stamp)
    pip_replaced: dict[str, str] = field(default_factory=dict)
    scripts_skipped: list[str] = field(default_factory=list)
    notebooks_skipped: list[tuple[str, str]] = field(default_factory=list)  # notebooks
    registered: list[Registered] = field(default_factory=list)  # kernels
    warnings: list[str] = field(default_factory=list)  # kernels


def trusted_scripts(ctx: BuildContext, report: Report) -> tuple[dict[str, str], list[str]]:
    """(scripts to apply, scripts present but not trusted); ``--trust`` records its leave."""
    from rees2conda.env import trust

    present = trust.script_hashes(ctx.repo, report.config_dir)
    if ctx.options.trust:
        trust.remember(ctx.repo, present, ctx.env)
        return present, []
    allowed = trust.trusted(ctx.repo, present, ctx.env)
    return allowed, sorted(set(present) - set(allowed))


def read_report(ctx: BuildContext) -> Report:
    """Read the repository once; refuse it when ``check`` finds errors."""
    from rees2conda.rees.reader import read_repository

    report = read_repository(ctx.repo, apt=ctx.options.apt)
    if report.errors:
        raise Refused(report, "building")
    if report.spec is None:
        raise UserError(f"{ctx.repo}: cannot build: no environment could be read from it")
    return report


def used_files(report: Report) -> list[str]:
    """Repository-relative files whose content decides the spec (for the fingerprint)."""
    files = {f.path for f in report.files if f.status == "used"}
    spec = report.spec
    if spec is not None:
        files.update(d.origin.path for d in spec.conda if d.origin and d.origin.path)
        files.update(p.origin.path for p in spec.pip if p.origin and p.origin.path)
        files.update(f for p in spec.pip for f in p.local_files)  # local packages' metadata
        if spec.python_origin is not None and spec.python_origin.path:
            files.add(spec.python_origin.path)
    return sorted(f for f in files if f and not f.startswith(("/", "..")))


def choose_lock(ctx: BuildContext, report: Report) -> LockChoice:
    """The lock to install for ``ctx``'s lock mode; whether it must be resolved first."""
    from rees2conda.resolve.api import lock_is_fresh
    from rees2conda.resolve.lockfile import repository_lock_path

    if ctx.given_lock is not None:
        if not ctx.given_lock.is_file():
            raise UserError(f"{ctx.given_lock}: no such lock file")
        return LockChoice(ctx.given_lock, "given")
    repo_lock = repository_lock_path(ctx.repo, report.config_dir).resolve()
    assert report.spec is not None
    mode = ctx.options.lock_mode
    if mode == "frozen":
        if not repo_lock.is_file():
            raise UserError(
                f"{repo_lock}: no lock file to install (--frozen)",
                hint="run `rees2conda lock` first, or drop --frozen",
            )
        return LockChoice(repo_lock, "frozen")
    lock_options = ctx.lock_options()
    fresh = repo_lock.is_file() and (
        lock_is_fresh(report.spec, repo_lock, ctx.platform, lock_options)
        # a lock made for a kernel (the default of `lock`) also serves a --no-kernel build
        or (
            not lock_options.kernel
            and lock_is_fresh(
                report.spec, repo_lock, ctx.platform, replace(lock_options, kernel=True)
            )
        )
    )
    if fresh:
        return LockChoice(repo_lock, "repository")
    if mode == "locked":
        state = "is stale" if repo_lock.is_file() else "is missing"
        raise UserError(
            f"{repo_lock} {state} (--locked)",
            hint="run `rees2conda lock` and commit the result, or drop --locked",
        )
    cached = resolved_lock_path(ctx.prefix, ctx.env)
    needs = not (
        cached.is_file() and lock_is_fresh(report.spec, cached, ctx.platform, lock_options)
    )
    return LockChoice(cached, "resolved", needs_resolve=needs)


def check_owner(ctx: BuildContext) -> None:
    """Refuse to change an env rees2conda did not make, or made from another repository."""
    prefix = ctx.prefix
    if ctx.options.force or not prefix.exists():
        return
    if prefix.is_dir() and not any(prefix.iterdir()):
        return
    owner = owner_source(prefix)
    if owner is False:
        raise UserError(
            f"{prefix} exists and was not created by rees2conda",
            hint="choose another -n/-p, or use --force to install over it",
        )
    if isinstance(owner, str) and owner != str(ctx.repo):
        raise UserError(
            f"{prefix} was built from another repository ({owner})",
            hint="choose another -n/-p, or use --force to rebuild it from this one",
        )


def check_kernel_owner(ctx: BuildContext) -> None:
    """The kernel name must not steal another env's kernel."""
    kernel = ctx.kernel
    if kernel is None or ctx.options.force or not kernel.dir.exists():
        return
    owner = kernel_owner(kernel.dir)
    if owner != str(ctx.prefix):
        raise UserError(
            f"kernel {kernel.name!r} already exists ({kernel.dir})"
            + (f" and belongs to {owner}" if owner else ""),
            hint="choose another --kernel-name, or use --force to replace it",
        )


def kept_origin(ctx: BuildContext, previous: Stamp | None) -> dict[str, Any] | None:
    """The origin the stamp records: this build's fetch, else (a build of the local folder) the
    fetch that made the folder, as the previous stamp of this repository says."""
    if ctx.options.origin is not None:
        return ctx.options.origin
    if previous is not None and previous.source == str(ctx.repo):
        return previous.origin
    return None


def decide(
    ctx: BuildContext, report: Report, previous: Stamp | None, *, stats: Iterable[str] = ()
) -> BuildPlan:
    """Choose the lock; find whether there is anything to install; refuse what is not ours.

    Call under the prefix lock with the stamp read under it; ``stats`` are the paths the reader
    only looked at (``lstat``, ``realpath``), as :class:`rees2conda.resolve.reuse.Watch` saw
    them. With nothing to install, the
    stamp's fingerprint is refreshed (REES files changed without changing the spec: a postBuild
    appeared, a comment moved) so that the next run takes the fast path again.
    """
    assert report.spec is not None
    t = time.perf_counter()
    choice = choose_lock(ctx, report)
    files = used_files(report)
    if choice.source in ("repository", "frozen"):
        files.append(
            choice.path.relative_to(ctx.repo).as_posix()
            if choice.path.is_relative_to(ctx.repo)
            else str(choice.path)
        )
    scripts, skipped = trusted_scripts(ctx, report)
    files.extend(scripts)
    files.extend(skipped)
    plan = BuildPlan(
        report=report,
        choice=choice,
        previous=previous,
        fingerprint=fp.fingerprint(ctx.repo, files, stats),
        spec_hash=report.spec.content_hash(),
        scripts=scripts,
        scripts_skipped=skipped,
    )
    if (
        not ctx.options.force
        and not choice.needs_resolve
        and previous is not None
        and previous.spec_hash == plan.spec_hash
        and previous.lock_sha256 == fp.file_sha256(choice.path)
        and previous.scripts == scripts
        and same_build(ctx, previous)
    ):
        origin = kept_origin(ctx, previous)
        if previous.fingerprint != plan.fingerprint or previous.origin != origin:
            write_stamp(ctx.prefix, replace(previous, fingerprint=plan.fingerprint, origin=origin))
        plan.nothing_to_do = True
        return plan
    check_owner(ctx)
    check_kernel_owner(ctx)
    plan.seconds["check"] = round(time.perf_counter() - t, 4)
    return plan

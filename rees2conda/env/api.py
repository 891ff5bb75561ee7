"""``build``: the library API behind the command of the same name (list/remove: ``catalog``).

build = options -> context -> decide -> phases, under an inter-process lock:

- :mod:`rees2conda.env.options`: what the user chose (:class:`BuildOptions`);
- :mod:`rees2conda.env.context`: what follows from it and the machine, computed once;
- :mod:`rees2conda.env.noop`: before anything else, a cheap test whether there is anything to
  do at all (the no-op path: stamp, repository fingerprint, a few ``stat`` calls; no engine);
- :mod:`rees2conda.env.decide`: under the prefix lock, on the read repository, whether there is
  work and which lock to install;
- :mod:`rees2conda.env.phases`: the work (resolve, install conda and pip, kernel, stamp,
  notebooks), each phase a function of the context and the plan;
- :mod:`rees2conda.env.stamp`: the record of a finished build.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from rees2conda.env.context import BuildContext, make_context
from rees2conda.env.noop import unchanged_fast
from rees2conda.env.options import BuildOptions, ChannelOptions, KernelOptions
from rees2conda.env.quick import same_origin, skipped_scripts
from rees2conda.env.result import BuildResult
from rees2conda.env.stamp import MARKER_NAME, Stamp, read_stamp
from rees2conda.observe import SILENT, Messages, Observer

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any

Progress = Callable[[str], None]


def build(
    path: str | os.PathLike[str] = ".",
    *,
    name: str | None = None,
    prefix: str | os.PathLike[str] | None = None,
    lockfile: str | os.PathLike[str] | None = None,
    locked: bool = False,
    frozen: bool = False,
    kernel: bool = True,
    kernel_name: str | None = None,
    display_name: str | None = None,
    retarget: bool | None = None,
    force: bool = False,
    offline: bool = False,
    channels: Sequence[str] = (),
    channel_alias: str | None = None,
    override_channels: bool = False,
    trust: bool = False,
    apt: str = "refuse",
    quiet: bool = False,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
    origin: Mapping[str, Any] | None = None,
    allow_foreign_urls: bool = False,
    observer: Observer | None = None,
) -> BuildResult:
    """Create or update the environment of the repository at ``path``; see the module doc.

    ``origin`` says where a fetched repository came from (``rees2conda.sources``); the stamp
    records it.

    The keywords are the command line's flags; :func:`build_with` takes a :class:`BuildOptions`.
    ``retarget``: None rewrites notebooks only where ``path`` holds Binder files (never in a bare
    folder such as ``$HOME``), True always, False never. ``progress`` receives progress lines;
    an ``observer`` (:mod:`rees2conda.observe`) receives everything a user may see (the CLI's
    shows live displays and tools' output too).
    """
    options = BuildOptions.from_flags(
        name=name,
        prefix=prefix,
        lockfile=lockfile,
        locked=locked,
        frozen=frozen,
        kernel=kernel,
        kernel_name=kernel_name,
        display_name=display_name,
        retarget=retarget,
        force=force,
        offline=offline,
        quiet=quiet,
        channels=ChannelOptions(tuple(channels), channel_alias, override_channels),
        trust=trust,
        apt=apt,
        allow_foreign_urls=allow_foreign_urls,
    )
    if origin:
        options = replace(options, origin=dict(origin))
    if observer is None:
        observer = Messages(progress) if progress is not None else SILENT
    return build_with(path, options, observer=observer, env=env)


def build_with(
    path: str | os.PathLike[str],
    options: BuildOptions,
    *,
    observer: Observer = SILENT,
    env: Mapping[str, str] | None = None,
) -> BuildResult:
    """:func:`build` with the options as one value; progress goes to ``observer``."""
    ctx = make_context(path, options, env=env, observer=observer)
    result = no_op(ctx) or build_locked(ctx)
    _keep_record(ctx, path)
    return result


def build_unchanged(
    path: str | os.PathLike[str], options: BuildOptions, *, env: Mapping[str, str] | None = None
) -> BuildResult | None:
    """The "unchanged" result when the no-op test passes, else None (the CLI's fast path)."""
    ctx = make_context(path, options, env=env)
    result = no_op(ctx)
    if result is not None:
        _keep_record(ctx, path)
    return result


def _keep_record(ctx: BuildContext, path: str | os.PathLike[str]) -> None:
    """The no-op record for the console entry's next run (:mod:`rees2conda.env.quick`)."""
    from rees2conda.env.noop import write_record

    write_record(ctx, path)


def no_op(ctx: BuildContext) -> BuildResult | None:
    """The no-op path: stamp, fingerprint, a few ``stat`` calls; nothing on it imports an engine."""
    stamp = read_stamp(ctx.prefix)
    if unchanged_fast(ctx, stamp):
        assert stamp is not None
        return unchanged(ctx, stamp)
    return None


def build_locked(ctx: BuildContext) -> BuildResult:
    """Read the repository once, then decide and run the phases under the prefix lock."""
    from rees2conda.env.decide import decide, read_report
    from rees2conda.env.phases import run_phases
    from rees2conda.locking import DirLock, prefix_lock_dir
    from rees2conda.resolve.reuse import Watch

    t = time.perf_counter()
    with Watch(str(ctx.repo)) as watch:  # what the reader only lstats joins the fingerprint
        report = read_report(ctx)
    read_seconds = round(time.perf_counter() - t, 4)

    def waiting(holder: str) -> None:
        if not ctx.options.quiet:
            ctx.say(f"waiting for {holder} to finish building {ctx.prefix} …")

    with DirLock(prefix_lock_dir(ctx.prefix), on_wait=waiting):
        previous = read_stamp(ctx.prefix)
        plan = decide(ctx, report, previous, stats=watch.stats)
        if plan.nothing_to_do:
            assert previous is not None
            result = unchanged(ctx, previous)
            result.scripts_skipped = list(plan.scripts_skipped)
            if not same_origin(previous.origin, ctx.options.origin):
                _retarget_new_sources(ctx, previous, result)
            return result
        plan.seconds = {"read": read_seconds, **plan.seconds}
        return run_phases(ctx, plan)


def _retarget_new_sources(ctx: BuildContext, previous: Stamp, result: BuildResult) -> None:
    """Fetched sources moved to a new commit with the same spec: point all their notebooks at
    the kernels again (an update may bring new notebooks or restore old ones)."""
    from rees2conda.kernel.notebooks import refresh
    from rees2conda.kernel.retarget import has_rees_files

    if ctx.options.retarget is False or ctx.kernel is None:
        return
    if ctx.options.retarget is None and not has_rees_files(ctx.repo):
        return
    result.take_notebooks(refresh(ctx.repo, ctx.prefix, _stamp_kernels(previous), everything=True))


def _stamp_kernels(stamp: Stamp) -> list[dict[str, str]]:
    """The kernels a build registered (a stamp from before every kernel was listed: Python)."""
    if stamp.kernels or not stamp.kernel_name:
        return list(stamp.kernels)
    name, shown = stamp.kernel_name, stamp.display_name or stamp.kernel_name
    return [{"name": name, "display_name": shown, "language": "python"}]


def unchanged(ctx: BuildContext, stamp: Stamp) -> BuildResult:
    """The result when the env already is what the repository asks for.

    Notebooks added since the last build (a ``git pull``) are still pointed at their kernel: a
    ``stat`` per folder tells whether there are any (:func:`rees2conda.kernel.notebooks.refresh`).
    """
    result = BuildResult(
        action="unchanged",
        name=ctx.target.name,
        prefix=str(ctx.prefix),
        source=str(ctx.repo),
        kernel_name=stamp.kernel_name,
        display_name=stamp.display_name,
        kernel_dir=stamp.kernel_dir,
        kernels=list(stamp.kernels),
        lockfile=stamp.lockfile,
        lock_source=stamp.lock_source,
        platform=ctx.platform,
        conda_packages=stamp.conda_packages,
        pip_packages=len(stamp.pip),
        scripts=dict(stamp.scripts),
        # repeated by a no-op unless quiet (a login script does not nag at every login)
        scripts_skipped=[] if ctx.options.quiet else skipped_scripts(stamp.to_json()),
        seconds={"total": round(time.perf_counter() - ctx.started, 4)},
    )
    if ctx.options.retarget is not False and ctx.kernel is not None:
        from rees2conda.kernel.notebooks import refresh

        asked = ctx.options.retarget is True
        result.take_notebooks(refresh(ctx.repo, ctx.prefix, _stamp_kernels(stamp), asked=asked))
    return result


__all__ = [
    "MARKER_NAME",
    "BuildOptions",
    "BuildResult",
    "ChannelOptions",
    "KernelOptions",
    "build",
    "build_unchanged",
    "build_with",
]

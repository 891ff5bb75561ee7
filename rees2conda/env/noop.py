"""The no-op test of ``build``: is the environment already what the repository asks for?

Runs before the repository is read, at every login on shared machines: the stamp, the
repository fingerprint and a few ``stat`` calls; no rattler, uv, conda-lock, pydantic, rich, click
or YAML parser. A miss costs time (the repository is read and :mod:`rees2conda.env.decide`
looks again), never correctness. The test itself is
:func:`rees2conda.env.quick.stamp_matches` (plain data, shared with the console entry's fast
path); this module feeds it a ``BuildContext`` and writes the no-op record that lets the
console entry answer the next run without computing a context at all.
"""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda import records
from rees2conda.env import quick
from rees2conda.env.context import BuildContext
from rees2conda.env.options import BuildOptions
from rees2conda.env.stamp import Stamp
from rees2conda.errors import UserError

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any


def conda_meta_count(prefix: Path) -> int:
    """Package records in ``conda-meta`` (-1 without one): a cheap test of a damaged env."""
    return quick.conda_meta_count(str(prefix))


def _identity(ctx: BuildContext) -> dict[str, Any]:
    """What a stamp must name to be this build's: repository, prefix, kernel, options, home."""
    return {
        "repo": str(ctx.repo),
        "prefix": str(ctx.prefix),
        "kernel_dir": str(ctx.kernel.dir) if ctx.kernel is not None else None,
        "options_key": ctx.options_key(),
        "home": str(ctx.home),
    }


def same_build(ctx: BuildContext, stamp: Stamp) -> bool:
    """Same repository and options, env intact and registered."""
    return quick.same_build(stamp.to_json(), **_identity(ctx))


def unchanged_fast(ctx: BuildContext, stamp: Stamp | None) -> bool:
    """The no-op test: same source, options, origin and repository fingerprint, env intact."""
    if stamp is None or ctx.options.force:
        return False
    return quick.stamp_matches(
        stamp.to_json(),
        **_identity(ctx),
        env=ctx.env,
        given_lock=str(ctx.given_lock) if ctx.given_lock is not None else None,
        trust=ctx.options.trust,
        origin=ctx.options.origin,
    )


def fields_from_options(options: BuildOptions) -> dict[str, Any] | None:
    """The no-op record's ``fields`` for ``options`` (as :func:`quick.fields_from_flags` makes
    them from the console entry's flags), or None for options the console entry never answers
    itself (trust, channels, apt, force, a fetched source)."""
    if (
        options.force
        or options.trust
        or options.origin is not None
        or options.apt != "refuse"
        or options.allow_foreign_urls
        or not options.channels.is_default
        or options.retarget is True
    ):
        return None
    kernel = options.kernel
    return {
        "name": options.name,
        "prefix": os.fspath(options.prefix) if options.prefix is not None else None,
        "lockfile": os.fspath(options.lockfile) if options.lockfile is not None else None,
        "mode": options.lock_mode,
        "kernel": kernel.register,
        "kernel_name": kernel.name,
        "display_name": kernel.display_name,
        "retarget": options.retarget,
        "offline": options.offline,
    }


def write_record(ctx: BuildContext, path: str | os.PathLike[str]) -> None:
    """Keep what this build found for its invocation (target, kernel folder, options key, and
    the conda configuration they came from), so that the console entry can answer the next
    no-op run from the stamp alone. Best effort: a record that cannot be made is skipped."""
    from rees2conda.env.location import envs_dirs

    fields = fields_from_options(ctx.options)
    if fields is None:
        return
    try:
        earlier: list[str] = []
        if not ctx.target.by_path:
            for d in envs_dirs(ctx.env, ctx.config):
                if d / ctx.target.name == ctx.prefix:
                    break
                earlier.append(str(d))
        config = records.config_signatures(ctx.env, str(ctx.home))
    except (OSError, ValueError, UserError):
        return
    record = {
        "config": config,
        "home_real": os.path.realpath(records.home_of(ctx.env)),
        "name": ctx.target.name,
        "earlier": earlier,
        # the record is keyed by the invocation, which holds HOME already
        **{k: v for k, v in _identity(ctx).items() if k != "home"},
    }
    try:
        inv = records.invocation(os.fspath(path), fields, ctx.env)
    except OSError:  # no working folder (removed under the shell): no record
        return
    records.keep_record(inv, record, ctx.env)

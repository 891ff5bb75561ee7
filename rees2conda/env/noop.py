"""The no-op test of ``build``: is the environment already what the repository asks for?

Runs before the repository is read, at every login on shared machines: the stamp, the
repository fingerprint and a few ``stat`` calls; no rattler, uv, conda-lock, pydantic, rich, click
or YAML parser. A miss costs time (the repository is read and :mod:`rees2conda.env.decide`
looks again), never correctness.
"""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda.env import fingerprint as fp
from rees2conda.env import registry
from rees2conda.env.context import BuildContext
from rees2conda.env.stamp import STAMP_NAME, Stamp, is_incomplete
from rees2conda.kernel.spec import kernel_intact, kernel_owner, python_path


def conda_meta_count(prefix: Path) -> int:
    """Package records in ``conda-meta`` (-1 without one): a cheap test of a damaged env."""
    try:
        names = os.listdir(prefix / "conda-meta")
    except OSError:
        return -1
    return sum(1 for n in names if n.endswith(".json") and n not in (STAMP_NAME,))


def env_intact(ctx: BuildContext, stamp: Stamp) -> bool:
    """A few ``stat`` calls that catch a damaged or half-removed env and a deleted kernel."""
    prefix = ctx.prefix
    kdir = ctx.kernel.dir if ctx.kernel is not None else None
    if is_incomplete(prefix) or stamp.prefix != str(prefix):
        return False
    if conda_meta_count(prefix) != stamp.conda_packages:
        return False
    if stamp.has_python and not python_path(prefix).exists():
        return False
    if kdir is not None and (stamp.kernel_dir != str(kdir) or not kernel_intact(kdir, prefix)):
        return False
    # the env's other kernels (R, bash, ...): still there and still ours
    if any(kernel_owner(str(k.get("dir"))) != str(prefix) for k in stamp.kernels):
        return False
    return kdir is not None or stamp.kernel_dir is None


def same_build(ctx: BuildContext, stamp: Stamp) -> bool:
    """Same repository and options, env intact and registered."""
    return (
        stamp.source == str(ctx.repo)
        and stamp.options == ctx.options_key()
        and env_intact(ctx, stamp)
        and registry.registered(ctx.prefix, ctx.home)
    )


def unchanged_fast(ctx: BuildContext, stamp: Stamp | None) -> bool:
    """The no-op test: same source, options and repository fingerprint, env intact."""
    if stamp is None or ctx.options.force or not same_build(ctx, stamp):
        return False
    if ctx.given_lock is not None and fp.file_sha256(ctx.given_lock) != stamp.given_lock_sha256:
        return False
    if ctx.options.trust and _untrusted_scripts_present(stamp):
        return False
    if stamp.origin != ctx.options.origin:
        return False
    return fp.matches(ctx.repo, stamp.fingerprint)


def _untrusted_scripts_present(stamp: Stamp) -> bool:
    """``--trust`` was given and a postBuild/start exists that the stamp did not apply."""
    names = stamp.fingerprint.get("names") or []
    return any(
        n.rsplit("/", 1)[-1] in ("postBuild", "start") and n not in stamp.scripts for n in names
    )

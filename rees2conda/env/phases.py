"""The phases of a build that has work, in order; each a function of (context, plan).

resolve -> mark -> conda -> pip -> postBuild -> bytecode -> smoke test -> kernels -> seal ->
notebooks.
Everything that changes the prefix happens between ``mark`` (the incomplete marker) and ``seal``
(the stamp, then the marker goes), so a build killed at any moment leaves the previous env or a
marked one; the smoke test makes sure that what is sealed works. Notebooks come after the
seal: they live outside the env, and a failure there never breaks it. A new phase is one
function and one entry in :data:`PHASES`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rees2conda import __version__
from rees2conda.env import fingerprint as fp
from rees2conda.env import registry
from rees2conda.env.context import BuildContext
from rees2conda.env.decide import BuildPlan, kept_origin
from rees2conda.env.diskfull import reported_disk_full
from rees2conda.env.noop import conda_meta_count
from rees2conda.env.result import BuildResult
from rees2conda.env.stamp import Stamp, clear_marker, is_incomplete, write_marker, write_stamp
from rees2conda.errors import UserError
from rees2conda.kernel.spec import python_path

if TYPE_CHECKING:
    from typing import TextIO

    from rees2conda.resolve.lockfile import LockedEnv


def _count(n: int, noun: str) -> str:
    """``1 pip package``, ``3 pip packages``."""
    return f"{n} {noun}{'s' * (n != 1)}"


def pkgs_dir(ctx: BuildContext) -> Path:
    """The first writable package cache of conda's ``pkgs_dirs`` (else ``~/.conda/pkgs``)."""
    for d in [*ctx.config.pkgs_dirs, str(ctx.home / ".conda" / "pkgs")]:
        path = Path(d).expanduser()
        probe = path
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        if os.access(probe, os.W_OK | os.X_OK):
            return path
    raise UserError("no writable package cache", hint="set pkgs_dirs in ~/.condarc")


def read_only_caches(ctx: BuildContext, writable: Path) -> list[Path]:
    """The other existing caches of ``pkgs_dirs`` (say, a group's read-only one): conda reads
    packages from them, so a build copies verified packages from there before downloading."""
    out = []
    for d in ctx.config.pkgs_dirs:
        path = Path(d).expanduser()
        if path != writable and path.is_dir() and path not in out:
            out.append(path)
    return out


def _tool_output(ctx: BuildContext) -> TextIO | None:
    """Where uv's output goes: the observer's stream, nowhere when quiet."""
    return None if ctx.options.quiet else ctx.observer.tool_output()


def _locked(plan: BuildPlan) -> LockedEnv:
    assert plan.locked is not None, "the resolve phase runs first"
    return plan.locked


# -- the phases -------------------------------------------------------------------------------
def resolve(ctx: BuildContext, plan: BuildPlan) -> None:
    """Lock the already-read repository when the chosen lock is stale; read its packages."""
    from rees2conda.resolve.api import lock_report, read_locked_packages
    from rees2conda.transport import apply_transport

    apply_transport(ctx.config)  # CA bundle and proxies for rattler and uv, as conda's
    choice = plan.choice
    if choice.needs_resolve:
        ctx.say(f"resolving {ctx.repo.name} for {ctx.platform} …")
        choice.path.parent.mkdir(parents=True, exist_ok=True)
        lock_report(plan.report, ctx.repo, lockfile=choice.path, options=ctx.lock_options())
    plan.locked = read_locked_packages(choice.path, ctx.platform)
    _rebase_onto_configured_channels(ctx, choice.path, plan.locked)
    if not plan.locked.conda:
        raise UserError(
            f"{choice.path}: no conda packages for {ctx.platform}",
            hint="lock the repository for this platform: rees2conda lock",
        )


def _rebase_onto_configured_channels(ctx: BuildContext, lockfile: Path, locked: LockedEnv) -> None:
    """Download from the mirror configured here, not the one the lock was made through."""
    from rees2conda.resolve.lockfile import read_channels
    from rees2conda.resolve.rebase import rebase_records

    config = ctx.config.with_channel_alias(ctx.options.channels.channel_alias)
    locked.conda = rebase_records(locked.conda, read_channels(lockfile), config)


def mark(ctx: BuildContext, plan: BuildPlan) -> None:
    """Write the incomplete marker: from here until :func:`seal` the prefix is not trusted."""
    prefix = ctx.prefix
    plan.created = not (prefix / "conda-meta").is_dir() or conda_meta_count(prefix) <= 0
    plan.repairing = is_incomplete(prefix)
    write_marker(prefix, str(ctx.repo))


def install_conda(ctx: BuildContext, plan: BuildPlan) -> None:
    """conda packages (rattler diffs against conda-meta: only what changed moves).

    pip packages the new lock no longer has go first, while the env's python still runs them.
    Another Python minor version: all pip packages leave the old site-packages (reinstalled by
    the pip phase) and conda packages living there are relinked into the new one.
    """
    from rees2conda.env import install as inst
    from rees2conda.resolve.credentials import install_client, without_channel_tokens

    locked = _locked(plan)
    records = without_channel_tokens(list(locked.conda))  # the token travels in `client`
    # conda packages a locked pip package replaced in an earlier build are not linked again
    # (they would overwrite pip's files, and unlinking them later would delete those files)
    pip_names = {p.name for p in locked.pip}
    earlier = plan.previous.pip_replaced if plan.previous is not None else {}
    plan.pip_replaced = {d: c for d, c in earlier.items() if d in pip_names}
    records = [r for r in records if r.name.normalized not in plan.pip_replaced.values()]
    python = python_path(ctx.prefix)
    old_pip = set(plan.previous.pip if plan.previous is not None else [])
    stale_pip = old_pip - {p.name for p in locked.pip}
    moved = inst.python_change(ctx.prefix, records)
    if moved is not None:
        ctx.say(f"Python {moved[0]} -> {moved[1]}: rebuilding its site-packages …")
        stale_pip = old_pip
    if stale_pip and python.exists():
        inst.uninstall_pip(stale_pip, python, quiet=ctx.options.quiet, output=_tool_output(ctx))
    # --force relinks everything (the way out of damage no check can see); a repair what is broken
    reinstall = {r.name.normalized for r in records} if ctx.options.force else set()
    reinstall |= inst.damaged_packages(ctx.prefix) if plan.repairing else set()
    if moved is not None:
        wanted = {r.name.normalized for r in records} - {"python"}
        reinstall |= inst.packages_under(ctx.prefix, f"lib/python{moved[0]}/site-packages") & wanted
    ctx.say(f"installing {_count(len(records), 'conda package')} into {ctx.prefix} …")
    reporter = None if ctx.options.quiet else ctx.observer.install_reporter()
    pkgs = pkgs_dir(ctx)
    prepared = inst.install_conda(
        records,
        ctx.prefix,
        cache_dir=pkgs,
        reinstall=reinstall,
        reporter=reporter,
        # the configured channel token goes into the downloads, never into conda-meta
        client=install_client(ctx.config.with_channel_alias(ctx.options.channels.channel_alias)),
        lockfile=plan.choice.path,
        config=ctx.config.with_channel_alias(ctx.options.channels.channel_alias),
        allow_foreign_urls=ctx.options.allow_foreign_urls,
        offline=ctx.options.offline,
        on_wait=lambda: ctx.say(f"waiting for the package cache {pkgs} …"),
        read_only_caches=read_only_caches(ctx, pkgs),
    )
    for entry, why in prepared.quarantined:
        ctx.say(f"moved aside the broken package cache entry {pkgs / entry} ({why}); fetched again")
    if moved is not None:
        inst.drop_old_python_lib(ctx.prefix, moved[0])
    # a pip package replaces a conda one the lock did not name (an unmapped name): conda
    # unlinks it first, so no two .dist-info of one distribution are left
    if locked.pip:
        owned = inst.conda_installed_dists(ctx.prefix)
        found = {p.name: owned[p.name] for p in locked.pip if p.name in owned}
        plan.pip_replaced.update(found)
        replaced = set(found.values())
        if replaced:
            records = [r for r in records if r.name.normalized not in replaced]
            inst.install_conda(
                records,
                ctx.prefix,
                cache_dir=pkgs,
                reporter=reporter,
                client=install_client(
                    ctx.config.with_channel_alias(ctx.options.channels.channel_alias)
                ),
                lockfile=plan.choice.path,
                config=ctx.config.with_channel_alias(ctx.options.channels.channel_alias),
                allow_foreign_urls=ctx.options.allow_foreign_urls,
                offline=ctx.options.offline,
                on_wait=lambda: ctx.say(f"waiting for the package cache {pkgs} …"),
                read_only_caches=read_only_caches(ctx, pkgs),
            )


def install_pip(ctx: BuildContext, plan: BuildPlan) -> None:
    """pip packages from the locked URLs, then local sources (``pip install .``)."""
    from rees2conda.env import install as inst
    from rees2conda.resolve.credentials import index_auth_lines

    locked = _locked(plan)
    remote = [p for p in locked.pip if not p.local_path]
    local = [p for p in locked.pip if p.local_path]
    if not remote and not local:
        return
    python = python_path(ctx.prefix)
    if not python.exists():
        raise UserError(f"{plan.choice.path}: pip packages locked but no python in the env")
    if remote:
        ctx.say(f"installing {_count(len(remote), 'pip package')} …")
        # private indexes: their ${VAR} credentials, for uv to expand (the lock holds none)
        spec_pip = plan.report.spec.pip if plan.report.spec is not None else []
        inst.install_pip(
            remote,
            python,
            offline=ctx.options.offline,
            quiet=ctx.options.quiet,
            index_lines=index_auth_lines(spec_pip),
            output=_tool_output(ctx),
        )
    if local:
        paths = [((ctx.repo / str(p.local_path)).resolve(), p.editable) for p in local]
        ctx.say("installing the repository's own package …")
        inst.install_local(
            paths,
            python,
            offline=ctx.options.offline,
            quiet=ctx.options.quiet,
            output=_tool_output(ctx),
        )


def bytecode(ctx: BuildContext, plan: BuildPlan) -> None:
    """``.pyc`` for the noarch python packages this build linked (:mod:`.bytecode`)."""
    from rees2conda.env.bytecode import compile_files, linked_since
    from rees2conda.env.stamp import marker_path

    try:
        since = marker_path(ctx.prefix).stat().st_mtime
    except OSError:
        return
    compile_files(python_path(ctx.prefix), Path(ctx.prefix), linked_since(Path(ctx.prefix), since))


def smoke(ctx: BuildContext, plan: BuildPlan) -> None:
    """The env's python runs (and imports ipykernel when a kernel is registered)."""
    from rees2conda.env.smoke import smoke_test

    smoke_test(ctx.prefix, python_path(ctx.prefix), kernel=ctx.kernel is not None)


def kernels(ctx: BuildContext, plan: BuildPlan) -> None:
    """Register every kernel the env ships (:mod:`rees2conda.kernel.register`); drop the ones
    a previous build registered that this one does not (renamed, gone, ``--no-kernel``)."""
    import subprocess

    from rees2conda.kernel import register as reg

    locked = _locked(plan)
    python_version = next(
        (
            ".".join(str(r.version).split(".")[:2])
            for r in locked.conda
            if r.name.normalized == "python"
        ),
        None,
    )
    kernel = ctx.kernel
    if kernel is not None:
        from rees2conda.kernel.activation import activation_env

        plan.display_name = kernel.display_name_for(ctx.target.name, python_version)
        if not python_path(ctx.prefix).exists():
            raise UserError(
                f"{ctx.prefix}: no python in the environment for the kernel",
                hint="add python to the dependencies, or use --no-kernel",
            )
        try:
            activation = activation_env(ctx.prefix)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            # no bash, or a package's activation script fails: the kernel still gets PATH and
            # CONDA_PREFIX; say what is missing rather than fail the whole build
            activation = {}
            ctx.say(f"warning: activation scripts of {ctx.prefix} not applied: {exc}")
        planned = reg.plan(
            ctx.prefix,
            python_name=kernel.name,
            python_display=plan.display_name,
            env_name=ctx.target.name,
        )
        # a trusted `start` runs before every kernel, as Binder runs it before a session
        from rees2conda.env.scripts import wrap_with_start

        start = next((rel for rel in plan.scripts if rel.rsplit("/", 1)[-1] == "start"), None)

        # without it, the kernel folder is swapped in whole without the wrapper files
        def wrap(spec: dict[str, Any], directory: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
            assert start is not None
            return wrap_with_start(spec, directory, ctx.repo, ctx.repo / start)

        plan.registered = reg.register(
            ctx.prefix,
            planned,
            env_name=ctx.target.name,
            activation=activation,
            source=str(ctx.repo),
            version=__version__,
            env=ctx.env,
            force=ctx.options.force,
            wrap=wrap if start is not None else None,
        )
        plan.warnings = reg.shadowed(plan.registered, ctx.env)
    previous = plan.previous
    old = [dict(k) for k in previous.kernels] if previous is not None else []
    if previous is not None and previous.kernel_dir:
        old.append({"dir": previous.kernel_dir})
    reg.drop_stale(ctx.prefix, old, keep=[r.dir for r in plan.registered])


def post_build(ctx: BuildContext, plan: BuildPlan) -> None:
    """The trusted ``postBuild``, after pip, inside the env (Binder's order)."""
    rel = next((r for r in plan.scripts if r.rsplit("/", 1)[-1] == "postBuild"), None)
    if rel is None:
        return
    import subprocess

    from rees2conda.env.scripts import run_post_build
    from rees2conda.env.shims import build_context, conda_shims, failed_install
    from rees2conda.kernel.activation import activation_env

    try:
        activation = activation_env(ctx.prefix)
    except (OSError, RuntimeError, subprocess.SubprocessError):
        activation = {}
    ctx.say(f"running {rel} (trusted) …")
    pkgs = pkgs_dir(ctx)
    context = build_context(
        prefix=ctx.prefix,
        name=ctx.target.name,
        platform=ctx.platform,
        config=ctx.config.with_channel_alias(ctx.options.channels.channel_alias),
        lockfile=plan.choice.path,
        pkgs_dir=pkgs,
        read_only_caches=read_only_caches(ctx, pkgs),
        offline=ctx.options.offline,
        allow_foreign_urls=ctx.options.allow_foreign_urls,
        skip=list(plan.pip_replaced.values()),
    )
    # `conda install …` / `mamba install …` in the script: rees2conda's engine, this build's
    # channels and caches (the packages it adds are counted by the stamp, written after)
    with conda_shims(context) as shims:
        run_post_build(
            ctx.repo / rel,
            repo=ctx.repo,
            prefix=ctx.prefix,
            activation=activation,
            quiet=ctx.options.quiet,
            echo=ctx.say,
            rel=rel,
            shims=shims,
        )
        failed = failed_install(shims)
    if failed is not None:  # the script went on (`|| true`): the env is half-linked
        raise UserError(
            f"{rel}: a `conda install` it ran failed while linking packages: {failed}",
            hint="the environment is marked incomplete; fix postBuild, then run the build again",
        )


def seal(ctx: BuildContext, plan: BuildPlan) -> None:
    """Register the env, write the stamp (last), clear the marker."""
    from rees2conda.env.perms import share_conda_meta

    locked = _locked(plan)
    prefix = ctx.prefix
    share_conda_meta(prefix)  # group members run it too: conda-meta readable as umask allows
    choice = plan.choice
    kernel = ctx.kernel
    registry.add(prefix, ctx.home)
    stamp = Stamp(
        source=str(ctx.repo),
        name=ctx.target.name,
        prefix=str(prefix),
        platform=ctx.platform,
        options=ctx.options_key(),
        spec_hash=plan.spec_hash,
        fingerprint=dict(plan.fingerprint),
        lockfile=str(choice.path),
        lock_source=choice.source,
        lock_sha256=fp.file_sha256(choice.path),
        given_lock_sha256=fp.file_sha256(ctx.given_lock) if ctx.given_lock else None,
        conda_packages=conda_meta_count(prefix),
        has_python=python_path(prefix).exists(),
        pip=sorted({p.name for p in locked.pip}),
        kernel_name=kernel.name if kernel is not None else None,
        display_name=plan.display_name if kernel is not None else None,
        kernel_dir=str(kernel.dir) if kernel is not None else None,
        kernels=[r.to_json() for r in plan.registered],
        built=time.time(),
        version=__version__,
        scripts=dict(plan.scripts),
        origin=kept_origin(ctx, plan.previous),
        pip_replaced=dict(plan.pip_replaced),
    )
    write_stamp(prefix, stamp)
    clear_marker(prefix)


def notebooks(ctx: BuildContext, plan: BuildPlan) -> None:
    """Point the repository's notebooks at the kernel of their language and record it (never
    fatal: notebooks left alone are listed). A folder without Binder files is left alone unless
    asked (``--retarget``)."""
    from rees2conda.kernel import notebooks as nbs
    from rees2conda.kernel.register import by_language
    from rees2conda.kernel.retarget import has_rees_files

    if ctx.options.retarget is None and not has_rees_files(ctx.repo):
        nbs.disable(ctx.prefix, ctx.repo)
        return
    res = nbs.apply(ctx.repo, ctx.prefix, by_language(plan.registered))
    plan.notebooks_changed = res.changed
    plan.notebooks_broken = res.broken
    plan.notebooks_skipped = res.skipped


# -- the order --------------------------------------------------------------------------------
def _always(ctx: BuildContext) -> bool:
    return True


@dataclass(frozen=True)
class Phase:
    """One step of a build: ``run`` when ``when`` holds; ``timed`` phases appear in ``seconds``."""

    name: str
    run: Callable[[BuildContext, BuildPlan], None]
    when: Callable[[BuildContext], bool] = _always
    timed: bool = True


PHASES: tuple[Phase, ...] = (
    Phase("lock", resolve),
    Phase("mark", mark, timed=False),
    Phase("conda", install_conda),
    Phase("pip", install_pip),
    Phase("postBuild", post_build),
    Phase("bytecode", bytecode),
    Phase("smoke", smoke),
    Phase("kernel", kernels),
    Phase("seal", seal, timed=False),
    Phase(
        "retarget",
        notebooks,
        when=lambda ctx: ctx.options.retarget is not False and ctx.kernel is not None,
    ),
)


@reported_disk_full
def run_phases(ctx: BuildContext, plan: BuildPlan) -> BuildResult:
    """Run :data:`PHASES` in order on a plan that has work; the result says what was done."""
    for phase in PHASES:
        if not phase.when(ctx):
            continue
        t = time.perf_counter()
        phase.run(ctx, plan)
        if phase.timed:
            plan.seconds[phase.name] = round(time.perf_counter() - t, 4)
    return finished(ctx, plan)


def finished(ctx: BuildContext, plan: BuildPlan) -> BuildResult:
    """The result of a build that ran its phases."""
    locked = _locked(plan)
    kernel = ctx.kernel
    plan.seconds["total"] = round(time.perf_counter() - ctx.started, 4)
    return BuildResult(
        action="created" if plan.created else "updated",
        name=ctx.target.name,
        prefix=str(ctx.prefix),
        source=str(ctx.repo),
        kernel_name=kernel.name if kernel is not None else None,
        display_name=plan.display_name if kernel is not None else None,
        kernel_dir=str(kernel.dir) if kernel is not None else None,
        lockfile=str(plan.choice.path),
        lock_source=plan.choice.source,
        platform=ctx.platform,
        conda_packages=len(locked.conda),
        pip_packages=len(locked.pip),
        notebooks_changed=list(plan.notebooks_changed),
        notebooks_broken=list(plan.notebooks_broken),
        scripts=dict(plan.scripts),
        scripts_skipped=list(plan.scripts_skipped),
        notebooks_skipped=list(plan.notebooks_skipped),
        kernels=[r.to_json() for r in plan.registered],
        warnings=list(plan.warnings),
        seconds=plan.seconds,
    )

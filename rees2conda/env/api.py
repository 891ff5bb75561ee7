"""``build``: the library API behind the command of the same name (list/remove: ``catalog``).

build = check -> lock -> install -> kernel -> stamp, in that order, under an inter-process lock.
Before taking the lock, a cheap test decides whether there is anything to do at all (the no-op
path: stamp, repository fingerprint, a few ``stat`` calls; no rattler, uv, conda-lock, pydantic
or rich). Everything that changes a prefix happens between writing the incomplete marker and
writing the stamp, so a build killed at any moment leaves the previous env or a marked one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rees2conda import __version__
from rees2conda.env import fingerprint as fp
from rees2conda.env import registry
from rees2conda.env.location import Target, resolve_target, resolved_lock_path
from rees2conda.env.stamp import (
    MARKER_NAME,
    STAMP_NAME,
    clear_marker,
    is_incomplete,
    owner_source,
    read_stamp,
    write_marker,
    write_stamp,
)
from rees2conda.errors import UsageError, UserError
from rees2conda.kernel.spec import (
    kernel_dir,
    kernel_intact,
    kernel_name_for,
    kernel_owner,
    python_path,
    valid_kernel_name,
)

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig
    from rees2conda.model import Report

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """What ``build`` did; ``to_json`` is the ``--json`` summary."""

    action: str  # "created" | "updated" | "unchanged"
    name: str
    prefix: str
    source: str
    kernel_name: str | None = None
    display_name: str | None = None
    kernel_dir: str | None = None
    lockfile: str | None = None
    lock_source: str | None = None  # "repository" | "resolved" | "given" | "frozen"
    platform: str | None = None
    conda_packages: int = 0
    pip_packages: int = 0
    notebooks_changed: list[str] = field(default_factory=list)
    notebooks_broken: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["packages"] = {"conda": self.conda_packages, "pip": self.pip_packages}
        data["notebooks_broken"] = [{"path": p, "reason": r} for p, r in self.notebooks_broken]
        return data


# -- small helpers ----------------------------------------------------------------------------
def _pkgs_dir(config: CondaConfig, env: Mapping[str, str]) -> Path:
    """The first writable package cache of conda's ``pkgs_dirs`` (else ``~/.conda/pkgs``)."""
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    for d in [*config.pkgs_dirs, str(home / ".conda" / "pkgs")]:
        path = Path(d).expanduser()
        probe = path
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        if os.access(probe, os.W_OK | os.X_OK):
            return path
    raise UserError("no writable package cache", hint="set pkgs_dirs in ~/.condarc")


def _config_key(config: CondaConfig) -> str:
    """What in conda's configuration could change the lock (channels and mirrors)."""
    blob = json.dumps(
        [config.channel_alias, config.custom_channels, config.default_channels, config.channels],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _conda_meta_count(prefix: Path) -> int:
    try:
        names = os.listdir(prefix / "conda-meta")
    except OSError:
        return -1
    return sum(1 for n in names if n.endswith(".json") and n not in (STAMP_NAME,))


def _count(n: int, noun: str) -> str:
    """``1 pip package``, ``3 pip packages``."""
    return f"{n} {noun}{'s' * (n != 1)}"


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _host_platform() -> str:
    from rees2conda.resolve.virtual import host_platform

    return host_platform()


# -- the no-op decision ----------------------------------------------------------------------
def _env_intact(stamp: Mapping[str, Any], target: Target, kdir: Path | None) -> bool:
    """A few ``stat`` calls that catch a damaged or half-removed env and a deleted kernel."""
    prefix = target.prefix
    if is_incomplete(prefix) or stamp.get("prefix") != str(prefix):
        return False
    if _conda_meta_count(prefix) != stamp.get("conda_packages"):
        return False
    if stamp.get("has_python") and not python_path(prefix).exists():
        return False
    if kdir is not None and (
        stamp.get("kernel_dir") != str(kdir) or not kernel_intact(kdir, prefix)
    ):
        return False
    return kdir is not None or stamp.get("kernel_dir") is None


def _options_key(
    *,
    kernel: bool,
    kernel_name: str | None,
    display_name: str | None,
    mode: str,
    lockfile: Path | None,
    platform: str,
    config: CondaConfig,
) -> dict[str, Any]:
    return {
        "kernel": kernel,
        "kernel_name": kernel_name,
        "display_name": display_name,
        "mode": mode,
        "lockfile": str(lockfile) if lockfile else None,
        "platform": platform,
        "config": _config_key(config),
    }


def _stamp_matches(
    stamp: Mapping[str, Any] | None,
    repo: Path,
    options: Mapping[str, Any],
    target: Target,
    kdir: Path | None,
    registry_home: Path | None,
) -> bool:
    """The fast test: same source, options and repository fingerprint, env intact."""
    if stamp is None or stamp.get("source") != str(repo) or stamp.get("options") != options:
        return False
    if not _env_intact(stamp, target, kdir):
        return False
    if not registry.registered(target.prefix, registry_home):
        return False
    given = stamp.get("given_lock_sha256")
    if options.get("lockfile") and fp.file_sha256(options["lockfile"]) != given:
        return False
    return fp.matches(repo, stamp.get("fingerprint"))


# -- reading and lock choice -----------------------------------------------------------------
def _read(repo: Path) -> Report:
    from rees2conda.rees.reader import read_repository

    report = read_repository(repo)
    if not report.ok or report.spec is None:
        first = report.errors[0] if report.errors else None
        where = (
            f"{first.path}:{first.line}: "
            if first and first.path and first.line
            else (f"{first.path}: " if first and first.path else "")
        )
        what = first.message if first else "no environment could be read from it"
        raise UserError(
            f"{repo}: cannot build: {where}{what}",
            hint="run `rees2conda check` for all findings",
        )
    return report


def _used_files(report: Report) -> list[str]:
    """Repository-relative files whose content decides the spec (for the fingerprint)."""
    files = {f.path for f in report.files if f.status == "used"}
    spec = report.spec
    if spec is not None:
        files.update(d.origin.path for d in spec.conda if d.origin and d.origin.path)
        files.update(p.origin.path for p in spec.pip if p.origin and p.origin.path)
        if spec.python_origin is not None and spec.python_origin.path:
            files.add(spec.python_origin.path)
    return sorted(f for f in files if f and not f.startswith(("/", "..")))


@dataclass
class _LockChoice:
    path: Path
    source: str  # repository | resolved | given | frozen
    needs_resolve: bool = False


def _choose_lock(
    repo: Path,
    report: Report,
    *,
    lockfile: Path | None,
    locked: bool,
    frozen: bool,
    lock_options: Any,
    platform: str,
    prefix: Path,
    env: Mapping[str, str],
) -> _LockChoice:
    from rees2conda.resolve.api import lock_is_fresh

    if lockfile is not None:
        if not lockfile.is_file():
            raise UserError(f"{lockfile}: no such lock file")
        return _LockChoice(lockfile, "given")
    repo_lock = (repo / report.config_dir / "conda-lock.yml").resolve()
    assert report.spec is not None
    if frozen:
        if not repo_lock.is_file():
            raise UserError(
                f"{repo_lock}: no lock file to install (--frozen)",
                hint="run `rees2conda lock` first, or drop --frozen",
            )
        return _LockChoice(repo_lock, "frozen")
    fresh = repo_lock.is_file() and (
        lock_is_fresh(report.spec, repo_lock, platform, lock_options)
        # a lock made for a kernel (the default of `lock`) also serves a --no-kernel build
        or (
            not lock_options.kernel
            and lock_is_fresh(report.spec, repo_lock, platform, replace(lock_options, kernel=True))
        )
    )
    if fresh:
        return _LockChoice(repo_lock, "repository")
    if locked:
        state = "is stale" if repo_lock.is_file() else "is missing"
        raise UserError(
            f"{repo_lock} {state} (--locked)",
            hint="run `rees2conda lock` and commit the result, or drop --locked",
        )
    cached = resolved_lock_path(prefix, env)
    needs = not (cached.is_file() and lock_is_fresh(report.spec, cached, platform, lock_options))
    return _LockChoice(cached, "resolved", needs_resolve=needs)


# -- build ------------------------------------------------------------------------------------
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
    retarget: bool = True,
    force: bool = False,
    offline: bool = False,
    quiet: bool = False,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
) -> BuildResult:
    """Create or update the environment of the repository at ``path``; see the module doc."""
    from rees2conda.condarc import load_conda_config

    t0 = time.perf_counter()
    env = os.environ if env is None else env
    # the real path identifies the repository (a symlinked checkout is the same one); the name
    # the user sees (and the default env name) comes from the path as given
    repo = Path(os.path.realpath(path))
    if not repo.is_dir():
        raise UserError(f"{path}: not a directory")
    if locked and frozen:
        raise UsageError("give either --locked or --frozen, not both")
    if lockfile is not None and (locked or frozen):
        raise UsageError("--lockfile installs the given file as is: drop --locked/--frozen")
    if kernel_name is not None and not valid_kernel_name(kernel_name):
        raise UsageError(
            f"invalid kernel name {kernel_name!r}", hint="use letters, digits, '.', '_' and '-'"
        )
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    config = load_conda_config(env=env, home=home)
    target = resolve_target(os.path.abspath(path), name=name, prefix=prefix, env=env, config=config)
    given = Path(os.path.abspath(lockfile)) if lockfile is not None else None
    mode = "lockfile" if given else "frozen" if frozen else "locked" if locked else "default"
    platform = _host_platform()
    options = _options_key(
        kernel=kernel,
        kernel_name=kernel_name,
        display_name=display_name,
        mode=mode,
        lockfile=given,
        platform=platform,
        config=config,
    )
    kname = kernel_name or kernel_name_for(target.name)
    kdir = kernel_dir(kname, env) if kernel else None

    def unchanged(stamp: Mapping[str, Any]) -> BuildResult:
        return BuildResult(
            action="unchanged",
            name=target.name,
            prefix=str(target.prefix),
            source=str(repo),
            kernel_name=stamp.get("kernel_name"),
            display_name=stamp.get("display_name"),
            kernel_dir=stamp.get("kernel_dir"),
            lockfile=stamp.get("lockfile"),
            lock_source=stamp.get("lock_source"),
            platform=platform,
            conda_packages=int(stamp.get("conda_packages") or 0),
            pip_packages=len(stamp.get("pip") or []),
            seconds={"total": round(time.perf_counter() - t0, 4)},
        )

    # 1. the no-op path: nothing below imports an engine
    stamp = read_stamp(target.prefix)
    if not force and _stamp_matches(stamp, repo, options, target, kdir, home):
        assert stamp is not None
        return unchanged(stamp)

    # 2. read the repository and decide the lock (import-light: hashes only)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    report = _read(repo)
    assert report.spec is not None
    from rees2conda.resolve.api import LockOptions

    lock_options = LockOptions(
        platforms=[platform], kernel=kernel, offline=offline, quiet=quiet, config=config
    )
    seconds["read"] = round(time.perf_counter() - t, 4)

    from rees2conda.env.locking import DirLock, prefix_lock_dir

    def waiting(holder: str) -> None:
        if not quiet:
            _say(progress, f"waiting for {holder} to finish building {target.prefix} …")

    with DirLock(prefix_lock_dir(target.prefix), on_wait=waiting):
        t = time.perf_counter()
        stamp = read_stamp(target.prefix)
        choice = _choose_lock(
            repo,
            report,
            lockfile=given,
            locked=locked,
            frozen=frozen,
            lock_options=lock_options,
            platform=platform,
            prefix=target.prefix,
            env=env,
        )
        files = _used_files(report)
        if choice.source in ("repository", "frozen"):
            files.append(
                choice.path.relative_to(repo).as_posix()
                if choice.path.is_relative_to(repo)
                else str(choice.path)
            )
        finger = fp.fingerprint(repo, files)
        spec_hash = report.spec.content_hash()
        if (
            not force
            and not choice.needs_resolve
            and stamp is not None
            and stamp.get("source") == str(repo)
            and stamp.get("options") == options
            and stamp.get("spec_hash") == spec_hash
            and stamp.get("lock_sha256") == fp.file_sha256(choice.path)
            and _env_intact(stamp, target, kdir)
            and registry.registered(target.prefix, home)
        ):
            # same spec and lock: nothing to install. When REES files changed without changing
            # the spec (a postBuild appeared, a comment moved), refresh the stamp's fingerprint
            # so the next run takes the fast path again.
            if stamp.get("fingerprint") != finger:
                write_stamp(target.prefix, {**stamp, "fingerprint": finger})
            return unchanged(stamp)
        _check_owner(target, repo, force)
        seconds["check"] = round(time.perf_counter() - t, 4)
        return _materialise(
            repo=repo,
            report=report,
            target=target,
            choice=choice,
            lock_options=lock_options,
            platform=platform,
            options=options,
            finger=finger,
            spec_hash=spec_hash,
            stamp=stamp,
            kernel=kernel,
            kname=kname,
            kdir=kdir,
            display_name=display_name,
            retarget=retarget,
            force=force,
            offline=offline,
            quiet=quiet,
            progress=progress,
            config=config,
            env=env,
            home=home,
            given=given,
            seconds=seconds,
            t0=t0,
        )


def _check_owner(target: Target, repo: Path, force: bool) -> None:
    """Refuse to change an env rees2conda did not make, or made from another repository."""
    prefix = target.prefix
    if not prefix.exists():
        return
    if prefix.is_dir() and not any(prefix.iterdir()):
        return
    owner = owner_source(prefix)
    if owner is False and not force:
        raise UserError(
            f"{prefix} exists and was not created by rees2conda",
            hint="choose another -n/-p, or use --force to install over it",
        )
    if isinstance(owner, str) and owner != str(repo) and not force:
        raise UserError(
            f"{prefix} was built from another repository ({owner})",
            hint="choose another -n/-p, or use --force to rebuild it from this one",
        )


def _materialise(
    *,
    repo: Path,
    report: Report,
    target: Target,
    choice: _LockChoice,
    lock_options: Any,
    platform: str,
    options: dict[str, Any],
    finger: dict[str, Any],
    spec_hash: str,
    stamp: Mapping[str, Any] | None,
    kernel: bool,
    kname: str,
    kdir: Path | None,
    display_name: str | None,
    retarget: bool,
    force: bool,
    offline: bool,
    quiet: bool,
    progress: Progress | None,
    config: CondaConfig,
    env: Mapping[str, str],
    home: Path,
    given: Path | None,
    seconds: dict[str, float],
    t0: float,
) -> BuildResult:
    """Everything after the decision that there is work: lock, install, kernel, stamp."""
    from rees2conda.env import install as inst
    from rees2conda.resolve.api import lock, read_locked_packages

    prefix = target.prefix
    # the kernel name must not steal another env's kernel
    if kdir is not None and kdir.exists() and not force:
        owner = kernel_owner(kdir)
        if owner != str(prefix):
            raise UserError(
                f"kernel {kname!r} already exists ({kdir})"
                + (f" and belongs to {owner}" if owner else ""),
                hint="choose another --kernel-name, or use --force to replace it",
            )

    t = time.perf_counter()
    if choice.needs_resolve:
        _say(progress, f"resolving {repo.name} for {platform} …")
        choice.path.parent.mkdir(parents=True, exist_ok=True)
        lock(repo, lockfile=choice.path, options=lock_options)
    locked_env = read_locked_packages(choice.path, platform)
    seconds["lock"] = round(time.perf_counter() - t, 4)
    records = list(locked_env.conda)
    if not records:
        raise UserError(
            f"{choice.path}: no conda packages for {platform}",
            hint="lock the repository for this platform: rees2conda lock",
        )
    pip_remote = [p for p in locked_env.pip if not getattr(p, "local_path", None)]
    pip_local = [p for p in locked_env.pip if getattr(p, "local_path", None)]

    created = not (prefix / "conda-meta").is_dir() or _conda_meta_count(prefix) <= 0
    repairing = is_incomplete(prefix)
    write_marker(prefix, str(repo))

    # 1. conda packages (rattler diffs against conda-meta: only what changed moves)
    t = time.perf_counter()
    python = python_path(prefix)
    old_pip = set((stamp or {}).get("pip") or [])
    new_pip = {p.name for p in locked_env.pip}
    stale_pip = old_pip - new_pip
    if stale_pip and python.exists():
        inst.uninstall_pip(stale_pip, python, quiet=quiet)
    reinstall = inst.damaged_packages(prefix) if repairing else set()
    _say(progress, f"installing {_count(len(records), 'conda package')} into {prefix} …")
    pkgs = _pkgs_dir(config, env)
    reporter = None
    if not quiet and sys.stderr.isatty():
        from rees2conda.env.progress import make_reporter

        reporter = make_reporter()
    inst.install_conda(records, prefix, cache_dir=pkgs, reinstall=reinstall, reporter=reporter)
    seconds["conda"] = round(time.perf_counter() - t, 4)

    # 2. pip packages from the locked URLs, then local sources (`pip install .`)
    t = time.perf_counter()
    if pip_remote or pip_local:
        if not python.exists():
            raise UserError(f"{choice.path}: pip packages locked but no python in the env")
        if pip_remote:
            _say(progress, f"installing {_count(len(pip_remote), 'pip package')} …")
            inst.install_pip(pip_remote, python, offline=offline, quiet=quiet)
        if pip_local:
            base = repo
            paths = [
                ((base / p.local_path).resolve(), bool(getattr(p, "editable", False)))
                for p in pip_local
            ]
            _say(progress, "installing the repository's own package …")
            inst.install_local(paths, python, offline=offline, quiet=quiet)
    seconds["pip"] = round(time.perf_counter() - t, 4)

    # 3. kernel (and drop the kernel a previous build registered under another name)
    t = time.perf_counter()
    python_version = next(
        (".".join(str(r.version).split(".")[:2]) for r in records if r.name.normalized == "python"),
        None,
    )
    dname = display_name or (
        f"Python {python_version} ({target.name})" if python_version else f"Python ({target.name})"
    )
    old_kdir = (stamp or {}).get("kernel_dir")
    if (
        old_kdir
        and (kdir is None or old_kdir != str(kdir))
        and kernel_owner(old_kdir) == str(prefix)
    ):
        from rees2conda.kernel.spec import remove_kernelspec

        remove_kernelspec(old_kdir)
    if kdir is not None:
        from rees2conda.kernel.activation import activation_env
        from rees2conda.kernel.spec import build_kernelspec, write_kernelspec

        if not python.exists():
            raise UserError(
                f"{prefix}: no python in the environment for the kernel",
                hint="add python to the dependencies, or use --no-kernel",
            )
        import subprocess

        try:
            activation = activation_env(prefix)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            # no bash, or a package's activation script fails: the kernel still gets PATH and
            # CONDA_PREFIX; say what is missing rather than fail the whole build
            activation = {}
            _say(progress, f"warning: activation scripts of {prefix} not applied: {exc}")
        spec = build_kernelspec(
            prefix,
            display_name=dname,
            env_name=target.name,
            activation=activation,
            source=str(repo),
            version=__version__,
        )
        write_kernelspec(kdir, spec, prefix)
    seconds["kernel"] = round(time.perf_counter() - t, 4)

    # 4. register, stamp (last), clear the marker
    registry.add(prefix, home)
    write_stamp(
        prefix,
        {
            "tool": "rees2conda",
            "version": __version__,
            "source": str(repo),
            "name": target.name,
            "prefix": str(prefix),
            "platform": platform,
            "options": options,
            "spec_hash": spec_hash,
            "fingerprint": finger,
            "lockfile": str(choice.path),
            "lock_source": choice.source,
            "lock_sha256": fp.file_sha256(choice.path),
            "given_lock_sha256": fp.file_sha256(given) if given else None,
            "conda_packages": _conda_meta_count(prefix),
            "has_python": python.exists(),
            "pip": sorted(new_pip),
            "kernel_name": kname if kdir is not None else None,
            "display_name": dname if kdir is not None else None,
            "kernel_dir": str(kdir) if kdir is not None else None,
            "built": time.time(),
        },
    )
    clear_marker(prefix)

    result = BuildResult(
        action="created" if created else "updated",
        name=target.name,
        prefix=str(prefix),
        source=str(repo),
        kernel_name=kname if kdir else None,
        display_name=dname if kdir else None,
        kernel_dir=str(kdir) if kdir else None,
        lockfile=str(choice.path),
        lock_source=choice.source,
        platform=platform,
        conda_packages=len(records),
        pip_packages=len(locked_env.pip),
        seconds=seconds,
    )
    # 5. notebooks (outside the env: after the stamp, a failure here never breaks the env)
    if retarget and kdir is not None:
        from rees2conda.kernel.retarget import retarget as do_retarget

        t = time.perf_counter()
        res = do_retarget(repo, name=kname, display_name=dname)
        result.notebooks_changed = res.changed
        result.notebooks_broken = res.broken
        seconds["retarget"] = round(time.perf_counter() - t, 4)
    seconds["total"] = round(time.perf_counter() - t0, 4)
    return result


__all__ = ["MARKER_NAME", "BuildResult", "build"]

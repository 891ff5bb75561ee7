"""``list_envs`` and ``remove``: the environments rees2conda built, found from the registry
(``~/.conda/environments.txt``) and conda's envs folders, told apart by their stamp or marker."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rees2conda.env import fingerprint as fp
from rees2conda.env import registry
from rees2conda.env.location import find_named, resolved_lock_path
from rees2conda.env.stamp import owner_source, read_marker, read_stamp
from rees2conda.errors import UserError
from rees2conda.kernel.spec import kernel_owner
from rees2conda.paths import home_dir

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig

Progress = Callable[[str], None]


@dataclass
class EnvInfo:
    """One environment rees2conda built, for ``list``."""

    name: str
    prefix: str
    source: str | None
    kernel: str | None
    state: str  # "ok" | "stale" | "incomplete" | "gone" (a kernel whose env was deleted)
    #: trusted scripts the build applied (postBuild, start): path -> sha256
    trusted_scripts: dict[str, str] = field(default_factory=dict)
    #: where a fetched repository came from (URL, commit or record version), from the stamp
    origin: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.origin is None:  # a local folder: the JSON stays as it was
            del data["origin"]
        return data


def _candidate_prefixes(env: Mapping[str, str], config: CondaConfig | None) -> list[Path]:
    from rees2conda.env.location import envs_dirs

    home = home_dir(env)
    seen: dict[str, Path] = {}
    # keyed by real path: an env linked into an envs folder (and registered by either
    # path) is listed once
    for line in registry.list_registered(home):
        seen.setdefault(os.path.realpath(line), Path(os.path.abspath(line)))
    for d in envs_dirs(env, config):
        try:
            children = sorted(d.iterdir())
        except OSError:
            continue
        for child in children:
            if child.is_dir() and not child.name.startswith("."):
                seen.setdefault(os.path.realpath(child), child)
    return list(seen.values())


def list_envs(env: Mapping[str, str] | None = None) -> list[EnvInfo]:
    """Environments rees2conda built (registered or in an envs folder), with their state.

    ``stale`` means the source repository is gone or its files changed since the build (a
    cheap test; ``build`` decides for sure); ``incomplete`` means a build did not finish.
    """
    env = os.environ if env is None else env
    out: list[EnvInfo] = []
    for prefix in _candidate_prefixes(env, None):
        stamp = read_stamp(prefix)
        marker = read_marker(prefix)
        if stamp is None and marker is None:
            continue
        if stamp is not None:
            source: str | None = stamp.source
        else:
            raw = (marker or {}).get("source")
            source = raw if isinstance(raw, str) else None
        if marker is not None:
            state = "incomplete"
        elif (
            stamp is None
            or not source
            or not Path(source).is_dir()
            or not fp.matches(source, stamp.fingerprint)
        ):
            state = "stale"
        else:
            state = "ok"
        out.append(
            EnvInfo(
                name=(stamp.name if stamp is not None else "") or prefix.name,
                prefix=str(prefix),
                source=source,
                kernel=stamp.kernel_name if stamp is not None else None,
                state=state,
                trusted_scripts=dict(stamp.scripts) if stamp is not None else {},
                origin=stamp.origin if stamp is not None else None,
            )
        )
    from rees2conda.kernel.register import orphans

    for o in orphans(env):  # kernels whose env was deleted behind our back
        out.append(EnvInfo(o.env_name, o.prefix, o.source, o.name, "gone"))
    return out


def _find(name: str, env: Mapping[str, str]) -> Path | None:
    """The prefix ``remove NAME`` means: a named env, a path, or a ``-p`` env by the name
    ``list`` shows for it."""
    prefix = find_named(name, env)
    if prefix is not None:
        return prefix
    matches = [
        candidate
        for candidate in _candidate_prefixes(env, None)
        if (stamp := read_stamp(candidate)) is not None and name in (stamp.name, candidate.name)
    ]
    if len(matches) > 1:
        raise UserError(
            f"{len(matches)} environments are called {name!r}: "
            + ", ".join(str(m) for m in matches),
            hint="give the prefix path to remove one",
        )
    return matches[0] if matches else None


def _remove_orphans(name: str, env: Mapping[str, str]) -> EnvInfo | None:
    """Remove the kernels ``list`` shows as ``gone`` under ``name`` (env or kernel name)."""
    from rees2conda.kernel.register import orphans
    from rees2conda.kernel.spec import remove_kernelspec

    found = [o for o in orphans(env) if name in (o.env_name, o.name)]
    for o in found:
        remove_kernelspec(o.dir)
    if not found:
        return None
    first = found[0]
    names = ", ".join(o.name for o in found)
    return EnvInfo(first.env_name, first.prefix, first.source, names, "removed")


def remove(
    name: str,
    *,
    env: Mapping[str, str] | None = None,
    quiet: bool = False,
    progress: Progress | None = None,
) -> EnvInfo:
    """Remove an env rees2conda built: its kernel, its environments.txt entry, then the prefix.

    ``name`` is an env name or a prefix path. The prefix is first renamed away (atomic), so a
    removal killed half way never leaves a half-deleted env under the env's name. When the
    name is a symlink to the env (``~/.conda/envs/foo -> /scratch/foo``), the env it points to
    is removed (when rees2conda built it), then the link: renaming the link alone would remove
    nothing.
    """
    env = os.environ if env is None else env
    home = home_dir(env)
    prefix = _find(name, env)
    if prefix is None:
        gone = _remove_orphans(name, env)
        if gone is not None:
            return gone
        raise UserError(f"no environment named {name!r}", hint="see `rees2conda list`")
    real = Path(os.path.realpath(prefix)) if prefix.is_symlink() else prefix
    if owner_source(real) is False:
        what = f"{prefix} (a link to {real})" if real != prefix else str(prefix)
        raise UserError(
            f"{what} was not created by rees2conda; not removing it",
            hint="remove it with conda (conda env remove -p PREFIX)",
        )
    if real != prefix and not quiet and progress is not None:
        progress(f"{prefix} is a symbolic link to {real}: removing the environment and the link")
    return _remove_locked(prefix, real, env=env, home=home, quiet=quiet, progress=progress)


def _links_to(real: Path, prefix: Path, env: Mapping[str, str]) -> list[Path]:
    """Symlinks naming the env ``real``: ``prefix`` itself, and links in the envs folders."""
    from rees2conda.env.location import envs_dirs

    links = [prefix] if prefix.is_symlink() else []
    for folder in envs_dirs(env, None):
        try:
            children = list(folder.iterdir())
        except OSError:
            continue
        links += [
            c
            for c in children
            if c.is_symlink() and c not in links and os.path.realpath(c) == str(real)
        ]
    return links


def _remove_locked(
    prefix: Path,
    real: Path,
    *,
    env: Mapping[str, str],
    home: Path,
    quiet: bool,
    progress: Progress | None,
) -> EnvInfo:
    """The removal proper, under the build lock of every path the env is known by."""
    import shutil
    from contextlib import ExitStack

    from rees2conda.kernel.spec import remove_kernelspec
    from rees2conda.locking import DirLock, prefix_lock_dir

    def waiting(holder: str) -> None:
        if not quiet and progress is not None:
            progress(f"waiting for {holder} to finish with {prefix} …")

    with ExitStack() as stack:
        for path in dict.fromkeys([prefix, real]):  # a build may hold either name's lock
            stack.enter_context(DirLock(prefix_lock_dir(path), on_wait=waiting))
        stamp = read_stamp(real)
        info = EnvInfo(
            name=(stamp.name if stamp is not None else "") or prefix.name,
            prefix=str(real),
            source=stamp.source if stamp is not None else None,
            kernel=stamp.kernel_name if stamp is not None else None,
            state="removed",
        )
        known = {str(prefix), str(real), stamp.prefix if stamp is not None else str(real)}
        kdirs = [str(k.get("dir")) for k in stamp.kernels] if stamp is not None else []
        if stamp is not None and stamp.kernel_dir:
            kdirs.append(stamp.kernel_dir)
        for kdir in dict.fromkeys(kdirs):
            if kernel_owner(kdir) in known:
                remove_kernelspec(kdir)
        # every notebook build rewrote gets its original kernelspec back
        from rees2conda.kernel.notebooks import restore

        restored, left = restore(real)
        if not quiet and progress is not None:
            for rel in restored:
                progress(f"restored the kernelspec of {rel}")
            for rel, why in left:
                progress(f"left {rel}: {why}")
        for known_path in known:
            registry.remove(known_path, home)
        trash = real.parent / f".{real.name}.rees2conda-trash-{os.getpid()}"
        try:
            os.rename(real, trash)
        except OSError as exc:
            raise UserError(f"cannot remove {real}: {exc.strerror or exc}") from None
        for link in _links_to(real, prefix, env):
            link.unlink()  # now dangling: the name the user knew it by, and any other
        shutil.rmtree(trash, ignore_errors=True)
        # leftovers of removals killed half way (their prefix was already renamed away)
        for old in real.parent.glob(f".{real.name}.rees2conda-trash-*"):
            shutil.rmtree(old, ignore_errors=True)
        for known_path in known:
            cached = resolved_lock_path(Path(known_path), env)
            if cached.exists():
                shutil.rmtree(cached.parent, ignore_errors=True)
        if trash.exists():
            raise UserError(
                f"{info.name} is removed, but some of its files could not be deleted: {trash}",
                hint="delete that folder by hand (check its permissions)",
            )
    return info

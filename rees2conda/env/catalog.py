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
    state: str  # "ok" | "stale" | "incomplete"
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

    home = Path(env.get("HOME") or os.path.expanduser("~"))
    seen: dict[str, Path] = {}
    for line in registry.list_registered(home):
        seen.setdefault(os.path.abspath(line), Path(os.path.abspath(line)))
    for d in envs_dirs(env, config):
        try:
            children = sorted(d.iterdir())
        except OSError:
            continue
        for child in children:
            if child.is_dir() and not child.name.startswith("."):
                seen.setdefault(str(child), child)
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
    return out


def remove(
    name: str,
    *,
    env: Mapping[str, str] | None = None,
    quiet: bool = False,
    progress: Progress | None = None,
) -> EnvInfo:
    """Remove an env rees2conda built: its kernel, its environments.txt entry, then the prefix.

    ``name`` is an env name or a prefix path. The prefix is first renamed away (atomic), so a
    removal killed half way never leaves a half-deleted env under the env's name.
    """
    import shutil

    from rees2conda.env.locking import DirLock, prefix_lock_dir
    from rees2conda.kernel.spec import remove_kernelspec

    env = os.environ if env is None else env
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    prefix = find_named(name, env)
    if prefix is None:
        raise UserError(f"no environment named {name!r}", hint="see `rees2conda list`")
    if owner_source(prefix) is False:
        raise UserError(
            f"{prefix} was not created by rees2conda; not removing it",
            hint="remove it with conda (conda env remove -p PREFIX)",
        )

    def waiting(holder: str) -> None:
        if not quiet and progress is not None:
            progress(f"waiting for {holder} to finish with {prefix} …")

    with DirLock(prefix_lock_dir(prefix), on_wait=waiting):
        stamp = read_stamp(prefix)
        info = EnvInfo(
            name=(stamp.name if stamp is not None else "") or prefix.name,
            prefix=str(prefix),
            source=stamp.source if stamp is not None else None,
            kernel=stamp.kernel_name if stamp is not None else None,
            state="removed",
        )
        kdir = stamp.kernel_dir if stamp is not None else None
        if kdir and kernel_owner(kdir) == str(prefix):
            remove_kernelspec(kdir)
        registry.remove(prefix, home)
        trash = prefix.parent / f".{prefix.name}.rees2conda-trash-{os.getpid()}"
        os.rename(prefix, trash)
        shutil.rmtree(trash, ignore_errors=True)
        # leftovers of removals killed half way (their prefix was already renamed away)
        for old in prefix.parent.glob(f".{prefix.name}.rees2conda-trash-*"):
            shutil.rmtree(old, ignore_errors=True)
        cached = resolved_lock_path(prefix, env)
        if cached.exists():
            shutil.rmtree(cached.parent, ignore_errors=True)
    return info

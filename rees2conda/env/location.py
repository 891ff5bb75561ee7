"""Where an environment goes: conda's envs folders for ``-n NAME``, a given ``-p DIR`` otherwise.

conda's rule for a named env: an existing env of that name in any envs folder wins, else the
first writable folder of ``envs_dirs`` (condarc, ``CONDA_ENVS_DIRS``/``CONDA_ENVS_PATH``), then
``~/.conda/envs``. Without ``-n``/``-p`` the name is the repository's folder name, sanitised to
what conda accepts (letters, digits, ``.``, ``_``, ``-``; anything else becomes ``-``).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rees2conda.errors import UsageError, UserError
from rees2conda.paths import cache_home, home_dir

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig

_BAD = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Target:
    """A resolved environment location."""

    name: str
    prefix: Path
    #: True when the user gave ``-p`` (the name is then the folder's name)
    by_path: bool = False


def sanitize_name(raw: str) -> str:
    """A conda-acceptable env name from a folder name (``My Repo!`` -> ``My-Repo``)."""
    name = _BAD.sub("-", raw).strip("-.")
    return name or "env"


def default_name(repo: str | os.PathLike[str]) -> str:
    return sanitize_name(Path(os.path.abspath(repo)).name)


def envs_dirs(
    env: Mapping[str, str] | None = None, config: CondaConfig | None = None
) -> list[Path]:
    """conda's envs folders in order (the condarc module merges the ``CONDA_*`` variables)."""
    from rees2conda.condarc import load_conda_config

    env = os.environ if env is None else env
    home = home_dir(env)
    cfg = config if config is not None else load_conda_config(env=env, home=home)
    dirs = [Path(d).expanduser() for d in cfg.envs_dirs]
    dirs.append(home / ".conda" / "envs")
    seen: set[str] = set()
    out: list[Path] = []
    for d in dirs:
        key = os.path.abspath(d)
        if key not in seen:
            seen.add(key)
            out.append(Path(key))
    return out


def _writable(folder: Path) -> bool:
    """Whether ``folder`` exists and is writable, or could be created."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def resolve_target(
    repo: str | os.PathLike[str],
    *,
    name: str | None = None,
    prefix: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    config: CondaConfig | None = None,
) -> Target:
    """Turn ``-n``/``-p``/nothing into a :class:`Target`."""
    if name and prefix:
        raise UsageError("give either -n/--name or -p/--prefix, not both")
    if prefix is not None:
        path = Path(os.path.abspath(os.path.expanduser(prefix)))
        return Target(name=path.name, prefix=path, by_path=True)
    if name is not None:
        if not name or _BAD.search(name) or name in (".", ".."):
            raise UsageError(
                f"invalid environment name {name!r}",
                hint="use letters, digits, '.', '_' and '-' (or -p DIR for a path)",
            )
    else:
        name = default_name(repo)
    dirs = envs_dirs(env, config)
    for d in dirs:
        if (d / name / "conda-meta").is_dir():
            return Target(name=name, prefix=d / name)
    for d in dirs:
        if _writable(d):
            return Target(name=name, prefix=d / name)
    raise UserError(
        "no writable envs folder: " + ", ".join(str(d) for d in dirs),
        hint="set envs_dirs in ~/.condarc or CONDA_ENVS_PATH, or use -p DIR",
    )


def find_named(
    name: str, env: Mapping[str, str] | None = None, config: CondaConfig | None = None
) -> Path | None:
    """The prefix of an existing env called ``name`` (by path when ``name`` holds a slash)."""
    if os.sep in name:
        path = Path(os.path.abspath(os.path.expanduser(name)))
        return path if (path / "conda-meta").is_dir() else None
    for d in envs_dirs(env, config):
        if (d / name / "conda-meta").is_dir():
            return d / name
    return None


def resolved_lock_path(prefix: Path, env: Mapping[str, str]) -> Path:
    """Where a lock resolved for ``prefix`` is kept (never inside the repository)."""
    key = hashlib.sha256(str(prefix).encode()).hexdigest()[:16]
    return cache_home(env) / "locks" / key / "conda-lock.yml"

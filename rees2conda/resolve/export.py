"""``export``: a lock as files plain conda installs, rendered by conda-lock itself.

conda-lock owns the lock format, so its library reads the lock (any version it reads, from
rees2conda or from conda-lock) and renders one platform as an ``@EXPLICIT`` file
(``conda create --file``) or a pinned environment.yml (``conda env create -f``). It is imported
here only, when ``export`` runs: never on the no-op, check or lock-reuse paths.
"""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda.errors import UsageError, UserError, require_directory
from rees2conda.resolve.lockfile import repository_lock_path
from rees2conda.resolve.virtual import check_platform, host_platform

#: what ``--kind`` takes -> conda-lock's name for it
KINDS = {"explicit": "explicit", "env": "env"}


def export(
    path: str | os.PathLike[str] = ".",
    *,
    lockfile: str | os.PathLike[str] | None = None,
    platform: str | None = None,
    kind: str = "explicit",
) -> str:
    """One platform of the repository's lock (or ``lockfile``) as an explicit file or env.yml.

    The repository's lock is the one ``rees2conda lock`` writes (in the Binder folder, else the
    root); the platform defaults to this machine's.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}", hint="use explicit or env")
    if lockfile is None:
        from rees2conda.rees.reader import read_repository

        require_directory(path)
        root = Path(path).resolve()
        lock_path = repository_lock_path(root, read_repository(root).config_dir)
        if not lock_path.is_file():
            raise UserError(f"{lock_path}: no lock file", hint="run `rees2conda lock` first")
    else:
        lock_path = Path(os.path.abspath(lockfile))
        if not lock_path.is_file():
            raise UserError(f"{lock_path}: no such lock file")
    target = check_platform(platform) if platform else host_platform()
    model = _parse(lock_path)
    platforms = sorted({p.platform for p in model.package})
    if target not in platforms:
        raise UserError(
            f"{lock_path} has no packages for {target} (it has: {', '.join(platforms) or 'none'})",
            hint=f"run: rees2conda lock -p {target}",
        )
    from conda_lock.conda_lock import render_lockfile_for_platform

    lines = render_lockfile_for_platform(
        lockfile=model,
        include_dev_dependencies=False,
        extras=None,
        kind=KINDS[kind],
        platform=target,
        suppress_warning_for_pip_and_explicit=True,
    )
    return "\n".join(lines) + "\n"


def _parse(lock_path: Path):  # type: ignore[no-untyped-def]  # conda-lock's Lockfile, lazily
    """The lock as conda-lock's model; a file it cannot read is a one-line error."""
    from conda_lock.lockfile import parse_conda_lock_file

    try:
        return parse_conda_lock_file(lock_path)
    except Exception as exc:  # pydantic, YAML and version errors alike: the file is the problem
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"{lock_path}: not a conda-lock file conda-lock can read: {first}"
        ) from None

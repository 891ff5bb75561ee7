"""Register every kernel an environment ships, the way nb_conda_kernels finds them.

conda packages put kernelspecs in ``<prefix>/share/jupyter/kernels/`` (ipykernel's ``python3``,
r-irkernel's ``ir``, xeus kernels, bash_kernel's ``bash``, ...). Each becomes a user kernel whose
base is the env's own kernel.json (see :func:`spec.build_kernelspec`). Names are predictable and
lower-case, one per env and language: the Python kernel is ``NAME`` (``--kernel-name`` or the env
name), a kernel of another language ``NAME-<language>`` (``myenv-r``, ``myenv-bash``); a second
kernel of a language already taken is ``NAME-<folder>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rees2conda.kernel.retarget import KernelRef, normalize_language
from rees2conda.kernel.spec import (
    build_kernelspec,
    env_kernelspecs,
    kernel_dir,
    kernel_name_for,
    kernel_owner,
    remove_kernelspec,
    shadowing_kernel,
    write_kernelspec,
)


@dataclass(frozen=True)
class Registered:
    """One kernel registered for an env (as the stamp records it)."""

    name: str
    display_name: str
    language: str
    dir: str

    def ref(self) -> KernelRef:
        return KernelRef(self.name, self.display_name, self.language)

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Planned:
    name: str
    display_name: str
    language: str
    base: dict[str, Any] | None
    resources: Path | None


def plan(
    prefix: str | os.PathLike[str], *, python_name: str, python_display: str, env_name: str
) -> list[Planned]:
    """The kernels to register for ``prefix``, Python first."""
    specs = env_kernelspecs(prefix)
    # ipykernel's python3 is the Python kernel; other Python kernels (xpython) get their folder
    specs.sort(key=lambda s: (s[0] != "python3", s[0]))
    taken: set[str] = set()
    out: list[Planned] = []
    for folder, spec, where in specs:
        raw_language = str(spec.get("language") or folder)
        language = normalize_language(raw_language)
        if language == "python" and "python" not in taken:
            name, display = python_name, python_display
        elif language not in taken:
            name = f"{python_name}-{kernel_name_for(language)}"
            display = f"{spec.get('display_name') or raw_language} ({env_name})"
        else:
            name = f"{python_name}-{kernel_name_for(folder)}"
            display = f"{spec.get('display_name') or folder} ({env_name})"
        taken.add(language)
        out.append(Planned(name.lower(), display, raw_language, spec, where))
    if "python" not in taken:  # an ipykernel without its kernelspec: write ipykernel's
        out.insert(0, Planned(python_name.lower(), python_display, "python", None, None))
    return out


def register(
    prefix: str | os.PathLike[str],
    planned: Iterable[Planned],
    *,
    env_name: str,
    activation: Mapping[str, str],
    source: str,
    version: str,
    env: Mapping[str, str],
    force: bool = False,
    wrap: Callable[[dict[str, Any], Path], tuple[dict[str, Any], dict[str, bytes]]] | None = None,
) -> list[Registered]:
    """Write each planned kernel (atomically, under a lock); the kernels registered.

    ``wrap(spec, kernel folder)`` may rewrite each spec and add files to its folder (the
    trusted ``start`` wrapper, which Binder runs before every kernel).
    """
    done: list[Registered] = []
    for p in planned:
        directory = kernel_dir(p.name, env)
        spec = build_kernelspec(
            prefix,
            display_name=p.display_name,
            env_name=env_name,
            activation=activation,
            source=source,
            version=version,
            base=p.base,
        )
        files: dict[str, bytes] = {}
        if wrap is not None:
            spec, files = wrap(spec, directory)
        write_kernelspec(directory, spec, prefix, resources=p.resources, force=force, files=files)
        done.append(Registered(p.name, p.display_name, p.language, str(directory)))
    return done


def drop_stale(
    prefix: str | os.PathLike[str], previous: Iterable[Mapping[str, Any]], keep: Iterable[str]
) -> list[str]:
    """Remove kernels of ``prefix`` from an earlier build that are no longer registered."""
    kept = {str(Path(k)) for k in keep}
    dropped = []
    for old in previous:
        directory = old.get("dir")
        if (
            isinstance(directory, str)
            and directory not in kept
            and kernel_owner(directory) == str(prefix)
        ):
            remove_kernelspec(directory)
            dropped.append(directory)
    return dropped


def by_language(registered: Iterable[Registered]) -> dict[str, KernelRef]:
    """The kernel a notebook of each language goes to (the first registered for it)."""
    out: dict[str, KernelRef] = {}
    for r in registered:
        out.setdefault(normalize_language(r.language), r.ref())
    return out


def shadowed(registered: Iterable[Registered], env: Mapping[str, str]) -> list[str]:
    """Warnings for kernels that a same-named one earlier on ``JUPYTER_PATH`` hides."""
    out = []
    for r in registered:
        other = shadowing_kernel(r.name, env)
        if other is not None:
            out.append(
                f"kernel {r.name!r} is shadowed by {other} (earlier on JUPYTER_PATH): Jupyter "
                "starts that one instead"
            )
    return out


@dataclass(frozen=True)
class Orphan:
    """A kernel rees2conda registered whose env is gone (a purged scratch folder)."""

    name: str
    dir: str
    prefix: str
    env_name: str
    source: str | None


def orphans(env: Mapping[str, str]) -> list[Orphan]:
    """Our kernels in the user's data dir whose prefix no longer holds an environment."""
    from rees2conda.kernel.spec import jupyter_data_dir, read_kernelspec

    root = jupyter_data_dir(env) / "kernels"
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    out = []
    for d in entries:
        meta = ((read_kernelspec(d) or {}).get("metadata") or {}).get("rees2conda")
        if not isinstance(meta, dict) or not isinstance(meta.get("prefix"), str):
            continue
        if (Path(meta["prefix"]) / "conda-meta").is_dir():
            continue
        env_name = meta.get("env_name")
        source = meta.get("source")
        out.append(
            Orphan(
                name=d.name,
                dir=str(d),
                prefix=meta["prefix"],
                env_name=env_name if isinstance(env_name, str) else Path(meta["prefix"]).name,
                source=source if isinstance(source, str) else None,
            )
        )
    return out

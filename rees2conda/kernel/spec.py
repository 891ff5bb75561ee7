"""The Jupyter kernelspec of an environment: ``<jupyter data dir>/kernels/<name>/kernel.json``.

The kernel runs the environment's own Python, and its ``env`` carries the environment's
activation (``PATH`` with the env's ``bin`` first, ``CONDA_PREFIX``, ``CONDA_DEFAULT_ENV`` and what
packages' activation scripts set), so code in a notebook sees what ``conda activate`` would give.
``PATH`` is written as ``<prefix>/bin:${PATH}``: jupyter_client (>= 7) substitutes ``${VAR}`` from
the launching environment, so the user's PATH at launch time is kept.

The data dir follows jupyter_core's rule, replicated here so that rees2conda neither imports nor
needs jupyter_core: ``JUPYTER_DATA_DIR``, else (Linux) ``$XDG_DATA_HOME/jupyter`` or
``~/.local/share/jupyter``; macOS ``~/Library/Jupyter``; Windows ``%APPDATA%\\jupyter``; with
``JUPYTER_PLATFORM_DIRS`` set, platformdirs' user data folder.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

# one definition, shared with the no-op path (stdlib only); re-exported for the kernel commands
from rees2conda.kernel.installed import kernel_intact as kernel_intact
from rees2conda.kernel.installed import kernel_owner as kernel_owner
from rees2conda.kernel.installed import read_kernelspec as read_kernelspec
from rees2conda.paths import home_dir

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from typing import Any

_BAD = re.compile(r"[^a-z0-9._-]+")


def _envset(value: str | None) -> bool:
    """jupyter_core's reading of a boolean variable (set and not no/n/false/off/0/0.0)."""
    return value is not None and value.lower() not in ("no", "n", "false", "off", "0", "0.0")


def _platform_data_dir(env: Mapping[str, str]) -> Path:
    """platformdirs' ``user_data_dir("jupyter", appauthor=False)``, as jupyter_core asks it."""
    home = home_dir(env)
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "jupyter"
    if sys.platform == "win32":
        local = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / "jupyter"
    xdg = (env.get("XDG_DATA_HOME") or "").strip() or str(home / ".local" / "share")
    return Path(xdg) / "jupyter"


def jupyter_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's Jupyter data folder, as jupyter_core computes it (without importing it)."""
    env = os.environ if env is None else env
    if env.get("JUPYTER_DATA_DIR"):
        return Path(env["JUPYTER_DATA_DIR"])
    if _envset(env.get("JUPYTER_PLATFORM_DIRS")):
        return _platform_data_dir(env)
    home = home_dir(env).resolve()
    if sys.platform == "darwin":
        return home / "Library" / "Jupyter"
    if sys.platform == "win32":
        appdata = env.get("APPDATA")
        if appdata:
            return Path(appdata, "jupyter").resolve()
        return home / ".jupyter" / "data"
    xdg = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(xdg) / "jupyter"


def kernel_dir(name: str, env: Mapping[str, str] | None = None) -> Path:
    return jupyter_data_dir(env) / "kernels" / name.lower()


def kernel_name_for(env_name: str) -> str:
    """A valid kernel name: lower-case ``[a-z0-9._-]`` (Jupyter lower-cases names on lookup)."""
    name = _BAD.sub("-", env_name.lower()).strip("-.")
    return name or "rees2conda"


def valid_kernel_name(name: str) -> bool:
    return bool(name) and re.fullmatch(r"[a-zA-Z0-9._-]+", name) is not None


def python_path(prefix: str | os.PathLike[str]) -> Path:
    if sys.platform == "win32":
        return Path(prefix) / "python.exe"
    return Path(prefix) / "bin" / "python"


def env_kernels_dir(prefix: str | os.PathLike[str]) -> Path:
    """Where conda packages put the kernelspecs they ship."""
    return Path(prefix) / "share" / "jupyter" / "kernels"


def env_kernelspecs(prefix: str | os.PathLike[str]) -> list[tuple[str, dict[str, Any], Path]]:
    """``(folder name, kernel.json, folder)`` of every kernelspec the env ships, by name."""
    root = env_kernels_dir(prefix)
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        spec = read_kernelspec(root / name)
        if spec is not None and isinstance(spec.get("argv"), list) and spec["argv"]:
            found.append((name, spec, root / name))
    return found


def _absolute_argv(argv: list[Any], prefix: Path) -> list[str]:
    """The kernel's command with its program made absolute to the env (a bare ``python`` or
    ``R`` would otherwise run whatever comes first on the launching PATH)."""
    out = [str(a) for a in argv]
    program = out[0]
    if os.path.isabs(program):
        return out
    bindir = prefix / ("Scripts" if sys.platform == "win32" else "bin")
    for candidate in (bindir / program, prefix / program):
        if candidate.exists():
            out[0] = str(candidate)
            return out
    if program in ("python", "python3"):
        out[0] = str(python_path(prefix))
    return out


def default_python_kernelspec() -> dict[str, Any]:
    """ipykernel's kernel.json, for an env whose ipykernel ships none."""
    return {
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": True},
    }


def build_kernelspec(
    prefix: str | os.PathLike[str],
    *,
    display_name: str,
    env_name: str,
    activation: Mapping[str, str],
    source: str,
    version: str,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The kernel.json for ``prefix``: the env's own ``base`` (ipykernel's by default) with its
    program made absolute, every other field kept, plus activation and provenance."""
    prefix = Path(prefix)
    spec = json.loads(json.dumps(base if base is not None else default_python_kernelspec()))
    env = {str(k): str(v) for k, v in (spec.get("env") or {}).items()}
    env.update(activation)
    env.update(
        {
            "PATH": os.pathsep.join([str(prefix / "bin"), "${PATH}"]),
            "CONDA_PREFIX": str(prefix),
            "CONDA_DEFAULT_ENV": env_name,
        }
    )
    metadata = spec.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata["rees2conda"] = {
        "source": source,
        "prefix": str(prefix),
        "env_name": env_name,
        "version": version,
    }
    spec.update(
        {
            "argv": _absolute_argv(spec["argv"], prefix),
            "display_name": display_name,
            "env": dict(sorted(env.items())),
            "metadata": metadata,
        }
    )
    return spec


def _same_content(
    directory: Path, text: str, resources: Path | None, files: Mapping[str, bytes]
) -> bool:
    try:
        if (directory / "kernel.json").read_text(encoding="utf-8") != text:
            return False
        if any((directory / name).read_bytes() != data for name, data in files.items()):
            return False
    except OSError:
        return False
    if resources is None:
        return True
    return all((directory / f.name).is_file() for f in _resource_files(resources) if f.is_file())


def _resource_files(resources: Path) -> list[Path]:
    try:
        return [p for p in sorted(resources.iterdir()) if p.name != "kernel.json" and p.is_file()]
    except OSError:
        return []


def write_kernelspec(
    directory: str | os.PathLike[str],
    spec: Mapping[str, Any],
    prefix: str | os.PathLike[str],
    *,
    resources: str | os.PathLike[str] | None = None,
    force: bool = False,
    files: Mapping[str, bytes] | None = None,
) -> bool:
    """Install the kernel folder: kernel.json plus the resources (logos, kernel.js) of the env's
    own kernelspec, plus ``files`` (name -> content, executable: the trusted ``start`` wrapper).
    True when anything changed.

    The folder is staged in ``.rees2conda-staging`` beside ``kernels/`` (inside it when
    ``kernels/`` is another filesystem: a rename must not cross one; Jupyter ignores a folder
    without kernel.json) and swapped in under a lock, so two builds writing
    the same kernel (``KC`` and ``kc`` are one kernel to Jupyter) never mix files, and a kernel
    of another env (or not ours) is only replaced with ``force``.
    """
    import shutil  # here and below, not at the top: the no-op build reads this module
    import tempfile

    from rees2conda.errors import UserError
    from rees2conda.locking import DirLock

    directory = Path(directory)
    prefix = Path(prefix)
    res = Path(resources) if resources is not None else env_kernels_dir(prefix) / "python3"
    text = json.dumps(spec, indent=1) + "\n"
    files = dict(files or {})
    if _same_content(directory, text, res, files):
        return False
    kernels = directory.parent
    kernels.mkdir(parents=True, exist_ok=True)
    staging = kernels.parent / ".rees2conda-staging"
    if os.stat(kernels).st_dev != os.stat(kernels.parent).st_dev:
        staging = kernels / ".rees2conda-staging"
    staging.mkdir(parents=True, exist_ok=True)
    tag = f"{directory.name}.{os.getpid()}"
    new = Path(tempfile.mkdtemp(prefix=f"{tag}.new.", dir=staging))
    try:
        for f in _resource_files(res):
            shutil.copyfile(f, new / f.name)
        (new / "kernel.json").write_text(text, encoding="utf-8")
        for name, data in files.items():
            (new / name).write_bytes(data)
            os.chmod(new / name, 0o755)
        os.chmod(new, 0o755)
        with DirLock(staging / f"{directory.name}.lock"):
            owner = kernel_owner(directory)
            if directory.exists() and not force and owner != str(prefix):
                raise UserError(
                    f"kernel {directory.name!r} already exists ({directory})"
                    + (f" and belongs to {owner}" if owner else ""),
                    hint="choose another --kernel-name, or use --force to replace it",
                )
            old = staging / f"{tag}.old"
            if directory.exists():
                os.rename(directory, old)
            os.rename(new, directory)
            # this swap's old folder, and those of swaps killed half way (made under this lock)
            for leftover in staging.glob(f"{directory.name}.*.old"):
                shutil.rmtree(leftover, ignore_errors=True)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return True


def remove_kernelspec(directory: str | os.PathLike[str]) -> bool:
    import shutil

    directory = Path(directory)
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True


def shadowing_kernel(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """A kernel of the same name earlier on ``JUPYTER_PATH``: Jupyter would start it instead."""
    env = os.environ if env is None else env
    ours = kernel_dir(name, env)
    for entry in (env.get("JUPYTER_PATH") or "").split(os.pathsep):
        if not entry:
            continue
        candidate = Path(entry) / "kernels" / name.lower()
        if (candidate / "kernel.json").is_file() and candidate.resolve() != ours.resolve():
            return candidate
    return None

"""Materialise a lock into a prefix: conda packages with rattler, then pip packages with uv.

rattler diffs the records against ``conda-meta`` and only links, unlinks or replaces what
changed, so an update after a spec change touches only the packages that moved. It hardlinks
from the package cache when cache and prefix share a filesystem and copies otherwise (HPC home and
scratch are often different filesystems). pip packages come from the locked wheel URLs, hash
checked, ``--no-deps`` (the lock is complete). Imported only when a build has work to do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from rees2conda.env.diskfull import NO_SPACE, disk_full, no_space_errno, tool_paths
from rees2conda.errors import UserError


def damaged_packages(prefix: str | os.PathLike[str]) -> set[str]:
    """Names of installed conda packages with files missing (a build killed mid-link).

    Used when repairing an incomplete prefix, so those packages are relinked.
    """
    meta = Path(prefix) / "conda-meta"
    damaged: set[str] = set()
    try:
        entries = list(meta.iterdir())
    except FileNotFoundError:
        return damaged
    for entry in entries:
        if entry.suffix != ".json" or entry.name.startswith("rees2conda"):
            continue
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # rattler re-creates a broken record when the package is in the lock
        files = data.get("files") or []
        name = data.get("name")
        if isinstance(name, str) and any(
            not os.path.lexists(os.path.join(prefix, f)) for f in files
        ):
            damaged.add(name)
    return damaged


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def python_change(prefix: str | os.PathLike[str], records: Sequence[Any]) -> tuple[str, str] | None:
    """``(old, new)`` Python minor versions when the records move the env to another one.

    rattler relinks packages its records call ``noarch: python`` but not those whose lock entry
    lost that flag (conda-lock's format does not keep it: a ``noarch: python`` package in an
    architecture subdir), and uv's pip packages stay in the old ``site-packages``: after such an
    update both must be rebuilt.
    """
    new = next((str(r.version) for r in records if r.name.normalized == "python"), None)
    try:
        metas = list((Path(prefix) / "conda-meta").glob("python-[0-9]*.json"))
    except OSError:
        return None
    for meta in metas:
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("name") == "python" and isinstance(data.get("version"), str):
            old = _minor(data["version"])
            if new is not None and old != _minor(new):
                return old, _minor(new)
    return None


def packages_under(prefix: str | os.PathLike[str], folder: str) -> set[str]:
    """Names of installed conda packages with files in ``folder`` (prefix-relative, ``/``)."""
    folder = folder.rstrip("/") + "/"
    found: set[str] = set()
    for entry in (Path(prefix) / "conda-meta").glob("*.json"):
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = data.get("name")
        if isinstance(name, str) and any(
            isinstance(f, str) and f.startswith(folder) for f in data.get("files") or []
        ):
            found.add(name)
    return found


def drop_old_python_lib(prefix: str | os.PathLike[str], minor: str) -> None:
    """Remove ``lib/python<minor>`` after an update away from it, when no package owns a file
    there any more (what is left is byte code and caches of a Python that is gone)."""
    if not packages_under(prefix, f"lib/python{minor}"):
        shutil.rmtree(Path(prefix) / "lib" / f"python{minor}", ignore_errors=True)


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def drop_unreadable_records(prefix: str | os.PathLike[str]) -> list[str]:
    """Delete ``conda-meta`` records that are not JSON objects (left by a full disk or a quota).

    rattler refuses to touch a prefix with one ("failed to determine the currently installed
    packages"), so no build, not even ``--force``, could repair it; without the record the
    package counts as not installed and is linked again.
    """
    dropped: list[str] = []
    meta = Path(prefix) / "conda-meta"
    try:
        entries = [e for e in meta.iterdir() if e.suffix == ".json"]
    except OSError:
        return dropped
    for entry in entries:
        try:
            ok = isinstance(json.loads(entry.read_bytes()), dict)
        except ValueError:
            ok = False
        except OSError:
            continue
        if not ok:
            entry.unlink()
            dropped.append(entry.name)
    return dropped


def install_conda(
    records: Sequence[Any],
    prefix: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str],
    reinstall: Iterable[str] = (),
    show_progress: bool = False,
    reporter: Any | None = None,
    client: Any | None = None,
    lockfile: Path | None = None,
    channels: Sequence[str] | None = None,
    config: Any | None = None,
    allow_foreign_urls: bool = False,
    offline: bool = False,
    on_wait: Callable[[], None] | None = None,
    read_only_caches: Sequence[Path] = (),
) -> Any:
    """Make the conda part of ``prefix`` exactly ``records`` (rattler ``RepoDataRecord`` list).

    Returns what was done to the package cache (a :class:`rees2conda.env.cache.Prepared`).

    ``client``: a rattler ``Client`` (channel tokens, see ``resolve.credentials``), else
    rattler's default. Every record is checked before anything is linked: its URL must lie in
    ``channels`` (the lock's, read from ``lockfile`` when not given; no check without either;
    names resolved with ``config``, the configuration the URLs were rebased with) unless
    ``allow_foreign_urls``, and the cache entry rattler links from must be one verified against
    the locked hash (:mod:`.cache`).
    """
    import asyncio

    from rattler import install

    from rees2conda.env import cache, verify

    records = list(records)
    if channels is None and lockfile is not None:
        from rees2conda.resolve.lockfile import read_channels

        channels = read_channels(lockfile)
    if channels is not None and not allow_foreign_urls:
        verify.refuse_foreign(records, channels, config, lockfile)
    written = [prefix, cache_dir]
    try:
        prepared = cache.prepare(
            records,
            Path(cache_dir),
            lockfile=lockfile,
            offline=offline,
            on_wait=on_wait,
            client=client,
            sources=read_only_caches,
        )
        drop_unreadable_records(prefix)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise disk_full(exc.errno, written, Path(prefix)) from None
        raise
    except UserError:
        raise
    except Exception as exc:  # rattler's extraction errors
        code = no_space_errno(str(exc))
        if code is not None:
            raise disk_full(code, written, Path(prefix)) from None
        raise UserError(f"filling the package cache {cache_dir} failed: {_first(exc)}") from None
    try:
        asyncio.run(
            install(
                records,
                target_prefix=str(prefix),
                cache_dir=Path(cache_dir),
                reinstall_packages=set(reinstall) or None,
                show_progress=show_progress and reporter is None,
                reporter=reporter,
                execute_link_scripts=False,
                client=client,
            )
        )
    except Exception as exc:  # rattler raises its own exception types for IO/network/validation
        code = no_space_errno(str(exc))
        if code is not None:
            raise disk_full(code, written, Path(prefix)) from None
        raise UserError(
            f"installing conda packages into {prefix} failed: {_first(exc)}",
            hint="the environment is marked incomplete; run the build again to repair it",
        ) from None
    return prepared


_DIST_INFO = re.compile(r"(?:^|/)site-packages/([^/]+?)-[^/-]+\.(?:dist-info|egg-info)(?:/|$)")


def conda_installed_dists(prefix: str | os.PathLike[str]) -> dict[str, str]:
    """Distribution name (PEP 503) -> conda package, from the files conda-meta records.

    What a conda package really installs, so a pip package of the same distribution replaces
    it cleanly even when the conda -> PyPI name map did not know the pair.
    """
    out: dict[str, str] = {}
    for entry in (Path(prefix) / "conda-meta").glob("*.json"):
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = data.get("name")
        for path in data.get("files") or []:
            match = _DIST_INFO.search(str(path))
            if match and isinstance(name, str):
                out[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = name
    return out


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def _uv_cache_dir(env: Mapping[str, str]) -> Path:
    """Where uv caches (and unpacks) downloads: ``UV_CACHE_DIR``, else the XDG cache."""
    if env.get("UV_CACHE_DIR"):
        return Path(env["UV_CACHE_DIR"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"


def _pip_cache_dir(env: Mapping[str, str]) -> Path:
    """Where pip caches downloads: ``PIP_CACHE_DIR``, else the XDG cache."""
    if env.get("PIP_CACHE_DIR"):
        return Path(env["PIP_CACHE_DIR"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"


def _run_uv(args: list[str], *, quiet: bool, what: str, output: TextIO | None = None) -> None:
    """Run uv; its output goes to ``output`` (a stream with a file descriptor), else is captured."""
    from rees2conda.resolve.uvtext import uv_error_summary, uv_error_text

    shown = output if not quiet else None
    env = dict(os.environ)  # SSL_CERT_FILE and proxies: rees2conda.transport, set by the build
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    proc = subprocess.run(
        [_uv(), *args],
        env=env,
        stdout=shown if shown is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        code = no_space_errno(proc.stderr or "")
        if code is not None and "--python" in args:
            prefix = Path(args[args.index("--python") + 1]).parent.parent
            paths = tool_paths(proc.stderr or "", prefix, [_uv_cache_dir(env)])
            raise disk_full(code, paths, prefix)
        # uv's error and its causes (the failing URL and why), never only its last line, which
        # is often a hint naming uv-only flags
        detail = uv_error_summary(proc.stderr or "", f"uv exited with {proc.returncode}")
        hints = [
            ln for ln in uv_error_text(proc.stderr or "").splitlines() if ln.startswith("hint:")
        ]
        if shown is not None and hints:
            shown.write("\n".join(hints) + "\n")
        raise UserError(
            f"{what} failed: {detail}",
            hint="the environment is marked incomplete; run the build again to repair it",
        )


def _base_args(python: Path, *, offline: bool, quiet: bool) -> list[str]:
    args = ["--python", str(python), "--break-system-packages"]
    if offline:
        args.append("--offline")
    if quiet:
        args.append("-q")
    return args


def install_pip(
    entries: Sequence[Any],
    python: Path,
    *,
    offline: bool = False,
    quiet: bool = True,
    index_lines: Sequence[str] = (),
    output: TextIO | None = None,
) -> None:
    """Install locked PyPI packages (``LockedPip`` with url and sha256) without dependencies.

    ``index_lines`` (``--extra-index-url`` with ``${VAR}`` credentials) head the requirements
    files so uv authenticates downloads from private indexes; uv expands the references.
    """
    hashed = [e for e in entries if getattr(e, "sha256", None) and getattr(e, "url", None)]
    other = [e for e in entries if e not in hashed and getattr(e, "url", None)]
    head = "".join(f"{line}\n" for line in index_lines)
    if not _uv_can_install_into(python):
        _install_with_env_pip(
            hashed, other, python, offline=offline, quiet=quiet, head=head, output=output
        )
        return
    with tempfile.TemporaryDirectory(prefix="rees2conda-pip-") as tmp:
        if hashed:
            req = Path(tmp) / "locked.txt"
            req.write_text(
                head + "".join(f"{e.name} @ {e.url} --hash=sha256:{e.sha256}\n" for e in hashed),
                encoding="utf-8",
            )
            _run_uv(
                [
                    "pip",
                    "install",
                    "--no-deps",
                    "--require-hashes",
                    "--compile-bytecode",  # as pip does (and conda, for its packages)
                    "-r",
                    str(req),
                    *_base_args(python, offline=offline, quiet=quiet),
                ],
                quiet=quiet,
                output=output,
                what="installing pip packages",
            )
        if other:
            req = Path(tmp) / "direct.txt"
            req.write_text(head + "".join(f"{e.name} @ {e.url}\n" for e in other), encoding="utf-8")
            _run_uv(
                [
                    "pip",
                    "install",
                    "--no-deps",
                    "--compile-bytecode",
                    "-r",
                    str(req),
                    *_base_args(python, offline=offline, quiet=quiet),
                ],
                quiet=quiet,
                output=output,
                what="installing pip packages from direct URLs",
            )


#: the oldest Python uv installs into; older envs (2.7, 3.5) use their own pip, as Binder does
UV_MIN_TARGET = (3, 6)


def _python_version(python: Path) -> tuple[int, int]:
    """(major, minor) of the environment's interpreter (works on Python 2 too)."""
    proc = subprocess.run(
        [str(python), "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        major, minor = proc.stdout.split()
        return int(major), int(minor)
    except ValueError:
        return UV_MIN_TARGET  # let uv try, and explain if it cannot


def _uv_can_install_into(python: Path) -> bool:
    return _python_version(python) >= UV_MIN_TARGET


def _run_env_pip(
    python: Path, args: list[str], *, quiet: bool, what: str, output: TextIO | None = None
) -> None:
    """``python -m pip ARGS`` of the environment itself (for Pythons uv cannot install into).

    Its output goes to ``output`` (a stream with a file descriptor), else is captured.
    """
    shown = output if not quiet else None
    env = dict(os.environ)  # SSL_CERT_FILE: rees2conda.transport, set by the build
    cert = ["--cert", env["SSL_CERT_FILE"]] if env.get("SSL_CERT_FILE") else []
    proc = subprocess.run(
        [str(python), "-m", "pip", *args, "--disable-pip-version-check", "--no-input", *cert]
        + (["-q"] if quiet else []),
        env=env,
        stdout=shown if shown is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        code = no_space_errno(proc.stderr or "")
        if code is not None:
            prefix = python.parent.parent
            paths = tool_paths(proc.stderr or "", prefix, [_pip_cache_dir(env)])
            raise disk_full(code, paths, prefix)
        errors = [ln.strip() for ln in (proc.stderr or "").splitlines() if ln.strip()]
        detail = "\n".join(
            ln for ln in errors if not ln.startswith(("WARNING", "DEPRECATION"))
        ) or (f"pip exited with {proc.returncode}")
        raise UserError(
            f"{what} failed: {detail}",
            hint="the environment is marked incomplete; run the build again to repair it",
        )


def _install_with_env_pip(
    hashed: Sequence[Any],
    other: Sequence[Any],
    python: Path,
    *,
    offline: bool,
    quiet: bool,
    head: str = "",
    output: TextIO | None = None,
) -> None:
    """Locked packages through the environment's own pip: plain URL lines, which pip 9 reads."""
    if offline:
        raise UserError(
            f"{python} is older than Python 3.6: its pip has no offline mode",
            hint="run the build once online",
        )
    with tempfile.TemporaryDirectory(prefix="rees2conda-pip-") as tmp:
        for group, require_hashes in ((hashed, True), (other, False)):
            if not group:
                continue
            req = Path(tmp) / ("locked.txt" if require_hashes else "direct.txt")
            req.write_text(
                head
                + "".join(
                    f"{e.url} --hash=sha256:{e.sha256}\n" if require_hashes else f"{e.url}\n"
                    for e in group
                ),
                encoding="utf-8",
            )
            args = ["install", "--no-deps", "-r", str(req)]
            if require_hashes:
                args.insert(2, "--require-hashes")
            _run_env_pip(python, args, quiet=quiet, what="installing pip packages", output=output)


def install_local(
    paths: Sequence[tuple[Path, bool]],
    python: Path,
    *,
    offline: bool = False,
    quiet: bool = True,
    output: TextIO | None = None,
) -> None:
    """``pip install .`` semantics for local sources: (path, editable) pairs, no dependencies.

    Non-editable installs are rebuilt every time this runs (only when the build has work to do),
    so a changed source tree is picked up.
    """
    own_pip = bool(paths) and not _uv_can_install_into(python)
    for path, editable in paths:
        what = f"installing the local package {path}"
        before = set() if editable else _build_litter(path)
        try:
            if own_pip:  # Python 2.7/3.5: the environment's pip, as Binder runs it
                target = ["-e", str(path)] if editable else ["--force-reinstall", str(path)]
                _run_env_pip(
                    python,
                    ["install", "--no-deps", *target],
                    quiet=quiet,
                    what=what,
                    output=output,
                )
                continue
            args = ["pip", "install", "--no-deps"]
            args += ["-e", str(path)] if editable else ["--reinstall", str(path)]
            _run_uv(
                args + _base_args(python, offline=offline, quiet=quiet),
                quiet=quiet,
                output=output,
                what=what,
            )
        finally:
            for litter in _build_litter(path) - before:
                shutil.rmtree(litter, ignore_errors=True)


def _build_litter(path: Path) -> set[Path]:
    """What an in-tree build (setuptools) leaves in a source tree: ``build/``, ``*.egg-info``.

    Removed after a non-editable install when the build created it, so ``build`` leaves the
    repository as it found it (pip and Binder leave them behind).
    """
    found = set()
    for folder in (path, path / "src"):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and (
                entry.name.endswith(".egg-info") or (folder == path and entry.name == "build")
            ):
                found.add(entry)
    return found


def uninstall_pip(
    names: Iterable[str], python: Path, *, quiet: bool = True, output: TextIO | None = None
) -> None:
    """Remove pip packages the new lock no longer has (those a previous build installed)."""
    names = sorted(set(names))
    if not names:
        return
    if not _uv_can_install_into(python):
        _run_env_pip(
            python,
            ["uninstall", "-y", *names],
            quiet=quiet,
            what="removing pip packages",
            output=output,
        )
        return
    _run_uv(
        [
            "pip",
            "uninstall",
            *names,
            "--python",
            str(python),
            "--break-system-packages",
            *(["-q"] if quiet else []),
        ],
        quiet=quiet,
        output=output,
        what="removing pip packages",
    )

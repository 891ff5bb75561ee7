"""Session fixtures: a local conda channel that stands in for conda-forge.

conda-forge is out of reach here, so install and kernel tests use a channel built from real
parts by ``tests/fixtures/make_channel.py`` (relocatable CPython from the local interpreters,
``python_abi``, ``pip``, ``numpy`` and ipykernel's full closure from PyPI wheels; names as on
conda-forge). It is built once, cached across sessions outside the repository, never committed.

Fixtures
--------
``local_channel`` (session) -> ``Path``
    ``<cache>/channel-<key>/conda-forge``: an indexed channel (``linux-64/``, ``noarch/``).
    ``<cache>`` is ``$REES2CONDA_TEST_CACHE`` or ``~/.cache/rees2conda-tests``; ``<key>`` hashes
    make_channel.py and the Python versions. ``local_channel.parent / "channel.json"`` says
    which Pythons it offers: ``{"pythons": ["3.11", "3.10", "3.12"], "versions": {"3.11":
    "3.11.7", ...}, "key": ...}`` (the first is the test interpreter's own version; 3.10 is
    Binder's default for a repository that names no Python; the others are offered when pyenv,
    PATH or uv has them). Packages: python, python_abi, pip, numpy, ipykernel and its closure
    (ipython, jupyter_client, jupyter_core, pyzmq, tornado, traitlets, ...), bash_kernel and
    r-base + r-irkernel (over the machine's R) with their kernelspecs; Python 3.10 gets
    older versions (ipykernel 7.3.0, ipython 8.39.0, numpy 2.2.6) beside the current ones
    (ipykernel 7.4.0, ipython 9.18.1, numpy 2.4.6): see PINS in make_channel.py. Wheels are
    cached in ``$REES2CONDA_WHEEL_CACHE`` (default ``~/.cache/rees2conda-tests/wheels``).
    A cold build takes ~40-70 s on 2 cores and needs PyPI; later sessions reuse it (~0.2 s).
    Two sessions building at once are safe. Package files are byte-reproducible across
    rebuilds (same sha256), so a lockfile written against the channel stays installable.
``channel_env`` (function) -> ``dict[str, str]``
    A complete environment for subprocesses (``subprocess.run(..., env=channel_env)``), also
    applied to ``os.environ`` for in-process calls (undone after the test):
    ``HOME`` = a fresh ``tmp_path/"home"`` holding ``.condarc`` with
    ``channel_alias: file://<local_channel.parent>`` and ``channels: [conda-forge]``, so the
    name ``conda-forge`` resolves to ``local_channel``; ``CONDARC`` points at that file;
    ``XDG_CONFIG_HOME``/``XDG_DATA_HOME`` under the new HOME; ``JUPYTER_DATA_DIR`` =
    ``HOME/.local/share/jupyter``, ``JUPYTER_CONFIG_DIR`` = ``HOME/.jupyter``;
    ``CONDA_PKGS_DIRS`` = one package cache shared by the session (speed; extraction happens
    once); ``UV_CACHE_DIR`` = the real user's uv cache (so PyPI wheels are not re-downloaded);
    ``CONDA_PREFIX``, ``CONDA_ENVS_PATH``, ``CONDA_DEFAULT_ENV``, ``CONDA_CHANNELS`` and
    ``JUPYTER_PATH`` removed. Envs named with ``-n`` land in ``HOME/.conda/envs`` by default.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from channel_helpers import cached_channel, channel_cache, make_channel


@pytest.fixture(scope="session")
def local_channel() -> Path:
    """Path of the local `conda-forge` channel (built once, cached across sessions)."""
    channel = cached_channel("channel", make_channel().default_pythons())
    _prune(channel_cache(), keep=channel.parent)
    return channel


def _prune(cache: Path, keep: Path) -> None:
    """Drop channels of older script versions and builds killed midway (by age: another
    checkout may still use a channel with another key)."""
    now = time.time()
    for old in [*cache.glob("channel-*"), *cache.glob("channel27-*")]:  # test_channel_py27's too
        if old != keep and now - old.stat().st_mtime > 7 * 86400:
            shutil.rmtree(old, ignore_errors=True)
    for old in cache.glob(".building*"):
        if now - old.stat().st_mtime > 86400:
            shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def _session_pkgs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("conda-pkgs")


@pytest.fixture
def channel_env(
    tmp_path: Path,
    local_channel: Path,
    _session_pkgs_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Environment where `conda-forge` means `local_channel`, in a throwaway HOME."""
    real_uv_cache = os.environ.get("UV_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"
    )
    home = tmp_path / "home"
    home.mkdir()
    condarc = home / ".condarc"
    condarc.write_text(
        f"channel_alias: {local_channel.parent.as_uri()}\nchannels:\n  - conda-forge\n"
    )
    values = {
        "HOME": str(home),
        "CONDARC": str(condarc),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "CONDA_PKGS_DIRS": str(_session_pkgs_dir),
        "UV_CACHE_DIR": real_uv_cache,
    }
    for name in ("CONDA_PREFIX", "CONDA_ENVS_PATH", "CONDA_DEFAULT_ENV", "CONDA_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)

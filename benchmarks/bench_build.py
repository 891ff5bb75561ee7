"""Time ``rees2conda build``: the no-op path and a warm-cache install, each against a baseline.

Usage: ``python benchmarks/bench_build.py [--channel DIR] [--repeat N]``.

1. A no-op ``rees2conda build -q`` on an up-to-date env against ``python -c pass``
   (issue 11's target: ratio of medians at most 3x).
2. A warm-cache build of the ~30-package numpy + ipykernel env (prefix deleted before each run;
   package cache and resolved lock warm) against a bare py-rattler ``install`` of the same locked
   records into a fresh prefix, both as subprocesses (target: at most 1.3x).

Everything runs from rees2conda installed as a user installs it (``timing.installed``:
``pip install .`` into a clean venv, byte-compiled).

The channel is the local conda-forge stand-in of ``tests/fixtures/make_channel.py`` (built into
``~/.cache/rees2conda-tests/bench-channel`` when ``--channel`` is not given; needs PyPI once).
Exit status 1 when a ratio is over its target.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# benchmarks/ is on sys.path when this file runs as a script
from timing import (
    clean_env,
    compare_with_startup,
    installed,
    interleaved_medians,
    report_ratio,
    time_command,
)

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT / "tests" / "fixtures" / "build_repos" / "numpy-notebooks"
NOOP_TARGET = 3.0
INSTALL_TARGET = 1.3

# os._exit: py-rattler 0.28 sometimes aborts at interpreter exit right after an install (a tokio
# thread releases the GIL while Python finalizes); skipping finalization keeps the baseline honest
BARE_INSTALL = r"""
import asyncio, os, sys
from rattler import LockFile, install
lock = LockFile.from_path(sys.argv[1])
env = lock.default_environment()
plat = next(p for p in lock.platforms() if p.name == sys.argv[2])
records = env.conda_repodata_records_for_platform(plat)
asyncio.run(install(records, target_prefix=sys.argv[3], cache_dir=sys.argv[4],
                    show_progress=False))
sys.stdout.flush()
os._exit(0)
"""


def _channel(given: str | None) -> Path:
    """A directory holding ``conda-forge/`` (the local channel)."""
    if given:
        path = Path(given).resolve()
        return path.parent if path.name == "conda-forge" else path
    cache = Path.home() / ".cache" / "rees2conda-tests" / "bench-channel"
    if not (cache / "conda-forge" / "noarch" / "repodata.json").is_file():
        spec = importlib.util.spec_from_file_location(
            "make_channel", ROOT / "tests" / "fixtures" / "make_channel.py"
        )
        assert spec and spec.loader
        mc = importlib.util.module_from_spec(spec)
        sys.modules["make_channel"] = mc
        spec.loader.exec_module(mc)
        short = f"{sys.version_info.major}.{sys.version_info.minor}"
        mc.build_channel(cache / "conda-forge", [short])
    return cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channel", help="local channel folder (conda-forge/ or its parent)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--install-repeat", type=int, default=5)
    parser.add_argument("--noop-only", action="store_true", help="skip the warm-cache build")
    args = parser.parse_args()

    channel = _channel(args.channel)
    inst = installed()
    work = Path(tempfile.mkdtemp(prefix="rees2conda-bench-"))
    try:
        home = work / "home"
        home.mkdir()
        (home / ".condarc").write_text(
            f"channel_alias: {channel.as_uri()}\nchannels:\n  - conda-forge\n"
        )
        pkgs = work / "pkgs"
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CONDA_", "JUPYTER_", "XDG_")) and k != "PYTHONPATH"
        }
        env = clean_env(clean)
        env.update(
            HOME=str(home),
            CONDARC=str(home / ".condarc"),
            JUPYTER_DATA_DIR=str(home / "jupyter"),
            CONDA_PKGS_DIRS=str(pkgs),
        )
        repo = work / "repo"
        shutil.copytree(REPO, repo)
        build = [inst.rees2conda, "build", "-q", str(repo)]
        subprocess.run(build, env=env, check=True)  # create: resolve + download + install
        prefix = home / ".conda" / "envs" / "repo"

        again = subprocess.run(
            [*build[:-2], "--json", str(repo)], env=env, check=True, capture_output=True, text=True
        )
        action = json.loads(again.stdout)["action"]
        if action != "unchanged":
            raise SystemExit(f"the second build was not a no-op: {action}")

        # 1. no-op
        ok = compare_with_startup(
            "no-op rees2conda build -q", build, inst, env, args.repeat, NOOP_TARGET
        )

        if args.noop_only:
            return 0 if ok else 1

        # 2. warm-cache build vs bare rattler install of the same records
        stamp = json.loads((prefix / "conda-meta" / "rees2conda.stamp").read_text())
        lockfile, platform = stamp["lockfile"], stamp["platform"]
        bare_prefix = work / "bare"
        bare = [inst.python, "-c", BARE_INSTALL, lockfile, platform, str(bare_prefix), str(pkgs)]

        # os.sync() after removing the previous prefix: otherwise the writeback of thousands of
        # unlinked files lands in whichever run comes next and swamps the difference measured
        def timed_build() -> float:
            shutil.rmtree(prefix, ignore_errors=True)
            os.sync()
            return time_command(build, env)

        def timed_bare() -> float:
            shutil.rmtree(bare_prefix, ignore_errors=True)
            os.sync()
            return time_command(bare, env)

        medians = interleaved_medians(
            {"build": timed_build, "bare": timed_bare}, repeat=args.install_repeat, warmup=1
        )
        n = stamp["conda_packages"]
        ok = (
            report_ratio(
                f"warm-cache build of {n} packages",
                medians["build"],
                medians["bare"],
                INSTALL_TARGET,
            )
            and ok
        )
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""What verifying packages costs a build with work to do, on a warm package cache.

Usage: ``python benchmarks/bench_verify.py [--channel DIR] [--repeat N]``.

Creates the numpy + ipykernel env of ``tests/fixtures/build_repos/numpy-notebooks`` once, then
times, interleaved:

1. ``env.cache.prepare`` on the warm cache (every entry checked: the archive hash recorded in
   ``info/repodata_record.json`` and one ``lstat`` per file) against a bare py-rattler install
   of the same records into a fresh prefix from the same warm cache;
2. the smoke test (``python -I -c "import ipykernel"``) with byte code already written, and on a
   freshly linked prefix (the first import compiles what the first kernel start would).

Prints medians; no target (the numbers go into the report of a change).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_build import REPO, _channel
from timing import interleaved_medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channel", help="local channel folder (conda-forge/ or its parent)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    channel = _channel(args.channel)
    work = Path(tempfile.mkdtemp(prefix="rees2conda-bench-verify-"))
    try:
        home = work / "home"
        home.mkdir()
        (home / ".condarc").write_text(
            f"channel_alias: {channel.as_uri()}\nchannels:\n  - conda-forge\n"
        )
        pkgs = work / "pkgs"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA_", "JUPYTER_"))}
        env.update(
            HOME=str(home),
            CONDARC=str(home / ".condarc"),
            JUPYTER_DATA_DIR=str(home / "jupyter"),
            CONDA_PKGS_DIRS=str(pkgs),
        )
        repo = work / "repo"
        shutil.copytree(REPO, repo)
        subprocess.run(
            [sys.executable, "-m", "rees2conda", "build", "-q", "--no-retarget", str(repo)],
            env=env,
            check=True,
        )
        prefix = home / ".conda" / "envs" / "repo"
        stamp = json.loads((prefix / "conda-meta" / "rees2conda.stamp").read_text())

        from rattler import install

        from rees2conda.env import cache
        from rees2conda.resolve.lockfile import read_locked_packages

        records = read_locked_packages(Path(stamp["lockfile"]), stamp["platform"]).conda
        python = prefix / "bin" / "python"

        def timed(fn: object) -> float:
            t = time.perf_counter()
            fn()  # type: ignore[operator]
            return time.perf_counter() - t

        def prepare() -> float:
            return timed(lambda: cache.prepare(records, pkgs))

        bare = work / "bare"

        def bare_install() -> float:
            shutil.rmtree(bare, ignore_errors=True)
            os.sync()
            return timed(
                lambda: asyncio.run(
                    install(records, target_prefix=bare, cache_dir=pkgs, show_progress=False)
                )
            )

        def smoke() -> float:
            return timed(
                lambda: subprocess.run([python, "-I", "-c", "import ipykernel"], check=True)
            )

        medians = interleaved_medians(
            {"prepare": prepare, "bare rattler install": bare_install, "smoke (warm)": smoke},
            repeat=args.repeat,
            warmup=1,
        )
        # the first import in a freshly linked env compiles byte code
        fresh = work / "fresh"

        def smoke_fresh() -> float:
            shutil.rmtree(fresh, ignore_errors=True)
            asyncio.run(install(records, target_prefix=fresh, cache_dir=pkgs, show_progress=False))
            return timed(
                lambda: subprocess.run(
                    [fresh / "bin" / "python", "-I", "-c", "import ipykernel"], check=True
                )
            )

        medians.update(interleaved_medians({"smoke (fresh)": smoke_fresh}, repeat=3, warmup=0))
        n_files = sum(
            len(json.loads((pkgs / p.name / "info" / "paths.json").read_text())["paths"])
            for p in pkgs.iterdir()
            if (p / "info" / "paths.json").is_file()
        )
        print(f"{len(records)} packages, {n_files} files in the cache")
        for name, value in medians.items():
            print(f"{name}: {value * 1000:.1f} ms")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

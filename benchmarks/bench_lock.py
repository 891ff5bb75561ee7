"""Benchmark ``rees2conda lock``: a full re-solve against a bare py-rattler solve, and reuse.

Run from a clone: ``python benchmarks/bench_lock.py [--runs N]``. Uses the conda-forge-2024
snapshot in tests/fixtures/channels through a file:// channel alias, so it needs no network.

Targets (issue 3): ``lock --update`` at most 1.5x a bare py-rattler solve of the same specs on the
same channel (plus Python start-up); a reused lock at most 5x ``python -c pass``, without
importing conda_lock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHANNELS = HERE.parent / "tests" / "fixtures" / "channels"
SPECS = ["python=3.9", "jupyterlab", "matplotlib", "holoviews", "gdal", "pandas"]

BARE = """
import asyncio
from rattler import (BuildString, Channel, Gateway, GenericVirtualPackage, PackageName, Version,
                     solve)
gateway = Gateway()  # an explicit gateway, freed before exit, as rees2conda does
vps = [GenericVirtualPackage(PackageName(n), Version(v), BuildString(b)) for n, v, b in
       [("__unix", "0", "0"), ("__linux", "5.10", "0"), ("__glibc", "2.17", "0"),
        ("__archspec", "1", "x86_64")]]
records = asyncio.run(solve([Channel({url!r})], {specs!r}, platforms=["linux-64", "noarch"],
                            virtual_packages=vps, gateway=gateway))
del gateway
print(len(records))
"""


#: set in main(): byte-code caching on, into a private folder (the tree stays untouched)
ENV: dict[str, str] = dict(os.environ)


def run_once(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode < 0 and proc.stdout:  # py-rattler 0.28 can crash at interpreter exit
        print(f"note: {cmd[1]}… crashed at exit (signal {-proc.returncode}); kept its time")
    elif proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return elapsed


def interleaved(cmds: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Run the commands in turn, ``runs`` rounds, so that all see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            times[name].append(run_once(cmd))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = (CHANNELS / "conda-forge-2024").as_uri()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        deps = "\n".join(f"  - {s}" for s in SPECS)
        (repo / "environment.yml").write_text(f"channels:\n  - {url}\ndependencies:\n{deps}\n")
        lock = [sys.executable, "-m", "rees2conda", "lock", str(repo), "-p", "linux-64", "-q"]
        bare = [sys.executable, "-c", BARE.format(url=url, specs=[*SPECS, "ipykernel"])]
        # Installed packages run from .pyc; an editable checkout under PYTHONDONTWRITEBYTECODE
        # would recompile rees2conda on every start. Cache byte code in a private folder.
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(repo / "pycache")
        interleaved({"bare": bare, "update": [*lock, "--update"]}, 1)  # warm every cache
        times = interleaved(
            {
                "pass": [sys.executable, "-c", "pass"],
                "bare": bare,
                "update": [*lock, "--update"],
                "reuse": lock,
            },
            args.runs,
        )
        n_bare = subprocess.run(bare, capture_output=True, text=True, env=ENV).stdout
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", *lock[1:]], capture_output=True, text=True, env=ENV
        ).stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in imports.splitlines() if "|" in line}
        heavy = sorted(m for m in ("conda_lock", "rattler", "pydantic", "rich") if m in loaded)
    print(f"spec: {' '.join(SPECS)} (+ipykernel) on conda-forge-2024, {n_bare.strip()} packages")
    for stat in (min, statistics.median):
        t = {name: stat(values) for name, values in times.items()}
        print(f"-- {stat.__name__} of {args.runs} interleaved runs")
        print(f"python -c pass           {t['pass'] * 1000:8.1f} ms")
        print(f"bare py-rattler solve    {t['bare'] * 1000:8.1f} ms")
        print(f"rees2conda lock --update {t['update'] * 1000:8.1f} ms")
        print(f"rees2conda lock (reuse)  {t['reuse'] * 1000:8.1f} ms")
        budget = 1.5 * t["bare"] + t["pass"]
        verdict = "ok" if t["update"] <= budget else "OVER"
        print(
            f"update / bare solve      {t['update'] / t['bare']:8.2f}x  "
            f"(budget 1.5x bare + start-up = {budget * 1000:.0f} ms: {verdict})"
        )
        verdict = "ok" if t["reuse"] <= 5 * t["pass"] else "OVER"
        print(f"reuse / python -c pass   {t['reuse'] / t['pass']:8.2f}x  (target 5x: {verdict})")
    print(f"engines imported on reuse: {heavy or 'none'}")


if __name__ == "__main__":
    main()

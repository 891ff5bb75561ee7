"""Benchmark ``rees2conda lock``: a full re-solve against a bare py-rattler solve, and reuse.

Run from a clone: ``python benchmarks/bench_lock.py [--runs N]``. Uses the conda-forge-2024
snapshot in tests/fixtures/channels through a file:// channel alias, so it needs no network
(besides installing rees2conda's dependencies into the benchmark venv once).

Targets: ``lock --update`` at most 1.5x a bare py-rattler solve of the same specs on the same
channel (plus Python start-up; issue 3); a reused lock at most 4x ``python -c pass`` (issue 11),
without importing conda_lock. Everything runs from rees2conda installed as a user installs it
(``timing.installed``). Medians of interleaved runs; exit status 1 when over a target.

``--pip`` adds pip lines (pins that replace conda's packages, as pip-compiled requirements do):
the baseline is then the bare solve plus a bare ``uv pip compile`` of the same lines for the
same Python and platform (issue 7). It needs PyPI (uv's cache is warm after the warm-up run).
"""

from __future__ import annotations

import argparse
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

HERE = Path(__file__).resolve().parent
CHANNELS = HERE.parent / "tests" / "fixtures" / "channels"
SPECS = ["python=3.9", "jupyterlab", "matplotlib", "holoviews", "gdal", "pandas"]
PIP_LINES = ["six==1.15.0", "packaging==24.2", "requests", "python-dateutil"]
UPDATE_TARGET = 1.5  # x a bare solve, start-up excluded
REUSE_TARGET = 4.0  # x python -c pass

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pip", action="store_true", help="add pip lines (needs PyPI)")
    args = parser.parse_args()
    url = (CHANNELS / "conda-forge-2024").as_uri()
    inst = installed()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        env = clean_env()
        deps = "\n".join(f"  - {s}" for s in SPECS)
        pip = "".join(f"    - {line}\n" for line in PIP_LINES) if args.pip else ""
        deps += "\n  - pip:\n" + pip if pip else ""
        (repo / "environment.yml").write_text(f"channels:\n  - {url}\ndependencies:\n{deps}\n")
        lock = [inst.rees2conda, "lock", str(repo), "-p", "linux-64", "-q"]
        bare = [inst.python, "-c", BARE.format(url=url, specs=[*SPECS, "ipykernel"])]
        if args.pip:
            from uv import find_uv_bin

            (repo / "pip.in").write_text("\n".join(PIP_LINES) + "\n")
            compile_ = [find_uv_bin(), "pip", "compile", str(repo / "pip.in"), "-q"]
            compile_ += ["--no-python-downloads"]  # as rees2conda runs it
            compile_ += ["--python-version", "3.9", "--python-platform", "x86_64-manylinux_2_17"]
            compile_ += ["--format", "pylock.toml", "-o", str(repo / "pylock.bare.toml")]
            script = "import subprocess, sys; subprocess.run(sys.argv[1:], check=True)\n"
            solve = BARE.format(url=url, specs=[*SPECS, "ipykernel"])
            bare = [inst.python, "-c", solve + script, *compile_]
        cmds = {
            "pass": [inst.python, "-c", "pass"],
            "bare": bare,
            "update": [*lock, "--update"],
        }
        medians = interleaved_medians(
            {
                name: (lambda cmd=cmd: time_command(cmd, env, crash_at_exit_ok=True))
                for name, cmd in cmds.items()
            },
            repeat=args.runs,
            warmup=1,  # fills every cache (repodata, byte code)
        )
        subprocess.run(lock, env=env, check=True)  # a reuse: leaves the reuse record
        print("rees2conda lock (reuse) vs python -c pass, interleaved:")
        reuse_ok = compare_with_startup(
            "rees2conda lock (reuse)", lock, inst, env, args.runs, REUSE_TARGET
        )
        n_bare = subprocess.run(bare, capture_output=True, text=True, env=env).stdout
        imports = subprocess.run(
            [inst.python, "-X", "importtime", *lock], capture_output=True, text=True, env=env
        ).stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in imports.splitlines() if "|" in line}
        heavy = sorted(m for m in ("conda_lock", "rattler", "pydantic", "rich") if m in loaded)
    print(f"spec: {' '.join(SPECS)} (+ipykernel) on conda-forge-2024, {n_bare.strip()} packages")
    print(
        f"medians of {args.runs} interleaved runs; python -c pass: {medians['pass'] * 1000:.1f} ms"
    )
    # the budget is 1.5x the bare solve plus one Python start-up: compare with start-up removed
    ok = report_ratio(
        "rees2conda lock --update (start-up excluded) vs bare py-rattler solve"
        + (" + bare uv pip compile" if args.pip else ""),
        medians["update"] - medians["pass"],
        medians["bare"],
        UPDATE_TARGET,
    )
    ok = ok and reuse_ok
    print(f"engines imported on reuse: {heavy or 'none'}")
    return 0 if ok and "conda_lock" not in heavy else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time ``rees2conda check --format json`` and ``rees2conda --version`` against ``python -c pass``.

Usage: ``python benchmarks/bench_check.py [REPO] [--repeat N]``. Both run from rees2conda
installed as a user installs it (``timing.installed``: ``pip install .`` into a clean venv).
Targets (issue 11): check at most 6x, ``--version`` at most 2.5x ``python -c pass``, ratio of
medians in the same run. Exit status 1 when over a target.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# benchmarks/ is on sys.path when this file runs as a script
from timing import clean_env, compare_with_startup, installed

ROOT = Path(__file__).resolve().parent.parent
CHECK_TARGET = 6.0
VERSION_TARGET = 2.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", nargs="?", default=str(ROOT / "examples" / "climate-demo"))
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    inst = installed()
    env = clean_env()
    check = [inst.rees2conda, "check", "--format", "json", args.repo]
    ok = compare_with_startup(
        "rees2conda check --format json", check, inst, env, args.repeat, CHECK_TARGET
    )
    version = [inst.rees2conda, "--version"]
    label = "rees2conda --version"
    ok = compare_with_startup(label, version, inst, env, args.repeat, VERSION_TARGET) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

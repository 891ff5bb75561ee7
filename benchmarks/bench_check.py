"""Time ``rees2conda check --format json`` against ``python -c pass`` in the same run.

Usage: ``python benchmarks/bench_check.py [REPO] [--repeat N]``. Prints the ratio of medians;
issue 2's target is at most 8x. Exit status 1 when over target.
Both sides cache bytecode in a private folder (``timing.bytecode_env``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# benchmarks/ is on sys.path when this file runs as a script
from timing import bytecode_env, compare_with_startup

ROOT = Path(__file__).resolve().parent.parent
TARGET = 8.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", nargs="?", default=str(ROOT / "examples" / "climate-demo"))
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    check = [sys.executable, "-m", "rees2conda", "check", "--format", "json", args.repo]
    with tempfile.TemporaryDirectory() as tmp:
        env = bytecode_env(Path(tmp))  # as an installed rees2conda runs: from .pyc files
        ok = compare_with_startup("rees2conda check --format json", check, env, args.repeat, TARGET)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Shared timing helpers for the benchmark scripts: medians of repeated runs, interleaved.

Interleaving the candidate and the baseline in one loop keeps machine noise (the other core
busy, a cold page cache) from favouring either side; the ratio of medians is what we compare.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def bytecode_env(pycache: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with byte-code caching on, into ``pycache``.

    An installed rees2conda runs from ``.pyc`` files; an editable checkout run under
    ``PYTHONDONTWRITEBYTECODE`` recompiles every module at each start (~100 ms), which would be
    timed as if it were rees2conda's. The private folder keeps the tree itself untouched.
    """
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def time_command(
    argv: Sequence[str], env: Mapping[str, str] | None = None, *, crash_at_exit_ok: bool = False
) -> float:
    """Wall-clock seconds of one run of ``argv``; a non-zero exit is an error, not a timing.

    ``crash_at_exit_ok``: a death by signal after printing something counts as a run (py-rattler
    0.28 can abort at interpreter exit, after the work is done).
    """
    start = time.perf_counter()
    proc = subprocess.run(list(argv), env=dict(env) if env else None, capture_output=True)
    elapsed = time.perf_counter() - start
    if crash_at_exit_ok and proc.returncode < 0 and proc.stdout:
        print(f"note: {argv[1]}… crashed at exit (signal {-proc.returncode}); kept its time")
    elif proc.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n"
            + proc.stderr.decode(errors="replace")
        )
    return elapsed


def interleaved_medians(
    runs: Mapping[str, Callable[[], float]], repeat: int, warmup: int = 2
) -> dict[str, float]:
    """Run every callable ``warmup + repeat`` times, interleaved; return each one's median."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(warmup + repeat):
        for name, run in runs.items():
            value = run()
            if i >= warmup:
                samples[name].append(value)
    return {name: statistics.median(values) for name, values in samples.items()}


def report_ratio(label: str, candidate: float, baseline: float, target: float) -> bool:
    """Print the medians and their ratio against the target; True when within it."""
    ratio = candidate / baseline
    verdict = "OK" if ratio <= target else "OVER TARGET"
    print(
        f"{label}: {candidate * 1000:.1f} ms vs baseline {baseline * 1000:.1f} ms "
        f"-> ratio {ratio:.2f}x (target <= {target:g}x) {verdict}"
    )
    return ratio <= target


def compare_with_startup(
    label: str, argv: Sequence[str], env: Mapping[str, str], repeat: int, target: float
) -> bool:
    """Time ``argv`` against ``python -c pass`` (same interpreter, same env), interleaved."""
    import sys

    baseline = [sys.executable, "-c", "pass"]
    medians = interleaved_medians(
        {"candidate": lambda: time_command(argv, env), "pass": lambda: time_command(baseline, env)},
        repeat=repeat,
    )
    return report_ratio(label, medians["candidate"], medians["pass"], target)

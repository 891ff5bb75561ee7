"""Shared timing helpers for the benchmark scripts: medians of repeated runs, interleaved.

Interleaving the candidate and the baseline in one loop keeps machine noise (the other core
busy, a cold page cache) from favouring either side; the ratio of medians is what we compare.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence


def time_command(argv: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Wall-clock seconds of one run of ``argv``; a non-zero exit is an error, not a timing."""
    start = time.perf_counter()
    proc = subprocess.run(list(argv), env=dict(env) if env else None, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0,):
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

"""Shared helpers for the benchmark scripts: rees2conda installed as a user installs it, timed.

What is measured is what a user runs: ``pip install .`` (not editable; pip byte-compiles it) into
a clean virtual environment (no system site-packages), started through its ``rees2conda``
console script, against ``python -c pass`` of that same venv in the same run.

Why not the development interpreter: its site-packages run ``.pth`` files at every start (an
editable install's path hook, setuptools' ``distutils-precedence.pth``, and whatever the machine
adds; one here imports certifi and importlib.resources). That inflates ``python -c pass`` several
fold and pre-imports modules (pathlib, re, typing) that rees2conda then gets for free, so a
ratio against it understates rees2conda's start-up cost by a factor of two to three.

Interleaving candidate and baseline in one loop keeps machine noise (the other core busy, a cold
page cache) from favouring either side; the ratio of wall-clock medians is what is compared.
The ratio of CPU-time medians is printed beside it: it is steadier on a loaded machine.
"""

from __future__ import annotations

import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: environment variables that change how Python starts; the benchmarks run without them
_PYTHON_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONPYCACHEPREFIX")


@dataclass(frozen=True)
class Installed:
    """A clean venv holding rees2conda as ``pip install .`` leaves it."""

    venv: Path

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def rees2conda(self) -> str:
        return str(self.venv / "bin" / "rees2conda")


def installed(cache: Path | None = None) -> Installed:
    """This tree installed non-editable into a clean venv (cached; rees2conda reinstalled).

    The venv with the dependencies is kept under ``~/.cache/rees2conda-bench`` keyed by the
    interpreter and ``pyproject.toml`` (the first run needs the package index); rees2conda itself
    is rebuilt from this tree on every run, so the numbers are the current code's.
    """
    key = hashlib.sha256(
        f"{sys.version}\n{sys.executable}\n".encode() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()[:16]
    base = cache or Path.home() / ".cache" / "rees2conda-bench"
    venv = base / f"venv-{key}"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    pip.append("--disable-pip-version-check")
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([*pip, str(ROOT)], check=True)
    else:
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], check=True)
    inst = Installed(venv)
    where = subprocess.run(
        [inst.python, "-c", "import rees2conda; print(rees2conda.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
        cwd=venv,  # not this tree: ``-c`` puts the working folder first on sys.path
    ).stdout.strip()
    site = Path(where).parent.parent
    if not where.startswith(str(venv)) or not any((site / "rees2conda").glob("__pycache__/*.pyc")):
        raise SystemExit(f"rees2conda is not installed byte-compiled in {venv}: {where}")
    return inst


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without the variables that change start-up."""
    env = dict(os.environ if base is None else base)
    for var in _PYTHON_VARS:
        env.pop(var, None)
    return env


@dataclass
class Sample:
    wall: float
    cpu: float


def run_command(
    argv: Sequence[str], env: Mapping[str, str] | None = None, *, crash_at_exit_ok: bool = False
) -> Sample:
    """Wall-clock and CPU seconds of one run; a non-zero exit is an error, not a timing.

    ``crash_at_exit_ok``: a death by signal after printing something counts as a run (py-rattler
    0.28 can abort at interpreter exit, after the work is done).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(argv), env=dict(env) if env else None, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if crash_at_exit_ok and proc.returncode < 0 and proc.stdout:
        print(f"note: {argv[1]}… crashed at exit (signal {-proc.returncode}); kept its time")
    elif proc.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n"
            + proc.stderr.decode(errors="replace")
        )
    return Sample(wall, cpu)


def time_command(
    argv: Sequence[str], env: Mapping[str, str] | None = None, *, crash_at_exit_ok: bool = False
) -> float:
    """Wall-clock seconds of one run of ``argv`` (see :func:`run_command`)."""
    return run_command(argv, env, crash_at_exit_ok=crash_at_exit_ok).wall


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
    label: str,
    argv: Sequence[str],
    inst: Installed,
    env: Mapping[str, str],
    repeat: int,
    target: float,
) -> bool:
    """Time ``argv`` against the venv's ``python -c pass`` (same env), interleaved.

    The verdict is on the ratio of wall-clock medians; the CPU-time ratio is printed too.
    """
    baseline = [inst.python, "-c", "pass"]
    samples: dict[str, list[Sample]] = {"candidate": [], "pass": []}
    for i in range(2 + repeat):
        for name, cmd in (("candidate", argv), ("pass", baseline)):
            sample = run_command(cmd, env)
            if i >= 2:
                samples[name].append(sample)
    wall = {k: statistics.median(s.wall for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s.cpu for s in v) for k, v in samples.items()}
    ok = report_ratio(label, wall["candidate"], wall["pass"], target)
    print(
        f"  cpu time: {cpu['candidate'] * 1000:.1f} ms vs {cpu['pass'] * 1000:.1f} ms "
        f"-> ratio {cpu['candidate'] / cpu['pass']:.2f}x"
    )
    return ok

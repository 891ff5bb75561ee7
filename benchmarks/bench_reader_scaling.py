"""How ``check``'s reading time grows with the input: each shape at 0.25, 0.5, 1 and 2 MB.

Usage: ``python benchmarks/bench_reader_scaling.py [--repeat N] [--shape NAME ...]``.

Every reading runs in a fresh process (the installed ``rees2conda check --format json``, see
timing.py): memory
reuse in a long-running process hides some quadratic copying (ruamel's comment scanner was fast
in a warm process and took 50 s for a 2 MB comment in a new one). For each shape it prints the
median seconds per size and the growth from 1 MB to 2 MB: about 2x is linear, 4x quadratic.
Exit status 1 when a shape grows by more than 3x per doubling or takes over 5 s at 2 MB.
The shapes are those of tests/test_rees_linear.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# benchmarks/ is on sys.path when this file runs as a script
from timing import clean_env, installed, interleaved_medians

ROOT = Path(__file__).resolve().parent.parent

SIZES = (250_000, 500_000, 1_000_000, 2_000_000)
MAX_GROWTH = 3.0
MAX_SECONDS = 5.0


def shapes(n: int) -> dict[str, dict[str, str]]:
    """File contents of about ``n`` characters per shape (repository path -> text)."""
    return {
        "env-comment-line": {"environment.yml": f"# {'x' * n}\ndependencies:\n  - numpy\n"},
        "env-trailing-comment": {"environment.yml": f"dependencies:\n  - numpy # {'x' * n}\n"},
        "env-spaces-in-spec": {"environment.yml": f"dependencies:\n  - python{' ' * n}[\n"},
        "env-long-scalar": {"environment.yml": f"dependencies:\n  - {'a' * n}\n"},
        "pip-spaces": {"requirements.txt": f"{' ' * n}x\n"},
        "pip-tokens": {"requirements.txt": "a " * (n // 2) + "-x\n"},
        "pip-quoted-tokens": {"requirements.txt": "numpy " + "'a b' " * (n // 6) + "\n"},
        "pip-long-option": {"requirements.txt": f"numpy --hash=sha256:{'a' * n}\n"},
        "pip-lines": {"requirements.txt": "numpy\n" * (n // 6)},
        "pip-continuations": {"requirements.txt": "a \\\n" * (n // 4)},
        "pyproject-blank-lines": {"pyproject.toml": "\n" * n + "[project]\n"},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shape", action="append", help="only these shapes (repeatable)")
    args = parser.parse_args()
    names = args.shape or list(shapes(1))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        inst = installed()
        env = clean_env()
        for name in names:
            runs = {}
            for size in SIZES:
                repo = Path(tmp) / f"{name}-{size}"
                for rel, text in shapes(size)[name].items():
                    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
                    (repo / rel).write_text(text)
                argv = [inst.rees2conda, "check", "--format", "json", str(repo)]
                runs[size] = (lambda a: lambda: _time(a, env))(argv)
            medians = interleaved_medians(runs, repeat=args.repeat, warmup=1)
            growth = medians[SIZES[-1]] / max(medians[SIZES[-2]], 1e-6)
            bad = growth > MAX_GROWTH or medians[SIZES[-1]] > MAX_SECONDS
            ok = ok and not bad
            cells = "  ".join(f"{s // 1000:>5} kB {medians[s]:6.2f} s" for s in SIZES)
            print(f"{name:<24} {cells}  x{growth:.1f} per doubling {'SLOW' if bad else 'ok'}")
    return 0 if ok else 1


def _time(argv: list[str], env: dict[str, str]) -> float:
    import subprocess
    import time

    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True)  # check exits 1 on findings
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())

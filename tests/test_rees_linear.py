"""Reading stays linear in the input size (issue 10: a 2 MB comment line took 40 s).

No timings are compared: each input is about 1 MB of one shape that made a reader quadratic
(or worse) before, so that a regression takes hours instead of a second. The alarm only turns
such a hang into a failure. benchmarks/bench_reader_scaling.py measures the growth itself.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rees_helpers import write_repo

from rees2conda.codes import CODES
from rees2conda.rees.environment import _yaml
from rees2conda.rees.reader import read_repository

N = 1_000_000
#: a generous bound: the linear readers take about a second for any shape below
BOUND_SECONDS = 60

SHAPES: dict[str, dict[str, str]] = {
    "env: comment line": {"environment.yml": f"# {'x' * N}\ndependencies:\n  - numpy\n"},
    "env: trailing comment": {"environment.yml": f"dependencies:\n  - numpy # {'x' * N}\n"},
    "env: spaces in a spec": {"environment.yml": f"dependencies:\n  - python{' ' * N}[\n"},
    "env: long name": {"environment.yml": f"dependencies:\n  - {'a' * N}[\n"},
    "env: brackets": {"environment.yml": f"dependencies:\n  - numpy{'[]' * (N // 2)}x\n"},
    "env: pip spaces": {"environment.yml": f"dependencies:\n  - pip:\n    - a{' ' * N}x\n"},
    "env: version of many terms": {
        "environment.yml": f"dependencies:\n  - a 1{'|1,<2' * (N // 5)}\n"
    },
    "env: version of dot stars": {"environment.yml": f"dependencies:\n  - a 1{'.*' * (N // 2)}\n"},
    "env: open parentheses": {"environment.yml": f"dependencies:\n  - a {'(' * N}\n"},
    "env: bracket openings": {"environment.yml": f"dependencies:\n  - a{'[b' * (N // 2)}]\n"},
    "env: many bracket fields": {
        "environment.yml": f"dependencies:\n  - a[{'fn=1,' * (N // 5)}]\n"
    },
    "env: long build glob": {"environment.yml": f"dependencies:\n  - a 1 {'[*' * (N // 2)}\n"},
    "env: many entries": {"environment.yml": "dependencies:\n" + "  - a\n" * (N // 6)},
    "env: many flow items": {"environment.yml": "dependencies: [" + "a, " * (N // 3) + "a]\n"},
    "pip: spaces before text": {"requirements.txt": f"{' ' * N}x\n"},
    "pip: many tokens": {"requirements.txt": "a " * (N // 2) + "-x\n"},
    "pip: open brackets": {"requirements.txt": f"./x{'[' * N}]\n"},
    "pip: name then spaces": {"requirements.txt": f"a{' ' * N}x @ y\n"},
    "pip: long option": {"requirements.txt": f"numpy --hash=sha256:{'a' * N}\n"},
    "pip: long option line": {"requirements.txt": "--pre " * (N // 6) + "\n"},
    "pip: continuation lines": {"requirements.txt": "a \\\n" * (N // 4)},
    "start: blank lines": {"start": "\n" * N},
    "postBuild: long install line": {"postBuild": "pip install " + "a " * (N // 2)},
    "postBuild: many lines": {"postBuild": "echo a b c\n" * (N // 11)},
    "pyproject: blank lines": {"pyproject.toml": "\n" * N + "[project]\n"},
    "runtime: long": {"runtime.txt": "python-" + "3" * N},
}


@contextmanager
def _bounded() -> Iterator[None]:
    def hang(*_: object) -> None:
        pytest.fail(f"reading did not finish in {BOUND_SECONDS} s: not linear")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(BOUND_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_megabyte_inputs_read_in_linear_time(tmp_path: Path, shape: str) -> None:
    write_repo(tmp_path, SHAPES[shape])
    with _bounded():
        report = read_repository(tmp_path)
    assert all(f.code in CODES and f.code != "R2C001" for f in report.findings)


def test_yaml_comments_are_never_gathered() -> None:
    """ruamel's round-trip scanner copies each comment one character at a time into a growing
    string (quadratic on a long line); the loader used keeps no comment at all."""
    data = _yaml().load("# top\nchannels: [a] # after\ndependencies:\n  # inside\n  - numpy # x\n")
    assert data["dependencies"] == ["numpy"]
    assert data.lc.key("dependencies") == (2, 0)  # positions are still there
    assert data.ca.comment is None and not data.ca.items
    assert not data["dependencies"].ca.items and not data["channels"].ca.items

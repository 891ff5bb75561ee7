"""Byte-compiling a build's noarch python files never fails the build: odd names, a file that
does not compile, a caller whose locale cannot encode the names; a Python 2.7 env is left
alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rees2conda.env.bytecode import compile_files

ODD = "site-packages/we ird/é ü.py"


def _tree(prefix: Path) -> list[str]:
    files = [ODD, "site-packages/ok.py", "site-packages/py2only.py"]
    for rel in files:
        (prefix / rel).parent.mkdir(parents=True, exist_ok=True)
        (prefix / rel).write_text("x = 1\n", encoding="utf-8")
    (prefix / files[2]).write_text('print "python 2"\n', encoding="utf-8")
    return files


def test_names_the_callers_locale_cannot_encode(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    # rees2conda under LANG=C without UTF-8 mode: its text streams are ASCII
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    code = (
        "import sys; from pathlib import Path; from rees2conda.env.bytecode import compile_files; "
        "print(compile_files(Path(sys.executable), Path(sys.argv[1]), sys.argv[2:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *files],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
    )
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr
    tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"
    odd = tmp_path / ODD
    assert (odd.parent / "__pycache__" / f"{odd.stem}.{tag}.pyc").exists()


def test_python27_is_left_alone(tmp_path: Path) -> None:
    # 2.7 would write ok.pyc beside ok.py, which no record lists: once the package is removed
    # it stays, and Python 2 imports it
    python = next(Path.home().glob(".pyenv/versions/2.7*/bin/python2.7"), None)
    if python is None:
        pytest.skip("no Python 2.7 on this machine")
    files = _tree(tmp_path)
    assert compile_files(python, tmp_path, files) == 0
    assert not list(tmp_path.rglob("*.pyc"))


def test_the_callers_pycache_prefix_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the caller's PYTHONPYCACHEPREFIX (or PYTHONDONTWRITEBYTECODE) is not the env's business
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(elsewhere))
    prefix = tmp_path / "env"
    prefix.mkdir()
    files = _tree(prefix)
    assert compile_files(Path(sys.executable), prefix, files) == 3
    tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"
    assert (prefix / "site-packages" / "__pycache__" / f"ok.{tag}.pyc").exists()
    assert not elsewhere.exists()


def test_a_name_no_file_can_have_is_skipped(tmp_path: Path) -> None:
    # a broken conda-meta record's JSON can hold a lone surrogate: never a failed build
    files = [*_tree(tmp_path), "site-packages/bad\ud800.py"]
    assert compile_files(Path(sys.executable), tmp_path, files) == 3

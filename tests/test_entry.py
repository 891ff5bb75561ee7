"""The console entry's fast paths: same output and exit status as the click CLI, fewer imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lock_helpers import CHANNELS
from rees_helpers import REPOS

from rees2conda import entry
from rees2conda.cli import run as run_cli

EXAMPLE = Path(__file__).parent.parent / "examples" / "climate-demo"


@pytest.fixture(autouse=True)
def clean_conda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway HOME whose condarc points named channels at the repodata snapshots."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".condarc").write_text(f"channel_alias: {CHANNELS.as_uri()}\n")
    monkeypatch.setenv("HOME", str(home))
    for var in ("CONDARC", "CONDA_PREFIX", "CONDA_CHANNEL_ALIAS", "CONDA_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return home


def both(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[object, object]:
    """(exit status, stdout, stderr) of the fast path and of the click CLI for ``args``."""
    fast_code = entry.fast(args)
    fast = (fast_code, *capsys.readouterr())
    slow_code = run_cli(args)
    slow = (slow_code, *capsys.readouterr())
    return fast, slow


def test_parse_takes_only_what_it_plainly_understands(tmp_path: Path) -> None:
    assert entry.parse("build", []) == (".", {})
    assert entry.parse("build", ["-q", "r", "--name=x", "--no-kernel"]) == (
        "r",
        {"quiet": True, "name": "x", "kernel": False},
    )
    assert entry.parse("lock", ["-p", "linux-64", "--platform", "osx-64"]) == (
        ".",
        {"platforms": ["linux-64", "osx-64"]},
    )
    for args in (
        ["--force"],  # always work
        ["-qn", "x"],  # combined short options
        ["-n", "a", "-n", "b"],  # repeated
        ["-n"],  # missing value
        ["-n", "--json"],  # a value that looks like an option
        ["a", "b"],  # two paths
        ["--", "a"],
        ["--help"],
    ):
        assert entry.parse("build", args) is None, args
    (tmp_path / "file").write_text("")
    assert entry.parse("check", [str(tmp_path / "file")]) is None  # click says "is a file"


def test_version_and_check_json_match_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    fast, slow = both(capsys, ["--version"])
    assert fast == slow and fast[0] == 0
    for args in (
        ["check", "--format", "json", str(EXAMPLE)],
        ["check", "--format=json", "--strict", str(EXAMPLE)],  # a warning: exit 1
    ):
        fast, slow = both(capsys, args)
        assert fast == slow, args
    assert both(capsys, ["check", "--format", "json", "--strict", str(EXAMPLE)])[0][0] == 1
    # the deciding route (Report.route) is in both documents, for every kind of build
    for name, route in (
        ("julia-project", "julia"),
        ("pipfile", "pipfile"),
        ("both-binder-folders", None),
        ("default-build", "default"),
    ):
        fast, slow = both(capsys, ["check", "--format", "json", str(REPOS / name)])
        assert fast == slow, name
        assert json.loads(str(fast[1]))["route"] == route, name
    fast, _slow = both(capsys, ["check", "--format", "json", str(EXAMPLE)])
    assert json.loads(str(fast[1]))["route"] == "conda"
    assert entry.fast(["check", str(EXAMPLE)]) is None  # text output: click renders it
    assert entry.fast(["check", "--format", "json", "/nonexistent/x"]) is None


def test_reused_lock_matches_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n  - six\n"
    )
    args = ["lock", str(repo), "-p", "linux-64"]
    assert entry.fast(args) is None  # no lock yet: work, for the CLI
    assert run_cli(args) == 0
    capsys.readouterr()
    for extra in ([], ["--json"], ["-q"]):
        fast, slow = both(capsys, [*args, *extra])
        assert fast == slow and fast[0] == 0, extra
    assert "up to date, reused" in str(both(capsys, args)[0])
    (repo / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n"
    )
    assert entry.fast(args) is None  # stale: the CLI solves


def test_fast_paths_do_not_import_click(tmp_path: Path) -> None:
    for args in (["--version"], ["check", "--format", "json", str(EXAMPLE)]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "rees2conda", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        loaded = {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln}
        assert "click" not in loaded and "rich" not in loaded, args

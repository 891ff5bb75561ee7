"""The reuse record: a reused lock confirmed without the reader, and every input it hangs on.

Each input of the content hash is changed in turn: the record must stop answering, and where
the change matters the full path must then re-solve.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lock_helpers import CHANNELS

from rees2conda import entry
from rees2conda.cli import run as run_cli
from rees2conda.env.quick import REES_NAMES
from rees2conda.rees import layout
from rees2conda.resolve import reuse

CHANNEL = (CHANNELS / "conda-forge-2024").as_uri()


@pytest.fixture(autouse=True)
def clean_conda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real condarc or CONDA_* variable leaks into these tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in [v for v in os.environ if v.startswith(("CONDA", "XDG_"))]:
        monkeypatch.delenv(var)
    return home


def test_the_names_watched_are_the_names_the_reader_looks_for() -> None:
    assert set(layout.REES_NAMES) | set(layout.ROOT_ONLY) <= REES_NAMES


def _lock(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> dict[str, object]:
    code = run_cli(["lock", str(repo), "-p", "linux-64", "--json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return dict(json.loads(out))


def test_reuse_record_answers_only_while_every_input_is_unchanged(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_conda_env: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env_yml = repo / "environment.yml"
    env_yml.write_text(f"channels:\n  - {CHANNEL}\ndependencies:\n  - python=3.9\n")
    path = str(repo)
    fields = reuse.fields_from_flags({"platforms": ["linux-64"]})
    assert _lock(capsys, repo)["written"] is True
    assert reuse.quick_lock(path, fields) is None  # a written lock leaves no record
    full = _lock(capsys, repo)
    assert full["reused"] is True
    assert reuse.quick_lock(path, fields) == full

    # the console entry prints the same as the CLI, from the record
    assert entry.fast(["lock", path, "-p", "linux-64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == full
    assert entry.fast(["lock", path, "-p", "linux-64"]) == 0
    count = full["packages"]["linux-64"]  # type: ignore[index]
    line = f"{repo / 'conda-lock.yml'} up to date, reused (linux-64: {count} packages)\n"
    assert capsys.readouterr().out == line

    def answers() -> bool:
        return reuse.quick_lock(path, fields) is not None

    # another invocation: other flags, another working folder
    assert reuse.quick_lock(path, {**fields, "kernel": False}) is None
    here = os.getcwd()
    monkeypatch.chdir(tmp_path)
    assert not answers()
    monkeypatch.chdir(here)

    # a comment: the record misses, the full path finds the same hash and records again
    text = env_yml.read_text()
    env_yml.write_text(text + "# a comment\n")
    assert not answers()
    assert _lock(capsys, repo)["reused"] is True and answers()

    # a REES file appears (the reader would look at it)
    (repo / "apt.txt").write_text("")
    assert not answers()
    (repo / "apt.txt").unlink()
    assert answers()

    # the lock file itself
    lockfile = repo / "conda-lock.yml"
    locked = lockfile.read_bytes()
    lockfile.write_bytes(locked + b"# edited\n")
    assert not answers()
    lockfile.write_bytes(locked)
    assert answers()

    # conda's configuration: channel_priority enters the hash
    condarc = clean_conda_env / ".condarc"
    condarc.write_text("channel_priority: strict\n")
    assert not answers()
    assert _lock(capsys, repo)["written"] is True
    condarc.unlink()
    assert not answers()
    assert _lock(capsys, repo)["written"] is True
    assert _lock(capsys, repo)["reused"] is True and answers()

    # a virtual package override enters the hash
    monkeypatch.setenv("CONDA_OVERRIDE_GLIBC", "2.28")
    assert not answers()
    assert _lock(capsys, repo)["written"] is True
    monkeypatch.delenv("CONDA_OVERRIDE_GLIBC")

    # the spec
    assert _lock(capsys, repo)["written"] is True and _lock(capsys, repo)["reused"] is True
    assert answers()
    env_yml.write_text(text + "  - six\n")
    assert not answers()
    assert _lock(capsys, repo)["written"] is True


def test_watch_sees_what_the_reader_opens(tmp_path: Path) -> None:
    from rees2conda.rees.reader import read_repository

    (tmp_path / "requirements.txt").write_text("-r more.txt\n")
    (tmp_path / "more.txt").write_text("six\n")
    with reuse.Watch(str(tmp_path)) as watch:
        read_repository(tmp_path)
    assert {os.path.basename(f) for f in watch.files} >= {"requirements.txt", "more.txt"}
    with open(tmp_path / "more.txt") as fh:  # outside a watch: not seen
        fh.read()
    assert len(watch.files) == len(set(watch.files))


def test_a_variable_named_in_condarc_is_an_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_conda_env: Path,
) -> None:
    """conda expands ``$VAR`` in condarc values: here the channel's address comes from a
    variable that is neither CONDA_* nor XDG_*; changing it must stop the record answering."""
    monkeypatch.setenv("R2C_TEST_CHANNELS", CHANNELS.as_uri())
    (clean_conda_env / ".condarc").write_text("channel_alias: ${R2C_TEST_CHANNELS}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "environment.yml").write_text(
        "channels:\n  - conda-forge-2024\ndependencies:\n  - python=3.9\n"
    )
    fields = reuse.fields_from_flags({"platforms": ["linux-64"]})
    assert _lock(capsys, repo)["written"] is True
    assert _lock(capsys, repo)["reused"] is True
    assert reuse.quick_lock(str(repo), fields) is not None
    monkeypatch.setenv("R2C_TEST_CHANNELS", (tmp_path / "elsewhere").as_uri())
    assert reuse.quick_lock(str(repo), fields) is None


def test_what_the_reader_only_stats_is_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader decides some things from ``lstat``/``realpath`` alone (a symlink leaving the
    repository, a local package's setup.py): no file is opened for them, yet they decide."""
    repo = tmp_path / "repo"
    (repo / "conf").mkdir(parents=True)
    text = f"channels:\n  - {CHANNEL}\ndependencies:\n  - python=3.9\n"
    (repo / "conf" / "env.yml").write_text(text)
    (repo / "environment.yml").symlink_to("conf/env.yml")
    fields = reuse.fields_from_flags({"platforms": ["linux-64"]})
    assert _lock(capsys, repo)["written"] is True
    assert _lock(capsys, repo)["reused"] is True
    assert reuse.quick_lock(str(repo), fields) is not None
    # the same content, now outside the repository: the reader refuses it (R2C203)
    outside = tmp_path / "outside.yml"
    outside.write_text(text)
    (repo / "environment.yml").unlink()
    (repo / "environment.yml").symlink_to(outside)
    assert reuse.quick_lock(str(repo), fields) is None
    assert run_cli(["lock", str(repo), "-p", "linux-64", "-q"]) != 0
    assert "R2C203" in capsys.readouterr().err


def test_a_deleted_working_folder_is_no_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is best effort: without a working folder (removed under the shell) the lock is
    still reused, the record is skipped, and the fast path says "don't know"."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "environment.yml").write_text(
        f"channels:\n  - {CHANNEL}\ndependencies:\n  - python=3.9\n"
    )
    assert _lock(capsys, repo)["written"] is True
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert _lock(capsys, repo)["reused"] is True
    fields = reuse.fields_from_flags({"platforms": ["linux-64"]})
    assert entry.fast(["lock", str(repo), "-p", "linux-64", "-q"]) in (None, 0)
    assert reuse.quick_lock(str(repo), fields) is None


@pytest.mark.pypi
def test_a_local_packages_metadata_is_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-e ./pkg``: the package's pyproject.toml decides its dependencies, so a changed one
    must re-lock (by the fast path and by the full path's content hash alike)."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "environment.yml").write_text(
        f"channels:\n  - {CHANNEL}\ndependencies:\n  - python=3.9\n  - pip:\n    - -e ./pkg\n"
    )
    pyproject = repo / "pkg" / "pyproject.toml"
    project = '[project]\nname = "pkg"\nversion = "0.1"\ndependencies = [{}]\n'
    backend = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    pyproject.write_text(project.format("") + backend)
    written = _lock(capsys, repo)
    reused = _lock(capsys, repo)
    assert written["written"] is True and reused["written"] is False  # the reuse recorded
    assert reused["packages"] == written["packages"]  # the local package counts in both
    assert "name: idna" not in (repo / "conda-lock.yml").read_text()
    pyproject.write_text(project.format('"idna"') + backend)
    assert _lock(capsys, repo)["written"] is True
    assert "name: idna" in (repo / "conda-lock.yml").read_text()
    # the console entry's fast path does not answer for the old metadata either
    fields = reuse.fields_from_flags({"platforms": ["linux-64"]})
    assert _lock(capsys, repo)["written"] is False
    assert reuse.quick_lock(str(repo), fields) is not None
    pyproject.write_text(project.format('"idna", "six"') + backend)
    assert reuse.quick_lock(str(repo), fields) is None

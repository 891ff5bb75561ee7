"""``rees2conda export``: a lock rendered by conda-lock for plain conda, checked against rattler."""

from __future__ import annotations

from pathlib import Path

import pytest
from lock_helpers import CHANNELS, NUMPY_LOCK
from ruamel.yaml import YAML

from rees2conda.cli import run as run_cli
from rees2conda.resolve.lockfile import read_locked_packages


@pytest.fixture(autouse=True)
def clean_conda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".condarc").write_text(f"channel_alias: {CHANNELS.as_uri()}\n")
    monkeypatch.setenv("HOME", str(home))
    for var in ("CONDARC", "CONDA_PREFIX", "CONDA_CHANNEL_ALIAS", "CONDA_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    return home


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_explicit_and_env_list_what_rattler_reads(capsys: pytest.CaptureFixture[str]) -> None:
    records = read_locked_packages(NUMPY_LOCK, "osx-arm64").conda
    expected = {r.url: r.md5.hex() for r in records if r.md5}
    code, out, err = export(capsys, "--lockfile", str(NUMPY_LOCK), "-p", "osx-arm64")
    assert code == 0, err
    lines = out.splitlines()
    body = lines[lines.index("@EXPLICIT") + 1 :]
    assert dict(line.split("#", 1) for line in body if line) == expected
    code, out, err = export(capsys, "--lockfile", str(NUMPY_LOCK), "-p", "osx-arm64", "--kind=env")
    assert code == 0, err
    doc = YAML(typ="safe").load(out)
    pins = {d.split("=")[0]: d.split("=")[1] for d in doc["dependencies"]}
    assert pins == {r.name.normalized: str(r.version) for r in records}


def test_exports_the_lock_rees2conda_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / "binder").mkdir(parents=True)
    (repo / "binder" / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n  - six\n"
    )
    assert run_cli(["lock", str(repo), "-p", "linux-64", "-q"]) == 0
    out_file = tmp_path / "env.yml"
    code, _out, err = export(
        capsys, str(repo), "-p", "linux-64", "--kind", "env", "-o", str(out_file)
    )
    assert code == 0, err
    doc = YAML(typ="safe").load(out_file.read_text())
    assert any(d.startswith("python=3.6.") for d in doc["dependencies"])
    assert any(d.startswith("six=") for d in doc["dependencies"])


def test_refusals_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = export(capsys, "--lockfile", str(NUMPY_LOCK), "-p", "win-64")
    assert code == 1 and "no packages for win-64" in err and "osx-arm64" in err
    (tmp_path / "environment.yml").write_text("dependencies: [python=3.11]\n")
    code, _out, err = export(capsys, str(tmp_path))
    assert code == 1 and "no lock file" in err and "rees2conda lock" in err
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\nmetadata: 7\n")
    code, _out, err = export(capsys, "--lockfile", str(bad), "-p", "linux-64")
    assert code == 1 and "not a conda-lock file" in err and err.count("\n") <= 2
    assert "Traceback" not in err

"""``rees2conda lock`` end to end: the real reader, the CLI, exit codes, --json, condarc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lock_helpers import CHANNELS

from rees2conda.cli import run as run_cli

ALIAS = ["--channel-alias", CHANNELS.as_uri()]


@pytest.fixture(autouse=True)
def clean_conda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real condarc or CONDA_* variable leaks into these tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("CONDARC", "CONDA_PREFIX", "CONDA_CHANNEL_ALIAS", "CONDA_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    return home


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["lock", *args])
    out, err = capsys.readouterr()
    return code, out, err


def make_repo(root: Path, deps: list[str], channels: list[str], folder: str = "") -> Path:
    target = root / folder if folder else root
    target.mkdir(parents=True, exist_ok=True)
    lines = [
        "channels:",
        *[f"  - {c}" for c in channels],
        "dependencies:",
        *[f"  - {d}" for d in deps],
    ]
    (target / "environment.yml").write_text("\n".join(lines) + "\n")
    return root


def test_lock_json_then_reuse_then_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        tmp_path / "repo", ["python=3.6", "numpy=1.14", "scipy", "pandas"], ["defaults-2018"]
    )
    code, out, err = run(capsys, str(repo), *ALIAS, "-p", "linux-64", "--json")
    assert code == 0, err
    summary = json.loads(out)
    lockfile = repo / "conda-lock.yml"
    assert summary["lockfile"] == str(lockfile) and summary["platforms"] == ["linux-64"]
    assert summary["reused"] is False and summary["written"] is True
    assert summary["packages"]["linux-64"] > 40
    before = lockfile.read_bytes()

    code, out, _ = run(capsys, str(repo), *ALIAS, "--json")  # platforms from the existing lock
    assert code == 0 and json.loads(out)["reused"] is True
    assert lockfile.read_bytes() == before

    code, out, err = run(capsys, str(repo), *ALIAS, "--check")
    assert code == 0 and "up to date" in err
    (repo / "environment.yml").write_text(
        "channels: [defaults-2018]\ndependencies:\n  - python=3.6\n  - numpy=1.13\n"
    )
    code, out, err = run(capsys, str(repo), *ALIAS, "--check")
    assert code == 1 and "stale" in err
    assert lockfile.read_bytes() == before

    code, out, err = run(capsys, str(repo), *ALIAS, "-q")
    assert code == 0 and out == "" and err == ""
    assert b"numpy-1.13" in lockfile.read_bytes()


def test_check_on_missing_lock_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", ["python=3.6"], ["defaults-2018"])
    code, out, _ = run(capsys, str(repo), *ALIAS, "--check", "--json")
    assert code == 1 and json.loads(out)["up_to_date"] is False
    assert not (repo / "conda-lock.yml").exists()


def test_condarc_channel_alias_points_conda_forge_at_a_local_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_conda_env: Path
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "conda-forge").symlink_to(CHANNELS / "conda-forge-2024")
    (clean_conda_env / ".condarc").write_text(f"channel_alias: {mirror.as_uri()}\n")
    repo = make_repo(
        tmp_path / "repo", ["python=3.9", "numpy", "pandas"], ["conda-forge"], "binder"
    )
    code, out, err = run(capsys, str(repo), "-p", "linux-64")
    assert code == 0, err
    lockfile = repo / "binder" / "conda-lock.yml"
    assert f"{lockfile} written" in out
    from rees2conda.resolve.api import read_locked_packages

    names = {
        r.name.normalized: str(r.version) for r in read_locked_packages(lockfile, "linux-64").conda
    }
    assert names["python"] == "3.9.20" and names["ipykernel"] == "6.29.5"


def test_repository_with_errors_is_refused_with_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", ["python=3.6"], ["defaults-2018"])
    (repo / "apt.txt").write_text("libgl1\n")
    code, _out, err = run(capsys, str(repo), *ALIAS, "-p", "linux-64")
    assert code == 1
    lines = err.strip().splitlines()
    # the findings as `check` prints them, then one error line and the hint
    assert "apt.txt" in lines and any("error" in ln and "R2C106" in ln for ln in lines)
    assert lines[-2].startswith("error: not locking:") and lines[-1].startswith("hint: ")
    assert not (repo / "conda-lock.yml").exists()


def test_unsatisfiable_shows_solver_reason_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", ["python=3.6", "numpy=9.9"], ["defaults-2018"])
    code, _out, err = run(capsys, str(repo), *ALIAS, "-p", "linux-64")
    assert code == 1
    assert "cannot be solved for linux-64" in err
    assert "environment.yml:5:5: numpy=9.9" in err
    assert "Traceback" not in err
    assert not (repo / "conda-lock.yml").exists()


def test_lockfile_option_channel_and_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", ["python=3.6", "r-base"], ["nothing-here"])
    out_file = tmp_path / "locks" / "env.yml"
    out_file.parent.mkdir()  # --lockfile never creates folders
    code, out, err = run(
        capsys,
        str(repo),
        *ALIAS,
        "-p",
        "linux-64",
        "--override-channels",
        "-c",
        "r-2018",
        "-c",
        "defaults-2018",
        "--no-kernel",
        "--lockfile",
        str(out_file),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["lockfile"] == str(out_file)
    assert [c.rsplit("/", 1)[-1] for c in summary["channels"]] == ["r-2018", "defaults-2018"]
    assert not (repo / "conda-lock.yml").exists()


@pytest.mark.parametrize(
    "args",
    [["--update", "--check"], ["-p", "linux-32"], ["--override-channels"]],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    repo = make_repo(tmp_path / "repo", ["python=3.6"], ["defaults-2018"])
    code, _, err = run(capsys, str(repo), *ALIAS, *args)
    assert code == 2, err
    assert "Traceback" not in err


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope"), *ALIAS)
    assert code == 2 and "Traceback" not in err

"""Where environments go: conda's envs folders, -n/-p, the default name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rees2conda.env.location import default_name, find_named, resolve_target, sanitize_name
from rees2conda.errors import UsageError


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", ""), **extra}


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("my-repo", "my-repo"),
        ("My Repo!", "My-Repo"),
        ("data.v2", "data.v2"),
        ("...", "env"),
        ("été", "t"),
    ],
)
def test_sanitize(raw: str, name: str) -> None:
    assert sanitize_name(raw) == name


def test_default_is_home_conda_envs(tmp_path: Path) -> None:
    repo = tmp_path / "Some Repo"
    repo.mkdir()
    assert default_name(repo) == "Some-Repo"
    target = resolve_target(repo, env=_env(tmp_path))
    assert target.prefix == tmp_path / ".conda" / "envs" / "Some-Repo"
    assert target.name == "Some-Repo"


def test_envs_dirs_from_condarc_and_env_var(tmp_path: Path) -> None:
    first = tmp_path / "first"
    (tmp_path / ".condarc").write_text(f"envs_dirs:\n  - {first}\n")
    t = resolve_target(tmp_path, name="x", env=_env(tmp_path))
    assert t.prefix == first / "x"
    other = tmp_path / "other"
    t = resolve_target(tmp_path, name="x", env=_env(tmp_path, CONDA_ENVS_PATH=str(other)))
    assert t.prefix == other / "x"


def test_unwritable_dir_skipped_existing_env_wins(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"  # a folder below a file can never be created (even by root)
    blocker.write_text("")
    ro = blocker / "envs"
    second = tmp_path / "second"
    (tmp_path / ".condarc").write_text(f"envs_dirs:\n  - {ro}\n  - {second}\n")
    assert resolve_target(tmp_path, name="x", env=_env(tmp_path)).prefix == second / "x"
    # an env that already exists under that name in a later folder is the one meant
    existing = tmp_path / ".conda" / "envs" / "y" / "conda-meta"
    existing.mkdir(parents=True)
    assert resolve_target(tmp_path, name="y", env=_env(tmp_path)).prefix == existing.parent
    assert find_named("y", _env(tmp_path)) == existing.parent
    assert find_named("nope", _env(tmp_path)) is None


def test_prefix_and_errors(tmp_path: Path) -> None:
    t = resolve_target(tmp_path, prefix=tmp_path / "p" / "env1", env=_env(tmp_path))
    assert (t.prefix, t.name, t.by_path) == (tmp_path / "p" / "env1", "env1", True)
    with pytest.raises(UsageError):
        resolve_target(tmp_path, name="a", prefix="b", env=_env(tmp_path))
    with pytest.raises(UsageError):
        resolve_target(tmp_path, name="a/b", env=_env(tmp_path))

"""The fast paths' records (rees2conda/records.py): one per invocation, bounded in number."""

from __future__ import annotations

import os
from pathlib import Path

from rees2conda import records


def _invocation(i: int) -> dict[str, object]:
    return records.invocation(f"/repo/{i}", {"n": i}, {"HOME": "/h"}, kind="lock")


def test_records_are_pruned_to_the_most_recent(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(records, "MAX_RECORDS", 5)
    env = {"HOME": str(tmp_path)}
    paths = []
    for i in range(8):
        records.keep_record(_invocation(i), {"value": i}, env)
        path = records.record_path(_invocation(i), env)
        os.utime(path, (1000 + i, 1000 + i))  # written in this order, whatever the clock says
        paths.append(path)
    records.keep_record(_invocation(8), {"value": 8}, env)
    paths.append(records.record_path(_invocation(8), env))
    left = sorted(Path(paths[0]).parent.glob("*.json"))
    assert len(left) == 5
    assert {str(p) for p in left} == set(paths[-5:])
    assert records.read_json(paths[-1])["value"] == 8


def test_a_record_already_there_is_not_rewritten(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    records.keep_record(_invocation(1), {"value": 1}, env)
    path = records.record_path(_invocation(1), env)
    os.utime(path, (1000, 1000))
    records.keep_record(_invocation(1), {"value": 1}, env)
    assert os.stat(path).st_mtime == 1000
    records.keep_record(_invocation(1), {"value": 2}, env)
    assert records.read_json(path)["value"] == 2


def test_a_record_of_another_user_is_never_read(tmp_path: Path) -> None:
    """A shared or group-writable cache: a record planted by someone else is not ours."""
    env = {"HOME": str(tmp_path)}
    records.keep_record(_invocation(1), {"value": 1}, env)
    path = records.record_path(_invocation(1), env)
    assert records.read_record(path) is not None
    if os.getuid() == 0:  # root can make a file of another owner, as another user would have
        os.chown(path, 12345, 12345)
        assert records.read_record(path) is None


def test_records_never_block_nor_raise_on_odd_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert records.read_json(str(fifo)) is None  # never waits for a writer
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert records.read_json(str(deep)) is None
    assert records.read_json(str(tmp_path)) is None
    # writing over a deep record (the full path) does not raise either
    env = {"HOME": str(tmp_path)}
    path = records.record_path(_invocation(3), env)
    Path(path).parent.mkdir(parents=True)
    Path(path).write_text("[" * 100_000 + "]" * 100_000)
    records.keep_record(_invocation(3), {"value": 3}, env)
    assert records.read_json(path)["value"] == 3


def test_a_relative_cache_or_home_writes_no_record(tmp_path: Path, monkeypatch) -> None:
    """``XDG_CACHE_HOME=cache`` or ``HOME=.`` must not put records in the working folder (a
    repository); the XDG rule: relative paths are ignored."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    env = {"XDG_CACHE_HOME": "cache", "HOME": str(home)}
    records.keep_record(_invocation(1), {"value": 1}, env)
    assert not (tmp_path / "cache").exists()
    assert records.read_record(records.record_path(_invocation(1), env)) == records.read_json(
        str(next(home.rglob("*.json")))
    )  # the relative XDG_CACHE_HOME is ignored: ~/.cache
    env = {"HOME": "h"}
    records.keep_record(_invocation(1), {"value": 1}, env)
    assert not (tmp_path / "h").exists()
    assert records.read_record(records.record_path(_invocation(1), env)) is None


def test_condarc_variables_are_part_of_the_configuration(tmp_path: Path) -> None:
    """conda expands ``$VAR`` in condarc values (``envs_dirs: [$SCRATCH/envs]`` on clusters):
    a record must stop holding when such a variable changes."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".condarc").write_text("envs_dirs:\n  - ${R2C_SCRATCH}/envs\n")
    env = {"HOME": str(home), "R2C_SCRATCH": "/scratch/a", "CONDA_PKGS_DIRS": "$R2C_PKGS/p"}
    config = records.config_signatures(env, str(home))
    assert records.signatures_hold(config, env)
    assert not records.signatures_hold(config, {**env, "R2C_SCRATCH": "/scratch/b"})
    assert not records.signatures_hold(config, {**env, "R2C_PKGS": "/x"})
    assert "/scratch/a" not in repr(config)  # values may hold tokens: hashed

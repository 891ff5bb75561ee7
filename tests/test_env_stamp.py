"""Stamp, incomplete marker, environments.txt and the repository fingerprint."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rees2conda.env import fingerprint as fp
from rees2conda.env import registry
from rees2conda.env.stamp import (
    STAMP_FORMAT,
    Stamp,
    clear_marker,
    is_incomplete,
    owner_source,
    read_marker,
    read_stamp,
    stamp_path,
    write_marker,
    write_stamp,
)
from rees2conda.fsutil import write_text_atomic


def _stamp(**changes: object) -> Stamp:
    values: dict[str, object] = {
        "source": "/repo",
        "name": "env",
        "prefix": "/envs/env",
        "platform": "linux-64",
        "options": {"kernel": True},
        "spec_hash": "abc",
        "fingerprint": {"names": [], "files": {}},
        "lockfile": "/repo/conda-lock.yml",
        "lock_source": "repository",
        "lock_sha256": "00",
        "given_lock_sha256": None,
        "conda_packages": 3,
        "has_python": True,
        "pip": ["tabulate"],
        "kernel_name": "env",
        "display_name": "Python 3.11 (env)",
        "kernel_dir": "/k/env",
        "built": 1.5,
        "version": "0.1.0",
    }
    values.update(changes)
    return Stamp(**values)  # type: ignore[arg-type]


def test_marker_then_stamp(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    assert owner_source(prefix) is False
    write_marker(prefix, "/repo")
    assert is_incomplete(prefix)
    assert owner_source(prefix) == "/repo"  # a killed first build is still ours
    assert read_marker(prefix)["pid"] == os.getpid()
    assert read_stamp(prefix) is None
    write_stamp(prefix, _stamp())
    clear_marker(prefix)
    clear_marker(prefix)  # idempotent
    assert not is_incomplete(prefix)
    assert read_stamp(prefix) == _stamp()
    assert owner_source(prefix) == "/repo"
    assert sorted(p.name for p in (prefix / "conda-meta").iterdir()) == ["rees2conda.stamp"]


def test_foreign_or_broken_stamp(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    stamp_path(prefix).write_text("{not json")
    assert read_stamp(prefix) is None
    stamp_path(prefix).write_text('{"format": 999, "source": "/x"}')
    assert read_stamp(prefix) is None  # another layout: rebuild rather than trust it
    stamp_path(prefix).write_text("[" * 100_000 + "]" * 100_000)  # nested past the recursion limit
    assert read_stamp(prefix) is None
    stamp_path(prefix).unlink()
    os.mkfifo(stamp_path(prefix))  # never waited on
    assert read_stamp(prefix) is None


def test_stamp_on_disk_layout_is_the_format_1_json(tmp_path: Path) -> None:
    """Stamps written before the typed Stamp read back; an incomplete or mistyped one is None."""
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    data = {"format": STAMP_FORMAT, "tool": "rees2conda", **_stamp().to_json()}
    assert set(json.loads(json.dumps(data))) == set(_stamp().to_json())
    stamp_path(prefix).write_text(json.dumps(data))
    assert read_stamp(prefix) == _stamp()
    data["future_field"] = 1  # a newer writer's extra field does not hurt
    stamp_path(prefix).write_text(json.dumps(data))
    assert read_stamp(prefix) == _stamp()
    for broken in ({"spec_hash": None}, {"conda_packages": "3"}, {"pip": "x"}):
        stamp_path(prefix).write_text(json.dumps({**data, **broken}))
        assert read_stamp(prefix) is None, broken
    del data["source"]
    stamp_path(prefix).write_text(json.dumps(data))
    assert read_stamp(prefix) is None
    assert owner_source(prefix) is None  # still ours: a rebuild may replace it


def test_atomic_write_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    os.chmod(target, 0o600)
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_registry_add_remove(tmp_path: Path) -> None:
    home = tmp_path
    path = registry.registry_path(home)
    path.parent.mkdir(parents=True)
    path.write_text("/opt/conda\n/opt/conda/envs/other\n")
    assert registry.add(tmp_path / "envs" / "a", home)
    assert not registry.add(str(tmp_path / "envs" / "a") + "/", home)  # same prefix
    assert registry.registered(tmp_path / "envs" / "a", home)
    assert path.read_text().splitlines() == [
        "/opt/conda",
        "/opt/conda/envs/other",
        str(tmp_path / "envs" / "a"),
    ]
    assert registry.remove(tmp_path / "envs" / "a", home)
    assert not registry.remove(tmp_path / "envs" / "a", home)
    assert path.read_text() == "/opt/conda\n/opt/conda/envs/other\n"


def test_registry_created_when_missing(tmp_path: Path) -> None:
    assert registry.add("/x/y", tmp_path)
    assert registry.list_registered(tmp_path) == ["/x/y"]


def test_fingerprint(tmp_path: Path) -> None:
    repo = tmp_path
    (repo / "environment.yml").write_text("dependencies: [python=3.11]\n")
    (repo / "notes.ipynb").write_text("{}")
    rec = fp.fingerprint(repo, ["environment.yml"])
    assert rec["names"] == ["environment.yml"]
    assert fp.matches(repo, rec)
    (repo / "other.py").write_text("")  # unrelated files do not matter
    assert fp.matches(repo, rec)
    (repo / "requirements.txt").write_text("x\n")  # a REES name appearing does
    assert not fp.matches(repo, rec)
    (repo / "requirements.txt").unlink()
    (repo / "environment.yml").write_text("dependencies: [python=3.12]\n")
    assert not fp.matches(repo, rec)
    (repo / "environment.yml").write_text("dependencies: [python=3.11]\n")
    assert fp.matches(repo, rec)
    (repo / "binder").mkdir()
    assert not fp.matches(repo, rec)
    assert not fp.matches(repo, None)


def test_fingerprint_watches_every_name_the_reader_looks_at() -> None:
    """The no-op path spells the names out (no reader import); keep them in step with layout."""
    from rees2conda.env import fingerprint
    from rees2conda.rees import layout

    missing = set(layout.REES_NAMES + layout.ROOT_ONLY) - fingerprint.REES_NAMES
    assert not missing

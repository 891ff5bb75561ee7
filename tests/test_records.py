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

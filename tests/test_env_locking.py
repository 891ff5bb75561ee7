"""The NFS-safe inter-process lock: exclusion, waiting, stale-lock recovery."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rees2conda.locking import ORPHAN_AFTER, DirLock, LockTimeout, _proc_start_time


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _fake_lock(path: Path, **owner: object) -> None:
    path.mkdir()
    (path / "owner.json").write_text(json.dumps(owner))


def test_exclusive_and_released(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    with DirLock(lock):
        assert lock.is_dir()
        owner = json.loads((lock / "owner.json").read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        assert not DirLock(lock).try_acquire()
        with pytest.raises(LockTimeout):
            DirLock(lock, timeout=0.2).acquire()
    assert not lock.exists()


def test_stale_lock_of_dead_process_is_broken(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    _fake_lock(lock, host=socket.gethostname(), pid=_dead_pid(), start=None)
    waited: list[str] = []
    start = time.monotonic()
    with DirLock(lock, timeout=5, on_wait=waited.append):
        owner = json.loads((lock / "owner.json").read_text())
        assert owner["pid"] == os.getpid()
    assert time.monotonic() - start < 2
    assert waited == []  # a stale lock is taken over without waiting


def test_recycled_pid_is_stale(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    # our own (live) pid but a different process start time: the pid was reused
    _fake_lock(lock, host=socket.gethostname(), pid=os.getpid(), start="1")
    assert _proc_start_time(os.getpid()) not in (None, "1")
    assert DirLock(lock).is_stale()


def test_live_lock_is_not_stale(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    _fake_lock(
        lock, host=socket.gethostname(), pid=os.getpid(), start=_proc_start_time(os.getpid())
    )
    assert not DirLock(lock).is_stale()


def test_other_host_uses_heartbeat_age(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    _fake_lock(lock, host="elsewhere.invalid", pid=1, start=None)
    assert not DirLock(lock, stale_after=60).is_stale()
    old = time.time() - 120
    os.utime(lock / "owner.json", (old, old))
    assert DirLock(lock, stale_after=60).is_stale()


def test_orphan_directory_without_owner(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.mkdir()
    assert not DirLock(lock).is_stale()  # maybe being created right now
    old = time.time() - ORPHAN_AFTER - 5
    os.utime(lock, (old, old))
    assert DirLock(lock).is_stale()


def test_heartbeat_refreshes_owner(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    with DirLock(lock, heartbeat=0.05):
        old = time.time() - 1000
        os.utime(lock / "owner.json", (old, old))
        time.sleep(0.3)
        assert time.time() - (lock / "owner.json").stat().st_mtime < 10


CHILD = r"""
import sys, time
from rees2conda.locking import DirLock
lock, log, me = sys.argv[1], sys.argv[2], sys.argv[3]
def waiting(holder):
    with open(log, "a") as fh:
        fh.write(f"wait {me}\n")
with DirLock(lock, on_wait=waiting):
    with open(log, "a") as fh:
        fh.write(f"in {me}\n")
    time.sleep(0.3)
    with open(log, "a") as fh:
        fh.write(f"out {me}\n")
"""


def test_processes_exclude_each_other(tmp_path: Path) -> None:
    lock, log = tmp_path / "x.lock", tmp_path / "log"
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(lock), str(log), str(i)])
        for i in range(3)
    ]
    assert all(p.wait(timeout=30) == 0 for p in procs)
    events = [line.split() for line in log.read_text().splitlines()]
    inside = [e for e in events if e[0] in ("in", "out")]
    # strictly alternating in/out of the same process: never two inside at once
    assert len(inside) == 6
    for i in range(0, 6, 2):
        assert inside[i][0] == "in" and inside[i + 1] == ["out", inside[i][1]]
    waits = [e[1] for e in events if e[0] == "wait"]
    assert len(waits) == len(set(waits)) and len(waits) >= 1  # each waiter says so once


def test_sigkilled_holder_is_recovered(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    code = (
        "from rees2conda.locking import DirLock; import time; "
        f"DirLock({str(lock)!r}).acquire(); print('ok', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ok"
    proc.kill()
    proc.wait()
    with DirLock(lock, timeout=5):
        assert json.loads((lock / "owner.json").read_text())["pid"] == os.getpid()

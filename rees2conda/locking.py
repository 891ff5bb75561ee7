"""An inter-process lock that works on shared filesystems (NFS, Lustre, GPFS).

``flock``/``fcntl`` locks are unreliable or disabled on many cluster filesystems, so the lock is a
directory created with ``mkdir`` (atomic everywhere, including NFS). The holder writes
``owner.json`` (host, pid, process start time) inside it and refreshes its mtime as a heartbeat.
A waiter treats the lock as stale when its owner is a dead process on the same host (or a
recycled pid, told apart by the process start time), or, for another host, when the heartbeat is
older than ``stale_after`` seconds. Breaking a stale lock happens under a second ``mkdir`` lock so
two waiters never both break it and then delete each other's fresh lock.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

#: heartbeat period of the holder (seconds)
HEARTBEAT = 10.0
#: a lock from another host whose heartbeat is older than this is stale (clock skew included)
STALE_AFTER = 300.0
#: a lock directory without a readable owner file is stale after this long (crash after mkdir)
ORPHAN_AFTER = 30.0


class LockTimeout(Exception):
    """Raised when ``timeout`` elapsed before the lock could be taken."""


def _proc_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux ``/proc``), to tell a recycled pid apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = data[data.rfind(b")") + 2 :].split()
    return fields[19].decode() if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class DirLock:
    """``with DirLock(path): ...`` holds ``path`` (a directory) for this process.

    ``on_wait`` is called once, with a description of the holder, when the lock is busy.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        stale_after: float = STALE_AFTER,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.on_wait = on_wait
        self.stale_after = stale_after
        self.heartbeat = heartbeat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._held = False

    # -- owner record ---------------------------------------------------------------------
    @property
    def _owner_file(self) -> Path:
        return self.path / "owner.json"

    def _owner(self) -> dict[str, object]:
        pid = os.getpid()
        return {
            "host": socket.gethostname(),
            "pid": pid,
            "start": _proc_start_time(pid),
            "since": time.time(),
        }

    def _read_owner(self, path: Path | None = None) -> dict[str, object] | None:
        try:
            with open((path or self.path) / "owner.json", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def describe_holder(self) -> str:
        owner = self._read_owner()
        if not owner:
            return f"another process ({self.path})"
        return f"process {owner.get('pid')} on {owner.get('host')}"

    # -- staleness ------------------------------------------------------------------------
    def _age(self, path: Path) -> float | None:
        try:
            return time.time() - path.stat().st_mtime
        except OSError:
            return None

    def is_stale(self, path: Path | None = None) -> bool:
        """Whether the lock at ``path`` (default: ours) belongs to nobody alive."""
        path = path or self.path
        owner = self._read_owner(path)
        if owner is None:
            age = self._age(path)
            return age is not None and age > ORPHAN_AFTER
        if owner.get("host") == socket.gethostname():
            pid = owner.get("pid")
            if not isinstance(pid, int) or not _pid_alive(pid):
                return True
            start = owner.get("start")
            return start is not None and _proc_start_time(pid) not in (None, start)
        age = self._age(path / "owner.json")
        return age is not None and age > self.stale_after

    def _break_stale(self) -> bool:
        """Remove our lock if it is stale, under a breaker lock. True when something was removed."""
        breaker = self.path.with_name(self.path.name + ".break")
        try:
            os.mkdir(breaker)
        except FileExistsError:
            age = self._age(breaker)
            if age is not None and age > ORPHAN_AFTER:
                shutil.rmtree(breaker, ignore_errors=True)
            return False
        try:
            if not self.is_stale():
                return False
            graveyard = self.path.with_name(f"{self.path.name}.stale.{os.getpid()}")
            try:
                os.rename(self.path, graveyard)
            except OSError:
                return False
            shutil.rmtree(graveyard, ignore_errors=True)
            return True
        finally:
            shutil.rmtree(breaker, ignore_errors=True)

    # -- acquire / release ----------------------------------------------------------------
    def try_acquire(self) -> bool:
        try:
            os.mkdir(self.path)
        except FileExistsError:
            return False
        tmp = self.path / f".owner.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(self._owner()), encoding="utf-8")
        os.replace(tmp, self._owner_file)
        self._held = True
        self._start_heartbeat()
        return True

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        told = False
        delay = 0.05
        while not self.try_acquire():
            if self.is_stale() and self._break_stale():
                continue
            if not told:
                told = True
                if self.on_wait is not None:
                    self.on_wait(self.describe_holder())
            if deadline is not None and time.monotonic() > deadline:
                raise LockTimeout(f"timed out waiting for {self.path}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def release(self) -> None:
        if not self._held:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._held = False
        shutil.rmtree(self.path, ignore_errors=True)

    def _start_heartbeat(self) -> None:
        self._stop.clear()

        def beat() -> None:
            while not self._stop.wait(self.heartbeat):
                try:
                    os.utime(self._owner_file, None)
                except OSError:
                    return

        self._thread = threading.Thread(target=beat, name="rees2conda-lock-heartbeat", daemon=True)
        self._thread.start()

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def prefix_lock_dir(prefix: Path) -> Path:
    """The inter-process lock of a prefix: beside it, so it exists before the prefix does."""
    return prefix.parent / f".{prefix.name}.rees2conda-lock"

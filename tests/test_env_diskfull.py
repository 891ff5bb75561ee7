"""A full disk or quota in a build: one line naming the filesystem, and a repairable env."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli, stamp

from rees2conda.env.diskfull import mount_point, no_space_errno


def test_engine_texts_and_mount_points() -> None:
    assert no_space_errno("failed to link x\nCaused by: No space left on device (os error 28)") == (
        errno.ENOSPC
    )
    assert no_space_errno("error: Disk quota exceeded (os error 122)") == errno.EDQUOT
    assert no_space_errno("failed to link x: permission denied") is None
    assert mount_point("/no/such/folder/anywhere") == Path("/")
    assert mount_point("/proc/self") == Path("/proc")


def _marker(prefix: Path) -> Path:
    return prefix / "conda-meta" / "rees2conda.incomplete"


def _python_runs(prefix: Path) -> bool:
    proc = subprocess.run([prefix / "bin" / "python", "-c", "pass"], check=False)
    return proc.returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 40 MB tmpfs (a python-only env needs about 62 MB): root and mount(8) needed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root and mount(8)")
    mnt = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.slow
def test_full_small_filesystem_names_it_and_the_next_build_repairs(
    tmp_path: Path, channel_env: dict[str, str], small_fs: Path
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    prefix = small_fs / "env"
    args = ["build", str(repo), "-p", str(prefix), "--no-kernel"]
    proc = run_cli(args, channel_env, check=False)
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [
        f"error: no space left on {small_fs}: free some space there, then build again; "
        f"{prefix} is marked incomplete and the next build repairs it"
    ]
    assert "Traceback" not in proc.stderr
    assert _marker(prefix).exists() and not stamp(prefix).exists()
    # the user frees space (here: the filesystem grows); the next build repairs the env
    subprocess.run(["mount", "-o", "remount,size=400m", str(small_fs)], check=True)
    run_cli(args, channel_env)
    assert not _marker(prefix).exists() and stamp(prefix).exists()
    assert _python_runs(prefix)


@pytest.mark.slow
def test_empty_conda_meta_record_is_repaired_with_and_without_force(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    prefix = tmp_path / "env"
    args = ["build", str(repo), "-p", str(prefix), "--no-kernel"]
    run_cli(args, channel_env)
    record = next((prefix / "conda-meta").glob("python-3*.json"))
    for extra in ([], ["--force"]):
        # what ENOSPC/EDQUOT while rattler writes a record leaves: an empty file, a marker
        record.write_bytes(b"")
        _marker(prefix).write_text('{"source": null}')
        run_cli([*args, *extra], channel_env)
        assert not _marker(prefix).exists() and record.stat().st_size > 0
        assert _python_runs(prefix)


@pytest.mark.slow
def test_injected_quota_error_while_stamping(
    tmp_path: Path, channel_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC raised where no small filesystem reaches (the stamp, the last write)."""
    import rees2conda.env.api as api
    import rees2conda.env.phases as phases
    from rees2conda.errors import UserError

    repo = copy_repo("plain-python", tmp_path)
    prefix = tmp_path / "env"

    def full(path: object, data: object) -> None:
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), str(stamp(path)))  # type: ignore[arg-type]

    with monkeypatch.context() as patch, pytest.raises(UserError) as caught:
        patch.setattr(phases, "write_stamp", full)
        api.build(repo, prefix=prefix, kernel=False, quiet=True)
    assert str(caught.value).startswith(f"disk quota exceeded on {mount_point(prefix)}:")
    assert _marker(prefix).exists()
    assert api.build(repo, prefix=prefix, kernel=False, quiet=True).action == "updated"
    assert not _marker(prefix).exists() and _python_runs(prefix)


def _fill(mount: Path, leave: int) -> None:
    """Fill ``mount`` but ``leave`` bytes."""
    st = os.statvfs(mount)
    free = st.f_bavail * st.f_frsize
    with open(mount / "filler", "wb") as out:
        out.truncate(0)
        chunk = b"\0" * (1 << 20)
        left = free - leave
        while left > 0:
            out.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


#: a 2 MB wheel, unpacked into uv's cache before it is linked into the environment
PIP_WHEEL = (
    "https://files.pythonhosted.org/packages/8a/6a/"
    "19e9fe04fca059ccf770861c7d5721ab4c2aebc539889e97c7977528a53b/pip-24.0-py3-none-any.whl",
    "ba0d021a166865d2265246961bec0152ff124de910c5cc39f1156ce3fa7c69dc",
)
#: a 0.5 MB wheel (2.5 MB installed) that Python 2.7's pip installs
PYTZ_WHEEL = (
    "https://files.pythonhosted.org/packages/4f/a4/"
    "879454d49688e2fad93e59d7d4efda580b783c745fd2ec2a3adf87b0808d/pytz-2020.1-py2.py3-none-any.whl",
    "a494d53b6d39c3c6e44c3bec237336e14305e4f29bbf800b599253057fbb79ed",
)


@pytest.mark.pypi
def test_full_uv_cache_is_named_not_the_prefix(
    tmp_path: Path, small_fs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv fails in its cache (on another filesystem than the env): the message names that."""
    import sys

    from rees2conda.env.install import install_pip
    from rees2conda.errors import UserError
    from rees2conda.resolve.lockfile import LockedPip

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")])
    python = tmp_path / "env" / "bin" / "python"
    monkeypatch.delenv("UV_CACHE_DIR", raising=False)  # uv's default cache: the XDG one
    monkeypatch.setenv("XDG_CACHE_HOME", str(small_fs / "cache"))
    _fill(small_fs, 100_000)
    with pytest.raises(UserError) as caught:
        install_pip([LockedPip("pip", "24.0", *PIP_WHEEL)], python)
    assert str(caught.value).startswith(f"no space left on {small_fs}: free some space there")
    assert mount_point(tmp_path) != small_fs


@pytest.mark.pypi
def test_full_disk_under_the_environments_own_pip(tmp_path: Path, small_fs: Path) -> None:
    """Python 2.7's own pip (uv cannot install into it) on a full filesystem: one line naming
    it, not pip's OSError."""
    from py27_helpers import python27_env

    from rees2conda.env.install import install_pip
    from rees2conda.errors import UserError
    from rees2conda.resolve.lockfile import LockedPip

    python = python27_env(small_fs / "env")
    _fill(small_fs, 200_000)
    with pytest.raises(UserError) as caught:
        install_pip([LockedPip("pytz", "2020.1", *PYTZ_WHEEL)], python)
    assert str(caught.value).startswith(f"no space left on {small_fs}: free some space there")

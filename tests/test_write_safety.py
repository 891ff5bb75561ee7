"""Writes never leave their place: no writing through a symlink out of the repository, no
replacing a device, FIFO or directory, no parent folders created as a side effect.

The repository a victim of ``lock`` would be a stranger's: ``conda-lock.yml -> ~/.bashrc`` must
leave ``~/.bashrc`` as it was and fail with a message naming the link.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from lock_helpers import CHANNELS

from rees2conda.cli import run as run_cli
from rees2conda.fsutil import UnsafeWriteError, write_bytes_atomic, write_text_atomic

ALIAS = ["--channel-alias", CHANNELS.as_uri(), "-p", "linux-64"]
VICTIM = "# my shell setup\nexport PATH=$HOME/bin:$PATH\n"


@pytest.fixture(autouse=True)
def clean_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("CONDARC", "CONDA_PREFIX", "CONDA_CHANNEL_ALIAS", "CONDA_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    return home


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n"
    )
    return root


def lock(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["lock", *args])
    out, err = capsys.readouterr()
    return code, out, err


def no_temporary_left(folder: Path) -> bool:
    return not any(p.name.endswith(".tmp") for p in folder.iterdir())


# -- the writer itself -------------------------------------------------------------------------
def test_symlink_out_is_refused_and_the_victim_kept(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text(VICTIM)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "f").symlink_to(victim)
    with pytest.raises(UnsafeWriteError, match=r"symbolic link to .*victim.*outside"):
        write_text_atomic(repo / "f", "x", within=repo)
    with pytest.raises(UnsafeWriteError, match="symbolic link"):
        write_text_atomic(repo / "f", "x")  # no `within`: never followed
    assert victim.read_text() == VICTIM
    assert (repo / "f").is_symlink() and no_temporary_left(repo)


def test_symlink_inside_is_followed_and_kept(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "binder").mkdir(parents=True)
    (repo / "real.yml").write_text("old\n")
    (repo / "real.yml").chmod(0o640)
    (repo / "binder" / "link.yml").symlink_to("../real.yml")
    written = write_text_atomic(repo / "binder" / "link.yml", "new\n", within=repo)
    assert written == (repo / "real.yml").resolve()
    assert (repo / "binder" / "link.yml").is_symlink()
    assert (repo / "real.yml").read_text() == "new\n"
    assert stat.S_IMODE((repo / "real.yml").stat().st_mode) == 0o640


def test_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "binder").symlink_to(outside)
    with pytest.raises(UnsafeWriteError, match="leads outside"):
        write_text_atomic(repo / "binder" / "conda-lock.yml", "x", within=repo)
    assert list(outside.iterdir()) == []


def test_non_regular_files_are_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, kind in ((fifo, "a FIFO"), (folder, "a directory"), (sock_path, "a socket")):
            with pytest.raises(UnsafeWriteError, match=f"is {kind}, not a regular file"):
                write_bytes_atomic(path, b"x")
    finally:
        sock.close()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISSOCK(os.lstat(sock_path).st_mode)
    assert no_temporary_left(tmp_path)


def test_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    with pytest.raises(UnsafeWriteError, match="does not exist"):
        write_text_atomic(tmp_path / "no" / "dir" / "x.yml", "x")
    assert not (tmp_path / "no").exists()


def test_new_file_honours_umask_existing_keeps_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "new", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o640
    (tmp_path / "new").chmod(0o600)
    write_text_atomic(tmp_path / "new", "y")
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o600


# -- `rees2conda lock` -------------------------------------------------------------------------
def test_lock_through_symlink_to_home_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_home: Path
) -> None:
    bashrc = clean_home / ".bashrc"
    bashrc.write_text(VICTIM)
    repo = make_repo(tmp_path / "repo")
    (repo / "conda-lock.yml").symlink_to(bashrc)
    code, out, err = lock(capsys, str(repo), *ALIAS)
    assert code == 1 and out == ""
    assert f"{repo / 'conda-lock.yml'} is a symbolic link to {bashrc}" in err
    assert "Traceback" not in err
    assert bashrc.read_text() == VICTIM
    assert (repo / "conda-lock.yml").is_symlink() and no_temporary_left(repo)


def test_lock_through_symlink_inside_the_repository_writes_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "locks").mkdir()
    (repo / "conda-lock.yml").symlink_to("locks/conda-lock.yml")  # dangling until written
    code, out, err = lock(capsys, str(repo), *ALIAS)
    assert code == 0, err
    assert (repo / "conda-lock.yml").is_symlink()
    assert "python-3.6" in (repo / "locks" / "conda-lock.yml").read_text()
    code, out, err = lock(capsys, str(repo), *ALIAS)  # read back through the link: reused
    assert code == 0 and "up to date, reused" in out


def test_lockfile_into_missing_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    target = tmp_path / "nonexistent" / "dir" / "x.yml"
    code, _, err = lock(capsys, str(repo), *ALIAS, "--lockfile", str(target))
    assert code == 1 and f"cannot write {target}: folder {target.parent} does not exist" in err
    assert not (tmp_path / "nonexistent").exists()


def test_lockfile_onto_fifo_or_device_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    targets = [(fifo, "a FIFO")]
    if os.geteuid() == 0:  # a real device node, made where a bug could do no harm
        device = tmp_path / "full"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        targets.append((device, "a character device"))
    for target, kind in targets:
        code, _, err = lock(capsys, str(repo), *ALIAS, "--lockfile", str(target))
        assert code == 1 and f"{target} is {kind}, not a regular file" in err, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if os.geteuid() == 0:
        assert stat.S_ISCHR(os.lstat(tmp_path / "full").st_mode)


def test_hardlinked_file_is_replaced_not_written_through(tmp_path: Path) -> None:
    """A repository file sharing its inode with a file outside gets a new inode."""
    victim = tmp_path / "victim"
    victim.write_text(VICTIM)
    repo = tmp_path / "repo"
    repo.mkdir()
    os.link(victim, repo / "conda-lock.yml")
    write_text_atomic(repo / "conda-lock.yml", "lock\n", within=repo)
    assert victim.read_text() == VICTIM and (repo / "conda-lock.yml").read_text() == "lock\n"


def test_lockfile_elsewhere_follows_a_link_only_within_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_home: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "current.yml").symlink_to("v2.yml")  # the user's own naming scheme
    code, _, err = lock(capsys, str(repo), *ALIAS, "--lockfile", str(locks / "current.yml"))
    assert code == 0, err
    assert (locks / "current.yml").is_symlink() and "python-3.6" in (locks / "v2.yml").read_text()
    bashrc = clean_home / ".bashrc"
    bashrc.write_text(VICTIM)
    (locks / "other.yml").symlink_to(bashrc)
    code, _, err = lock(capsys, str(repo), *ALIAS, "--lockfile", str(locks / "other.yml"))
    assert code == 1 and "symbolic link" in err and bashrc.read_text() == VICTIM

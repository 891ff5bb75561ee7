"""Packages are verified before they are linked: tampered locks, foreign URLs, a broken cache."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli

from rees2conda.env import cache
from rees2conda.env.perms import current_umask
from rees2conda.env.verify import Expected, channel_bases


def _expected(**kw: str | None) -> Expected:
    base: dict[str, str | None] = dict(
        name="numpy",
        version="2.0",
        build="py_0",
        fn="numpy-2.0-py_0.conda",
        url="file:///c/noarch/numpy-2.0-py_0.conda",
        sha256="aa" * 32,
        md5="bb" * 16,
    )
    base.update(kw)
    return Expected(**base)  # type: ignore[arg-type]


def test_sha256_decides_and_md5_is_the_fallback() -> None:
    e = _expected()
    assert e.mismatch("aa" * 32, "00" * 16) is None  # sha256 wins over a wrong md5
    assert e.mismatch("cc" * 32, "bb" * 16) == ("sha256", "aa" * 32, "cc" * 32)
    md5_only = _expected(sha256=None)
    assert md5_only.mismatch("cc" * 32, "bb" * 16) is None
    assert md5_only.mismatch("cc" * 32, "00" * 16) == ("md5", "bb" * 16, "00" * 16)


def test_channel_bases_ignore_credentials_and_tokens() -> None:
    from rees2conda.condarc import CondaConfig

    config = CondaConfig(channel_alias="file:///mirror")
    bases = channel_bases(["conda-forge", "https://u:p@x.org/t/tok123/bio/"], config)
    assert bases == [
        "https://conda.anaconda.org/conda-forge",
        "file:///mirror/conda-forge",
        "https://x.org/bio",
    ]


def _entry(tmp_path: Path, files: dict[str, bytes], record: dict[str, str] | None) -> Path:
    entry = tmp_path / "numpy-2.0-py_0"
    (entry / "info").mkdir(parents=True)
    index = {"name": "numpy", "version": "2.0", "build": "py_0"}
    (entry / "info" / "index.json").write_text(json.dumps(index))
    paths = [
        {"_path": rel, "path_type": "hardlink", "size_in_bytes": len(data)}
        for rel, data in files.items()
    ]
    (entry / "info" / "paths.json").write_text(json.dumps({"paths": paths}))
    for rel, data in files.items():
        (entry / rel).parent.mkdir(parents=True, exist_ok=True)
        (entry / rel).write_bytes(data)
    if record is not None:
        (entry / "info" / "repodata_record.json").write_text(json.dumps({**index, **record}))
    return entry


def test_entry_problem_finds_foreign_unproven_and_truncated_entries(tmp_path: Path) -> None:
    e = _expected()
    good = _entry(tmp_path / "a", {"lib/x.py": b"12345"}, {"sha256": "aa" * 32})
    assert cache.entry_problem(good, e) is None
    unproven = _entry(tmp_path / "b", {"lib/x.py": b"12345"}, None)
    assert "no record" in (cache.entry_problem(unproven, e) or "")
    other = _entry(tmp_path / "c", {"lib/x.py": b"12345"}, {"sha256": "cc" * 32})
    assert "another archive" in (cache.entry_problem(other, e) or "")
    truncated = _entry(tmp_path / "d", {"lib/x.py": b"12345"}, {"sha256": "aa" * 32})
    (truncated / "lib" / "x.py").write_bytes(b"12")
    assert "truncated" in (cache.entry_problem(truncated, e) or "")
    (truncated / "lib" / "x.py").unlink()
    assert "missing" in (cache.entry_problem(truncated, e) or "")
    # rattler's .lock naming another archive (a fetch that failed after it was written)
    cache._write_lock(good, "dd" * 32)
    assert "another archive" in (cache.entry_problem(good, e) or "")
    cache._write_lock(good, "aa" * 32)
    assert cache.entry_problem(good, e) is None


def test_quarantine_moves_aside_and_prunes_by_the_time_in_the_name(tmp_path: Path) -> None:
    import time

    pkgs = tmp_path / "pkgs"
    pkgs.mkdir()
    first = _entry(pkgs, {"a.py": b"1"}, None)
    moved = cache.quarantine(first, pkgs)
    assert moved.parent.parent == pkgs / cache.QUARANTINE and not first.exists()
    # no .quarantine/ possible (here: a file in the way; for real: another user's folder that
    # may not change parent): renamed beside itself instead
    shutil.rmtree(pkgs / cache.QUARANTINE)
    (pkgs / cache.QUARANTINE).write_text("")
    second = _entry(pkgs, {"a.py": b"1"}, None)
    beside = cache.quarantine(second, pkgs)
    assert beside.parent == pkgs and beside.name.startswith(cache.QUARANTINED_PREFIX)
    os.utime(beside, (0, 0))  # an old mtime does not count: the name's time does
    cache._prune_quarantine(pkgs)
    assert beside.exists()
    cache._prune_quarantine(pkgs, now=time.time() + 8 * 86400)
    assert not beside.exists()


# -- end to end, with the local channel ------------------------------------------------------
@pytest.fixture
def lock_311(tmp_path: Path, channel_env: dict[str, str]) -> Path:
    """A --no-kernel lock of python 3.11, python_abi and six against the local channel."""
    from rees2conda.resolve.api import LockOptions, lock

    repo = copy_repo("plain-python", tmp_path)
    (repo / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies: [python=3.11, python_abi, six]\n"
    )
    lockfile = tmp_path / "lock" / "conda-lock.yml"
    lockfile.parent.mkdir()
    lock(repo, lockfile=lockfile, options=LockOptions(kernel=False))
    return lockfile


@pytest.fixture
def own_pkgs(tmp_path: Path, channel_env: dict[str, str]) -> Path:
    """A package cache of this test's own (these tests break cache entries on purpose)."""
    pkgs = tmp_path / "pkgs"
    channel_env["CONDA_PKGS_DIRS"] = str(pkgs)
    os.environ["CONDA_PKGS_DIRS"] = str(pkgs)
    return pkgs


def _build(lockfile: Path, prefix: Path, env: dict[str, str], *extra: str, check: bool = True):
    repo = lockfile.parent.parent / "plain-python"
    args = ["build", str(repo), "-p", str(prefix), "--lockfile", str(lockfile), "--no-kernel"]
    return run_cli([*args, *extra], env, check=check)


def _set_field(lockfile: Path, package: str, key: str, value: str) -> Path:
    """A copy of the lock with ``key`` of ``package``'s entry replaced."""
    text = lockfile.read_text()
    start = text.index(f"- name: {package}\n")
    end = text.find("\n- name:", start + 1)
    end = len(text) if end < 0 else end
    block = re.sub(rf"(\n\s+{key}: ).*", lambda m: m.group(1) + value, text[start:end], count=1)
    out = lockfile.with_name(f"tampered-{package}-{key}.yml")
    out.write_text(text[:start] + block + text[end:])
    return out


def _env_python_works(prefix: Path) -> bool:
    import subprocess

    proc = subprocess.run([prefix / "bin" / "python", "-c", "import json, six"], check=False)
    return proc.returncode == 0


@pytest.mark.slow
def test_wrong_sha256_over_file_channel_is_refused(
    tmp_path: Path, lock_311: Path, own_pkgs: Path, channel_env: dict[str, str]
) -> None:
    tampered = _set_field(lock_311, "python_abi", "sha256", "ab" * 32)
    prefix = tmp_path / "env"
    proc = _build(tampered, prefix, channel_env, check=False)
    assert proc.returncode == 1
    err = proc.stderr
    assert "python_abi-3.11" in err and "file://" in err
    assert "ab" * 32 in err and "the lock says" in err
    assert "tampered" in err and "run the build again" not in err
    assert "Traceback" not in err
    assert not (prefix / "bin" / "python").exists()  # nothing was linked
    assert not any(own_pkgs.glob("python_abi-*/info"))  # nor cached
    # a lock with md5 only: md5 is checked
    md5_only = _set_field(lock_311, "python_abi", "md5", "ef" * 16)
    text = md5_only.read_text()
    start = text.index("- name: python_abi\n")
    md5_only.write_text(text[:start] + re.sub(r"\n\s+sha256: .*", "", text[start:], count=1))
    proc = _build(md5_only, prefix, channel_env, check=False)
    assert proc.returncode == 1 and "md5" in proc.stderr and "ef" * 16 in proc.stderr
    # the untampered lock then installs, and a good entry is not evicted by a tampered lock
    _build(lock_311, prefix, channel_env)
    assert _env_python_works(prefix)
    assert _build(tampered, tmp_path / "env2", channel_env, check=False).returncode == 1
    assert cache.entry_problem(next(own_pkgs.glob("python_abi-*-*[!k]")), _abi(lock_311)) is None


def _abi(lockfile: Path) -> Expected:
    from rees2conda.resolve.api import read_locked_packages

    records = read_locked_packages(lockfile, "linux-64").conda
    return Expected.of(next(r for r in records if r.name.normalized == "python_abi"))


@pytest.mark.slow
def test_url_outside_the_lock_channels_needs_allow_foreign_urls(
    tmp_path: Path, lock_311: Path, own_pkgs: Path, channel_env: dict[str, str]
) -> None:
    original = _abi(lock_311)
    evil = tmp_path / "elsewhere" / "linux-64"
    evil.mkdir(parents=True)
    shutil.copy(Path(original.url.removeprefix("file://")), evil / original.fn)
    foreign = _set_field(lock_311, "python_abi", "url", (evil / original.fn).as_uri())
    prefix = tmp_path / "env"
    proc = _build(foreign, prefix, channel_env, check=False)
    assert proc.returncode == 1
    assert "outside the lock's channels" in proc.stderr and str(evil) in proc.stderr
    assert "--allow-foreign-urls" in proc.stderr
    assert not (prefix / "bin" / "python").exists()
    _build(foreign, prefix, channel_env, "--allow-foreign-urls")  # same bytes: verified, ok
    assert _env_python_works(prefix)


@pytest.mark.slow
def test_broken_cache_entries_are_quarantined_and_refetched(
    tmp_path: Path, lock_311: Path, own_pkgs: Path, channel_env: dict[str, str]
) -> None:
    _build(lock_311, tmp_path / "env1", channel_env)
    python_entry = next(p for p in own_pkgs.glob("python-3.11*") if p.is_dir())
    abi_entry = next(p for p in own_pkgs.glob("python_abi-*") if p.is_dir())
    six_entry = next(p for p in own_pkgs.glob("six-*") if p.is_dir())
    # 1. an entry holding another package's files under the right name, with rattler's
    #    metadata claiming it is right (what a failed fetch after a mismatched one leaves)
    shutil.rmtree(abi_entry)
    shutil.copytree(six_entry, abi_entry)
    # 2. a truncated shared library in the python entry (a download cut short)
    lib = next((python_entry / "lib").glob("libpython3.11.so*"))
    lib = lib.resolve()
    lib.write_bytes(lib.read_bytes()[: lib.stat().st_size // 2])
    # 3. what a fetch killed midway leaves
    orphan = own_pkgs / f".six-1{cache.TMP_MARK}abc"
    (orphan / "info").mkdir(parents=True)
    prefix = tmp_path / "env2"
    said = _build(lock_311, prefix, channel_env).stderr
    assert f"broken package cache entry {abi_entry} (holds another package)" in said
    assert f"{python_entry} (lib/libpython3.11.so" in said and "truncated?" in said
    assert _env_python_works(prefix)
    quarantined = sorted(p.name for p in (own_pkgs / ".quarantine").glob("*/*"))
    assert quarantined == sorted([abi_entry.name, python_entry.name])
    assert cache.entry_problem(abi_entry, _abi(lock_311)) is None
    assert not orphan.exists()
    # entries are as readable as the umask allows (others sharing the cache link from them)
    assert abi_entry.stat().st_mode & 0o777 == 0o777 & ~current_umask()
    # and the env built before is still intact: its files were never deleted
    assert _env_python_works(tmp_path / "env1")


@pytest.fixture
def http_channel(local_channel: Path) -> Iterator[str]:
    """The local channel served over HTTP on 127.0.0.1 (the transport rattler checks itself)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(local_channel.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_http_transport_is_verified_the_same_way(
    tmp_path: Path,
    lock_311: Path,
    own_pkgs: Path,
    channel_env: dict[str, str],
    http_channel: str,
) -> None:
    # the lock names its channels; --channel-alias moves every download onto the HTTP server
    env = {**channel_env, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    alias = ("--channel-alias", http_channel)
    tampered = _set_field(lock_311, "six", "sha256", "cd" * 32)
    proc = _build(tampered, tmp_path / "env", env, *alias, check=False)
    assert proc.returncode == 1
    assert f"{http_channel}/conda-forge/noarch/six-" in proc.stderr and "cd" * 32 in proc.stderr
    assert "tampered" in proc.stderr and "run the build again" not in proc.stderr
    _build(lock_311, tmp_path / "env", env, *alias)
    assert _env_python_works(tmp_path / "env")
    assert (
        '"url": "http://127.0.0.1'
        in next(own_pkgs.glob("six-*/info/repodata_record.json")).read_text()
    )


@pytest.mark.slow
def test_archives_in_the_cache_are_verified_too(
    tmp_path: Path, lock_311: Path, own_pkgs: Path, channel_env: dict[str, str]
) -> None:
    """conda keeps ``<pkgs>/<fn>`` beside its entries: a good one is used (offline), a bad one
    quarantined."""
    _build(lock_311, tmp_path / "env1", channel_env)
    six = next(p for p in own_pkgs.glob("six-*") if p.is_dir())
    archive_name = json.loads((six / "info" / "repodata_record.json").read_text())["fn"]
    source = Path(json.loads((six / "info" / "repodata_record.json").read_text())["url"][7:])
    # 1. a truncated archive: quarantined, the entry comes from the channel
    shutil.rmtree(six)
    (own_pkgs / archive_name).write_bytes(source.read_bytes()[:1000])
    _build(lock_311, tmp_path / "env2", channel_env)
    assert _env_python_works(tmp_path / "env2")
    assert not (own_pkgs / archive_name).exists()
    assert [p.name for p in (own_pkgs / ".quarantine").glob("*/*")] == [archive_name]
    # 2. a good archive and an unreachable channel, offline: the entry comes from the archive
    shutil.rmtree(six)
    shutil.copy(source, own_pkgs / archive_name)
    dead = ("--channel-alias", "http://127.0.0.1:9", "--offline")
    _build(lock_311, tmp_path / "env3", channel_env, *dead)
    assert _env_python_works(tmp_path / "env3")
    record = json.loads((six / "info" / "repodata_record.json").read_text())
    assert record["url"].startswith("http://127.0.0.1:9/")  # never reached: the archive served

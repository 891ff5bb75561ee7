"""The shared package cache (``pkgs_dirs``): only verified entries are ever linked.

rattler trusts a cache folder whose ``.lock`` file names the wanted sha256 and that has an
``info/index.json``; it writes that sha256 *before* fetching, so a failed fetch leaves another
package's files under the right name, and it never checks ``file://`` packages or truncated
files. Before rattler links, :func:`prepare` therefore makes every entry the lock needs one that
was verified:

- an existing entry is kept when its ``info/repodata_record.json`` (written by conda, and by us
  after a verified fetch) has the locked sha256 (else md5) and every file has the size
  ``info/paths.json`` gives;
- any other entry, and a missing one, is fetched by us (from the archive conda keeps in the
  cache when it matches, else from the URL: a ``file://`` path or HTTP), hashed while it is
  extracted into a private temporary folder beside the entry, and refused on a mismatch (the
  old entry is left alone: a tampered lock cannot evict a good entry);
- only when every archive checked out is an old entry moved aside: *quarantined*, renamed
  atomically into ``<pkgs>/.quarantine/`` (never deleted under another user's feet; removed
  after ``QUARANTINE_DAYS``), and the new one renamed into place with its
  ``repodata_record.json`` and rattler's ``.lock`` file. A cached archive that does not match
  is quarantined at once.

All of it happens under rattler's own cache lock (``<pkgs>/.cache.lock``, ``flock``), which
rattler holds for a whole install: no rattler process (ours, pixi's, another user's) links from
an entry while it is checked, moved or replaced.
"""

from __future__ import annotations

import calendar
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from rees2conda.env.diskfull import NO_SPACE, no_space_errno
from rees2conda.env.perms import current_umask
from rees2conda.env.verify import Expected, HashMismatch, no_hash
from rees2conda.errors import UserError

GLOBAL_LOCK = ".cache.lock"  # rattler's name: we serialise with rattler itself
QUARANTINE = ".quarantine"
QUARANTINED_PREFIX = ".quarantined-"  # beside the entry, where .quarantine/ is not allowed
TMP_MARK = ".rees2conda-fetch-"  # in the names of our temporary folders
QUARANTINE_DAYS = 7  # then a quarantined entry is removed by whoever may
RECORD = Path("info") / "repodata_record.json"


@dataclass
class Prepared:
    """What :func:`prepare` did (for messages and tests)."""

    fetched: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)


@contextlib.contextmanager
def cache_lock(pkgs: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """rattler's whole-cache lock (``flock`` on ``<pkgs>/.cache.lock``)."""
    pkgs.mkdir(parents=True, exist_ok=True)
    fd = os.open(pkgs / GLOBAL_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def entry_problem(entry: Path, expected: Expected) -> str | None:
    """Why the cache folder ``entry`` must not be linked for ``expected`` (``None``: it may).

    Cheap: two small JSON files and one ``lstat`` per file (no content hashing).
    """
    if not entry.is_dir() or entry.is_symlink():
        return "not a folder"
    try:
        record = json.loads((entry / RECORD).read_text(encoding="utf-8"))
        index = json.loads((entry / "info" / "index.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "no record of the archive it came from"
    except (OSError, ValueError):
        return "unreadable metadata"
    if not isinstance(record, dict) or not isinstance(index, dict):
        return "unreadable metadata"
    if (index.get("name"), str(index.get("version")), index.get("build")) != (
        expected.name,
        expected.version,
        expected.build,
    ):
        return "holds another package"
    sha, md5 = record.get("sha256"), record.get("md5")
    if not (isinstance(sha, str) or isinstance(md5, str)):
        return "no hash of the archive it came from"
    if (expected.sha256 and sha) or (expected.md5 and md5):
        bad = expected.mismatch(sha if isinstance(sha, str) else None, md5)
        if bad is not None:
            return f"extracted from another archive ({bad[0]} {bad[2]})"
    else:
        return "no hash to compare with the lock"
    locked = _peek_lock_sha(entry)
    if locked and expected.sha256 and locked != expected.sha256:
        return "rattler's metadata names another archive"
    return _files_problem(entry)


def _files_problem(entry: Path) -> str | None:
    """A file ``info/paths.json`` lists that is missing or has another size (truncated)."""
    try:
        paths = json.loads((entry / "info" / "paths.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None if (entry / "info" / "files").is_file() else "no info/paths.json"
    except (OSError, ValueError):
        return "unreadable info/paths.json"
    for item in paths.get("paths") or []:
        rel = item.get("_path")
        if not isinstance(rel, str):
            return "unreadable info/paths.json"
        try:
            st = os.lstat(entry / rel)
        except OSError:
            return f"{rel} is missing"
        size = item.get("size_in_bytes")
        if (
            item.get("path_type", "hardlink") == "hardlink"
            and isinstance(size, int)
            and st.st_size != size
        ):
            return f"{rel} has {st.st_size} bytes, not {size} (truncated?)"
    return None


# rattler's ``<entry>.lock``: a big-endian u64 revision, then the sha256 it was fetched for
def _lock_file(entry: Path) -> Path:
    return entry.with_name(entry.name + ".lock")


def _peek_lock_sha(entry: Path) -> str | None:
    try:
        data = _lock_file(entry).read_bytes()
    except OSError:
        return None
    return data[8:40].hex() if len(data) >= 40 else None


def _write_lock(entry: Path, sha256: str | None) -> None:
    path = _lock_file(entry)
    try:
        revision = int.from_bytes(path.read_bytes()[:8], "big") + 1
    except (OSError, ValueError):
        revision = 1
    data = revision.to_bytes(8, "big") + (bytes.fromhex(sha256) if sha256 else b"")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, data)
    finally:
        os.close(fd)


def quarantine(path: Path, pkgs: Path) -> Path:
    """Move ``path`` aside atomically (nothing is deleted: another user may be reading it).

    Into ``<pkgs>/.quarantine/`` (made as writable as the cache itself); where moving another
    user's folder to another parent is not allowed (Linux needs write permission on the folder
    for that), renamed beside itself as ``<pkgs>/.quarantined-<name>-…``.
    """
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    folder = pkgs / QUARANTINE
    try:
        if not folder.is_dir():
            folder.mkdir()
            os.chmod(folder, pkgs.stat().st_mode & 0o7777)
        dest = Path(tempfile.mkdtemp(prefix=f"{path.name}.{stamp}.", dir=folder))
    except OSError:
        dest = None
    if dest is not None:
        try:
            os.rename(path, dest / path.name)
            return dest / path.name
        except OSError:
            with contextlib.suppress(OSError):
                dest.rmdir()
    beside = pkgs / f"{QUARANTINED_PREFIX}{path.name}-{stamp}-{secrets.token_hex(4)}"
    try:
        os.rename(path, beside)
    except OSError as exc:
        raise UserError(
            f"{path}: a broken package cache entry cannot be moved aside: {exc.strerror}",
            hint=f"ask the owner of {pkgs} to remove it, or use a package cache of your own "
            "(pkgs_dirs in ~/.condarc, or CONDA_PKGS_DIRS)",
        ) from None
    return beside


_STAMP = re.compile(r"\d{8}T\d{6}")


def _prune_quarantine(pkgs: Path, now: float | None = None) -> None:
    """Remove what was quarantined more than ``QUARANTINE_DAYS`` ago (best effort).

    The age is the time in the name (a rename keeps a folder's old mtime).
    """
    try:
        items = [*(pkgs / QUARANTINE).iterdir(), *pkgs.glob(f"{QUARANTINED_PREFIX}*")]
    except OSError:
        items = list(pkgs.glob(f"{QUARANTINED_PREFIX}*"))
    limit = (time.time() if now is None else now) - QUARANTINE_DAYS * 86400
    for item in items:
        match = _STAMP.search(item.name)
        if match is None:
            continue
        when = calendar.timegm(time.strptime(match.group(0), "%Y%m%dT%H%M%S"))
        if when >= limit:
            continue
        with contextlib.suppress(OSError):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink()


def _drop_orphans(pkgs: Path) -> None:
    """Remove our temporary folders of fetches that were killed.

    Their writers hold the cache lock for as long as they exist, so under the lock any left is
    an orphan.
    """
    for tmp in pkgs.glob(f".*{TMP_MARK}*"):
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)


def _source_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(url2pathname(unquote(parts.path)))


def _extract_local(path: Path, dest: Path) -> tuple[str, str]:
    from rattler.package_streaming import extract

    if not path.is_file():
        raise UserError(f"{path}: package file not found", hint="is the channel mirror mounted?")
    sha, md5 = extract(path, dest)
    return bytes(sha).hex(), bytes(md5).hex()


def _extract_remote(url: str, dest: Path, client: Any | None) -> tuple[str, str]:
    import asyncio

    from rattler.networking import Client
    from rattler.package_streaming import download_and_extract

    async def run() -> tuple[bytes, bytes]:
        return await download_and_extract(client or Client.authenticated_client(), url, dest, None)

    sha, md5 = asyncio.run(run())
    return bytes(sha).hex(), bytes(md5).hex()


def _from_cached_archive(expected: Expected, pkgs: Path, tmp: Path) -> tuple[str, str] | None:
    """Extract the archive conda keeps beside its entries (``<pkgs>/<fn>``) when it matches.

    A matching one saves a download (and works offline); one that does not match, or is
    truncated, is quarantined so that conda does not use it either.
    """
    archive = pkgs / expected.fn
    if not archive.is_file() or archive.is_symlink():
        return None
    try:
        sha, md5 = _extract_local(archive, tmp)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise
        sha = md5 = ""
    except Exception as exc:  # rattler: not an archive, truncated
        if no_space_errno(str(exc)) is not None:
            raise
        sha = md5 = ""
    if sha and expected.mismatch(sha, md5) is None:
        return sha, md5
    shutil.rmtree(tmp)
    tmp.mkdir()
    quarantine(archive, pkgs)
    return None


def _from_read_only_cache(
    expected: Expected, sources: Sequence[Path], tmp: Path
) -> tuple[str, str] | None:
    """A verified copy of the package from a read-only shared cache of ``pkgs_dirs``.

    Centres and groups keep read-only package caches; conda reads them as sources. An
    extracted entry that checks out is copied (hard links where the filesystem allows, so no
    space is used), else a matching archive is extracted. Nothing there is ever changed.
    """
    for source in sources:
        entry = source / expected.entry
        if entry.is_dir() and not entry.is_symlink() and entry_problem(entry, expected) is None:
            try:
                shutil.rmtree(tmp)
                shutil.copytree(entry, tmp, symlinks=True, copy_function=_link_or_copy)
                (tmp / ".lock").unlink(missing_ok=True)
                # metadata is rewritten in our cache: never through a link into theirs
                for meta in (tmp / "info").rglob("*"):
                    if meta.is_file() and not meta.is_symlink():
                        data = meta.read_bytes()
                        meta.unlink()
                        meta.write_bytes(data)
                record = json.loads((tmp / RECORD).read_text(encoding="utf-8"))
                return str(record.get("sha256") or ""), str(record.get("md5") or "")
            except (OSError, ValueError):
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
        archive = source / expected.fn
        if archive.is_file() and not archive.is_symlink():
            try:
                sha, md5 = _extract_local(archive, tmp)
            except Exception:  # unreadable or truncated: someone else's cache, left alone
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
                continue
            if expected.mismatch(sha, md5) is None:
                return sha, md5
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
    return None


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fetch(
    record: Any,
    expected: Expected,
    pkgs: Path,
    lockfile: Path | None,
    offline: bool,
    client: Any | None,
    sources: Sequence[Path] = (),
) -> Path:
    """Download or read the archive, hash it while extracting into a temporary folder, check it.

    Returns the verified temporary folder (beside the entry: the final rename is atomic).
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{expected.entry}{TMP_MARK}", dir=pkgs))
    try:
        local = _source_path(expected.url)
        cached = _from_cached_archive(expected, pkgs, tmp)
        shared = None if cached is not None else _from_read_only_cache(expected, sources, tmp)
        if cached is not None:
            sha, md5 = cached
            local = pkgs / expected.fn
        elif shared is not None:
            sha, md5 = shared
            local = None
        elif local is not None:
            sha, md5 = _extract_local(local, tmp)
        elif offline:
            raise UserError(
                f"{expected.fn} is not in the package cache {pkgs} (--offline)",
                hint="build once without --offline",
            )
        else:
            try:
                sha, md5 = _extract_remote(expected.url, tmp, client)
            except OSError:
                raise
            except Exception as exc:  # rattler's network errors
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise UserError(f"downloading {expected.url} failed: {first}") from None
        bad = expected.mismatch(sha, md5)
        if bad is not None:
            raise HashMismatch(expected, *bad, lockfile)
        index = json.loads((tmp / "info" / "index.json").read_text(encoding="utf-8"))
        got = (index.get("name"), str(index.get("version")), index.get("build"))
        if got != (expected.name, expected.version, expected.build):
            raise UserError(
                f"{expected.fn} from {expected.url} is {'-'.join(map(str, got))} inside; "
                "not installed",
                hint="the lock or the channel mirror is wrong or has been tampered with",
            )
        size = local.stat().st_size if local is not None else index.get("size")
        record_json = {
            **index,
            "fn": expected.fn,
            "url": expected.url,
            "channel": getattr(record, "channel", None) or "",
            "sha256": sha,
            "md5": md5,
        }
        if isinstance(size, int):
            record_json["size"] = size
        (tmp / RECORD).write_text(json.dumps(record_json, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp made it private; entries are shared
        return tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def prepare(
    records: Sequence[Any],
    pkgs: Path,
    *,
    lockfile: Path | None = None,
    offline: bool = False,
    on_wait: Callable[[], None] | None = None,
    client: Any | None = None,
    sources: Sequence[Path] = (),
) -> Prepared:
    """Make ``pkgs`` hold a verified entry for every record (see the module doc).

    ``client``: the rattler ``Client`` downloads go through (channel tokens, basic auth).
    ``sources``: read-only package caches to copy verified packages from before downloading.
    """
    done = Prepared()
    wanted = [(r, Expected.of(r)) for r in records]
    for _, expected in wanted:
        if not expected.has_hash():
            raise no_hash(expected, lockfile)
    with cache_lock(pkgs, on_wait):
        _prune_quarantine(pkgs)
        _drop_orphans(pkgs)
        missing = []
        problems: dict[str, str] = {}
        for record, expected in wanted:
            entry = pkgs / expected.entry
            if os.path.lexists(entry):
                why = entry_problem(entry, expected)
                if why is None:
                    continue
                problems[expected.entry] = why
            missing.append((record, expected))
        if not missing:
            return done
        workers = max(1, min(4, len(missing), os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as pool:
            futures = [
                (
                    expected,
                    pool.submit(_fetch, record, expected, pkgs, lockfile, offline, client, sources),
                )
                for record, expected in missing
            ]
            fetched: list[tuple[Expected, Path]] = []
            error: BaseException | None = None
            for expected, future in futures:
                try:
                    fetched.append((expected, future.result()))
                except BaseException as exc:  # keep the first error, clean up the rest
                    error = error or exc
            if error is not None:
                for _, tmp in fetched:
                    shutil.rmtree(tmp, ignore_errors=True)
                raise error
        # only now, with every archive verified, move the old entries aside
        for expected, tmp in fetched:
            entry = pkgs / expected.entry
            if os.path.lexists(entry):
                quarantine(entry, pkgs)
                done.quarantined.append((expected.entry, problems.get(expected.entry, "")))
            os.rename(tmp, entry)
            _write_lock(entry, expected.sha256)
            done.fetched.append(expected.entry)
    return done

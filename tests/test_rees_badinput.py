"""Bad input (issue 2): nothing a repository contains may raise, hang or read outside it."""

from __future__ import annotations

import os
import signal
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rees_helpers import by_code, codes, read_unprivileged, statuses, write_repo

from rees2conda.errors import UsageError
from rees2conda.rees import textfile
from rees2conda.rees.reader import read_repository

SECRET = "numpy-from-outside\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the repository holding a file that must never be read."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_text(SECRET)
    (out / "environment.yml").write_text("dependencies:\n  - secret-package\n")
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


def _never_read_secret(report) -> None:
    text = repr(report.to_json())
    assert "numpy-from-outside" not in text and "secret-package" not in text


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc:
        read_repository(tmp_path / "nope")
    assert exc.value.exit_code == 2


def test_file_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError):
        read_repository(tmp_path / "f")


def test_symlinked_environment_outside_is_not_read(repo: Path, outside: Path) -> None:
    os.symlink(outside / "environment.yml", repo / "environment.yml")
    report = read_repository(repo)
    finding = by_code(report, "R2C203")
    assert finding.severity.value == "error" and finding.path == "environment.yml"
    assert statuses(report)["environment.yml"] == "rejected"
    _never_read_secret(report)


def test_symlinked_binder_folder_outside_is_not_used(repo: Path, outside: Path) -> None:
    os.symlink(outside, repo / "binder")
    report = read_repository(repo)
    assert by_code(report, "R2C203").path == "binder"
    assert report.config_dir == "."
    _never_read_secret(report)


def test_symlinked_include_outside_is_not_read(repo: Path, outside: Path) -> None:
    write_repo(repo, {"requirements.txt": "-r inc.txt\n"})
    os.symlink(outside / "secret.txt", repo / "inc.txt")
    report = read_repository(repo)
    assert by_code(report, "R2C203").line == 1
    _never_read_secret(report)


def test_symlink_inside_the_repository_is_followed(repo: Path) -> None:
    write_repo(repo, {"real/requirements.txt": "numpy\n", "real/setup.py": ""})
    os.symlink("real/requirements.txt", repo / "requirements.txt")
    report = read_repository(repo)
    assert report.ok and [p.line for p in report.spec.pip] == ["numpy"]  # type: ignore[union-attr]


def test_symlink_loop_and_dangling_symlink(repo: Path) -> None:
    os.symlink("requirements.txt", repo / "requirements.txt")
    os.symlink("missing.yml", repo / "environment.yml")
    report = read_repository(repo)
    assert codes(report).count("R2C201") == 1  # the environment file decides; unreadable
    assert statuses(report)["environment.yml"] == "rejected"


def test_include_escape_through_dotdot_is_not_read(repo: Path, outside: Path) -> None:
    write_repo(repo, {"requirements.txt": "-r ../outside/secret.txt\n-c ../../etc/passwd\n"})
    report = read_repository(repo)
    assert [f.line for f in report.findings if f.code == "R2C205"] == [1, 2]
    _never_read_secret(report)


def test_binary_file(repo: Path) -> None:
    write_repo(repo, {"requirements.txt": b"numpy\n\x00\x01\x02\xff"})
    finding = by_code(read_repository(repo), "R2C204")
    assert "binary" in finding.message and finding.line == 2


def test_non_utf8_is_reported_with_position(repo: Path) -> None:
    write_repo(repo, {"environment.yml": "dependencies:\n  - caf\xe9\n".encode("latin-1")})
    finding = by_code(read_repository(repo), "R2C204")
    assert (finding.line, finding.column) == (2, 8)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks_are_decoded(repo: Path, encoding: str) -> None:
    write_repo(repo, {"requirements.txt": "numpy\nscipy\n".encode(encoding)})
    report = read_repository(repo)
    assert report.ok and [p.line for p in report.spec.pip] == ["numpy", "scipy"]  # type: ignore[union-attr]


def test_oversize_file_is_not_read(repo: Path) -> None:
    write_repo(repo, {"requirements.txt": "numpy\n" * (textfile.MAX_BYTES // 6 + 10)})
    t0 = time.perf_counter()
    finding = by_code(read_repository(repo), "R2C202")
    assert time.perf_counter() - t0 < 1
    assert finding.severity.value == "error"


def test_fifo_is_never_opened(repo: Path) -> None:
    os.mkfifo(repo / "requirements.txt")
    finding = by_code(read_repository(repo), "R2C201")  # would block forever if opened
    assert "regular" in finding.message


def _special(path: Path, kind: str) -> None:
    """Make ``path`` a special file of ``kind`` (skip what this system does not allow)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "fifo-symlink":
        os.mkfifo(path.with_name("pipe"))
        os.symlink("pipe", path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(path))
        except OSError as exc:  # e.g. a path longer than sun_path
            pytest.skip(f"cannot bind a socket here: {exc}")
        finally:
            sock.close()
    elif kind == "chardev":
        try:  # /dev/zero's numbers: reading it would never end
            os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 5))
        except OSError as exc:
            pytest.skip(f"cannot create a device node here: {exc}")


#: (files, the path that becomes special, text it must appear in)
SPECIAL_PLACES = {
    "requirements": ({}, "requirements.txt"),
    "binder-env": ({"binder/apt.txt": ""}, "binder/environment.yml"),
    "runtime": ({"requirements.txt": "numpy\n"}, "runtime.txt"),
    "pyproject": ({}, "pyproject.toml"),
    "apt": ({"requirements.txt": "numpy\n"}, "apt.txt"),
    "-r include": ({"requirements.txt": "-r inc.txt\n"}, "inc.txt"),
    "-c include": ({"requirements.txt": "-c sub/con.txt\nnumpy\n"}, "sub/con.txt"),
    "pip -r in env": (
        {"environment.yml": "dependencies:\n  - pip\n  - pip:\n    - -r inc.txt\n"},
        "inc.txt",
    ),
}


@pytest.mark.parametrize("kind", ["fifo", "fifo-symlink", "socket", "chardev"])
@pytest.mark.parametrize("place", sorted(SPECIAL_PLACES))
def test_special_files_are_reported_never_opened(repo: Path, place: str, kind: str) -> None:
    """A FIFO would block the reader forever and a device may never end or act on open: each
    is reported where a REES file or an include is expected (the alarm only guards a hang)."""
    files, special = SPECIAL_PLACES[place]
    write_repo(repo, files)
    _special(repo / special, kind)
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the reader blocked"))
    signal.alarm(20)
    try:
        report = read_repository(repo)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    found = [f for f in report.findings if f.code == "R2C201" and f.path == special]
    assert found, [(f.code, f.path, f.message) for f in report.findings]
    word = {"fifo": "FIFO", "fifo-symlink": "FIFO", "socket": "socket", "chardev": "device"}
    assert word[kind] in found[0].message
    assert not report.ok and statuses(report)[special] == "rejected"


def test_directory_in_place_of_a_file(repo: Path) -> None:
    (repo / "environment.yml").mkdir()
    assert "directory" in by_code(read_repository(repo), "R2C201").message


def test_yaml_alias_bomb(repo: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    write_repo(repo, {"environment.yml": "\n".join(levels) + "\ndependencies: *j\n"})
    t0 = time.perf_counter()
    report = read_repository(repo)
    assert time.perf_counter() - t0 < 2
    assert "R2C406" in codes(report) and report.spec is None


def test_recursive_alias(repo: Path) -> None:
    write_repo(repo, {"environment.yml": "dependencies: &a\n  - *a\n"})
    report = read_repository(repo)
    assert not report.ok


@pytest.mark.parametrize(
    "text",
    [
        "dependencies: " + "[" * 3000 + "]" * 3000 + "\n",
        "dependencies: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "".join(" " * i + "a:\n" for i in range(200)),
        "".join("- " * 200 + "x\n"),
    ],
)
def test_deep_nesting(repo: Path, text: str) -> None:
    write_repo(repo, {"environment.yml": text})
    t0 = time.perf_counter()
    report = read_repository(repo)
    assert time.perf_counter() - t0 < 2
    assert not report.ok
    assert {"R2C406", "R2C401", "R2C402"} & set(codes(report))


def test_exponential_include_diamond_is_bounded(repo: Path) -> None:
    files = {"requirements.txt": "-r a.txt\n-r a.txt\n", "z.txt": "numpy\n"}
    names = "abcdefghijklmnopqrstuvwxy"
    for cur, nxt in zip(names, names[1:] + "z", strict=True):
        files[f"{cur}.txt"] = f"-r {nxt}.txt\n-r {nxt}.txt\n"
    write_repo(repo, files)
    t0 = time.perf_counter()
    report = read_repository(repo)
    assert time.perf_counter() - t0 < 3
    assert codes(report).count("R2C208") == 1


def test_one_big_file_included_again_and_again_is_read_a_few_times(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip re-reads a file at every -r; 300 includes of a 2 MB file were 600 MB of reading."""
    from rees2conda.rees import requirements

    write_repo(repo, {"requirements.txt": "-r big.txt\n" * 300, "big.txt": "# " + "x" * 2_000_000})
    reads: list[str] = []
    real_read = requirements.read_text
    monkeypatch.setattr(
        requirements, "read_text", lambda r, rel, **kw: reads.append(rel) or real_read(r, rel, **kw)
    )
    report = read_repository(repo)
    assert codes(report).count("R2C208") == 1
    assert len(reads) <= 2 + requirements.MAX_TOTAL_CHARS // 2_000_000


def test_messages_quoting_megabytes_stay_short(repo: Path) -> None:
    write_repo(repo, {"requirements.txt": "numpy " + "x" * 1_000_000 + "\n"})
    finding = by_code(read_repository(repo), "R2C501")
    assert len(finding.message) <= 400 and "characters]" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "dependencies:\n" + "  - a\n" * 20_001,
        "dependencies: [" + "a, " * 20_001 + "a]\n",
        "dependencies:\n  - " + "a " * 100_001 + "\n",
    ],
)
def test_environment_with_too_many_entries_is_refused_before_parsing(repo: Path, text: str) -> None:
    """The pure-Python YAML loader spends ~40 us per entry: a 2 MB list took 14 s."""
    write_repo(repo, {"environment.yml": text})
    assert "more than" in by_code(read_repository(repo), "R2C406").message


def test_pyproject_too_large_is_refused_and_read_once(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tomllib is pure Python (a 2 MB array took 3 s), and three routes ask for pyproject.toml."""
    from rees2conda.rees import local_package

    write_repo(repo, {"pyproject.toml": "x = [" + "1," * 60_000 + "]\n", "DESCRIPTION": ""})
    reads: list[str] = []
    real_read = local_package.read_text
    monkeypatch.setattr(
        local_package, "read_text", lambda r, rel, **k: reads.append(rel) or real_read(r, rel, **k)
    )
    report = read_repository(repo)
    assert "too large" in by_code(report, "R2C604").message
    assert reads == ["pyproject.toml"]


def test_self_include(repo: Path) -> None:
    write_repo(repo, {"requirements.txt": "numpy\n-r ./requirements.txt\n"})
    assert by_code(read_repository(repo), "R2C206").line == 2


def test_control_characters_in_yaml(repo: Path) -> None:
    write_repo(repo, {"environment.yml": 'dependencies:\n  - "\x07numpy"\n'})
    assert "R2C401" in codes(read_repository(repo))


@pytest.fixture
def shared_repo() -> Iterator[Path]:
    """A repository that an unprivileged user can reach (pytest's tmp_path is 0700)."""
    with tempfile.TemporaryDirectory(prefix="rees2conda-perm-") as tmp:
        os.chmod(tmp, 0o755)
        yield Path(tmp)
        for dirpath, dirnames, _ in os.walk(tmp):  # let the cleanup in
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o755)


def _codes(data: dict) -> list[str]:
    return [d["code"] for d in data["diagnostics"]]


def test_unreadable_file(shared_repo: Path) -> None:
    write_repo(shared_repo, {"requirements.txt": "numpy\n"})
    os.chmod(shared_repo / "requirements.txt", 0)
    data = read_unprivileged(shared_repo)
    assert "R2C201" in _codes(data) and data["ok"] is False


@pytest.mark.parametrize("folder", ["binder", ".binder"])
@pytest.mark.parametrize("mode", [0, 0o311, 0o644])  # nothing; no listing; no search
def test_unreadable_binder_folder_is_an_error(shared_repo: Path, folder: str, mode: int) -> None:
    """repo2docker takes an existing folder as the configuration folder whatever its mode;
    it then sees none of its files and fails copying it. Never silently 'empty'."""
    write_repo(shared_repo, {f"{folder}/requirements.txt": "numpy\n", "requirements.txt": "x\n"})
    os.chmod(shared_repo / folder, mode)
    data = read_unprivileged(shared_repo)
    found = [d for d in data["diagnostics"] if d["code"] == "R2C115"]
    assert found and found[0]["path"] == folder and found[0]["severity"] == "error"
    assert data["config_dir"] == folder and data["ok"] is False


def test_unreadable_repository_folder_is_an_error(shared_repo: Path) -> None:
    write_repo(shared_repo / "repo", {"requirements.txt": "numpy\n"})
    os.chmod(shared_repo / "repo", 0o311)  # searchable, not listable
    data = read_unprivileged(shared_repo / "repo")
    found = [d for d in data["diagnostics"] if d["code"] == "R2C115"]
    assert found and found[0]["path"] is None and data["ok"] is False


def test_readable_binder_folder_has_no_permission_finding(shared_repo: Path) -> None:
    write_repo(shared_repo, {"binder/requirements.txt": "numpy\n"})
    data = read_unprivileged(shared_repo)
    assert "R2C115" not in _codes(data) and data["config_dir"] == "binder"


def test_an_internal_bug_becomes_a_finding(tmp_path, monkeypatch) -> None:
    """The reader's last line of defence: a bug is reported, never raised (simulated bug)."""
    from rees2conda.rees import reader

    def broken(repo):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(reader, "find_layout", broken)
    report = reader.read_repository(tmp_path)
    assert [f.code for f in report.findings] == ["R2C001"]
    assert not report.ok and report.spec is None

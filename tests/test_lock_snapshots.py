"""Locking real repodata snapshots (tests/fixtures/channels) offline, and interop of the file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lock_helpers import NUMPY_LOCK, make_report, options

from rees2conda.resolve.api import lock_report, read_locked_packages


def versions(lockfile: Path, platform: str = "linux-64") -> dict[str, str]:
    env = read_locked_packages(lockfile, platform)
    return {r.name.normalized: str(r.version) for r in env.conda}


def test_defaults_2018_python36_numpy114(tmp_path: Path) -> None:
    report = make_report(
        tmp_path, ["python=3.6", "numpy=1.14", "scipy", "pandas"], ["defaults-2018"]
    )
    result = lock_report(report, tmp_path, options=options())
    assert result.lockfile == tmp_path / "conda-lock.yml"
    assert result.written and not result.reused and result.up_to_date
    got = versions(result.lockfile)
    assert got["python"].startswith("3.6.")
    assert got["numpy"].startswith("1.14.")
    # what conda picks on this index: the newest compatible scipy/pandas of mid-2018
    assert got["scipy"] == "1.1.0" and got["pandas"] == "0.23.4"
    assert "ipykernel" in got  # added for the kernel
    assert "pip" in got  # always there, as with conda and on Binder
    assert result.packages == {"linux-64": len(got)}


def test_no_kernel_leaves_ipykernel_out(tmp_path: Path) -> None:
    report = make_report(tmp_path, ["python=3.6", "six"], ["defaults-2018"])
    result = lock_report(report, tmp_path, options=options(kernel=False))
    assert "ipykernel" not in versions(result.lockfile)


def test_r_channel_with_defaults(tmp_path: Path) -> None:
    report = make_report(tmp_path, ["r-base", "r-ggplot2"], ["r-2018", "defaults-2018"])
    result = lock_report(report, tmp_path, options=options(kernel=False))
    got = versions(result.lockfile)
    assert got["r-base"].startswith("3.")
    assert "r-ggplot2" in got and "r-scales" in got
    env = read_locked_packages(result.lockfile, "linux-64")
    urls = {r.name.normalized: r.url for r in env.conda}
    assert "/r-2018/" in urls["r-ggplot2"] and "/defaults-2018/" in urls["zlib"]


def test_conda_forge_2024_through_channel_alias(tmp_path: Path) -> None:
    """``conda-forge`` (the default channel) pointed at a local folder with a file:// alias."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "conda-forge").symlink_to(
        Path(__file__).parent / "fixtures/channels/conda-forge-2024"
    )
    report = make_report(tmp_path, ["python=3.9", "numpy", "pandas", "ipykernel"], ["conda-forge"])
    from rees2conda.condarc import CondaConfig

    opts = options(config=CondaConfig(channel_alias=mirror.as_uri()))
    result = lock_report(report, tmp_path, options=opts)
    got = versions(result.lockfile)
    assert got["python"] == "3.9.20"
    assert got["numpy"] == "2.0.2" and got["pandas"] == "2.2.3" and got["ipykernel"] == "6.29.5"
    assert result.channels == [f"{mirror.as_uri()}/conda-forge"]


def test_written_file_is_read_by_conda_lock_and_rattler(tmp_path: Path) -> None:
    from conda_lock.lockfile import parse_conda_lock_file
    from rattler import LockFile

    report = make_report(tmp_path, ["python=3.6", "numpy=1.14"], ["defaults-2018"])
    result = lock_report(report, tmp_path, options=options())
    parsed = parse_conda_lock_file(result.lockfile)
    ours = read_locked_packages(result.lockfile, "linux-64")
    assert {(p.name, p.version, p.hash.sha256) for p in parsed.package} == {
        (r.name.normalized, str(r.version), r.sha256.hex()) for r in ours.conda
    }
    assert set(parsed.metadata.content_hash) == {"linux-64"}
    assert all(p.hash.md5 for p in parsed.package)
    lock = LockFile.from_path(result.lockfile)
    assert [p.name for p in lock.platforms()] == ["linux-64"]
    text = result.lockfile.read_text()
    assert "rees2conda lock" in text.splitlines()[0]


@cache
def parsed_numpy_lock():
    from conda_lock.lockfile import parse_conda_lock_file

    return parse_conda_lock_file(NUMPY_LOCK)


@pytest.mark.parametrize("platform", ["linux-64", "linux-aarch64", "osx-64", "osx-arm64"])
def test_foreign_lockfile_read_without_loss(platform: str) -> None:
    """A conda-lock.yml written by conda-lock: every record, URL and hash comes through."""
    parsed = parsed_numpy_lock()
    expected = {
        (p.name, p.version, p.url, p.hash.md5, p.hash.sha256)
        for p in parsed.package
        if p.platform == platform and p.manager == "conda"
    }
    env = read_locked_packages(NUMPY_LOCK, platform)
    got = {
        (r.name.normalized, str(r.version), r.url, r.md5.hex(), r.sha256.hex()) for r in env.conda
    }
    assert got == expected
    assert len(env.conda) == len(expected)
    for r in env.conda:  # the build string comes back from the file name
        assert r.url.rsplit("/", 1)[-1].startswith(f"{r.name.normalized}-{r.version}-{r.build}.")
    assert env.pip == []
    names = {r.name.normalized for r in env.conda}
    assert {"python", "numpy"} <= names
    for r in env.conda:
        if r.name.normalized == "numpy":
            assert str(r.version) == "1.24.2"
            assert r.depends  # dependencies survive


def test_missing_platform_names_the_ones_present() -> None:
    from rees2conda.errors import UserError

    with pytest.raises(UserError, match=r"no packages for win-64 \(it has: linux-64"):
        read_locked_packages(NUMPY_LOCK, "win-64")


def test_same_document_as_conda_locks_own_writer(tmp_path: Path) -> None:
    """Our writer and conda-lock's ``write_conda_lock_file`` give the same YAML document."""
    import yaml
    from conda_lock.lockfile import parse_conda_lock_file, write_conda_lock_file

    from rees2conda.resolve.lockfile import build_lockfile, write_atomic
    from rees2conda.resolve.pypi import ResolvedPip

    report = make_report(tmp_path, ["python=3.6", "numpy=1.14"], ["defaults-2018"])
    result = lock_report(report, tmp_path, options=options(platforms=["linux-64"]))
    conda = {"linux-64": read_locked_packages(result.lockfile, "linux-64").conda}
    (tmp_path / "pkg").mkdir()
    pip = {
        "linux-64": [
            ResolvedPip("six", "1.16.0", "https://x/six-1.16.0-py2.py3-none-any.whl", "ab" * 32),
            ResolvedPip("mine", "0", (tmp_path / "pkg").as_uri(), None, "editable", "pkg"),
            ResolvedPip("tool", "0.3", "git+https://g/o/tool@" + "c" * 40, None, "vcs"),
        ]
    }
    ours = tmp_path / "ours.yml"
    lock = build_lockfile(
        conda,
        pip,
        content_hashes={"linux-64": "0" * 64},
        channel_urls=result.channels,
        sources=["environment.yml"],
        lockfile_dir=tmp_path,
        root=tmp_path,
    )
    write_atomic(lock, ours)
    theirs = tmp_path / "theirs.yml"
    write_conda_lock_file(parse_conda_lock_file(ours), theirs, metadata_choices=None)
    assert yaml.safe_load(ours.read_text()) == yaml.safe_load(theirs.read_text())
    env = read_locked_packages(ours, "linux-64")
    by_name = {p.name: p for p in env.pip}
    assert by_name["six"].sha256 == "ab" * 32 and by_name["six"].local_path is None
    assert by_name["mine"].editable and by_name["mine"].local_path == str(tmp_path / "pkg")
    assert by_name["tool"].url.endswith("@" + "c" * 40) and by_name["tool"].sha256 is None

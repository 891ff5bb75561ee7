"""Other platforms and edge cases with small channels the tests write themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from lock_helpers import make_report, options, record, write_channel

from rees2conda.condarc import CondaConfig
from rees2conda.errors import UserError
from rees2conda.resolve.api import lock_is_fresh, lock_report, read_locked_packages
from rees2conda.resolve.virtual import virtual_package_specs

PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]


@pytest.fixture
def channel(tmp_path: Path) -> str:
    records = [
        record("ipykernel", "6.0", depends=["python >=3.8"]),
        record("pip", "24.0", depends=["python >=3.8"]),
        record("a", "1.0", depends=["b <2"]),
        record("b", "1.0"),
        record("b", "2.0"),
    ]
    for sub in ("linux-64", "linux-aarch64"):
        records.append(record("python", "3.10.4", depends=["__glibc >=2.17"], subdir=sub))
        records.append(record("modern", "1.0", depends=["__glibc >=2.28"], subdir=sub))
        records.append(record("gpu", "1.0", depends=["__cuda >=12"], subdir=sub))
    records.append(record("python", "3.10.4", depends=["__osx >=10.13"], subdir="osx-64"))
    records.append(record("python", "3.10.4", depends=["__osx >=11.0"], subdir="osx-arm64"))
    records.append(record("python", "3.10.4", depends=["__win"], subdir="win-64"))
    return write_channel(tmp_path / "chan", records, PLATFORMS)


def test_every_platform_is_locked_with_its_own_records(tmp_path: Path, channel: str) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel])
    result = lock_report(report, tmp_path, options=options(platforms=PLATFORMS))
    assert result.platforms == PLATFORMS
    assert result.packages == dict.fromkeys(PLATFORMS, 3)  # python + ipykernel + pip
    for platform in PLATFORMS:
        env = read_locked_packages(result.lockfile, platform)
        python = next(r for r in env.conda if r.name.normalized == "python")
        assert f"/{platform}/python-3.10.4" in python.url
    assert all(lock_is_fresh(report.spec, result.lockfile, p, options()) for p in PLATFORMS)


def test_virtual_packages_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CONDA_OVERRIDE_GLIBC", "CONDA_OVERRIDE_OSX", "CONDA_OVERRIDE_CUDA"):
        monkeypatch.delenv(var, raising=False)
    assert virtual_package_specs("linux-64")["__glibc"] == "2.17"
    assert virtual_package_specs("osx-64")["__osx"] == "10.15"
    assert virtual_package_specs("osx-arm64")["__osx"] == "11.0"
    assert "__win" in virtual_package_specs("win-64")
    assert "__unix" not in virtual_package_specs("win-64")
    assert virtual_package_specs("linux-64", {"CONDA_OVERRIDE_GLIBC": "2.28"})["__glibc"] == "2.28"
    assert virtual_package_specs("osx-64", {"CONDA_OVERRIDE_OSX": "12.1"})["__osx"] == "12.1"
    assert "__cuda" not in virtual_package_specs("linux-64")
    assert virtual_package_specs("linux-64", {"CONDA_OVERRIDE_CUDA": "12.2"})["__cuda"] == "12.2"


def test_glibc_too_old_then_override(
    tmp_path: Path, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONDA_OVERRIDE_GLIBC", raising=False)
    report = make_report(tmp_path, ["python=3.10", "modern"], [channel])
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=options())
    assert "__glibc" in info.value.message
    assert "environment.yml:5:5: modern" in info.value.message
    assert not (tmp_path / "conda-lock.yml").exists()
    monkeypatch.setenv("CONDA_OVERRIDE_GLIBC", "2.28")
    result = lock_report(report, tmp_path, options=options())
    assert "modern" in {
        r.name.normalized for r in read_locked_packages(result.lockfile, "linux-64").conda
    }
    # the override is part of the content hash: without it the lock is stale
    monkeypatch.setenv("CONDA_OVERRIDE_GLIBC", "2.31")
    assert not lock_is_fresh(report.spec, result.lockfile, "linux-64", options())


def test_missing_glibc_is_explained(
    tmp_path: Path, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONDA_OVERRIDE_GLIBC", "")  # conda's way to say "no glibc"
    report = make_report(tmp_path, ["python=3.10"], [channel])
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=options())
    assert "__glibc" in info.value.message
    assert "CONDA_OVERRIDE_GLIBC" in info.value.hint


def test_cuda_only_with_override(
    tmp_path: Path, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONDA_OVERRIDE_CUDA", raising=False)
    report = make_report(tmp_path, ["python=3.10", "gpu"], [channel])
    with pytest.raises(UserError, match="__cuda"):
        lock_report(report, tmp_path, options=options())
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    lock_report(report, tmp_path, options=options())


def test_unsatisfiable_names_solver_reason_and_file_lines(tmp_path: Path, channel: str) -> None:
    report = make_report(tmp_path, ["python=3.10", "a", "b>=2"], [channel])
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=options())
    message = info.value.message
    assert "cannot be solved for linux-64" in message
    assert "environment.yml:5:5: a" in message
    assert "environment.yml:6:5: b>=2" in message
    assert "environment.yml:4:5: python=3.10" not in message


def test_failed_solve_leaves_existing_lock_untouched(tmp_path: Path, channel: str) -> None:
    good = make_report(tmp_path, ["python=3.10"], [channel])
    result = lock_report(good, tmp_path, options=options())
    before = result.lockfile.read_bytes()
    bad = make_report(tmp_path, ["python=3.10", "a", "b>=2"], [channel])
    with pytest.raises(UserError):
        lock_report(bad, tmp_path, options=options())
    assert result.lockfile.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chan", "conda-lock.yml"]


def test_unreachable_channel_names_url_and_suggests_offline(tmp_path: Path) -> None:
    report = make_report(tmp_path, ["python"], ["conda-forge"])
    opts = options(config=CondaConfig(channel_alias="http://127.0.0.1:9"))
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=opts)
    assert "http://127.0.0.1:9/conda-forge" in info.value.message
    assert "--offline" in info.value.hint and "mirror" in info.value.hint


def test_offline_without_cache_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "cache"))
    report = make_report(tmp_path, ["python"], ["conda-forge"])
    opts = options(config=CondaConfig(channel_alias="http://127.0.0.1:9"), offline=True)
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=opts)
    assert "127.0.0.1:9/conda-forge" in info.value.message


def test_pip_is_always_in_the_environment(tmp_path: Path, channel: str) -> None:
    """conda and Binder always install pip: ``%pip install`` works without pip lines."""
    report = make_report(tmp_path, ["python=3.10"], [channel])
    result = lock_report(report, tmp_path, options=options())
    assert "pip" in {
        r.name.normalized for r in read_locked_packages(result.lockfile, "linux-64").conda
    }


def test_unknown_platform_is_a_usage_error(tmp_path: Path, channel: str) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel])
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=options(platforms=["linux-32"]))
    assert info.value.exit_code == 2


def test_offline_uses_cached_repodata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel served over HTTP, locked once; then the server is gone and --offline works."""
    import functools
    import http.server
    import threading

    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "cache"))
    served = tmp_path / "served"
    write_channel(
        served / "mirror",
        [record("python", "3.10.4", subdir="linux-64"), record("ipykernel", "6.0")],
        ["linux-64"],
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    alias = f"http://127.0.0.1:{server.server_port}"
    repo = tmp_path / "repo"
    repo.mkdir()
    report = make_report(repo, ["python=3.10"], ["mirror"])
    opts = options(config=CondaConfig(channel_alias=alias))
    try:
        first = lock_report(report, repo, options=opts)
    finally:
        server.shutdown()
        server.server_close()
    before = first.lockfile.read_bytes()
    with pytest.raises(UserError) as info:
        lock_report(
            report, repo, options=options(config=CondaConfig(channel_alias=alias), update=True)
        )
    assert f"{alias}/mirror" in info.value.message and "--offline" in info.value.hint
    again = lock_report(
        report,
        repo,
        options=options(config=CondaConfig(channel_alias=alias), update=True, offline=True),
    )
    assert again.written and again.lockfile.read_bytes() == before


@pytest.mark.parametrize(
    ("priority", "expected"), [("strict", "1.0"), ("flexible", "1.0"), ("disabled", "2.0")]
)
def test_channel_priority_as_configured(tmp_path: Path, priority: str, expected: str) -> None:
    """conda's ``channel_priority``: strict and flexible keep ``b`` from the first channel that
    has it; disabled takes the highest version from any channel. A non-default setting is part
    of the lock's identity."""
    py = [record("python", "3.10.4")]
    first = write_channel(tmp_path / "first", [*py, record("b", "1.0")], ["linux-64"])
    second = write_channel(tmp_path / "second", [record("b", "2.0")], ["linux-64"])
    report = make_report(tmp_path, ["python=3.10", "b"], [first, second])
    config = CondaConfig(channel_priority=priority)
    opts = options(kernel=False, config=config)
    result = lock_report(report, tmp_path, lockfile=tmp_path / "lock.yml", options=opts)
    env = read_locked_packages(result.lockfile, "linux-64")
    assert {str(r.name.normalized): str(r.version) for r in env.conda}["b"] == expected
    other = "strict" if priority != "strict" else "disabled"
    assert lock_is_fresh(report.spec, result.lockfile, "linux-64", opts)
    assert not lock_is_fresh(
        report.spec,
        result.lockfile,
        "linux-64",
        options(kernel=False, config=CondaConfig(channel_priority=other)),
    )

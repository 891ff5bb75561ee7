"""Reuse: an unchanged repository is not re-solved and its lock stays byte-for-byte the same."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lock_helpers import make_report, options, record, write_channel

from rees2conda.resolve.api import lock_is_fresh, lock_report
from rees2conda.resolve.lockfile import read_view


def read_content_hashes(lockfile: Path) -> dict[str, str] | None:
    view = read_view(lockfile)
    return view.content_hash if view is not None else None


@pytest.fixture
def channel(tmp_path: Path) -> Path:
    folder = tmp_path / "chan"
    write_channel(
        folder,
        [
            record("python", "3.10.4", subdir="linux-64"),
            record("python", "3.10.4", subdir="osx-arm64"),
            record("ipykernel", "6.0", depends=["python"]),
            record("six", "1.16"),
        ],
        ["linux-64", "osx-arm64"],
    )
    return folder


def test_second_lock_reuses_without_solving(tmp_path: Path, channel: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    report = make_report(repo, ["python=3.10", "six"], [channel.as_uri()])
    first = lock_report(report, repo, options=options())
    before = first.lockfile.read_bytes()
    mtime = first.lockfile.stat().st_mtime_ns
    channel.rename(tmp_path / "gone")  # a solve would now fail: reuse must not solve
    second = lock_report(report, repo, options=options())
    assert second.reused and second.up_to_date and not second.written
    assert second.packages == first.packages == {"linux-64": 3}
    assert first.lockfile.read_bytes() == before
    assert first.lockfile.stat().st_mtime_ns == mtime
    (tmp_path / "gone").rename(channel)
    third = lock_report(report, repo, options=options(update=True))  # --update re-solves
    assert third.written and not third.reused
    assert third.lockfile.read_bytes() == before  # same inputs, same bytes


def test_check_only_reports_and_writes_nothing(tmp_path: Path, channel: Path) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    missing = lock_report(report, tmp_path, options=options(), check_only=True)
    assert not missing.up_to_date and not (tmp_path / "conda-lock.yml").exists()
    lock_report(report, tmp_path, options=options())
    before = (tmp_path / "conda-lock.yml").read_bytes()
    assert lock_report(report, tmp_path, options=options(), check_only=True).up_to_date
    changed = make_report(tmp_path, ["python=3.10", "six"], [channel.as_uri()])
    stale = lock_report(changed, tmp_path, options=options(), check_only=True)
    assert not stale.up_to_date and not stale.written
    assert (tmp_path / "conda-lock.yml").read_bytes() == before


def test_what_invalidates_a_lock(tmp_path: Path, channel: Path) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    result = lock_report(report, tmp_path, options=options())
    spec, lockfile = report.spec, result.lockfile
    assert lock_is_fresh(spec, lockfile, "linux-64", options())
    assert not lock_is_fresh(spec, lockfile, "osx-arm64", options())  # not locked
    assert not lock_is_fresh(spec, lockfile, "linux-64", options(kernel=False))
    assert not lock_is_fresh(spec, lockfile, "linux-64", options(channels=["extra"]))
    other = make_report(tmp_path, ["python=3.10", "six"], [channel.as_uri()]).spec
    assert not lock_is_fresh(other, lockfile, "linux-64", options())
    assert not lock_is_fresh(spec, tmp_path / "nope.yml", "linux-64", options())


def test_default_platforms_follow_existing_lock(tmp_path: Path, channel: Path) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    lock_report(report, tmp_path, options=options(platforms=["linux-64", "osx-arm64"]))
    again = lock_report(report, tmp_path, options=options(platforms=None))
    assert again.reused and again.platforms == ["linux-64", "osx-arm64"]


def test_lockfile_option_writes_elsewhere_and_binder_folder_default(
    tmp_path: Path, channel: Path
) -> None:
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    report.config_dir = "binder"
    (tmp_path / "binder").mkdir()
    result = lock_report(report, tmp_path, options=options())
    assert result.lockfile == tmp_path / "binder" / "conda-lock.yml"
    assert result.lockfile.stat().st_mode & 0o044 == 0o044  # readable by others, like open()
    (tmp_path / "out").mkdir()  # --lockfile never creates folders
    other = lock_report(report, tmp_path, lockfile=tmp_path / "out" / "x.yml", options=options())
    assert other.lockfile == tmp_path / "out" / "x.yml" and other.lockfile.is_file()
    assert read_content_hashes(other.lockfile) == read_content_hashes(result.lockfile)


def test_reuse_path_imports_no_engine(tmp_path: Path, channel: Path) -> None:
    """conda_lock (and rattler, pydantic) must not be imported when the lock is reused."""
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    lock_report(report, tmp_path, options=options())
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from lock_helpers import make_report, options
        from rees2conda.resolve.api import lock_report, lock_is_fresh
        from pathlib import Path
        root = Path({str(tmp_path)!r})
        report = make_report(root, ["python=3.10"], [{channel.as_uri()!r}])
        r = lock_report(report, root, options=options())
        fresh = lock_is_fresh(report.spec, r.lockfile, "linux-64", options())
        heavy = sorted(m for m in ("conda_lock", "rattler", "pydantic", "rich") if m in sys.modules)
        print(json.dumps({{"reused": r.reused, "fresh": fresh, "heavy": heavy}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"reused": True, "fresh": True, "heavy": []}


def test_unreadable_existing_lock_is_stale_and_replaced(tmp_path: Path, channel: Path) -> None:
    (tmp_path / "conda-lock.yml").write_text("metadata: [not, what, we, wrote\n")
    report = make_report(tmp_path, ["python=3.10"], [channel.as_uri()])
    assert not lock_report(report, tmp_path, options=options(), check_only=True).up_to_date
    result = lock_report(report, tmp_path, options=options())
    assert result.written and read_content_hashes(result.lockfile)


def test_light_readers_agree_with_conda_lock_on_a_foreign_file() -> None:
    from conda_lock.lockfile import parse_conda_lock_file
    from lock_helpers import NUMPY_LOCK

    parsed = parse_conda_lock_file(NUMPY_LOCK)
    assert read_content_hashes(NUMPY_LOCK) == parsed.metadata.content_hash
    counts: dict[str, int] = {}
    for p in parsed.package:
        counts[p.platform] = counts.get(p.platform, 0) + 1
    view = read_view(NUMPY_LOCK)
    assert view is not None and view.package_counts() == counts
    assert view.custom_metadata() == (parsed.metadata.custom_metadata or {})


def test_light_view_reads_custom_metadata_as_conda_lock_does(tmp_path: Path) -> None:
    from conda_lock.lockfile import parse_conda_lock_file
    from lock_helpers import NUMPY_LOCK

    text = NUMPY_LOCK.read_text()
    custom = '  custom_metadata:\n    rees2conda:pip:a: \'local:../a b\'\n    "x": "vcs"\n'
    edited = tmp_path / "conda-lock.yml"
    edited.write_text(text.replace("\n  platforms:", "\n" + custom + "  platforms:", 1))
    view = read_view(edited)
    assert view is not None
    assert view.custom_metadata() == {"rees2conda:pip:a": "local:../a b", "x": "vcs"}
    assert view.custom_metadata() == parse_conda_lock_file(edited).metadata.custom_metadata
    assert view.content_hash == read_content_hashes(NUMPY_LOCK)

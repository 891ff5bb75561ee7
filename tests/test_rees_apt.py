"""apt.txt: the apt -> conda-forge table, check's findings, and --apt conda for check and lock."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rees2conda.cli import cli
from rees2conda.condarc import CondaConfig
from rees2conda.output.findings import render_refusal
from rees2conda.rees.apt import AptEntry, load_table, lookup, parse
from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import LockOptions, LockRefused, lock, read_locked_packages

ROOT = Path(__file__).resolve().parent.parent
REPOS = Path(__file__).parent / "fixtures" / "apt" / "repos"
SNAPSHOT = Path(__file__).parent / "fixtures" / "channels" / "conda-forge-2024"


def _script():
    spec = importlib.util.spec_from_file_location("apt_table", ROOT / "scripts/apt_conda_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLE_SCRIPT = _script()


# --- the table ------------------------------------------------------------------------------------
def test_every_conda_name_of_the_table_exists_on_conda_forge() -> None:
    """Against real conda-forge data: the repodata snapshot and the registered package names."""
    assert TABLE_SCRIPT.problems() == []
    names = {s.split("=")[0] for e in load_table().values() for s in e.conda}
    confirmed = names & TABLE_SCRIPT.snapshot_names()
    assert {"libjpeg-turbo", "libpq", "zlib", "libgl", "xorg-libx11"} <= confirmed
    assert names <= set(TABLE_SCRIPT.registered()) | confirmed


def test_the_check_catches_a_name_conda_forge_does_not_have() -> None:
    fake = {"libfoo-dev": AptEntry("libfoo-dev", "conda", ("libfoo-not-on-conda-forge",), "", "x")}
    assert TABLE_SCRIPT.problems(fake) == [
        "libfoo-dev: libfoo-not-on-conda-forge: not on conda-forge"
    ]
    homonym = {"libglx-mesa0": AptEntry("libglx-mesa0", "conda", ("mesa",), "", "x")}
    assert "agent-based" in TABLE_SCRIPT.problems(homonym)[0]


def test_the_200_most_used_apt_packages_are_in_the_table() -> None:
    sample = TABLE_SCRIPT.sample()
    assert len(sample) >= 200
    table = load_table()
    assert [name for name, _n in sample[:200] if name.lower() not in table] == []
    assert all(e.debian for e in table.values())  # every entry says where it comes from


def test_table_entries_have_one_status() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    from rees2conda.rees.apt import TABLE_PATH

    statuses = {"not-needed", "host", "missing"}
    for name, row in tomllib.loads(TABLE_PATH.read_text())["packages"].items():
        assert name == name.lower(), name
        assert set(row) <= {"conda", "note", "debian"} | statuses, name
        kinds = statuses & set(row) or {"conda"} & set(row)
        assert len(kinds) == 1 and (row.get("conda") or "conda" not in kinds), name


def test_lookup_ignores_version_arch_and_case() -> None:
    assert lookup("libjpeg-dev").conda == ("libjpeg-turbo",)  # type: ignore[union-attr]
    assert lookup("openjdk-11-jdk:amd64").conda == ("openjdk=11",)  # type: ignore[union-attr]
    assert lookup("R-cran-DALEX").conda == ("r-dalex",)  # type: ignore[union-attr]
    assert lookup("libjpeg-dev=1:2.1.5-2") is lookup("libjpeg-dev")
    assert lookup("no-such-package") is None


# --- reading apt.txt as repo2docker does ---------------------------------------------------
def test_parse_words_columns_comments_and_rejected_lines() -> None:
    text = "# comment\nlibgl1\n  zip unzip # archives\n\nCurl\n-y libpq-dev\n"
    words, rejected = parse(text)
    assert words[:3] == [("libgl1", 2, 1), ("zip", 3, 3), ("unzip", 3, 7)]
    assert words[3:] == [("-y", 6, 1), ("libpq-dev", 6, 4)]  # an option: apt-get's, skipped
    assert rejected == [("Curl", 5)]


# --- check ----------------------------------------------------------------------------------------
def _by_word(report) -> dict[str, object]:
    return {f.data["apt"]: f for f in report.findings if f.data and "apt" in f.data}


def test_check_lists_the_equivalent_of_every_line_of_a_real_apt_txt() -> None:
    """ageron/handson-ml2's apt.txt, the example of the issue that asked for this."""
    report = read_repository(REPOS / "handson-ml2")
    assert not report.ok and [f.code for f in report.errors] == ["R2C106"]
    found = _by_word(report)
    assert len(found) == 15  # one finding per line
    expected = {
        "build-essential": ["compilers", "make"],
        "libjpeg-dev": ["libjpeg-turbo"],
        "libpq-dev": ["libpq"],
        "libsdl2-dev": ["sdl2"],
        "zlib1g-dev": ["zlib"],
        "cmake": ["cmake"],
        "swig": ["swig"],
        "zip": ["zip"],
    }
    for word, conda in expected.items():
        f = found[word]
        assert (f.code, f.data["status"], f.data["conda"]) == ("R2C111", "conda", conda)
        assert f.path == "apt.txt" and f.column == 1 and f.line
    assert all(s.startswith("xorg-") or s == "libxkbfile" for s in found["xorg-dev"].data["conda"])
    assert "xorg-libx11" in found["xorg-dev"].data["conda"]
    assert (found["sudo"].code, found["sudo"].data["status"]) == ("R2C112", "not-needed")
    assert (found["git"].code, found["git"].data["status"]) == ("R2C112", "host")
    assert found["git"].data["alternative"] == ["git"]
    refusal = report.errors[0]
    assert re.search(r"\n  - libjpeg-turbo +# libjpeg-dev\n", refusal.hint)
    assert refusal.hint.endswith("or run with --apt conda to add them for you")
    assert "libpq" in refusal.data["conda"] and "git" not in refusal.data["conda"]
    assert {r.path: r.status for r in report.files}["apt.txt"] == "rejected"


def test_check_apt_conda_is_ok_and_adds_the_specs_with_their_origin() -> None:
    report = read_repository(REPOS / "handson-ml2", apt="conda")
    assert report.ok, [f.message for f in report.errors]
    assert "R2C106" not in {f.code for f in report.findings}
    spec = report.spec
    assert spec is not None
    added = {d.spec: d.origin for d in spec.conda}
    assert added["libpq"].path == "apt.txt" and added["libpq"].line == 7
    assert [d.spec for d in spec.conda][:2] == ["python=3.9", "numpy"]  # the repository's first
    assert "git" not in added and "sudo" not in added
    assert spec.apt["libpq-dev"] == "libpq" and spec.apt["sudo"] == "not-needed"
    assert spec.apt["git"] == "host"
    assert {r.path: r.status for r in report.files}["apt.txt"] == "used"


def test_the_repository_s_own_spec_wins_over_the_apt_equivalent(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.11\n  - zlib=1.2\n")
    (tmp_path / "apt.txt").write_text("zlib1g-dev\nlibpng-dev\n")
    spec = read_repository(tmp_path, apt="conda").spec
    assert spec is not None
    assert [d.spec for d in spec.conda] == ["python=3.11", "zlib=1.2", "libpng"]


def test_unmapped_and_unknown_lines_refuse_even_with_apt_conda(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "apt.txt").write_text("libgl1\nxfce4\nlibfrobnicate-dev\n")
    report = read_repository(tmp_path, apt="conda")
    assert not report.ok
    errors = {(f.code, f.line, f.data["status"]) for f in report.errors}
    assert errors == {("R2C113", 2, "missing"), ("R2C113", 3, "unknown")}
    assert {r.path: r.status for r in report.files}["apt.txt"] == "rejected"
    assert report.spec is not None and "libgl" not in [d.spec for d in report.spec.conda]
    with pytest.raises(LockRefused) as refused:
        lock(tmp_path, options=LockOptions(apt="conda", platforms=["linux-64"]))
    shown = render_refusal(refused.value.report)  # what the CLI prints, as check does
    assert "R2C113" in shown and "xfce4" in shown and "libfrobnicate-dev" in shown


def test_a_line_binder_rejects_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "apt.txt").write_text("Curl\n")
    report = read_repository(tmp_path, apt="conda")
    assert [(f.code, f.line) for f in report.errors] == [("R2C114", 1)]


def test_refused_builds_report_apt_lines_once(tmp_path: Path) -> None:
    (tmp_path / "default.nix").write_text("{}\n")
    (tmp_path / "apt.txt").write_text("xfce4\n")
    report = read_repository(tmp_path)
    assert [f.code for f in report.findings].count("R2C113") == 1


def test_check_cli_json_carries_the_specs_and_apt_conda_exits_0() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["check", str(REPOS / "handson-ml2"), "--format", "json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    libpq = next(d for d in data["diagnostics"] if (d.get("data") or {}).get("apt") == "libpq-dev")
    assert libpq["data"]["conda"] == ["libpq"] and libpq["line"] == 7 and libpq["column"] == 1
    assert all("data" not in d for d in data["diagnostics"] if d["code"] == "R2C601")
    ok = runner.invoke(cli, ["check", str(REPOS / "handson-ml2"), "--apt", "conda"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["check", str(REPOS / "handson-ml2"), "--apt", "yum"])
    assert bad.exit_code == 2


# --- lock --apt conda against real conda-forge repodata ----------------------------------
def _snapshot_options(tmp_path: Path, **kw) -> LockOptions:
    """conda-forge (the repository's channel) pointed at the real 2024 repodata snapshot."""
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    if not (mirror / "conda-forge").exists():
        (mirror / "conda-forge").symlink_to(SNAPSHOT)
    config = CondaConfig(channel_alias=mirror.as_uri())
    return LockOptions(platforms=["linux-64"], config=config, offline=False, **kw)


def test_lock_apt_conda_of_a_real_apt_txt_solves_against_conda_forge(tmp_path: Path) -> None:
    """MaMMoS-project/mammos-mumag's .binder/apt.txt (what PyVista needs on Binder)."""
    repo = tmp_path / "repo"
    shutil.copytree(REPOS / "pyvista-headless", repo)
    with pytest.raises(LockRefused) as refused:
        lock(repo, options=_snapshot_options(tmp_path))  # refusing stays the default
    assert "--apt conda adds apt.txt's conda-forge equivalents" in refused.value.message
    result = lock(repo, options=_snapshot_options(tmp_path, apt="conda"))
    assert result.written and result.lockfile == repo / ".binder" / "conda-lock.yml"
    names = {r.name.normalized for r in read_locked_packages(result.lockfile, "linux-64").conda}
    assert {"libgl", "libegl", "libopengl", "xorg-libxrender", "numpy", "python"} <= names
    text = result.lockfile.read_text()
    assert "'rees2conda:apt:libgl1': libgl\n" in text
    assert "'rees2conda:apt:libxrender1': xorg-libxrender\n" in text
    again = lock(repo, options=_snapshot_options(tmp_path, apt="conda"))
    assert again.reused and not again.written
    (repo / ".binder" / "apt.txt").write_text("libgl1\nsudo\n")  # the mapping changed: re-solve
    changed = lock(repo, options=_snapshot_options(tmp_path, apt="conda"))
    assert changed.written
    assert "'rees2conda:apt:sudo': not-needed\n" in changed.lockfile.read_text()


def test_lock_apt_conda_names_the_apt_line_of_a_package_the_channel_lacks(tmp_path: Path) -> None:
    """handson-ml2's compilers are not in the one-environment snapshot: the error says where."""
    from rees2conda.errors import UserError

    repo = tmp_path / "repo"
    shutil.copytree(REPOS / "handson-ml2", repo)
    with pytest.raises(UserError) as error:
        lock(repo, options=_snapshot_options(tmp_path, apt="conda"))
    assert "apt.txt:1:1: compilers" in str(error.value)
    assert not (repo / "conda-lock.yml").exists()


def test_lock_cli_apt_conda(tmp_path: Path) -> None:
    """The command line's --apt reaches the reader: the written lock records the mapping."""
    out = tmp_path / "conda-lock.yml"
    common = [
        "lock",
        str(REPOS / "pyvista-headless"),
        "-c",
        SNAPSHOT.as_uri(),
        "--override-channels",
        "-p",
        "linux-64",
        "--lockfile",
        str(out),
    ]
    refused = CliRunner().invoke(cli, common)
    assert refused.exit_code == 1 and not out.exists()
    result = CliRunner().invoke(cli, [*common, "--apt", "conda"])
    assert result.exit_code == 0, result.output
    assert "'rees2conda:apt:libopengl0': libopengl\n" in out.read_text()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab-+.:=/# \t\nLIBGL1xfce4é\x00"), max_size=60))
def test_any_apt_txt_gives_findings_never_an_exception(text: str) -> None:
    words, rejected = parse(text)
    for word, line, column in words:
        assert word and line >= 1 and column >= 1 and "#" not in word
    for content, line in rejected:
        assert content and line >= 1
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "apt.txt").write_text(text, encoding="utf-8")
        for mode in ("refuse", "conda"):
            report = read_repository(tmp, apt=mode)
            assert "R2C001" not in {f.code for f in report.findings}
            assert mode == "conda" or not report.ok  # refusing stays the default, always

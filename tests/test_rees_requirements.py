"""pip requirement files in full pip syntax (docs/binder-rules.md §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rees_helpers import by_code, codes, read, statuses, write_repo

from rees2conda.model import Origin
from rees2conda.rees.reader import read_repository
from rees2conda.rees.requirements import PipReader, _logical_lines
from rees2conda.rees.textfile import Repo


def _pip(tmp_path: Path, files: dict[str, str | bytes], start: str = "requirements.txt"):
    write_repo(tmp_path, files)
    reader = PipReader(repo=Repo.at(str(tmp_path)), cwd=".", record=lambda *a: None)
    lines = reader.read_file(start)
    return lines, reader.findings


def test_full_syntax_kinds_bases_and_origins() -> None:
    report = read("requirements-full")
    spec = report.spec
    assert spec is not None
    got = [(p.kind, p.origin.path, p.origin.line) for p in spec.pip]
    assert got == [
        ("option", "requirements.txt", 2),
        ("option", "requirements.txt", 3),
        ("option", "requirements.txt", 4),
        ("option", "requirements.txt", 5),
        ("requirement", "requirements.txt", 6),
        ("requirement", "requirements.txt", 7),
        ("requirement", "requirements.txt", 8),  # continuation lines join on the first line
        ("url", "requirements.txt", 11),
        ("vcs", "requirements.txt", 12),
        ("url", "requirements.txt", 13),
        ("editable", "requirements.txt", 14),
        ("path", "requirements.txt", 15),
        ("requirement", "reqs/base.txt", 1),
        ("requirement", "reqs/nested/deep.txt", 1),
        ("option", "requirements.txt", 17),
        ("path", "setup.py", None),  # the root package, installed last
    ]
    assert all(p.base == "." for p in spec.pip)
    assert spec.pip[4].line == "numpy>=1.26"  # trailing comment removed
    assert statuses(report)["constraints.txt"] == "used"
    assert statuses(report)["reqs/nested/deep.txt"] == "used"


def test_nested_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    lines, findings = _pip(
        tmp_path,
        {
            "binder/requirements.txt": "-r sub/a.txt\n",
            "binder/sub/a.txt": "-r ../b.txt\n-c c.txt\n",
            "binder/b.txt": "numpy\n",
            "binder/sub/c.txt": "numpy<2\n",
        },
        "binder/requirements.txt",
    )
    assert findings == []
    assert [(p.line, p.kind, p.base) for p in lines] == [
        ("numpy", "requirement", "."),
        ("-c c.txt", "option", "binder/sub"),
    ]


@pytest.mark.parametrize(
    "line",
    ["-rother.txt", "--requirement other.txt", "--requirement=other.txt", "-r  other.txt"],
)
def test_include_spellings(tmp_path: Path, line: str) -> None:
    lines, findings = _pip(tmp_path, {"requirements.txt": line + "\n", "other.txt": "numpy\n"})
    assert findings == [] and [p.line for p in lines] == ["numpy"]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("-e .", "editable"),
        ("--editable=.", "editable"),
        ("-e git+https://github.com/u/r.git#egg=r", "editable"),
        ("name @ git+https://github.com/u/r.git@main", "vcs"),
        ("git+https://github.com/u/r.git", "vcs"),
        ("https://example.org/x-1.0-py3-none-any.whl", "url"),
        ("x @ https://example.org/x-1.0.tar.gz", "url"),
        ("./", "path"),
        (".[extra]", "path"),
        ("numpy[extra]>=1 ; sys_platform == 'linux'", "requirement"),
        ("numpy==1.* --hash=sha256:abc", "requirement"),
        ("--trusted-host example.org", "option"),
        ("--only-binary :all:", "option"),
        ("--no-index", "option"),
        ("--prefer-binary", "option"),
        ("--find-links=./wheels", "option"),
        ("-i https://example.org/simple", "option"),
    ],
)
def test_line_kinds(tmp_path: Path, line: str, kind: str) -> None:
    lines, findings = _pip(tmp_path, {"requirements.txt": line + "\n", "setup.py": ""})
    assert findings == []
    assert [p.kind for p in lines] == [kind]


def test_bad_requirement_line_column_points_at_the_problem() -> None:
    report = read("requirements-bad-line")
    finding = by_code(report, "R2C501")
    assert (finding.path, finding.line, finding.column) == ("requirements.txt", 2, 12)
    assert finding.severity.value == "error"
    assert [p.line for p in report.spec.pip] == ["numpy", "scipy"]  # type: ignore[union-attr]


def test_unknown_options_are_errors() -> None:
    report = read("requirements-unknown-option")
    found = [(f.line, f.code) for f in report.findings if f.code == "R2C502"]
    assert found == [(1, "R2C502"), (2, "R2C502")]


def test_include_cycle_is_reported_once_and_stops() -> None:
    report = read("requirements-cycle")
    cycle = [f for f in report.findings if f.code == "R2C206"]
    assert len(cycle) == 1 and cycle[0].path == "a.txt" and cycle[0].line == 2
    assert [p.line for p in report.spec.pip] == ["numpy", "pandas"]  # type: ignore[union-attr]


def test_escapes_are_never_read() -> None:
    report = read("requirements-escape")
    found = [(f.line, f.code) for f in report.findings if f.code == "R2C205"]
    assert found == [(2, "R2C205"), (3, "R2C205"), (4, "R2C205")]
    assert set(statuses(report)) == {"requirements.txt"}


def test_missing_include_and_path() -> None:
    report = read("requirements-missing")
    assert [f.line for f in report.findings if f.code == "R2C207"] == [1, 2]


def test_remote_include_is_passed_through(tmp_path: Path) -> None:
    lines, findings = _pip(tmp_path, {"requirements.txt": "-r https://example.org/r.txt\n"})
    assert [f.code for f in findings] == ["R2C504"]
    assert [(p.line, p.kind) for p in lines] == [("-r https://example.org/r.txt", "option")]


def test_constraints_are_validated_not_installed(tmp_path: Path) -> None:
    lines, findings = _pip(
        tmp_path, {"requirements.txt": "numpy\n-c c.txt\n", "c.txt": "numpy<2\nbad line here\n"}
    )
    assert [p.line for p in lines] == ["numpy", "-c c.txt"]
    assert [(f.code, f.path, f.line) for f in findings] == [("R2C501", "c.txt", 2)]


def test_comment_and_continuation_rules() -> None:
    text = "a \\\n  b\n# comment \\\nc  # trailing\nd#not-a-comment\n\\\n"
    assert list(_logical_lines(text.splitlines())) == [
        (1, "a b", "a \\"),
        (4, "c", "c  # trailing"),
        (5, "d#not-a-comment", "d#not-a-comment"),
    ]


def test_requirements_txt_next_to_environment_yml_is_ignored() -> None:
    report = read("env-ignores-others")
    finding = by_code(report, "R2C503")
    assert finding.severity.value == "warning" and finding.path == "requirements.txt"
    assert statuses(report)["requirements.txt"] == "ignored"


def test_pip_reader_origin_for_inline_text(tmp_path: Path) -> None:
    write_repo(tmp_path, {"x": ""})
    reader = PipReader(repo=Repo.at(str(tmp_path)), cwd=".", record=lambda *a: None)
    lines = reader.parse_text("numpy", "environment.yml", ".", (), first_line=7, first_column=9)
    assert lines[0].origin == Origin("environment.yml", 7, 9)


def test_encoding_declaration_is_honoured(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\nnumpy  # caf\xe9\n".encode("latin-1")
    write_repo(tmp_path, {"requirements.txt": text})
    report = read_repository(tmp_path)
    assert report.ok and [p.line for p in report.spec.pip] == ["numpy"]  # type: ignore[union-attr]
    assert "R2C204" not in codes(report)


def test_the_reader_keeps_what_it_parsed(tmp_path: Path) -> None:
    """Names and options are parsed once here; lock and build read the fields, not the line."""
    lines, findings = _pip(
        tmp_path,
        {
            "requirements.txt": "--index-url=https://${U}@example.org/simple\n"
            "-ihttps://mirror.example.org/simple\n"
            "--pre --extra-index-url https://x.example.org/simple\n"
            "--pre\n"
            "-c c.txt\n"
            "-r https://example.org/r.txt\n"
            "NumPy[extra] >=1.2 --hash=sha256:" + "0" * 64 + "\n"
            "typing_extensions ; python_version < '3.8'\n"
            "pkg @ https://example.org/pkg-1.0.tar.gz\n",
            "c.txt": "numpy<2\n",
        },
    )
    assert [f.code for f in findings] == ["R2C504"]  # the remote -r
    got = [(p.kind, p.name, p.option, p.value) for p in lines]
    assert got == [
        ("option", None, "--index-url", "https://${U}@example.org/simple"),
        ("option", None, "-i", "https://mirror.example.org/simple"),
        ("option", None, None, None),  # two options on one line: none of them alone
        ("option", None, "--pre", None),
        ("option", None, "-c", "c.txt"),
        ("option", None, "-r", "https://example.org/r.txt"),
        ("requirement", "NumPy", None, None),
        ("requirement", "typing_extensions", None, None),
        ("url", None, None, None),
    ]

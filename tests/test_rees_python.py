"""The Python version and the root package install (docs/binder-rules.md §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rees_helpers import by_code, codes, read, statuses, write_repo

from rees2conda.rees import python as py
from rees2conda.rees.reader import read_repository

BUILD = "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"


def test_supported_list_is_stated() -> None:
    assert py.BINDER_PYTHONS == ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
    assert py.LEGACY_PYTHONS == ("2.7", "3.5", "3.6", "3.7")


@pytest.mark.parametrize(
    ("spec", "best"),
    [
        (">=3.11", "3.14"),
        ("<3.14", "3.13"),
        (">=3.8,<3.12", "3.11"),
        ("~=3.9.0", "3.9"),
        ("<3", None),
        (">=4", None),
    ],
)
def test_highest_allowed(spec: str, best: str | None) -> None:
    assert py.highest_allowed(spec) == best


def test_requires_python_raises_a_defaulted_python() -> None:
    report = read("pyproject-raises-python")
    assert report.spec is not None and report.spec.python == "3.14"
    assert [d.spec for d in report.spec.conda] == ["python=3.14"]
    finding = by_code(report, "R2C605")
    assert (finding.path, finding.line) == ("pyproject.toml", 8)
    assert "R2C601" not in codes(report)


def test_requires_python_keeps_an_allowed_default() -> None:
    report = read("pyproject-keeps-default")
    assert report.spec is not None and report.spec.python == "3.10"
    assert "R2C605" not in codes(report)


def test_runtime_outside_requires_python_fails_like_binder() -> None:
    finding = by_code(read("pyproject-runtime-conflict"), "R2C606")
    assert finding.severity.value == "error" and "3.9" in finding.message


def test_requires_python_allowing_nothing_supported() -> None:
    assert by_code(read("pyproject-impossible"), "R2C606").severity.value == "error"


def test_root_package_line_is_last_and_non_editable() -> None:
    report = read("setup-py")
    assert report.spec is not None
    last = report.spec.pip[-1]
    assert (last.line, last.kind, last.base, last.origin.path) == (".", "path", ".", "setup.py")
    assert statuses(report)["setup.py"] == "used"


def test_pyproject_without_build_system_is_not_a_package() -> None:
    report = read("pyproject-no-build-system")
    assert statuses(report)["pyproject.toml"] == "ignored"
    assert by_code(report, "R2C603").severity.value == "info"
    assert [p.line for p in report.spec.pip] == ["numpy"]  # type: ignore[union-attr]


def test_tool_only_pyproject_is_silently_ignored() -> None:
    report = read("pyproject-tool-only")
    rec = {f.path: f for f in report.files}["pyproject.toml"]
    assert rec.status == "ignored" and "[build-system]" in (rec.reason or "")
    assert "R2C603" not in codes(report)


def test_invalid_pyproject_is_an_error_with_position() -> None:
    finding = by_code(read("pyproject-invalid"), "R2C604")
    assert (finding.line, finding.column) == (1, 9)


def test_setup_py_next_to_environment_yml_is_not_installed() -> None:
    report = read("env-ignores-others")
    assert by_code(report, "R2C602").path == "setup.py"
    assert all(p.line != "." for p in report.spec.pip)  # type: ignore[union-attr]


def test_package_files_count_only_at_root_without_binder_folder() -> None:
    report = read("binder-shadows-setup")
    assert statuses(report)["setup.py"] == "ignored"
    assert [p.line for p in report.spec.pip] == ["numpy"]  # type: ignore[union-attr]


def test_binder_folder_pyproject_is_not_a_package(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {"binder/pyproject.toml": BUILD + "[project]\nname='x'\nversion='1'\n", "binder/x": ""},
    )
    report = read_repository(tmp_path)
    assert report.spec is not None and report.spec.pip == []
    assert "binder/pyproject.toml" not in statuses(report)


@pytest.mark.parametrize(
    ("requires", "python", "code"),
    [
        ("'>=3.12'", "3.14", "R2C605"),
        ("'>=3.8,<3.10'", "3.9", "R2C605"),
        ("'==3.10.*'", "3.10", None),
        ("'>=3.x'", "3.10", "R2C604"),
        ("3", "3.10", "R2C604"),
    ],
)
def test_requires_python_variants(tmp_path: Path, requires: str, python: str, code: str) -> None:
    text = BUILD + f"[project]\nname = 'x'\nversion = '1'\nrequires-python = {requires}\n"
    write_repo(tmp_path, {"pyproject.toml": text})
    report = read_repository(tmp_path)
    assert report.spec is not None and report.spec.python == python
    if code:
        assert code in codes(report)

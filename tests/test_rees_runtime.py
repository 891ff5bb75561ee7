"""runtime.txt grammar (docs/binder-rules.md §3), as repo2docker parses it."""

from __future__ import annotations

import pytest
from rees_helpers import by_code, read

from rees2conda.rees.runtime import InvalidRuntime, Runtime, parse_runtime, python_from_runtime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python-3.11", Runtime("python", "3.11", None)),
        ("python-3.11\n", Runtime("python", "3.11", None)),
        ("  python-3.9  \n\n", Runtime("python", "3.9", None)),
        ("python-3", Runtime("python", "3", None)),
        ("python-3.11.4", Runtime("python", "3.11.4", None)),
        ("python-3.9-2023-01-01", Runtime("python", "3.9", "2023-01-01")),
        ("python-2023-01-01", Runtime("python", None, "2023-01-01")),
        ("r-2023-06-01", Runtime("r", None, "2023-06-01")),
        ("r-4.3-2023-06-01", Runtime("r", "4.3", "2023-06-01")),
        ("r-4.3", Runtime("r", "4.3", None)),
        ("julia-1.9", Runtime("julia", "1.9", None)),
        ("Python-3.12", Runtime("Python", "3.12", None)),
    ],
)
def test_valid(text: str, expected: Runtime) -> None:
    assert parse_runtime(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "python3.11",
        "python",
        "python-",
        "-3.11",
        "python--3.11",
        "python-3.11-2023",  # 3 parts
        "python-3.11-2023-01",  # 4 parts, not a date
        "r-2023-13-45",  # not a real date
        "r-23-01-01",
        "python-3.11-2023-01-01-x",  # 6 parts
        "python-3.11\npython-3.12",  # two lines: the second line joins the version part
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidRuntime):
        parse_runtime(text)


@pytest.mark.parametrize(
    ("text", "version", "kind"),
    [
        ("python-3.11", "3.11", "minor"),
        ("python-3", "3.10", "default"),
        ("python-2", "2.7", "default"),
        ("python-2.7", "2.7", "minor"),
        ("python-3.11.4", "3.11.4", "patch"),
        ("python-2023-01-01", None, "default"),
        ("python-3.x", None, "invalid"),
        ("python-4", None, "invalid"),
    ],
)
def test_python_from_runtime(text: str, version: str | None, kind: str) -> None:
    assert python_from_runtime(parse_runtime(text)) == (version, kind)


def test_invalid_runtime_is_an_error_with_position() -> None:
    finding = by_code(read("runtime-invalid"), "R2C301")
    assert (finding.path, finding.line, finding.column) == ("runtime.txt", 1, 1)
    assert "python3.11" in finding.message


def test_patch_version_warns_and_pins_exactly() -> None:
    report = read("runtime-python-patch")
    finding = by_code(report, "R2C303")
    assert finding.severity.value == "warning"
    assert "3.11.4" in finding.message and "python-X.Y" in finding.message
    assert report.spec is not None and report.spec.python == "3.11.4"
    assert [d.spec for d in report.spec.conda] == ["python=3.11.4"]


def test_unknown_runtime_name_is_ignored_with_a_warning() -> None:
    report = read("runtime-unknown-name")
    finding = by_code(report, "R2C302")
    assert finding.severity.value == "warning" and "julia" in finding.message
    assert report.spec is not None and report.spec.python == "3.10"


def test_runtime_next_to_environment_yml_is_ignored() -> None:
    report = read("env-ignores-others")
    finding = by_code(report, "R2C304")
    assert finding.path == "runtime.txt" and "3.9" in finding.message
    assert report.spec is not None and report.spec.python == "3.11"


def test_python_origin_points_at_runtime() -> None:
    report = read("runtime-python")
    assert report.spec is not None
    assert report.spec.python_origin is not None
    assert report.spec.python_origin.path == "runtime.txt"
    assert report.spec.conda[0].origin.path == "runtime.txt"

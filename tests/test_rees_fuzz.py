"""Property-based fuzzing of every reader: any input gives a Report, never an exception or hang.

Each example also checks the report's invariants (known codes, 1-based positions, ok == no
error), so a reader that "survives" by producing garbage still fails.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rees_helpers import write_repo

from rees2conda.codes import CODES
from rees2conda.model import Report, Severity
from rees2conda.rees.environment import read_environment
from rees2conda.rees.layout import REES_NAMES, ROOT_ONLY
from rees2conda.rees.reader import read_repository
from rees2conda.rees.requirements import PipReader
from rees2conda.rees.runtime import InvalidRuntime, parse_runtime, python_from_runtime
from rees2conda.rees.textfile import Repo

FUZZ = settings(
    max_examples=150,
    deadline=2000,  # ms per example: the time bound
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_invariants(report: Report) -> None:
    for f in report.findings:
        assert f.code in CODES
        assert f.line is None or f.line >= 1
        assert f.column is None or f.column >= 1
    assert report.ok == (not any(f.severity is Severity.ERROR for f in report.findings))
    json.dumps(report.to_json())
    assert len({r.path for r in report.files}) == len(report.files)


# --- runtime.txt ---------------------------------------------------------------------------------
runtime_text = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A(python|r|julia|Python|)-[0-9.x]{0,8}(-\d{1,4}-\d{1,2}-\d{1,3})?\s*\Z"),
)


@FUZZ
@given(runtime_text)
def test_runtime_parser(text: str) -> None:
    try:
        rt = parse_runtime(text)
    except InvalidRuntime:
        return
    assert rt.name and "-" not in rt.name
    python_from_runtime(rt)


# --- environment.yml -----------------------------------------------------------------------------
yaml_fragment = st.sampled_from(
    [
        "dependencies:",
        "channels:",
        "pip:",
        "name: x",
        "  - ",
        "- ",
        "python=3.11",
        "numpy",
        "&a ",
        "*a",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "'",
        '"',
        "\n",
        "  ",
        "\t",
        "#",
        "-r req.txt",
        "nodefaults",
        "defaults",
        "python>=3.9",
        "- pip:\n    - requests",
        "~",
        "!!binary ",
        "? ",
        "|",
        ">",
        "---\n",
        "...",
        "%YAML 1.2\n",
        "\x00",
        "\ufeff",
        "r-base",
        "=1=h0",
    ]
)
yaml_text = st.one_of(
    st.lists(yaml_fragment, max_size=40).map("".join),
    st.text(max_size=200),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=15)),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["dependencies", "channels", "pip", "name", "x"]), children, max_size=4
        )
    ),
    max_leaves=25,
)


@FUZZ
@given(yaml_text)
def test_environment_reader_text(text: str) -> None:
    env = read_environment(text, "environment.yml")
    for f in env.findings:
        assert f.code in CODES


@FUZZ
@given(json_values)
def test_environment_reader_shapes(value: object) -> None:
    env = read_environment(json.dumps(value), "environment.yml")
    if not env.ok:
        assert any(f.severity is Severity.ERROR for f in env.findings)
    for dep in env.conda:
        assert isinstance(dep.spec, str)
    for line, _origin in env.pip:
        assert isinstance(line, str)


# --- requirements.txt ----------------------------------------------------------------------------
req_fragment = st.sampled_from(
    [
        "numpy",
        "pandas[excel]",
        ">=1.0",
        "==2.*",
        ",<3",
        " ; python_version < '3.9'",
        " ",
        "-r ",
        "-c ",
        "-e ",
        "--index-url ",
        "--pre",
        "--hash=sha256:ab",
        "git+https://x/y",
        "https://x/y.whl",
        "./",
        "../",
        "/etc/passwd",
        "other.txt",
        "req.txt",
        "#",
        " # c",
        "\\\n",
        "\n",
        "@ ",
        "name @ ",
        "[",
        "]",
        '"',
        "'",
        "--frobnicate",
        "-",
        "--",
        "${HOME}",
        "file:",
        "~",
        "\t",
        "\x00",
        "é",
    ]
)
req_text = st.one_of(st.lists(req_fragment, max_size=30).map("".join), st.text(max_size=200))


@FUZZ
@given(req_text)
def test_requirements_reader_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp), {"req.txt": text, "other.txt": "numpy\n", "setup.py": ""})
        reader = PipReader(repo=Repo.at(tmp), cwd=".", record=lambda *a: None)
        for line in reader.read_file("req.txt"):
            assert line.kind in ("requirement", "url", "vcs", "editable", "path", "option")
            assert line.line.strip() == line.line and line.line
        for f in reader.findings:
            assert f.code in CODES


file_names = st.sampled_from(["requirements.txt", "a.txt", "sub/b.txt", "sub/c.txt", "../x.txt"])
include_line = st.tuples(st.sampled_from(["-r", "-c", "-r", "numpy", "-e"]), file_names).map(
    lambda t: t[0] if t[0] == "numpy" else f"{t[0]} {t[1]}"
)


@FUZZ
@given(
    st.dictionaries(
        file_names.filter(lambda n: not n.startswith("..")),
        st.lists(include_line, max_size=6),
        min_size=1,
        max_size=4,
    )
)
def test_random_include_graphs(graph: dict[str, list[str]]) -> None:
    files = {name: "\n".join(lines) + "\n" for name, lines in graph.items()}
    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp) / "repo", files)
        report = read_repository(Path(tmp) / "repo")
        check_invariants(report)


# --- whole repositories ---------------------------------------------------------------------
any_name = st.sampled_from(
    [*REES_NAMES, *ROOT_ONLY, *(f"binder/{n}" for n in REES_NAMES), ".binder/runtime.txt"]
)
content = st.one_of(st.binary(max_size=300), yaml_text, req_text, runtime_text)


@settings(
    max_examples=150,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.dictionaries(any_name, content, max_size=6))
def test_random_repositories(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        write_repo(root, files)
        report = read_repository(root)
        check_invariants(report)
        if report.spec is not None:
            assert report.spec.python


# --- the requirement fast path never accepts what packaging rejects ---------------------------
simple_piece = st.sampled_from(
    [
        "numpy",
        "a",
        "a-b",
        "a_b.c",
        "A1",
        "-",
        ".",
        "_",
        "[",
        "]",
        ",",
        " ",
        "x",
        "1",
        "==",
        ">=",
        "<=",
        "<",
        ">",
        "!=",
        "~=",
        "===",
        ".*",
        "*",
        "1.2",
        "0",
        ".0",
        "rc1",
        "a1",
    ]
)


@FUZZ
@given(st.lists(simple_piece, min_size=1, max_size=12).map("".join))
def test_simple_requirement_fast_path_agrees_with_packaging(text: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    from rees2conda.rees.requirements import _SIMPLE_REQ_RE

    if _SIMPLE_REQ_RE.match(text):
        try:
            Requirement(text)
        except InvalidRequirement as exc:  # pragma: no cover - the property under test
            raise AssertionError(f"fast path accepted {text!r}: {exc}") from exc

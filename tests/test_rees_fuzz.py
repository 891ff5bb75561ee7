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


#: where the hostile-repository test puts FIFOs, sockets, folders and symlink loops
COMMON_SPECIAL_PLACES = (
    "requirements.txt",
    "environment.yml",
    "runtime.txt",
    "pyproject.toml",
    "binder/requirements.txt",
    "binder/environment.yml",
    "req.txt",
    "other.txt",
    "sub/b.txt",
    "apt.txt",
    "binder",
)


# --- issue 10: what storms of hostile repositories found -------------------------------------
# Each strategy below reaches one family of inputs that gave R2C001 ("internal error"), broke
# every output format or went quadratic, so that a regression fails here first.
import encodings.aliases as _aliases  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402

from rees2conda.commands.check import emit  # noqa: E402
from rees2conda.model import FileRecord, Finding  # noqa: E402
from rees2conda.rees.textfile import decode  # noqa: E402

#: every codec name Python knows, the non-text ones (rot13, hex, zlib, uu, base64, ...) and
#: names it does not know
codec_names = st.one_of(
    st.sampled_from(sorted(set(_aliases.aliases.values()) | set(_aliases.aliases))),
    st.sampled_from(["rot13", "hex", "zlib", "uu", "base64", "bz2", "quopri", "undefined"]),
    st.sampled_from(["punycode", "idna", "utf-7", "unicode_escape", "raw_unicode_escape"]),
    st.from_regex(r"\A[-\w.]{1,30}\Z"),
)
coding_line = st.tuples(
    st.sampled_from(["# -*- coding: {} -*-", "#coding={}", "  # vim: fileencoding={}"]),
    codec_names,
).map(lambda t: t[0].format(t[1]).encode("ascii", "replace"))
#: a number around Python's int() limit (4,300 digits), or just past the 64-bit range
long_number = st.sampled_from([20, 21, 4299, 4300, 4301, 6000]).map(lambda n: "1" + "0" * (n - 1))
#: a long run of one character, then one that makes a match fail: what backtracks
backtrack_run = st.tuples(
    st.sampled_from([" ", "\t", "a", "[", "(", "#", "1", " #"]),
    st.integers(1000, 6000),
    st.sampled_from(["[", "\x00", "!", ""]),
).map(lambda t: t[0] * t[1] + t[2])
lone_surrogate = st.characters(categories=["Cs"])


@FUZZ
@given(coding_line, st.sampled_from([b"", b"\n"]), st.binary(max_size=80))
def test_any_coding_line_decodes_or_is_located(line: bytes, first: bytes, body: bytes) -> None:
    text, problem = decode(first + line + b"\n" + body, "req.txt", coding_line=True)
    assert (text is None) != (problem is None)
    if problem is not None:
        assert problem.code == "R2C204"


def _version_text(number: str, kind: str) -> dict[str, str]:
    return {
        "conda": {"environment.yml": f"dependencies:\n  - python={number}\n  - numpy>={number}\n"},
        "pin": {"environment.yml": f"dependencies:\n  - python=3.{number}\n"},
        "pip": {"requirements.txt": f"numpy=={number}\nscipy ; python_version < '{number}'\n"},
        "runtime": {"runtime.txt": f"python-3.{number}\n", "requirements.txt": "numpy\n"},
        "requires-python": {
            "pyproject.toml": f'[project]\nrequires-python = ">={number}"\n[build-system]\n'
        },
        "pipfile": {"Pipfile": f'[requires]\npython_version = "{number}"\n'},
    }[kind]


@FUZZ
@given(
    long_number, st.sampled_from(["conda", "pin", "pip", "runtime", "requires-python", "pipfile"])
)
def test_long_version_numbers_are_findings(number: str, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = read_repository(write_repo(Path(tmp) / "repo", _version_text(number, kind)))
    check_invariants(report)
    assert "R2C001" not in {f.code for f in report.findings}
    assert not report.ok  # more digits than any solver takes: located errors


@FUZZ
@given(
    backtrack_run,
    st.sampled_from(
        [
            "dependencies:\n  - {}\n",
            "dependencies:\n  - python{}\n",
            "dependencies:\n  - conda-forge::numpy{}\n",
            "dependencies:\n  - pip:\n    - numpy{}\n",
            "# {}\ndependencies: []\n",
        ]
    ),
)
def test_environment_reader_does_not_backtrack(run: str, template: str) -> None:
    """Runs of a few thousand characters: the old match-spec pattern took a minute on 2,000
    spaces (the per-example deadline fails it long before)."""
    env = read_environment(template.format(run), "environment.yml")
    for f in env.findings:
        assert f.code in CODES


@FUZZ
@given(
    backtrack_run,
    st.sampled_from(["{}", "numpy{}", "numpy @ {}", "-e {}", "numpy[{}", "numpy ; {}", "# {}"]),
)
def test_requirements_reader_does_not_backtrack(run: str, template: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp), {"req.txt": template.format(run), "setup.py": ""})
        reader = PipReader(repo=Repo.at(tmp), cwd=".", record=lambda *a: None)
        reader.read_file("req.txt")
        for f in reader.findings:
            assert f.code in CODES


hostile_text = st.text(
    st.one_of(st.characters(), lone_surrogate, st.sampled_from("\x1b\r\n\u2028\x85%:,")),
    max_size=40,
)


@FUZZ
@given(hostile_text, hostile_text, st.sampled_from(["utf-8", "ascii", "latin-1"]))
def test_every_output_format_renders_any_finding(message: str, path: str, encoding: str) -> None:
    """A lone surrogate (a file name that is not UTF-8) made every format exit 70."""
    report = Report(
        path="repo",
        findings=[Finding("R2C201", Severity.ERROR, message, message, path or None, 1, 1)],
        files=[FileRecord(path or "x", "rejected", message)],
    )
    for fmt in ("text", "json", "github"):
        stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")
        emit(report, fmt, False, stream)
        stream.flush()
        out = stream.buffer.getvalue().decode(encoding)  # type: ignore[attr-defined]
        if fmt == "json":
            # JSON reads an escaped surrogate pair back as the one character it encodes
            pairs_joined = message.encode("utf-16", "surrogatepass").decode(
                "utf-16", "surrogatepass"
            )
            assert json.loads(out)["diagnostics"][0]["message"] == pairs_joined
        else:
            assert "\x1b" not in out.replace("\x1b[", "")  # only click's own styling


def _make_special(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        if path.is_dir() and not path.is_symlink():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.bind(str(path))
            except OSError:
                os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "loop":
        os.symlink(path.name, path)
    elif kind == "dangling-nonutf8":
        os.symlink(os.fsdecode(b"/nowhere/\xff\xfe"), path)


hostile_content = st.one_of(
    content,
    st.tuples(coding_line, st.binary(max_size=60)).map(lambda t: t[0] + b"\n" + t[1]),
    # utf-7 and escape codecs decode to lone surrogates, which then reach messages
    st.just(b"# coding: utf-7\n-r +2D8-.txt\nnumpy+2D8-\n"),
    st.just(b"# coding: unicode_escape\n-r \\udcff.txt\n"),
    long_number.map(lambda n: f"dependencies:\n  - python={n}\n"),
    long_number.map(lambda n: f"numpy>={n}\n"),
    backtrack_run,
)


@settings(
    max_examples=150,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.dictionaries(any_name, hostile_content, max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from([*COMMON_SPECIAL_PLACES]),
            st.sampled_from(["fifo", "socket", "dir", "loop", "dangling-nonutf8"]),
        ),
        max_size=2,
    ),
)
def test_hostile_repositories(
    files: dict[str, str | bytes], specials: list[tuple[str, str]]
) -> None:
    """Whole repositories: hostile content, special files where REES files or includes are
    expected; no R2C001, every output format renders the report."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        write_repo(root, files)
        for rel, kind in specials:
            try:
                _make_special(root / rel, kind)
            except OSError:  # a file where a folder was to be: skip this one
                continue
        report = read_repository(root)
    check_invariants(report)
    assert [f.message for f in report.findings if f.code == "R2C001"] == []
    for fmt in ("text", "json", "github"):
        emit(report, fmt, False, io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))

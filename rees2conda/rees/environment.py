"""environment.yml / environment.yaml, read with positions (docs/binder-rules.md §4).

Loaded with ruamel.yaml's round-trip loader, as repo2docker does (so duplicate keys fail here as
they fail there), which also keeps line/column for every item. Only strings are taken out of the
document and nothing is walked recursively, so aliases cannot expand; documents with very many
aliases or very deep nesting are refused up front.
"""

from __future__ import annotations

import re
from typing import Any

from rees2conda import codes
from rees2conda.model import CondaDep, Finding, Origin
from rees2conda.record import field, record
from rees2conda.rees.condaspec import SpecProblem, parse_dep
from rees2conda.rees.python import MAX_VERSION_DIGITS, describe_number, long_number

#: More aliases than this in an environment file is an attack, not a configuration.
MAX_ALIASES = 20
#: Nesting deeper than this is refused before parsing (real files nest 3 levels).
MAX_DEPTH = 50
#: Entries (content lines and flow items) beyond which a file is refused before parsing: the
#: pure-Python YAML loader spends ~40 us on each, a 2 MB file of `- a` lines took 14 s, and
#: `conda env export` of a large environment has about a thousand.
MAX_ENTRIES = 20_000
#: Words (runs of non-space) beyond which a file is refused: each costs the loader ~5 us.
MAX_WORDS = 100_000

_FLOW_BRACKET_RE = re.compile(r"[\[\]{}]")
_CONTENT_LINE_RE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)
_WORD_RE = re.compile(r"\S+")
_BUILD_STRING_RE = re.compile(r"^[^=<>!~\s]+=[^=\s]+=\S+$")

#: Packages that exist only for macOS or Windows: a sign of `conda env export` elsewhere.
PLATFORM_ONLY = frozenset(
    {
        # Windows
        "vc",
        "vs2015_runtime",
        "vc14_runtime",
        "ucrt",
        "pywin32",
        "pywin32-ctypes",
        "pywinpty",
        "winpty",
        "win_inet_pton",
        "wincertstore",
        "m2w64-gcc-libs",
        "m2w64-gcc-libs-core",
        "m2w64-gcc-libgfortran",
        "m2w64-gmp",
        "m2w64-libwinpthread-git",
        "msys2-conda-epoch",
        # macOS
        "appnope",
        "pyobjc-core",
        "pyobjc-framework-cocoa",
    }
)


@record
class EnvFile:
    """The parts of an environment file rees2conda uses, each with its origin."""

    rel: str
    ok: bool = False
    channels: list[str] | None = None
    conda: list[CondaDep] = field(default_factory=list)
    pip: list[tuple[str, Origin]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _column(dep: str, column: int | None, offset: int) -> int | None:
    """The column of ``offset`` into the stripped ``dep`` (exact for a plain one-line scalar;
    a quoted one is off by its quote, or by its escapes)."""
    if column is None:
        return None
    return column + len(dep) - len(dep.lstrip()) + offset


def _pos(node: Any, key: Any, kind: str = "item") -> tuple[int | None, int | None]:
    """1-based (line, column) of a key or item in a ruamel CommentedMap/Seq."""
    try:
        lc = node.lc
        line, col = lc.item(key) if kind == "item" else lc.key(key)
        return line + 1, col + 1
    except Exception:  # plain containers, missing positions
        return None, None


def _precheck(text: str) -> str | None:
    """Refuse alias bombs, deep nesting and huge documents without building the document."""
    entries = text.count(",") + sum(1 for _ in _CONTENT_LINE_RE.finditer(text))
    if entries > MAX_ENTRIES:
        return f"it has about {entries} entries (lines and list items), more than {MAX_ENTRIES}"
    words = sum(1 for _ in _WORD_RE.finditer(text))
    if words > MAX_WORDS:
        return f"it has {words} words, more than {MAX_WORDS}"
    if "*" in text and "&" in text:
        aliases = len(re.findall(r"(?:^|[\s\[{,])\*[^\s,\]}]+", text))
        if aliases > MAX_ALIASES:
            return f"it uses {aliases} aliases (more than {MAX_ALIASES}): a YAML alias bomb?"
    depth = best = 0
    for m in _FLOW_BRACKET_RE.finditer(text):  # only the brackets: a long line costs nothing
        if m.group() in "[{":
            depth += 1
            best = max(best, depth)
        elif depth:
            depth -= 1
    if best > MAX_DEPTH:
        return f"it nests {best} levels deep (more than {MAX_DEPTH})"
    indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines() if line.strip()}
    if len(indents) > MAX_DEPTH:
        return f"it nests more than {MAX_DEPTH} levels deep"
    return None


def read_environment(text: str, rel: str) -> EnvFile:
    """Parse environment file text; every problem is a Finding in the result."""
    env = EnvFile(rel=rel)
    problem = _precheck(text)
    if problem:
        env.findings.append(codes.finding("R2C406", f"{rel} is refused: {problem}", path=rel))
        return env
    data = _load(text, env)
    if data is _FAILED:
        return env
    if data is None:
        data = {}
    from collections.abc import Mapping

    if not isinstance(data, Mapping):
        env.findings.append(
            codes.finding(
                "R2C402",
                f"{rel} must be a mapping (name:, channels:, dependencies:), got a {_kind(data)}",
                path=rel,
                line=1,
                column=1,
            )
        )
        return env
    env.ok = True
    for key in data:
        line, col = _pos(data, key, "key")
        if key in ("channels", "dependencies", "name"):
            continue
        if key == "prefix":
            env.findings.append(
                codes.finding(
                    "R2C409",
                    "`prefix:` is ignored (Binder installs into its own environment)",
                    path=rel,
                    line=line,
                    column=col,
                )
            )
        elif key == "variables":
            env.findings.append(
                codes.finding(
                    "R2C409",
                    "`variables:` are not set by rees2conda",
                    path=rel,
                    line=line,
                    column=col,
                    hint="Set these environment variables yourself (e.g. in the kernel "
                    "spec or your shell).",
                )
            )
        else:
            env.findings.append(
                codes.finding(
                    "R2C409",
                    f"unknown key {str(key)[:60]!r} is ignored",
                    path=rel,
                    line=line,
                    column=col,
                    hint="conda and Binder ignore keys other than name, "
                    "channels, dependencies, prefix and variables.",
                )
            )
    _channels(data, env)
    _dependencies(data, env)
    env.ok = not any(f.code == "R2C402" for f in env.findings)
    return env


_FAILED = object()


def _yaml() -> Any:
    """ruamel's round-trip loader (positions, duplicate keys refused) without its comment
    scanner: rees2conda never uses comments, and the round-trip scanner gathers them one
    character at a time into a growing string, which turns quadratic on a long comment line
    (a 2 MB comment took 40 s). The plain scanner skips comments in one pass."""
    from ruamel.yaml import YAML
    from ruamel.yaml.parser import Parser
    from ruamel.yaml.scanner import Scanner

    yaml = YAML()
    yaml.Scanner = Scanner
    yaml.Parser = Parser
    return yaml


def _load(text: str, env: EnvFile) -> Any:
    import warnings

    from ruamel.yaml.error import MarkedYAMLError

    rel = env.rel
    try:
        with warnings.catch_warnings():  # ruamel warns on stderr (reused anchors, ...)
            warnings.simplefilter("ignore")
            return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "syntax error"
        env.findings.append(
            codes.finding("R2C401", f"YAML {what}", path=rel, line=line, column=col)
        )
    except RecursionError:
        env.findings.append(
            codes.finding("R2C406", f"{rel} is nested too deeply to read", path=rel)
        )
    except Exception as exc:  # ReaderError (control characters), anything else ruamel raises
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        env.findings.append(codes.finding("R2C401", f"YAML {message}", path=rel))
    return _FAILED


def _kind(value: Any) -> str:
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def _channels(data: Any, env: EnvFile) -> None:
    rel = env.rel
    if "channels" not in data or data["channels"] is None:
        return
    channels = data["channels"]
    line, col = _pos(data, "channels", "key")
    if not isinstance(channels, list):
        env.findings.append(
            codes.finding(
                "R2C402",
                f"`channels:` must be a list, got a {_kind(channels)}",
                path=rel,
                line=line,
                column=col,
            )
        )
        return
    env.channels = []
    for i, ch in enumerate(channels):
        cl, cc = _pos(channels, i)
        if not isinstance(ch, str) or not ch.strip():
            env.findings.append(
                codes.finding(
                    "R2C402",
                    f"channel entries must be names, got a {_kind(ch)}",
                    path=rel,
                    line=cl,
                    column=cc,
                )
            )
            continue
        name = ch.strip()
        if name in ("defaults", "main", "anaconda", "r", "msys2") or "repo.anaconda.com" in name:
            env.findings.append(
                codes.finding(
                    "R2C403",
                    f"channel {name!r} is Anaconda's `defaults`, which has "
                    "licensing terms and is no longer added by Binder",
                    path=rel,
                    line=cl,
                    column=cc,
                )
            )
        env.channels.append(name)


def _dependencies(data: Any, env: EnvFile) -> None:
    rel = env.rel
    deps = data.get("dependencies")
    line, col = _pos(data, "dependencies", "key")
    if deps is None:
        if "dependencies" in data:  # `dependencies:` with nothing: repo2docker iterates None
            env.findings.append(
                codes.finding(
                    "R2C402",
                    "`dependencies:` is empty (null), which Binder fails on",
                    hint="Write `dependencies: []` or list the packages under it.",
                    path=rel,
                    line=line,
                    column=col,
                )
            )
        return
    if not isinstance(deps, list):
        env.findings.append(
            codes.finding(
                "R2C402",
                f"`dependencies:` must be a list, got a {_kind(deps)}",
                path=rel,
                line=line,
                column=col,
            )
        )
        return
    build_strings: list[tuple[int | None, int | None]] = []
    for i, dep in enumerate(deps):
        dl, dc = _pos(deps, i)
        if isinstance(dep, str):
            spec = dep.strip()
            origin = Origin(rel, dl, dc)
            parsed = parse_dep(spec, origin)
            if isinstance(parsed, SpecProblem):
                hint = None
                if spec.startswith("-") or "://" in spec or "@" in spec or ";" in spec:
                    hint = (
                        "This looks like a pip requirement: put it under `- pip:` (and add "
                        "`- pip` to the dependencies)."
                    )
                env.findings.append(
                    codes.finding(
                        "R2C407",
                        f"{spec[:80]!r} is not a conda match spec: {parsed.message}",
                        path=rel,
                        line=dl,
                        column=_column(dep, dc, parsed.offset),
                        hint=hint,
                    )
                )
                continue
            number = long_number(spec)
            if number is not None:
                env.findings.append(
                    codes.finding(
                        "R2C407",
                        f"{spec[:40]!r}… has {describe_number(number)}, more than conda's "
                        f"solver accepts ({MAX_VERSION_DIGITS})",
                        path=rel,
                        line=dl,
                        column=dc,
                    )
                )
                continue
            if _BUILD_STRING_RE.match(spec):
                build_strings.append((dl, dc))
            name = parsed.name
            if name in PLATFORM_ONLY:
                env.findings.append(
                    codes.finding(
                        "R2C410",
                        f"{name} exists only for macOS or Windows; the solve on Linux will fail",
                        path=rel,
                        line=dl,
                        column=dc,
                    )
                )
            env.conda.append(parsed)
        elif isinstance(dep, dict):
            for key in dep:
                kl, kc = _pos(dep, key, "key")
                if key != "pip":
                    env.findings.append(
                        codes.finding(
                            "R2C402",
                            f"only `pip:` may be nested in dependencies, got {str(key)[:60]!r}",
                            path=rel,
                            line=kl,
                            column=kc,
                        )
                    )
                    continue
                _pip(dep["pip"], env, kl, kc)
        else:
            env.findings.append(
                codes.finding(
                    "R2C402",
                    f"dependencies must be strings (match specs) or a `pip:` list, "
                    f"got a {_kind(dep)}",
                    path=rel,
                    line=dl,
                    column=dc,
                )
            )
    if build_strings:
        bl, bc = build_strings[0]
        env.findings.append(
            codes.finding(
                "R2C404",
                f"{len(build_strings)} dependencies pin a build string "
                "(name=version=build), as `conda env export` writes; builds differ between "
                "platforms and often do not exist on Linux",
                path=rel,
                line=bl,
                column=bc,
            )
        )


def _pip(items: Any, env: EnvFile, line: int | None, col: int | None) -> None:
    rel = env.rel
    if items is None:
        return
    if not isinstance(items, list):
        env.findings.append(
            codes.finding(
                "R2C402",
                f"`pip:` must be a list of requirement strings, got a {_kind(items)}",
                path=rel,
                line=line,
                column=col,
            )
        )
        return
    for j, item in enumerate(items):
        il, ic = _pos(items, j)
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            env.findings.append(
                codes.finding(
                    "R2C402",
                    f"pip entries must be strings, got a {_kind(item)}",
                    path=rel,
                    line=il,
                    column=ic,
                )
            )
            continue
        env.pip.append((item, Origin(rel, il, ic)))

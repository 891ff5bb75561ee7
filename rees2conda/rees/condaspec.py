"""Conda match specs, validated as ``lock`` parses them, without importing py-rattler.

``lock`` hands each environment.yml dependency to py-rattler's lenient ``MatchSpec`` parser (the
one conda-compatible tools use, after :func:`rees2conda.resolve.matchspec.solvable` has replaced a
qualified channel by its URL). ``check`` must refuse exactly the strings that parser refuses, or
``check`` passes repositories that ``lock`` then fails on (``numpy =``, ``numpy!=``,
``numpy1.*``). This module follows rattler's grammar step by step (``rattler_conda_types``
``match_spec/parse.rs``, ``version_spec/version_tree.rs``, ``rattler_conda_version``'s version and
version-spec parsers, the ``glob`` crate's patterns) in the same order, and says where a spec
goes wrong. A corpus test holds it to the real parser (tests/test_rees_condaspec.py).

Deliberately refused although rattler parses them: package URLs and paths (``https://…/x.conda``,
``/tmp/x.conda``, ``[url=…]``), the rattler-only ``[when=…]`` and ``[flags=…]`` keys (the solve
``lock`` runs does not install from them), a ``;`` (a pip environment marker, which rattler
would take for a build string) and version specs nested more than 64 parentheses deep.

Every step is linear in the length of the spec (checked by tests/test_rees_linear.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Rust's ``char::is_whitespace`` (Unicode White_Space); Python's ``isspace`` adds \x1c-\x1f.
_WS = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: nom's ``multispace0``
_MULTISPACE = frozenset(" \t\r\n")
_ASCII_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_CONSTRAINT_START = frozenset("><=!~")
#: rattler's version-spec operators, longest first as its parser tries them
_OPERATORS = ("==", "!=", "=", ">=", ">", "<=", "<", "~=")
_OPERATOR_CHARS = frozenset("=!<>~")
_U64 = 2**64 - 1
_U32 = 2**32 - 1
#: rattler keeps at most this many components in one version segment ...
_MAX_COMPONENTS = 8191
#: ... and a local version (``+…``) only after fewer than this many segments
_MAX_LOCAL_INDEX = 127
#: nesting of parentheses in a version spec beyond which rees2conda refuses (rattler recurses)
_MAX_PARENS = 64
_PLATFORMS = frozenset(
    [
        "noarch",
        "linux-32",
        "linux-64",
        "linux-aarch64",
        "linux-armv6l",
        "linux-armv7l",
        "linux-loongarch64",
        "linux-ppc64le",
        "linux-ppc64",
        "linux-ppc",
        "linux-s390x",
        "linux-riscv32",
        "linux-riscv64",
        "freebsd-32",
        "freebsd-64",
        "freebsd-arm64",
        "osx-64",
        "osx-arm64",
        "ios-arm64",
        "iossimulator-arm64",
        "iossimulator-64",
        "android-aarch64",
        "android-armv7a",
        "android-64",
        "android-32",
        "win-32",
        "win-64",
        "win-arm64",
        "emscripten-wasm32",
        "emscripten-wasm64",
        "wasi-wasm32",
        "zos-z",
    ]
)
_HASH_LENGTHS = {"md5": 32, "sha256": 64}
_HEX = frozenset("0123456789abcdefABCDEF")
_EXTRA_NAME = re.compile(r"[a-z0-9_.+-]{1,64}")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_FORBIDDEN_HOST = frozenset(" #/<>?@[]\\^|%\x7f")
_REPEATED_ANCHOR = re.compile(r"(?<!\\)([\^$])(?=[*+?{])")
_DOT_STARS = re.compile(r"(?:\.\*)*")


@dataclass(frozen=True)
class SpecProblem:
    """What is wrong with a match spec and where (0-based offset into the spec)."""

    offset: int
    message: str


class _Invalid(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def spec_problem(spec: str) -> SpecProblem | None:
    """None when ``lock`` parses ``spec`` (as written in environment.yml), else the problem."""
    from rees2conda.condarc import CondaConfig
    from rees2conda.resolve.matchspec import solvable

    try:
        text = solvable(spec, CondaConfig())
    except Exception:  # a channel the configuration cannot turn into a URL
        return SpecProblem(0, "its channel is not a valid channel name")
    try:
        _match_spec(text)
    except _Invalid as exc:
        offset = exc.offset if text == spec.strip() else 0
        return SpecProblem(offset + len(spec) - len(spec.lstrip()), exc.message)
    except RecursionError:
        return SpecProblem(0, "it nests too deeply")
    return None


# -- whitespace ------------------------------------------------------------------------------


def _skip(text: str, pos: int, chars: frozenset[str] = _MULTISPACE) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Rust's ``str::trim`` of ``text[start:end]`` as a range."""
    while start < end and text[start] in _WS:
        start += 1
    while end > start and text[end - 1] in _WS:
        end -= 1
    return start, end


def _alnum(char: str) -> bool:
    """Rust's ``char::is_alphanumeric`` (close enough: Python's ``isalnum``)."""
    return char.isalnum()


# -- the match spec ----------------------------------------------------------------------------


def _match_spec(text: str) -> None:
    """rattler's ``matchspec_parser`` in lenient mode with exact names only."""
    end = _comment_start(text)
    _semicolons(text, end)
    start, end = _trim(text, 0, end)
    start, open_at = _brackets(text, start, end)
    if open_at is not None:
        _bracket_fields(text, open_at, end)
        end = open_at
    head = text[start:end]
    if "::" not in head and (_scheme(head) or _absolute_path(head)):
        raise _Invalid(start, "a package URL or path: rees2conda installs packages from channels")
    # `channel:namespace:rest`, split from the right (the channel may be a URL)
    parts = head.rsplit(":", 2)
    if len(parts) == 3:
        _channel_and_subdir(parts[0], start)
    rest_at = start + len(head) - len(parts[-1])
    rest_at = _package_name(text, rest_at, end)
    rest_at, end = _trim(text, rest_at, end)
    if rest_at < end:
        _version_and_build(text, rest_at, end)


def _starts_fields(text: str, pos: int) -> bool:
    """Whether ``text[pos:]`` starts a ``[key=…`` bracket section."""
    key = _skip(text, pos + 1, _WS)
    end = key
    while end < len(text) and (_alnum(text[end]) or text[end] in "_-"):
        end += 1
    return end > key and _skip(text, end, _WS) < len(text) and text[_skip(text, end, _WS)] == "="


def _unquoted(text: str, needle: str, end: int, limit: int) -> list[int]:
    """Up to ``limit`` positions of ``needle`` outside quoted bracket values."""
    found: list[int] = []
    quote = None
    depth = 0
    last = ""  # the last non-whitespace character before the current one
    pos = 0
    while pos < end:
        char = text[pos]
        if quote is not None:
            if char == "\\":
                pos += 1
            elif char == quote:
                quote = None
        elif char == "[" and depth > 0:
            depth += 1
        elif char == "[" and _starts_fields(text, pos):
            depth = 1
        elif char == "]" and depth > 0:
            depth -= 1
        elif char in "'\"" and depth > 0 and last in ("=", "[", ","):
            quote = char
        elif char == needle:
            found.append(pos)
            if len(found) == limit:
                break
        if pos < end and text[pos] not in _WS:
            last = text[pos]
        pos += 1
    return found


def _comment_start(text: str) -> int:
    found = _unquoted(text, "#", len(text), 1)
    return found[0] if found else len(text)


def _semicolons(text: str, end: int) -> None:
    found = _unquoted(text, ";", end, 2)
    if not found:
        return
    after = _skip(text, found[0] + 1, _WS)
    if text.startswith("if", after) and after + 2 < end and text[after + 2] in _WS:
        raise _Invalid(found[0], "`; if` conditions are not conda syntax (rattler wants [when=…])")
    if len(found) > 1:
        raise _Invalid(found[1], "more than one `;`")
    # rattler would take the rest as a build string; it is a pip environment marker
    raise _Invalid(found[0], "`;` starts a pip environment marker, which conda does not support")


def _brackets(text: str, start: int, end: int) -> tuple[int, int | None]:
    """Where the final ``[...]`` section opens (None without one); rattler's ``strip_brackets``."""
    if end <= start or text[end - 1] != "]":
        return start, None
    depth = 0
    open_at = None
    quote = None
    pos = start
    while pos < end:
        char = text[pos]
        if quote is not None:
            if char == "\\":
                pos += 1
            elif char == quote:
                quote = None
        elif char in "'\"" and depth > 0:
            quote = char
        elif char == "[":
            if depth == 0:
                open_at = pos
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
            if depth == 0 and pos != end - 1:
                open_at = None
        pos += 1
    if open_at is None or depth != 0 or quote is not None:
        raise _Invalid(end - 1, "its `[...]` section is not balanced")
    return start, open_at


def _quoted(text: str, pos: int, end: int) -> int | None:
    """End (after the closing quote) of the quoted string at ``pos``, else None."""
    quote = text[pos]
    pos += 1
    while pos < end:
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] == quote:
            return pos + 1
        pos += 1
    return None


def _bracket_fields(text: str, open_at: int, end: int) -> None:
    """``[key=value, …]``: rattler's ``parse_bracket_list`` and what each key's value must be."""
    fields: list[tuple[str, str, int]] = []
    pos = open_at + 1
    while True:
        after_sep = pos
        if fields:
            sep = _skip(text, pos)
            if sep >= end or text[sep] != ",":
                break
            after_sep = _skip(text, sep + 1)
        key_at = _skip(text, after_sep)
        key_end = key_at
        while key_end < end and (_alnum(text[key_end]) or text[key_end] in "_-"):
            key_end += 1
        eq = _skip(text, key_end)
        if eq >= end or text[eq] != "=":
            break
        value_at = _skip(text, eq + 1)
        value, value_end = _bracket_value(text, value_at, end)
        if value is None:
            break
        fields.append((text[key_at:key_end], value, value_at))
        pos = _skip(text, value_end)
    if pos >= end or text[pos] != "]":
        raise _Invalid(pos, "its `[key=value, …]` section cannot be read")
    for key, value, at in fields:
        _field(key, value, at)


def _bracket_value(text: str, pos: int, end: int) -> tuple[str | None, int]:
    if pos >= end:
        return None, pos
    char = text[pos]
    if char in "'\"":
        close = _quoted(text, pos, end)
        return (None, pos) if close is None else (text[pos + 1 : close - 1], close)
    if char == "[":
        close = text.find("]", pos + 1, end)
        return (None, pos) if close < 0 else (text[pos + 1 : close], close + 1)
    stop = pos
    while stop < end and text[stop] not in ",]'\"":
        stop += 1
    return (None, pos) if stop == pos else (text[pos:stop], stop)


def _field(key: str, value: str, at: int) -> None:
    """One bracket key's value, checked as rattler checks it."""
    if key == "version":
        _version_spec(value, 0, len(value), at)
    elif key == "build":
        _string_matcher(value, at)
    elif key == "build_number":
        if not re.fullmatch(r"(?:>=|>|<=|<|==|!=)?[0-9]+", value):
            raise _Invalid(at, f"build_number={value[:40]!r} is not a number (with >=, <, …)")
        if not _fits(value.lstrip("=!<>"), _U64):
            raise _Invalid(at, "build_number is too large")
    elif key in _HASH_LENGTHS:
        if len(value) != _HASH_LENGTHS[key] or not set(value) <= _HEX:
            raise _Invalid(at, f"{key}= must be {_HASH_LENGTHS[key]} hexadecimal digits")
    elif key == "channel":
        _channel_and_subdir(value, at)
    elif key == "extras":
        _extras(value, at)
    elif key in ("url", "when", "flags"):
        raise _Invalid(at, f"[{key}=…] is not supported by rees2conda")
    elif key not in ("fn", "subdir", "license", "track_features", "license_family", "namespace"):
        raise _Invalid(at, f"unknown key {key[:40]!r} in its `[...]` section")


def _extras(value: str, at: int) -> None:
    for item in value.split(","):
        name = item.strip(" \t\r\n")
        if name[:1] in ("'", '"') and len(name) > 1 and name[-1] == name[0]:
            name = name[1:-1]
        if not _EXTRA_NAME.fullmatch(name):
            raise _Invalid(at, f"extra {name[:40]!r} is not a valid extra name")


def _scheme(text: str) -> bool:
    """rattler's ``parse_scheme``: ``letters://`` within the first 11 characters."""
    end = text.find("://")
    return 0 < end <= 11 and text[0].isalpha() and all(_alnum(c) for c in text[1:end])


def _absolute_path(text: str) -> bool:
    if "://" in text:
        return False
    if text.startswith(("/", "\\\\")):
        return True
    return len(text) >= 3 and text[0].isalpha() and text[1] == ":" and text[2] in "/\\"


def _channel_and_subdir(channel: str, at: int) -> None:
    head, slash, last = channel.rpartition("/")
    if slash and last in _PLATFORMS:
        channel = head
    if channel.endswith("]") and "[" in channel:
        open_at = channel.rfind("[", 0, len(channel) - 1)
        for platform in channel[open_at + 1 : -1].split(","):
            if platform.strip(" \t\r\n") and platform.strip(" \t\r\n") not in _PLATFORMS:
                raise _Invalid(at, f"{platform.strip()[:40]!r} is not a conda platform")
        channel = channel[:open_at]
    if _scheme(channel):
        if not _url_ok(channel):
            raise _Invalid(at, f"channel {channel[:60]!r} is not a valid URL")
        return
    if _path_like(channel):
        return
    bad = next((c for c in channel if c in ":\\[]"), None)
    if bad is not None:
        raise _Invalid(at, f"channel {channel[:60]!r} is not a valid channel name ({bad!r})")


def _url_ok(url: str) -> bool:
    """Whether a WHATWG URL parser (Rust's ``url``) takes ``url``: an ASCII scheme, and for a
    host a name without forbidden characters and a numeric port."""
    url = url.replace("\t", "").replace("\n", "").replace("\r", "")  # the parser drops them
    scheme, _, rest = url.partition("://")
    if not _URL_SCHEME.fullmatch(scheme):
        return False
    special = scheme.lower() in ("http", "https", "ws", "wss", "ftp", "file")
    if special and scheme.lower() != "file":
        rest = rest.lstrip("/\\")  # `https:///host` is `https://host`
    authority = re.split(r"[/?#\\]" if special else r"[/?#]", rest, maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        close = host.find("]")
        port = host[close + 1 :] if close >= 0 else None
        if close < 0 or (port and not port.startswith(":")):
            return False
        host, port = host[: close + 1], (port or ":")[1:]
    else:
        host, _, port = host.partition(":")
    if port and (not port.isascii() or not port.isdigit() or int(port) > 65535):
        return False
    if not host:
        return scheme.lower() == "file" or not special
    return not any(c in _FORBIDDEN_HOST or ord(c) < 0x20 for c in host)


def _path_like(text: str) -> bool:
    if "://" in text:
        return False
    if text.startswith(("./", "..", "~/", "/", "\\\\", "//")):
        return True
    return len(text) >= 3 and text[0].isalpha() and text[1] == ":" and text[2] in "/\\"


def _package_name(text: str, start: int, end: int) -> int:
    """Check the name; return where the rest (version and build) starts."""
    start, end = _trim(text, start, end)
    pos = start
    while pos < end and text[pos] not in _WS and text[pos] not in _CONSTRAINT_START:
        pos += 1
    name = text[start:pos]
    if not name:
        raise _Invalid(start, "the package name is missing")
    if name.startswith("^") or "*" in name:
        raise _Invalid(start, f"{name[:40]!r} is a pattern; a dependency must name one package")
    bad = next((i for i, c in enumerate(name) if c not in _NAME_CHARS), None)
    if bad is not None:
        raise _Invalid(
            start + bad,
            f"{name[bad]!r} cannot be in a package name (letters, digits, -, _ and . only)",
        )
    return pos


# -- version and build -------------------------------------------------------------------------


class _Fail(Exception):
    """A nom ``Failure``: the whole parse stops (an ``Error`` is ``None`` and lets others try)."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _version_and_build(text: str, start: int, end: int) -> None:
    """rattler's ``parse_version_and_build`` (lenient) on ``text[start:end]``."""
    bracket = text.find("[", start, end)
    if bracket >= 0:
        raise _Invalid(
            bracket, "it has a second `[...]` section (only one, at the end, is allowed)"
        )
    try:
        stop = _version_group(text, start, end, 0)
    except _Fail as exc:
        stop = None
        fail_at = exc.pos
    else:
        fail_at = start
    if stop is None:
        rest = text[start:end]
        if not rest.strip("=!<>~ \t"):
            raise _Invalid(start, f"the operator {rest.strip()!r} has no version after it")
        raise _Invalid(fail_at, f"{rest[:60]!r} is not a version (and build)")
    build_at = stop + 1 if stop < end and text[stop] in " =" else stop
    version = "".join(c for c in text[start:stop] if c not in _WS)
    b0, b1 = _trim(text, build_at, end)
    build = text[b0:b1] or None
    version = _strip_equals(version, build)
    _version_spec(version, 0, len(version), start)
    if build is not None:
        _string_matcher(build, b0)


def _version_group(text: str, pos: int, end: int, depth: int) -> int | None:
    """``separated_list1(ws(one_of(",|")), constraint_or_group)``, recognised only."""
    stop = _constraint_or_group(text, pos, end, depth)
    if stop is None:
        return None
    while True:
        sep = _skip(text, stop)
        if sep >= end or text[sep] not in ",|":
            return stop
        nxt = _constraint_or_group(text, _skip(text, sep + 1), end, depth)
        if nxt is None:
            return stop
        stop = nxt


def _constraint_or_group(text: str, pos: int, end: int, depth: int) -> int | None:
    if pos < end and text[pos] == "(":
        if depth >= _MAX_PARENS:
            raise _Invalid(pos, f"its version nests too deeply (over {_MAX_PARENS} parentheses)")
        inner = _version_group(text, pos + 1, end, depth + 1)
        if inner is not None and inner < end and text[inner] == ")":
            return inner + 1
    if pos < end and text[pos] == "=":  # lenient: `=1.2`, `=1.2*`, `=*`
        stop = _recognize_version(text, pos + 1, end)
        if stop is not None:
            if text.startswith(".*", stop) and stop + 2 <= end:
                return stop + 2
            return stop + 1 if stop < end and text[stop] == "*" else stop
        if pos + 1 < end and text[pos + 1] == "*":
            return pos + 2
    return _recognize_constraint(text, pos, end)


def _recognize_constraint(text: str, pos: int, end: int) -> int | None:
    if pos < end and text[pos] == "*":
        return pos + 3 if text.startswith(".*", pos + 1) and pos + 3 <= end else pos + 1
    at = _skip(text, pos)
    op = next((o for o in _OPERATORS if text.startswith(o, at) and at + len(o) <= end), None)
    start = _skip(text, at + len(op)) if op else pos
    stop = _recognize_version(text, start, end)
    if stop is None:
        raise _Fail(start)  # nom's cut: a constraint must have a version
    while stop < end and text[stop] in ".*":
        stop += 1
    return stop


def _recognize_version(text: str, pos: int, end: int) -> int | None:
    """rattler's ``recognize_version(allow_glob=true)``: where a version-looking run ends."""
    digits = _skip(text, pos, _DIGITS)
    if digits > pos and digits < end and text[digits] == "!" and _fits(text[pos:digits], _U32):
        pos = digits + 1
    stop = _recognize_components(text, pos, end)
    if stop is None:
        return None
    if stop < end and text[stop] == "+":
        local = _recognize_components(text, stop + 1, end)
        if local is None:
            raise _Fail(stop + 1)
        stop = local
    return stop


def _component_end(text: str, pos: int, end: int) -> int | None:
    if pos >= end:
        return None
    char = text[pos]
    if char in _ASCII_ALPHA:
        return min(_skip(text, pos, _ASCII_ALPHA), end)
    if char in _DIGITS:
        return min(_skip(text, pos, _DIGITS), end)
    return pos + 1 if char == "*" else None


def _recognize_components(text: str, pos: int, end: int) -> int | None:
    stop = _component_end(text, pos, end)
    if stop is None:
        return None
    while True:
        after = min(_skip(text, stop, frozenset("._-")), end)
        nxt = _component_end(text, after, end)
        if nxt is None:
            break
        stop = nxt
    return min(_skip(text, stop, frozenset("_-")), end)


def _strip_equals(version: str, build: str | None) -> str:
    """rattler's ``optionally_strip_equals`` (lenient)."""
    if not version.startswith("="):
        return version
    rest = version[1:]
    if rest.startswith("=") and build is None:
        return rest[1:]
    if any(c in rest for c in "=,|"):
        return version
    if build is None and not rest.endswith("*"):
        return rest + "*"
    return rest


# -- version specs -----------------------------------------------------------------------------


def _version_spec(spec: str, pos: int, end: int, at: int) -> None:
    """rattler's lenient ``VersionSpec::from_str`` of ``spec``; ``at`` locates it in the text."""
    dollar = spec.rfind("$")
    try:
        stop = _or_group(spec, pos, end, dollar, 0)
    except _Fail as exc:
        raise _Invalid(at, f"{spec[:60]!r} is not a version spec{_why(spec, exc.pos)}") from None
    if stop != end:
        raise _Invalid(at, f"{spec[:60]!r} is not a version spec{_why(spec, stop)}")


def _why(spec: str, pos: int) -> str:
    if not spec:
        return " (it is empty)"
    if pos >= len(spec):
        return " (it ends too early)"
    return f" (at {spec[pos : pos + 10]!r})"


def _or_group(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    stop = _and_group(spec, pos, end, dollar, depth)
    while True:
        sep = _skip(spec, stop)
        if sep >= end or spec[sep] != "|":
            return stop
        stop = _and_group(spec, _skip(spec, sep + 1), end, dollar, depth)


def _and_group(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    stop = _term(spec, pos, end, dollar, depth)
    while True:
        sep = _skip(spec, stop)
        if sep >= end or spec[sep] != ",":
            return stop
        stop = _term(spec, _skip(spec, sep + 1), end, dollar, depth)


def _term(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    if pos < end and spec[pos] == "(":
        if depth >= _MAX_PARENS:
            raise _Invalid(pos, f"its version nests too deeply (over {_MAX_PARENS} parentheses)")
        stop = _skip(spec, _or_group(spec, _skip(spec, pos + 1), end, dollar, depth + 1))
        if stop < end and spec[stop] == ")":
            return stop + 1
        raise _Fail(stop)
    if pos < end and spec[pos] == "*":
        return pos + 3 if spec.startswith(".*", pos + 1) and pos + 3 <= end else pos + 1
    if (pos < end and spec[pos] == "^") or dollar >= pos:
        raise _Fail(pos)  # regular expressions are not supported
    return _logical(spec, pos, end)


def _logical(spec: str, pos: int, end: int) -> int:
    op_end = _skip(spec, pos, _OPERATOR_CHARS)
    op = spec[pos:op_end] or None
    if op is not None and op not in _OPERATORS:
        raise _Fail(pos)
    stop = op_end
    while stop < end and (_alnum(spec[stop]) or spec[stop] in "!-_.*+"):
        stop += 1
    version = spec[op_end:stop]
    if not version:
        raise _Fail(op_end)
    if version == "*":
        if op in (">=", "<=", "~=", "=", "=="):
            return stop
        raise _Fail(pos)
    rest = version[_version(version, op_end) :]
    if (
        not rest
        or (op is not None and _stars(rest))
        or (rest in ("*", ".*") and op in (None, "!="))
        or (op is None and _infinite_starts_with(rest))
    ):
        return stop
    raise _Fail(op_end + len(version) - len(rest))


def _stars(text: str) -> bool:
    """``*`` or ``.*`` repeated (or nothing)."""
    return text == "*" or _DOT_STARS.fullmatch(text) is not None


def _infinite_starts_with(text: str) -> bool:
    """``.*.*`` (with an optional final ``.``): ``mkl 2023.*.*`` in Anaconda's own repodata."""
    text = text[:-1] if text.endswith(".") else text
    return bool(text) and _DOT_STARS.fullmatch(text) is not None


def _fits(digits: str, limit: int) -> bool:
    """Whether a run of digits parses as an unsigned integer up to ``limit`` (as Rust's does:
    leading zeros allowed, and never Python's int() of thousands of digits)."""
    digits = digits.lstrip("0")
    return len(digits) <= len(str(limit)) and int(digits or "0") <= limit


def _version(text: str, at: int) -> int:
    """Where rattler's ``version_parser`` stops in ``text`` (raises when it fails)."""
    pos = 0
    digits = _skip(text, 0, _DIGITS)
    if digits and digits < len(text) and text[digits] == "!":
        if not _fits(text[:digits], _U64):
            raise _Fail(at)
        pos = digits + 1
    pos, sep, segments = _version_part(text, pos, None, at)
    if pos < len(text) and text[pos] == "+":
        if segments > _MAX_LOCAL_INDEX:
            raise _Fail(at + pos)
        pos, _, _ = _version_part(text, pos + 1, sep, at)
    return pos


def _segment(text: str, pos: int, at: int) -> int | None:
    count = 0
    while True:
        stop = _component_end(text, pos, len(text))
        if stop is None or text[pos] == "*":
            break
        if text[pos] in _DIGITS and not _fits(text[pos:stop], _U64):
            raise _Fail(at + pos)
        count += 1
        pos = stop
    if count == 0:
        return None
    if count > _MAX_COMPONENTS:
        raise _Fail(at + pos)
    return pos


def _version_part(text: str, pos: int, sep: str | None, at: int) -> tuple[int, str | None, int]:
    """rattler's ``version_part_parser``: (where it stops, the dash/underscore used, segments)."""
    stop = _segment(text, pos, at)
    if stop is None:
        raise _Fail(at + pos)
    segments = 1
    pos = stop
    while pos < len(text) and text[pos] in "-._":
        char = text[pos]
        if char in "-_":
            if sep is not None and sep != char:
                raise _Fail(at + pos)  # dashes and underscores mixed
            sep = char
        stop = _segment(text, pos + 1, at)
        if stop is None:
            nxt = pos + 1
            if nxt < len(text) and text[nxt] in "-_":
                if sep is not None and sep != text[nxt]:
                    raise _Fail(at + nxt)
                return nxt + 1, sep or text[nxt], segments + 1
            return (nxt if char in "-_" else pos), sep, segments
        segments += 1
        pos = stop
    return pos, sep, segments


# -- build strings -----------------------------------------------------------------------------


def _string_matcher(text: str, at: int) -> None:
    """A build string: exact, a glob (``py*``) or a regular expression (``^py.*$``)."""
    if text.startswith("^") and text.endswith("$"):
        try:
            re.compile(_REPEATED_ANCHOR.sub(r"(?:\1)", text))  # Rust repeats `^*`, Python not
        except (re.error, RecursionError, OverflowError):
            raise _Invalid(at, f"{text[:60]!r} is not a valid regular expression") from None
    elif "*" in text and not _glob_ok(text):
        raise _Invalid(at, f"{text[:60]!r} is not a valid glob (`**` or an unclosed `[`)")


def _glob_ok(text: str) -> bool:
    """Whether the ``glob`` crate compiles ``text`` as a pattern."""
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "*":
            old = i
            while i < n and text[i] == "*":
                i += 1
            count = i - old
            if count > 2:
                return False
            if count == 2:
                if not (i == 2 or text[i - 3] == "/"):
                    return False
                if i < n and text[i] == "/":
                    i += 1
                elif i != n:
                    return False
            continue
        if char == "[":
            if i + 4 <= n and text[i + 1] == "!":
                close = text.find("]", i + 3)
                if close >= 0:
                    i = close + 1
                    continue
            elif i + 3 <= n and text[i + 1] != "!":
                close = text.find("]", i + 2)
                if close >= 0:
                    i = close + 1
                    continue
            return False
        i += 1
    return True

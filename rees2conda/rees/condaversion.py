"""Conda version specs and build matchers, validated as py-rattler parses them (lenient).

The version half of :mod:`rees2conda.rees.condaspec`: rattler's ``version_tree.rs`` (how a spec's
positional part splits into version and build), ``rattler_conda_version``'s version and
version-spec parsers, and its string matchers (exact, ``glob`` crate patterns, regexes). nom's
``Error`` is ``None`` here (others may try), its ``Failure`` the :class:`_Fail` exception.
Linear in the length of the text, like the rest of the reader.
"""

from __future__ import annotations

import re

#: Rust's ``char::is_whitespace`` (Unicode White_Space); Python's ``isspace`` adds \x1c-\x1f.
WS = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: nom's ``multispace0``
MULTISPACE = frozenset(" \t\r\n")
_ASCII_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
#: rattler's version-spec operators, longest first as its parser tries them
_OPERATORS = ("==", "!=", "=", ">=", ">", "<=", "<", "~=")
_OPERATOR_CHARS = frozenset("=!<>~")
U64 = 2**64 - 1
_U32 = 2**32 - 1
#: rattler keeps at most this many components in one version segment ...
_MAX_COMPONENTS = 8191
#: ... and a local version (``+…``) only after fewer than this many segments
_MAX_LOCAL_INDEX = 127
#: nesting of parentheses in a version spec beyond which rees2conda refuses (rattler recurses)
_MAX_PARENS = 64
_REPEATED_ANCHOR = re.compile(r"(?<!\\)([\^$])(?=[*+?{])")
_DOT_STARS = re.compile(r"(?:\.\*)*")


class Invalid(Exception):
    """A spec ``lock`` would refuse: what is wrong, at which offset of the text."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def skip(text: str, pos: int, chars: frozenset[str] = MULTISPACE) -> int:
    """Where the run of ``chars`` from ``pos`` ends (nom's ``multispace0`` by default)."""
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Rust's ``str::trim`` of ``text[start:end]`` as a range."""
    while start < end and text[start] in WS:
        start += 1
    while end > start and text[end - 1] in WS:
        end -= 1
    return start, end


def alnum(char: str) -> bool:
    """Rust's ``char::is_alphanumeric`` (close enough: Python's ``isalnum``)."""
    return char.isalnum()


# -- version and build -------------------------------------------------------------------------


class _Fail(Exception):
    """A nom ``Failure``: the whole parse stops (an ``Error`` is ``None`` and lets others try)."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def version_and_build(text: str, start: int, end: int) -> None:
    """rattler's ``parse_version_and_build`` (lenient) on ``text[start:end]``."""
    bracket = text.find("[", start, end)
    if bracket >= 0:
        raise Invalid(bracket, "it has a second `[...]` section (only one, at the end, is allowed)")
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
            raise Invalid(start, f"the operator {rest.strip()!r} has no version after it")
        raise Invalid(fail_at, f"{rest[:60]!r} is not a version (and build)")
    build_at = stop + 1 if stop < end and text[stop] in " =" else stop
    version = "".join(c for c in text[start:stop] if c not in WS)
    b0, b1 = trim(text, build_at, end)
    build = text[b0:b1] or None
    version = _strip_equals(version, build)
    version_spec(version, 0, len(version), start)
    if build is not None:
        string_matcher(build, b0)


def _version_group(text: str, pos: int, end: int, depth: int) -> int | None:
    """``separated_list1(ws(one_of(",|")), constraint_or_group)``, recognised only."""
    stop = _constraint_or_group(text, pos, end, depth)
    if stop is None:
        return None
    while True:
        sep = skip(text, stop)
        if sep >= end or text[sep] not in ",|":
            return stop
        nxt = _constraint_or_group(text, skip(text, sep + 1), end, depth)
        if nxt is None:
            return stop
        stop = nxt


def _constraint_or_group(text: str, pos: int, end: int, depth: int) -> int | None:
    if pos < end and text[pos] == "(":
        if depth >= _MAX_PARENS:
            raise Invalid(pos, f"its version nests too deeply (over {_MAX_PARENS} parentheses)")
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
    at = skip(text, pos)
    op = next((o for o in _OPERATORS if text.startswith(o, at) and at + len(o) <= end), None)
    start = skip(text, at + len(op)) if op else pos
    stop = _recognize_version(text, start, end)
    if stop is None:
        raise _Fail(start)  # nom's cut: a constraint must have a version
    while stop < end and text[stop] in ".*":
        stop += 1
    return stop


def _recognize_version(text: str, pos: int, end: int) -> int | None:
    """rattler's ``recognize_version(allow_glob=true)``: where a version-looking run ends."""
    digits = skip(text, pos, _DIGITS)
    if digits > pos and digits < end and text[digits] == "!" and fits(text[pos:digits], _U32):
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
        return min(skip(text, pos, _ASCII_ALPHA), end)
    if char in _DIGITS:
        return min(skip(text, pos, _DIGITS), end)
    return pos + 1 if char == "*" else None


def _recognize_components(text: str, pos: int, end: int) -> int | None:
    stop = _component_end(text, pos, end)
    if stop is None:
        return None
    while True:
        after = min(skip(text, stop, frozenset("._-")), end)
        nxt = _component_end(text, after, end)
        if nxt is None:
            break
        stop = nxt
    return min(skip(text, stop, frozenset("_-")), end)


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


def version_spec(spec: str, pos: int, end: int, at: int) -> None:
    """rattler's lenient ``VersionSpec::from_str`` of ``spec``; ``at`` locates it in the text."""
    dollar = spec.rfind("$")
    try:
        stop = _or_group(spec, pos, end, dollar, 0)
    except _Fail as exc:
        raise Invalid(at, f"{spec[:60]!r} is not a version spec{_why(spec, exc.pos)}") from None
    if stop != end:
        raise Invalid(at, f"{spec[:60]!r} is not a version spec{_why(spec, stop)}")


def _why(spec: str, pos: int) -> str:
    if not spec:
        return " (it is empty)"
    if pos >= len(spec):
        return " (it ends too early)"
    return f" (at {spec[pos : pos + 10]!r})"


def _or_group(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    stop = _and_group(spec, pos, end, dollar, depth)
    while True:
        sep = skip(spec, stop)
        if sep >= end or spec[sep] != "|":
            return stop
        stop = _and_group(spec, skip(spec, sep + 1), end, dollar, depth)


def _and_group(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    stop = _term(spec, pos, end, dollar, depth)
    while True:
        sep = skip(spec, stop)
        if sep >= end or spec[sep] != ",":
            return stop
        stop = _term(spec, skip(spec, sep + 1), end, dollar, depth)


def _term(spec: str, pos: int, end: int, dollar: int, depth: int) -> int:
    if pos < end and spec[pos] == "(":
        if depth >= _MAX_PARENS:
            raise Invalid(pos, f"its version nests too deeply (over {_MAX_PARENS} parentheses)")
        stop = skip(spec, _or_group(spec, skip(spec, pos + 1), end, dollar, depth + 1))
        if stop < end and spec[stop] == ")":
            return stop + 1
        raise _Fail(stop)
    if pos < end and spec[pos] == "*":
        return pos + 3 if spec.startswith(".*", pos + 1) and pos + 3 <= end else pos + 1
    if (pos < end and spec[pos] == "^") or dollar >= pos:
        raise _Fail(pos)  # regular expressions are not supported
    return _logical(spec, pos, end)


def _logical(spec: str, pos: int, end: int) -> int:
    op_end = skip(spec, pos, _OPERATOR_CHARS)
    op = spec[pos:op_end] or None
    if op is not None and op not in _OPERATORS:
        raise _Fail(pos)
    stop = op_end
    while stop < end and (alnum(spec[stop]) or spec[stop] in "!-_.*+"):
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


def fits(digits: str, limit: int) -> bool:
    """Whether a run of digits parses as an unsigned integer up to ``limit`` (as Rust's does:
    leading zeros allowed, and never Python's int() of thousands of digits)."""
    digits = digits.lstrip("0")
    return len(digits) <= len(str(limit)) and int(digits or "0") <= limit


def _version(text: str, at: int) -> int:
    """Where rattler's ``version_parser`` stops in ``text`` (raises when it fails)."""
    pos = 0
    digits = skip(text, 0, _DIGITS)
    if digits and digits < len(text) and text[digits] == "!":
        if not fits(text[:digits], U64):
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
        if text[pos] in _DIGITS and not fits(text[pos:stop], U64):
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


def string_matcher(text: str, at: int) -> None:
    """A build string: exact, a glob (``py*``) or a regular expression (``^py.*$``)."""
    if text.startswith("^") and text.endswith("$"):
        try:
            re.compile(_REPEATED_ANCHOR.sub(r"(?:\1)", text))  # Rust repeats `^*`, Python not
        except (re.error, RecursionError, OverflowError):
            raise Invalid(at, f"{text[:60]!r} is not a valid regular expression") from None
    elif "*" in text and not _glob_ok(text):
        raise Invalid(at, f"{text[:60]!r} is not a valid glob (`**` or an unclosed `[`)")


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

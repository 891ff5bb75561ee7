"""Conda match specs, validated as ``lock`` parses them, without importing py-rattler.

``lock`` hands each environment.yml dependency to py-rattler's lenient ``MatchSpec`` parser (the
one conda-compatible tools use, after :func:`rees2conda.resolve.matchspec.solvable` has replaced a
qualified channel by its URL). ``check`` must refuse exactly the strings that parser refuses, or
``check`` passes repositories that ``lock`` then fails on (``numpy =``, ``numpy!=``,
``numpy1.*``). This module follows rattler's grammar step by step (``rattler_conda_types``
``match_spec/parse.rs``; the version part, ``version_tree.rs`` and ``rattler_conda_version``, in
:mod:`rees2conda.rees.condaversion`) in the same order, and says where a spec goes wrong. A
corpus test holds it to the real parser (tests/test_rees_condaspec.py).

Deliberately refused although rattler parses them: package URLs and paths (``https://…/x.conda``,
``/tmp/x.conda``, ``[url=…]``), the rattler-only ``[when=…]`` and ``[flags=…]`` keys (the solve
``lock`` runs does not install from them), a ``;`` (a pip environment marker, which rattler
would take for a build string) and version specs nested more than 64 parentheses deep.

Every step is linear in the length of the spec (checked by tests/test_rees_linear.py).
"""

from __future__ import annotations

import re

from rees2conda.model import CondaDep, Origin
from rees2conda.record import record
from rees2conda.rees.condaversion import (
    U64,
    WS,
    Invalid,
    alnum,
    fits,
    skip,
    string_matcher,
    trim,
    version_and_build,
    version_spec,
)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_CONSTRAINT_START = frozenset("><=!~")
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
#: the subdirs a qualified channel may end with (``conda-forge/linux-64::numpy``)
_SUBDIRS = frozenset(
    [
        "noarch",
        "linux-64",
        "linux-aarch64",
        "linux-ppc64le",
        "linux-s390x",
        "osx-64",
        "osx-arm64",
        "win-64",
        "win-arm64",
    ]
)
#: ``channel::rest`` (channel may be a URL, and may end with ``/<subdir>``)
QUALIFIED = re.compile(r"^\s*(?P<channel>\S+?)::(?P<rest>.+)$")
#: ``channel=...`` inside brackets: ``numpy[channel=conda-forge, version=">=1"]``
BRACKET_CHANNEL = re.compile(
    r"""\bchannel\s*=\s*(?P<q>['"]?)(?P<channel>[^'",\]\s]+)(?P=q)\s*,?\s*"""
)
_HASH_LENGTHS = {"md5": 32, "sha256": 64}
_HEX = frozenset("0123456789abcdefABCDEF")
_EXTRA_NAME = re.compile(r"[a-z0-9_.+-]{1,64}")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_FORBIDDEN_HOST = frozenset(" #/<>?@[]\\^|%\x7f")


@record(frozen=True)
class SpecProblem:
    """What is wrong with a match spec and where (0-based offset into the spec)."""

    offset: int
    message: str


@record(frozen=True)
class ParsedSpec:
    """What later stages need from a valid match spec: the lower-cased package name and the
    channel it names itself, as written (``conda-forge/linux-64::NumPy`` -> ``numpy``,
    ``conda-forge``), else None."""

    name: str
    channel: str | None = None


def parse_spec(spec: str) -> ParsedSpec | SpecProblem:
    """Parse ``spec`` (as written in environment.yml) as ``lock`` parses it: the parts later
    stages use, or the problem."""
    text = spec.strip()
    channel = qualified_channel(spec) if "::" in spec or "channel" in spec else None
    if channel is not None:  # lock parses the spec with its channel made a URL
        # imported only here: the configuration model is not needed on check's common path
        from rees2conda.condarc import CondaConfig
        from rees2conda.resolve.matchspec import solvable

        try:
            text = solvable(spec, channel, CondaConfig())
        except Exception:  # a channel the configuration cannot turn into a URL
            return SpecProblem(0, "its channel is not a valid channel name")
    try:
        name = _match_spec(text)
    except Invalid as exc:
        offset = exc.offset if text == spec.strip() else 0
        return SpecProblem(offset + len(spec) - len(spec.lstrip()), exc.message)
    except RecursionError:
        return SpecProblem(0, "it nests too deeply")
    return ParsedSpec(name.lower(), channel)


def spec_problem(spec: str) -> SpecProblem | None:
    """None when ``lock`` parses ``spec`` (as written in environment.yml), else the problem."""
    parsed = parse_spec(spec)
    return parsed if isinstance(parsed, SpecProblem) else None


def parse_dep(spec: str, origin: Origin) -> CondaDep | SpecProblem:
    """The one way a :class:`CondaDep` is made: ``spec`` parsed once, its parts kept."""
    parsed = parse_spec(spec)
    if isinstance(parsed, SpecProblem):
        return parsed
    return CondaDep(spec.strip(), origin, parsed.name, parsed.channel)


def conda_dep(spec: str, origin: Origin) -> CondaDep:
    """:func:`parse_dep` for the specs rees2conda writes itself (the Python pin, apt.txt's
    mapping, R's kernel); one that does not parse is a bug, so ValueError."""
    dep = parse_dep(spec, origin)
    if isinstance(dep, SpecProblem):
        raise ValueError(f"invalid conda match spec {spec!r}: {dep.message}")
    return dep


def qualified_channel(spec: str) -> str | None:
    """The channel a spec names itself (``conda-forge::numpy`` -> ``conda-forge``), else None;
    a trailing subdir is dropped (``conda-forge/linux-64::numpy`` -> ``conda-forge``)."""
    match = QUALIFIED.match(spec)
    if match:
        channel = match.group("channel")
    else:
        bracket = spec.find("[")
        found = BRACKET_CHANNEL.search(spec, bracket) if bracket >= 0 else None
        if found is None:
            return None
        channel = found.group("channel")
    head, _, last = channel.rstrip("/").rpartition("/")
    return head if head and last in _SUBDIRS else channel.rstrip("/")


# -- the match spec ----------------------------------------------------------------------------


def _match_spec(text: str) -> str:
    """rattler's ``matchspec_parser`` in lenient mode with exact names only; the name."""
    end = _comment_start(text)
    _semicolons(text, end)
    start, end = trim(text, 0, end)
    start, open_at = _brackets(text, start, end)
    if open_at is not None:
        _bracket_fields(text, open_at, end)
        end = open_at
    head = text[start:end]
    if "::" not in head and (_scheme(head) or _absolute_path(head)):
        raise Invalid(start, "a package URL or path: rees2conda installs packages from channels")
    # `channel:namespace:rest`, split from the right (the channel may be a URL)
    parts = head.rsplit(":", 2)
    if len(parts) == 3:
        _channel_and_subdir(parts[0], start)
    rest_at = start + len(head) - len(parts[-1])
    name, rest_at = _package_name(text, rest_at, end)
    rest_at, end = trim(text, rest_at, end)
    if rest_at < end:
        version_and_build(text, rest_at, end)
    return name


def _starts_fields(text: str, pos: int) -> bool:
    """Whether ``text[pos:]`` starts a ``[key=…`` bracket section."""
    key = skip(text, pos + 1, WS)
    end = key
    while end < len(text) and (alnum(text[end]) or text[end] in "_-"):
        end += 1
    return end > key and skip(text, end, WS) < len(text) and text[skip(text, end, WS)] == "="


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
        if pos < end and text[pos] not in WS:
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
    after = skip(text, found[0] + 1, WS)
    if text.startswith("if", after) and after + 2 < end and text[after + 2] in WS:
        raise Invalid(found[0], "`; if` conditions are not conda syntax (rattler wants [when=…])")
    if len(found) > 1:
        raise Invalid(found[1], "more than one `;`")
    # rattler would take the rest as a build string; it is a pip environment marker
    raise Invalid(found[0], "`;` starts a pip environment marker, which conda does not support")


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
        raise Invalid(end - 1, "its `[...]` section is not balanced")
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
            sep = skip(text, pos)
            if sep >= end or text[sep] != ",":
                break
            after_sep = skip(text, sep + 1)
        key_at = skip(text, after_sep)
        key_end = key_at
        while key_end < end and (alnum(text[key_end]) or text[key_end] in "_-"):
            key_end += 1
        eq = skip(text, key_end)
        if eq >= end or text[eq] != "=":
            break
        value_at = skip(text, eq + 1)
        value, value_end = _bracket_value(text, value_at, end)
        if value is None:
            break
        fields.append((text[key_at:key_end], value, value_at))
        pos = skip(text, value_end)
    if pos >= end or text[pos] != "]":
        raise Invalid(pos, "its `[key=value, …]` section cannot be read")
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
        version_spec(value, 0, len(value), at)
    elif key == "build":
        string_matcher(value, at)
    elif key == "build_number":
        if not re.fullmatch(r"(?:>=|>|<=|<|==|!=)?[0-9]+", value):
            raise Invalid(at, f"build_number={value[:40]!r} is not a number (with >=, <, …)")
        if not fits(value.lstrip("=!<>"), U64):
            raise Invalid(at, "build_number is too large")
    elif key in _HASH_LENGTHS:
        if len(value) != _HASH_LENGTHS[key] or not set(value) <= _HEX:
            raise Invalid(at, f"{key}= must be {_HASH_LENGTHS[key]} hexadecimal digits")
    elif key == "channel":
        _channel_and_subdir(value, at)
    elif key == "extras":
        _extras(value, at)
    elif key in ("url", "when", "flags"):
        raise Invalid(at, f"[{key}=…] is not supported by rees2conda")
    elif key not in ("fn", "subdir", "license", "track_features", "license_family", "namespace"):
        raise Invalid(at, f"unknown key {key[:40]!r} in its `[...]` section")


def _extras(value: str, at: int) -> None:
    for item in value.split(","):
        name = item.strip(" \t\r\n")
        if name[:1] in ("'", '"') and len(name) > 1 and name[-1] == name[0]:
            name = name[1:-1]
        if not _EXTRA_NAME.fullmatch(name):
            raise Invalid(at, f"extra {name[:40]!r} is not a valid extra name")


def _scheme(text: str) -> bool:
    """rattler's ``parse_scheme``: ``letters://`` within the first 11 characters."""
    end = text.find("://")
    return 0 < end <= 11 and text[0].isalpha() and all(alnum(c) for c in text[1:end])


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
                raise Invalid(at, f"{platform.strip()[:40]!r} is not a conda platform")
        channel = channel[:open_at]
    if _scheme(channel):
        if not _url_ok(channel):
            raise Invalid(at, f"channel {channel[:60]!r} is not a valid URL")
        return
    if _path_like(channel):
        return
    bad = next((c for c in channel if c in ":\\[]"), None)
    if bad is not None:
        raise Invalid(at, f"channel {channel[:60]!r} is not a valid channel name ({bad!r})")


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


def _package_name(text: str, start: int, end: int) -> tuple[str, int]:
    """Check the name; return it and where the rest (version and build) starts."""
    start, end = trim(text, start, end)
    pos = start
    while pos < end and text[pos] not in WS and text[pos] not in _CONSTRAINT_START:
        pos += 1
    name = text[start:pos]
    if not name:
        raise Invalid(start, "the package name is missing")
    if name.startswith("^") or "*" in name:
        raise Invalid(start, f"{name[:40]!r} is a pattern; a dependency must name one package")
    bad = next((i for i, c in enumerate(name) if c not in _NAME_CHARS), None)
    if bad is not None:
        raise Invalid(
            start + bad,
            f"{name[bad]!r} cannot be in a package name (letters, digits, -, _ and . only)",
        )
    return name, pos

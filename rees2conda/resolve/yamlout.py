"""A tiny block-style YAML emitter for lockfiles: same layout as PyYAML's, without its cost.

PyYAML's representer spends ~0.1-0.25 s on a 300-package lock, a third of a whole ``lock``.
The document is plain data (dicts, lists, strings, ints, bools), so a direct emitter is enough.
Strings are written plain only when no YAML 1.1 or 1.2 reader can take them for anything but a
string; otherwise single-quoted (or JSON-style double-quoted when they hold control characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_.+/:@~=<>!,*()-]*(?: [A-Za-z0-9_.+/:@~=<>!,*()-]+)*$")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "y", "n", "null", "~"}
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")


def scalar(value: Any, key: bool = False) -> str:
    """One scalar as YAML text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text)
        and text.lower() not in _RESERVED
        and not (key and ":" in text)
        and ": " not in text
        and not text.endswith(":")
        and not text.startswith(("[", "!"))
        and len(text) < 1000
    )
    if plain:
        return text
    if _PRINTABLE.fullmatch(text):
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _yaml_safe_char(ch: str) -> bool:
    """Printable in YAML 1.1 and 1.2 and not a line break there (NEL, LS, PS) nor a BOM."""
    code = ord(ch)
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    ) and ch not in "\u2028\u2029"


def _double_quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif _yaml_safe_char(ch):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02X}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list, tuple)) or len(value) == 0


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return scalar(value)


def _mapping(data: Mapping[str, Any], indent: int, first_prefix: str = "") -> Iterator[str]:
    pad = " " * indent
    for i, (k, v) in enumerate(data.items()):
        head = (first_prefix if i == 0 and first_prefix else pad) + scalar(k, key=True) + ":"
        if _is_scalar(v):
            yield f"{head} {_inline(v)}"
        elif isinstance(v, Mapping):
            yield head
            yield from _mapping(v, indent + 2)
        else:
            yield head
            yield from _sequence(v, indent)


def _sequence(items: Sequence[Any], indent: int) -> Iterator[str]:
    pad = " " * indent
    for item in items:
        if _is_scalar(item):
            yield f"{pad}- {_inline(item)}"
        elif isinstance(item, Mapping):
            yield from _mapping(item, indent + 2, first_prefix=pad + "- ")
        else:
            raise TypeError("nested sequences are not used in lockfiles")


def dump(data: Mapping[str, Any]) -> str:
    """A mapping as block-style YAML text, keys in insertion order."""
    return "\n".join(_mapping(data, 0)) + "\n"

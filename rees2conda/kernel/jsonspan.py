"""Where the members of a JSON object sit in its text, so one value can be replaced in place.

Retargeting a notebook changes ``metadata.kernelspec`` and nothing else: every other byte (number
spellings such as ``1e400`` or ``1.50``, line endings, indentation, key order, escapes) must stay
as the author's tool wrote it. Re-serialising the whole document cannot promise that, so the
notebook is edited as text at the spans found here. Values are scanned by the standard library's
own JSON decoder (``raw_decode``, ``scanstring``); this module only walks one object's members.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Member:
    """One ``"key": value`` of an object: where its key starts and its value starts and ends."""

    key: str
    key_start: int
    key_end: int
    value_start: int
    value_end: int


@dataclass(frozen=True)
class ObjectSpan:
    """An object's ``{`` and ``}`` (exclusive end) and its members in text order."""

    start: int
    end: int
    members: list[Member]

    def last(self, key: str) -> Member | None:
        """The member ``json.loads`` keeps for ``key`` (the last of duplicates)."""
        found = [m for m in self.members if m.key == key]
        return found[-1] if found else None


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    assert match is not None
    return match.end()


def object_span(text: str, start: int) -> ObjectSpan:
    """The members of the object whose ``{`` is at ``start``; ValueError when it is not one."""
    if text[start : start + 1] != "{":
        raise ValueError(f"no object at offset {start}")
    members: list[Member] = []
    pos = _skip(text, start + 1)
    if text[pos : pos + 1] == "}":
        return ObjectSpan(start, pos + 1, members)
    while True:
        if text[pos : pos + 1] != '"':
            raise ValueError(f"expected a key at offset {pos}")
        key_start = pos
        key, key_end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
        pos = _skip(text, key_end)
        if text[pos : pos + 1] != ":":
            raise ValueError(f"expected ':' at offset {pos}")
        value_start = _skip(text, pos + 1)
        _, value_end = _DECODER.raw_decode(text, value_start)
        members.append(Member(key, key_start, key_end, value_start, value_end))
        pos = _skip(text, value_end)
        char = text[pos : pos + 1]
        if char == "}":
            return ObjectSpan(start, pos + 1, members)
        if char != ",":
            raise ValueError(f"expected ',' or '}}' at offset {pos}")
        pos = _skip(text, pos + 1)


def top_object(text: str) -> ObjectSpan:
    """The document's top-level object (leading whitespace and a UTF-8 BOM allowed)."""
    start = _skip(text, 1 if text.startswith("\ufeff") else 0)
    return object_span(text, start)


def line_indent(text: str, pos: int) -> str:
    """The whitespace that starts the line holding ``pos``."""
    line_start = text.rfind("\n", 0, pos) + 1
    match = re.match(r"[ \t]*", text[line_start:pos])
    return match.group(0) if match else ""


@dataclass(frozen=True)
class Style:
    """How the document writes JSON, so inserted text looks like its neighbours."""

    #: indent unit of multi-line objects (None: the document is on one line)
    unit: str | None
    newline: str
    item_sep: str
    key_sep: str
    ensure_ascii: bool


def detect_style(text: str, top: ObjectSpan) -> Style:
    """The indent unit, line ending, separators and ASCII-ness of ``text``."""
    newline = "\r\n" if "\r\n" in text else "\n"
    unit: str | None = None
    if top.members and "\n" in text[top.start : top.members[0].key_start]:
        unit = line_indent(text, top.members[0].key_start)
    key_sep = ": "
    if top.members:
        first = top.members[0]
        key_sep = text[first.key_end : first.value_start] or ":"
    item_sep = ", " if re.search(r'[\]}"\d],[ ]', text) else ","
    return Style(unit, newline, item_sep, key_sep, ensure_ascii=text.isascii())


def serialize(value: object, style: Style, base: str, *, multiline: bool, sort: bool) -> str:
    """``value`` as JSON in ``style``; continuation lines start with ``base``."""
    if not multiline or style.unit is None:
        return json.dumps(
            value,
            separators=(style.item_sep, style.key_sep),
            ensure_ascii=style.ensure_ascii,
            sort_keys=sort,
        )
    out = json.dumps(
        value,
        indent=style.unit,
        separators=(",", style.key_sep.strip(" \t\r\n") + " "),
        ensure_ascii=style.ensure_ascii,
        sort_keys=sort,
    )
    return out.replace("\n", style.newline + base)


def _ws_before(text: str, pos: int) -> str:
    start = pos
    while start > 0 and text[start - 1] in " \t\r\n":
        start -= 1
    return text[start:pos]


def is_multiline(text: str, obj: ObjectSpan) -> bool:
    return "\n" in text[obj.start : obj.end]


def insert_member(
    text: str, obj: ObjectSpan, key: str, value: object, style: Style, *, sort: bool
) -> str:
    """``text`` with ``"key": value`` added to ``obj``: in sorted place when ``obj``'s keys are
    sorted, else last; layout copied from the neighbours."""
    key_json = json.dumps(key, ensure_ascii=style.ensure_ascii)
    if not obj.members:
        base = line_indent(text, obj.start)
        multiline = style.unit is not None
        new = serialize({key: value}, style, base, multiline=multiline, sort=sort)
        return text[: obj.start] + new + text[obj.end :]
    keys = [m.key for m in obj.members]
    first = obj.members[0]
    key_sep = text[first.key_end : first.value_start]
    base = line_indent(text, first.key_start)
    multiline = is_multiline(text, obj)
    value_text = serialize(value, style, base, multiline=multiline, sort=sort)
    if keys == sorted(keys) and any(k > key for k in keys):
        after = next(m for m in obj.members if m.key > key)
        ws = _ws_before(text, after.key_start)
        piece = f"{key_json}{key_sep}{value_text},{ws}"
        return text[: after.key_start] + piece + text[after.key_start :]
    last = obj.members[-1]
    ws = _ws_before(text, last.key_start)
    piece = f",{ws}{key_json}{key_sep}{value_text}"
    return text[: last.value_end] + piece + text[last.value_end :]


def delete_member(text: str, obj: ObjectSpan, member: Member) -> str:
    """``text`` without ``member`` (and the comma that joined it to a neighbour)."""
    members = obj.members
    i = members.index(member)
    if len(members) == 1:
        return text[: obj.start] + "{}" + text[obj.end :]
    if i + 1 < len(members):
        return text[: member.key_start] + text[members[i + 1].key_start :]
    return text[: members[i - 1].value_end] + text[member.value_end :]

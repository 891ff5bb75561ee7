"""uv's stderr, cut down to what a rees2conda user can act on.

uv explains a failure well (the failing URL, the cause chain) but wraps it in advice for uv users:
hints naming uv-only flags (``--index-strategy``, ``--prerelease``, ``uv pip ...``) that cannot
be passed through rees2conda, and chatter such as ``Using Python 3.11 environment at: ...``.
"""

from __future__ import annotations

import re

_CHATTER = re.compile(
    r"^\s*(Using Python \S+ environment at|Resolved \d+ package|Prepared \d+ package|"
    r"Installed \d+ package|Uninstalled \d+ package|Audited \d+ package|Checked \d+ package|"
    r"Downloading |Downloaded |Building |Built |Bytecode compiled )"
)
_UV_ONLY = re.compile(r"(?<![\w-])--[a-z][a-z-]+|`uv |\buv (pip|add|sync|lock)\b")


def _paragraphs(text: str) -> list[list[str]]:
    """Lines grouped so that a ``hint:`` keeps its indented continuation lines."""
    groups: list[list[str]] = []
    for line in text.splitlines():
        if _CHATTER.match(line):
            continue
        starts = not line[:1].isspace() or re.match(r"^\s*(hint|help|×|error|warning):", line)
        if starts or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def uv_error_text(stderr: str) -> str:
    """uv's error and causes, without progress chatter and without uv-only hints."""
    kept: list[str] = []
    for group in _paragraphs(stderr or ""):
        head = group[0].strip()
        if not head:
            continue
        if re.match(r"^(hint|help):", head) and _UV_ONLY.search("\n".join(group)):
            continue
        if head.startswith("warning:") and "python" in head.lower() and "download" in head.lower():
            continue
        kept.extend(line.rstrip() for line in group)
    text = "\n".join(kept).strip()
    return text[len("error: ") :] if text.startswith("error: ") else text


def uv_error_summary(stderr: str, fallback: str) -> str:
    """One readable block: the error line and its causes (never the hint alone)."""
    text = uv_error_text(stderr)
    errors = [ln for ln in text.splitlines() if not re.match(r"^\s*(hint|help):", ln)]
    return "\n".join(errors).strip() or text or fallback

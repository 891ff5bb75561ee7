"""``check``'s JSON document and exit status (standard library only: the CLI's fast path)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rees2conda.model import Report


def check_json(report: Report, encoding: str = "utf-8") -> str:
    """The ``--format json`` document (stable schema: ``Report.to_json``), in characters
    ``encoding`` can write: a lone surrogate or a character the stream lacks becomes a
    ``\\uXXXX`` escape, never an encoding error."""
    data = report.to_json()
    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        text = json.dumps(data, indent=2, ensure_ascii=True)
    return text


def exit_code(report: Report, strict: bool) -> int:
    """0 when conda can satisfy the repository (warnings allowed unless strict), else 1."""
    if not report.ok:
        return 1
    return 1 if strict and report.warnings else 0

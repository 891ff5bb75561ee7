"""The code table: documented, used by the readers, exercised by the tests."""

from __future__ import annotations

import re
from pathlib import Path

from rees2conda.codes import CODES, finding
from rees2conda.model import Severity

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "codes.md"


def _doc_rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(R2C\d{3})` \| (error|warning|info) \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_docs_list_every_code_with_its_severity() -> None:
    assert _doc_rows() == {code: row.severity.value for code, row in CODES.items()}


def test_codes_are_well_formed() -> None:
    for code, row in CODES.items():
        assert re.fullmatch(r"R2C[0-7]\d\d", code)
        assert row.title and row.hint.endswith((".", ")"))


def test_every_code_is_emitted_by_a_reader() -> None:
    sources = "".join(p.read_text() for p in (ROOT / "rees2conda" / "rees").glob("*.py"))
    unused = [code for code in CODES if f'"{code}"' not in sources]
    assert unused == []


def test_every_code_is_exercised_by_a_test() -> None:
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_rees_*.py"))
    tests = tests.replace(Path(__file__).read_text(), "")
    untested = [code for code in CODES if code not in tests]
    assert untested == []


def test_finding_uses_the_table_unless_overridden() -> None:
    f = finding("R2C106", "apt", path="apt.txt", line=1)
    assert f.severity is Severity.ERROR and f.hint == CODES["R2C106"].hint
    g = finding("R2C409", "x", hint="do this", severity=Severity.WARNING)
    assert (g.hint, g.severity) == ("do this", Severity.WARNING)

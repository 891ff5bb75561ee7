"""The code table: documented, used by the readers, exercised by the tests."""

from __future__ import annotations

import re
from pathlib import Path

from rees2conda.codes import CODES, finding
from rees2conda.model import Severity

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "codes.md"


#: ``| `CODE` | severity | **title.** meaning | hint |``
_ROW = re.compile(r"\| `(R2C\d{3})` \| (\w+) \| \*\*(.+?)\.\*\* .* \| (.+) \|$")


def _plain(text: str) -> str:
    """Text as read: markdown code marks and escaped pipes do not count as differences."""
    return text.replace("`", "").replace("\\|", "|")


def _doc_rows() -> dict[str, tuple[str, str, str]]:
    """code -> (severity, title, hint) of every table row in docs/codes.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `R2C"):
            m = _ROW.match(line)
            assert m, f"malformed row in docs/codes.md: {line[:60]}"
            assert m.group(1) not in rows, f"{m.group(1)} documented twice"
            rows[m.group(1)] = (m.group(2), _plain(m.group(3)), _plain(m.group(4)))
    return rows


def test_docs_list_every_code_with_its_severity_title_and_hint() -> None:
    """docs/codes.md says what codes.py says: same codes, severities, titles and hints."""
    expected = {
        code: (row.severity.value, _plain(row.title), _plain(row.hint))
        for code, row in CODES.items()
    }
    assert _doc_rows() == expected


def test_docs_rows_are_in_code_order() -> None:
    assert list(_doc_rows()) == sorted(CODES)


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

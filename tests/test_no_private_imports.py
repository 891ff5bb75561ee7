"""No module of rees2conda imports another module's private (``_name``) names.

A name with a leading underscore is its module's own business; a second module that needs it
makes it public (issue 11: "no module imports from a sibling package's private names").
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rees2conda"


def private_imports(path: Path) -> list[str]:
    """``file:line: name`` for each private name ``path`` imports from rees2conda."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rees2conda"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno}: {alias.name}")
    return found


def test_no_module_imports_private_names() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the walk found the package
    assert [hit for path in modules for hit in private_imports(path)] == []


def test_the_check_finds_a_private_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from rees2conda.rees.layout import _folder, find_layout\n"
        "def f():\n    from rees2conda.rees import __doc__, _x\n"
    )
    assert private_imports(module) == ["m.py:1: _folder", "m.py:3: _x"]

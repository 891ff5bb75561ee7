"""Pointing notebooks at the new kernel: only metadata.kernelspec, layout kept, atomic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rees2conda.kernel.retarget import find_notebooks, retarget

WANT = {"name": "myenv", "display_name": "Python 3.11 (myenv)", "language": "python"}


def nbformat_text(nb: dict[str, Any]) -> str:
    """What nbformat.writes produces (sorted keys, indent 1, no ASCII escaping, newline)."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def notebook(kernelspec: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "language_info": {"name": "python", "version": "3.9.1"},
        **meta,
    }
    if kernelspec is not None:
        metadata["kernelspec"] = kernelspec
    return {
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# Café ☕\n"]},
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "b2",
                "metadata": {},
                "outputs": [],
                "source": ["x = 1.5"],
            },
        ],
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_nbformat_layout_kept_byte_for_byte(tmp_path: Path) -> None:
    old = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat_text(notebook(old)), encoding="utf-8")
    res = retarget(tmp_path, name=WANT["name"], display_name=WANT["display_name"])
    assert res.changed == ["a.ipynb"] and not res.broken
    # exactly what nbformat would write for the retargeted notebook
    assert path.read_text(encoding="utf-8") == nbformat_text(notebook(WANT))


def test_untouched_when_right(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat_text(notebook(WANT)), encoding="utf-8")
    before = path.stat().st_mtime_ns, path.stat().st_ino
    res = retarget(tmp_path, name=WANT["name"], display_name=WANT["display_name"])
    assert res.unchanged == ["a.ipynb"] and res.changed == []
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


def test_missing_kernelspec_inserted_in_sorted_place(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat_text(notebook(None)), encoding="utf-8")
    retarget(tmp_path, name=WANT["name"], display_name=WANT["display_name"])
    assert path.read_text(encoding="utf-8") == nbformat_text(notebook(WANT))


def test_other_layouts(tmp_path: Path) -> None:
    nb = notebook({"name": "python3", "display_name": "x", "language": "python", "extra": "kept"})
    # indent 2, unsorted keys, ASCII escapes, no trailing newline (other writers)
    text = json.dumps(nb, indent=2, ensure_ascii=True)
    path = tmp_path / "b.ipynb"
    path.write_text(text, encoding="utf-8")
    retarget(tmp_path, name=WANT["name"], display_name=WANT["display_name"])
    expected = json.loads(text)
    expected["metadata"]["kernelspec"].update(WANT)
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=2, ensure_ascii=True)
    assert json.loads(path.read_text())["metadata"]["kernelspec"]["extra"] == "kept"


def test_skips_and_broken(tmp_path: Path) -> None:
    for rel in (
        ".ipynb_checkpoints/a-checkpoint.ipynb",
        ".hidden/h.ipynb",
        "node_modules/pkg/n.ipynb",
        "sub/dir/c.ipynb",
    ):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(nbformat_text(notebook(None)), encoding="utf-8")
    (tmp_path / "broken.ipynb").write_text("{ not json", encoding="utf-8")
    (tmp_path / "list.ipynb").write_text("[]", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_notebooks(tmp_path)] == [
        "broken.ipynb",
        "list.ipynb",
        "sub/dir/c.ipynb",
    ]
    res = retarget(tmp_path, name="k", display_name="K")
    assert res.changed == ["sub/dir/c.ipynb"]
    assert [b[0] for b in res.broken] == ["broken.ipynb", "list.ipynb"]
    assert (tmp_path / "broken.ipynb").read_text() == "{ not json"
    ck = tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb"
    assert ck.read_text(encoding="utf-8") == nbformat_text(notebook(None))


def test_one_line_notebooks_keep_their_separators(tmp_path: Path) -> None:
    nb = notebook({"name": "python3", "display_name": "x", "language": "python"})
    for name, seps in (("min.ipynb", (",", ":")), ("spaced.ipynb", (", ", ": "))):
        text = json.dumps(nb, separators=seps, ensure_ascii=False)
        (tmp_path / name).write_text(text, encoding="utf-8")
    retarget(tmp_path, name=WANT["name"], display_name=WANT["display_name"])
    expected = json.loads(json.dumps(nb))
    expected["metadata"]["kernelspec"].update(WANT)
    for name, seps in (("min.ipynb", (",", ":")), ("spaced.ipynb", (", ", ": "))):
        got = (tmp_path / name).read_text(encoding="utf-8")
        assert got == json.dumps(expected, separators=seps, ensure_ascii=False)

"""Pointing notebooks at the new kernel: only metadata.kernelspec, layout kept, atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rees2conda.kernel.retarget import (
    KernelRef,
    find_notebooks,
    has_rees_files,
    restore_kernelspec,
    retarget,
    set_kernelspec,
)

WANT = {"name": "myenv", "display_name": "Python 3.11 (myenv)", "language": "python"}
PY = {"python": KernelRef("myenv", "Python 3.11 (myenv)", "python")}


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
    res = retarget(tmp_path, PY)
    assert res.changed == ["a.ipynb"] and not res.broken
    # exactly what nbformat would write for the retargeted notebook
    assert path.read_text(encoding="utf-8") == nbformat_text(notebook(WANT))


def test_untouched_when_right(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat_text(notebook(WANT)), encoding="utf-8")
    before = path.stat().st_mtime_ns, path.stat().st_ino
    res = retarget(tmp_path, PY)
    assert res.unchanged == ["a.ipynb"] and res.changed == []
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


def test_missing_kernelspec_inserted_in_sorted_place(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat_text(notebook(None)), encoding="utf-8")
    retarget(tmp_path, PY)
    assert path.read_text(encoding="utf-8") == nbformat_text(notebook(WANT))


def test_other_layouts(tmp_path: Path) -> None:
    nb = notebook({"name": "python3", "display_name": "x", "language": "python", "extra": "kept"})
    # indent 2, unsorted keys, ASCII escapes, no trailing newline (other writers)
    text = json.dumps(nb, indent=2, ensure_ascii=True)
    path = tmp_path / "b.ipynb"
    path.write_text(text, encoding="utf-8")
    retarget(tmp_path, PY)
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
    res = retarget(tmp_path, {"python": KernelRef("k", "K", "python")})
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
    retarget(tmp_path, PY)
    expected = json.loads(json.dumps(nb))
    expected["metadata"]["kernelspec"].update(WANT)
    for name, seps in (("min.ipynb", (",", ":")), ("spaced.ipynb", (", ", ": "))):
        got = (tmp_path / name).read_text(encoding="utf-8")
        assert got == json.dumps(expected, separators=seps, ensure_ascii=False)


R_NB = {
    "cells": [],
    "metadata": {
        "kernelspec": {"display_name": "R", "language": "R", "name": "ir"},
        "language_info": {"name": "R", "version": "4.3.1"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_language_decides_the_kernel(tmp_path: Path) -> None:
    r_text = nbformat_text(R_NB)
    (tmp_path / "r.ipynb").write_text(r_text, encoding="utf-8")
    bash = {**R_NB, "metadata": {"kernelspec": {"name": "bash", "display_name": "Bash"}}}
    (tmp_path / "b.ipynb").write_text(nbformat_text(bash), encoding="utf-8")
    (tmp_path / "p.ipynb").write_text(nbformat_text(notebook(None)), encoding="utf-8")
    res = retarget(tmp_path, PY)
    assert res.changed == ["p.ipynb"]
    assert [s[0] for s in res.skipped] == ["b.ipynb", "r.ipynb"]
    assert dict(res.skipped)["r.ipynb"] == "R notebook: the environment has no R kernel"
    assert (tmp_path / "r.ipynb").read_text(encoding="utf-8") == r_text  # byte for byte
    kernels = {
        **PY,
        "r": KernelRef("myenv-r", "R (myenv)", "R"),
        "bash": KernelRef("myenv-bash", "Bash (myenv)", "bash"),
    }
    res = retarget(tmp_path, kernels)
    assert res.changed == ["b.ipynb", "r.ipynb"] and res.unchanged == ["p.ipynb"]
    r_spec = json.loads((tmp_path / "r.ipynb").read_text())["metadata"]["kernelspec"]
    assert r_spec == {"display_name": "R (myenv)", "language": "R", "name": "myenv-r"}
    b_spec = json.loads((tmp_path / "b.ipynb").read_text())["metadata"]["kernelspec"]
    assert b_spec["name"] == "myenv-bash"


def test_every_other_byte_kept(tmp_path: Path) -> None:
    """Numbers as spelled, CRLF, odd spacing: only the kernelspec text differs."""
    old_ks = '{"display_name": "Python 3", "language": "python", "name": "python3"}'
    text = (
        '{\r\n  "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},\r\n'
        '     "outputs": [{"data": {"text/plain": ["inf"]}, "x": 1e400, "y": 1.50, "z": -0.0E+2}],'
        '\r\n     "source": []}],\r\n'
        f'  "metadata": {{"kernelspec": {old_ks},\r\n'
        '               "language_info": {"name": "python"}},\r\n'
        '  "nbformat": 4, "nbformat_minor": 5\r\n}'
    )
    path = tmp_path / "odd.ipynb"
    path.write_bytes(text.encode())
    assert retarget(tmp_path, PY).changed == ["odd.ipynb"]
    new_ks = '{"display_name": "Python 3.11 (myenv)", "language": "python", "name": "myenv"}'
    assert path.read_bytes() == text.replace(old_ks, new_ks).encode()


def test_inserted_kernelspec_keeps_crlf_and_indent(tmp_path: Path) -> None:
    nb = notebook(None)
    text = json.dumps(nb, sort_keys=True, indent=1).replace("\n", "\r\n") + "\r\n"
    path = tmp_path / "a.ipynb"
    path.write_bytes(text.encode())
    retarget(tmp_path, PY)
    expected = json.dumps(notebook(WANT), sort_keys=True, indent=1).replace("\n", "\r\n")
    assert path.read_bytes() == (expected + "\r\n").encode()


def test_symlinks_kept_and_never_followed_out(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "nb").mkdir(parents=True)
    (repo / "environment.yml").write_text("dependencies: [python]\n")
    real = repo / "nb" / "real.ipynb"
    real.write_text(nbformat_text(notebook(None)), encoding="utf-8")
    (repo / "link.ipynb").symlink_to("nb/real.ipynb")
    victim = tmp_path / "outside.ipynb"
    victim_text = nbformat_text(notebook(None))
    victim.write_text(victim_text, encoding="utf-8")
    (repo / "out.ipynb").symlink_to(victim)
    res = retarget(repo, PY)
    assert (repo / "link.ipynb").is_symlink()
    assert json.loads(real.read_text())["metadata"]["kernelspec"]["name"] == "myenv"
    assert victim.read_text(encoding="utf-8") == victim_text
    assert (repo / "out.ipynb").is_symlink()
    assert "out of the repository" in dict(res.broken)["out.ipynb"]


def test_read_only_left_alone_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "ro.ipynb"
    text = nbformat_text(notebook(None))
    path.write_text(text, encoding="utf-8")
    path.chmod(0o444)
    res = retarget(tmp_path, PY)
    assert dict(res.broken)["ro.ipynb"] == "read-only: left alone"
    assert path.read_text(encoding="utf-8") == text
    assert path.stat().st_mode & 0o777 == 0o444


def test_fifo_and_socket_never_block(tmp_path: Path) -> None:
    import socket
    import threading

    os.mkfifo(tmp_path / "pipe.ipynb")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.ipynb"))
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.update(res=retarget(tmp_path, PY)), daemon=True)
    worker.start()
    worker.join(20)
    sock.close()
    assert not worker.is_alive(), "retarget blocked on a FIFO"
    broken = dict(box["res"].broken)
    assert "not a regular file" in broken["pipe.ipynb"]
    assert "sock.ipynb" in broken


def test_nested_projects_are_not_entered(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy\n")
    for sub, marker in (("a", ".git"), ("b", "binder"), ("c", "environment.yml"), ("d", None)):
        (tmp_path / sub).mkdir()
        if marker == ".git" or marker == "binder":
            (tmp_path / sub / marker).mkdir()
        elif marker:
            (tmp_path / sub / marker).write_text("")
        (tmp_path / sub / "n.ipynb").write_text(nbformat_text(notebook(None)), encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_notebooks(tmp_path)] == ["d/n.ipynb"]
    assert retarget(tmp_path, PY).changed == ["d/n.ipynb"]


def test_rees_folder_detection(tmp_path: Path) -> None:
    assert not has_rees_files(tmp_path)
    (tmp_path / ".git").mkdir()
    assert not has_rees_files(tmp_path)  # a checkout is not yet a Binder repository
    (tmp_path / "binder").mkdir()
    assert has_rees_files(tmp_path)


@pytest.mark.parametrize("kernelspec", [None, {"name": "python3", "display_name": "P"}])
def test_restore_is_byte_identical(tmp_path: Path, kernelspec: dict[str, str] | None) -> None:
    path = tmp_path / "a.ipynb"
    text = nbformat_text(notebook(kernelspec))
    path.write_text(text, encoding="utf-8")
    res = retarget(tmp_path, PY)
    edit = res.edits["a.ipynb"]
    restored = restore_kernelspec(path.read_text(encoding="utf-8"), edit)
    assert restored == text
    # changed by the user since: not restored
    other = retarget(tmp_path, {"python": KernelRef("mine", "Mine", "python")})
    assert other.changed == ["a.ipynb"]
    assert restore_kernelspec(path.read_text(encoding="utf-8"), edit) is None


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(
    meta=st.dictionaries(st.text(max_size=12), _json, max_size=4),
    kernelspec=st.none() | _json,
    indent=st.sampled_from([None, 0, 1, 2, 4, "\t"]),
    compact=st.booleans(),
    sort_keys=st.booleans(),
    ensure_ascii=st.booleans(),
    crlf=st.booleans(),
    newline_at_end=st.booleans(),
)
def test_in_place_edit_changes_only_the_kernelspec(
    meta: dict[str, Any],
    kernelspec: Any,
    indent: int | str | None,
    compact: bool,
    sort_keys: bool,
    ensure_ascii: bool,
    crlf: bool,
    newline_at_end: bool,
) -> None:
    """Any layout a JSON writer may produce: the result parses to the notebook with only the
    kernelspec changed, and undoing the edit gives the original bytes back."""
    meta = {k: v for k, v in meta.items() if k != "kernelspec"}
    if kernelspec is not None:
        meta["kernelspec"] = kernelspec
    nb = {"cells": [], "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    seps = (",", ":") if compact and indent is None else None
    text = json.dumps(
        nb, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=seps
    )
    if crlf:
        text = text.replace("\n", "\r\n")
    if newline_at_end:
        text += "\r\n" if crlf else "\n"
    change = set_kernelspec(text, WANT)
    current = meta.get("kernelspec")
    if change is None:
        assert isinstance(current, dict) and all(current.get(k) == v for k, v in WANT.items())
        return
    new, edit = change
    expected = json.loads(json.dumps(nb))
    base = dict(current) if isinstance(current, dict) else {}
    expected["metadata"]["kernelspec"] = {**base, **WANT}
    assert json.loads(new) == expected
    if not crlf:
        assert "\r" not in new
    if ensure_ascii or text.isascii():
        assert new.isascii()
    assert restore_kernelspec(new, edit) == text


def test_hard_links_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    text = nbformat_text(notebook(None))
    path.write_text(text, encoding="utf-8")
    os.link(path, tmp_path / "b.ipynb")
    res = retarget(tmp_path, PY)
    assert dict(res.broken) == {
        "a.ipynb": "hard-linked: left alone",
        "b.ipynb": "hard-linked: left alone",
    }
    assert path.read_text(encoding="utf-8") == text

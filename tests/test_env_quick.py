"""The no-op test on plain data (``env/quick.py``) and the no-op record the console entry reads.

Each input the answer depends on is changed in turn: the quick path must then say "don't know"
(None), and, where the change matters, the full build must do something else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli

from rees2conda.env import quick
from rees2conda.env.api import build, build_with
from rees2conda.env.context import make_context
from rees2conda.env.noop import fields_from_options, unchanged_fast
from rees2conda.env.options import BuildOptions, ChannelOptions
from rees2conda.env.stamp import STAMP_FORMAT, Stamp, read_stamp

QUIET = quick.fields_from_flags({"quiet": True})


def _stamp_json() -> dict[str, object]:
    return Stamp(
        source="/r",
        name="n",
        prefix="/p",
        platform="linux-64",
        options={},
        spec_hash="h",
        fingerprint={"names": [], "files": {}},
        lockfile="/l",
        lock_source="resolved",
        lock_sha256=None,
        given_lock_sha256=None,
        conda_packages=3,
        has_python=True,
    ).to_json()


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"format": STAMP_FORMAT + 1},
        {"format": None},
        {"source": None},
        {"conda_packages": "3"},
        {"has_python": 1},
        {"kernels": {}},
        {"origin": []},
        {"built": "now"},
        {"lock_sha256": 5},
        {"scripts": []},
    ],
)
def test_quick_reader_accepts_exactly_what_stamp_accepts(change: dict[str, object]) -> None:
    data = {**_stamp_json(), **change}
    assert (quick.valid_stamp(data) is None) == (Stamp.from_json(data) is None)
    for key in ("source", "fingerprint", "has_python", "kernels", "origin"):
        fewer = {k: v for k, v in data.items() if k != key}
        assert (quick.valid_stamp(fewer) is None) == (Stamp.from_json(fewer) is None), key


def test_fields_agree_for_the_flags_the_entry_answers() -> None:
    cases = [
        ({}, BuildOptions.from_flags()),
        ({"name": "x", "kernel": False}, BuildOptions.from_flags(name="x", kernel=False)),
        ({"prefix": "p", "frozen": True}, BuildOptions.from_flags(prefix="p", frozen=True)),
        ({"lockfile": "l.yml"}, BuildOptions.from_flags(lockfile="l.yml")),
        (
            {"kernel_name": "k", "display_name": "K", "retarget": False, "offline": True},
            BuildOptions.from_flags(
                kernel_name="k", display_name="K", retarget=False, offline=True
            ),
        ),
        ({"locked": True, "quiet": True}, BuildOptions.from_flags(locked=True, quiet=True)),
    ]
    for flags, options in cases:
        assert quick.fields_from_flags(flags) == fields_from_options(options), flags
    assert fields_from_options(BuildOptions(trust=True)) is None
    assert fields_from_options(BuildOptions(channels=ChannelOptions(("bioconda",)))) is None
    assert quick.fields_from_flags({"locked": True, "frozen": True}) is None


def test_origin_identity() -> None:
    git = {"kind": "git", "url": "https://h/o/r", "source": "gh:o/r", "commit": "a"}
    assert quick.same_origin(git, None)  # a build of the local folder
    assert quick.same_origin(git, {**git, "source": "https://h/o/r", "notebook": "x.ipynb"})
    assert not quick.same_origin(git, {**git, "commit": "b"})
    assert not quick.same_origin(None, git)  # a fetch after local builds: new, once


@pytest.mark.slow
def test_quick_answers_only_while_every_input_is_unchanged(
    tmp_path: Path, channel_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    path = str(repo)
    assert build_with(path, BuildOptions(), env=channel_env).action == "created"
    home = Path(channel_env["HOME"])
    prefix = home / ".conda" / "envs" / "plain-python"
    assert QUIET is not None
    assert quick.quick_build(path, QUIET, True) == ([], [])
    out, err = quick.quick_build(path, QUIET, False) or ([], ["missing"])
    assert out == [f"plain-python: up to date ({prefix})"] and err == []

    def answers() -> bool:
        return quick.quick_build(path, QUIET, True) is not None

    def full() -> str:
        return build_with(path, BuildOptions(), env=dict(os.environ)).action

    # options, working folder: another invocation, no record yet
    assert quick.quick_build(path, {**QUIET, "kernel": False}, True) is None
    here = os.getcwd()
    monkeypatch.chdir(tmp_path)
    assert not answers()
    monkeypatch.chdir(here)

    # a REES file: the fingerprint differs; the full build finds the same spec, then quick again
    env_yml = repo / "environment.yml"
    env_yml.write_text(env_yml.read_text() + "# a comment\n")
    assert not answers()
    assert full() == "unchanged" and answers()

    # conda's configuration: a file's content, a new drop-in folder, a variable
    condarc = home / ".condarc"
    original = condarc.read_text()
    condarc.write_text(original + f"envs_dirs:\n  - {tmp_path / 'early'}\n")
    assert not answers()
    assert full() == "unchanged" and answers()  # the existing env still wins
    # an env of that name appears in an earlier envs folder: conda would pick it
    (tmp_path / "early" / "plain-python" / "conda-meta").mkdir(parents=True)
    assert not answers()
    (tmp_path / "early" / "plain-python" / "conda-meta").rmdir()
    assert answers()
    dropins = home / ".conda" / "condarc.d"
    dropins.mkdir(parents=True)
    assert not answers()
    dropins.rmdir()
    assert answers()
    monkeypatch.setenv("CONDA_ENVS_PATH", str(tmp_path / "elsewhere"))
    assert not answers()
    monkeypatch.delenv("CONDA_ENVS_PATH")
    assert answers()

    # the env and its kernel: registry line, kernel.json, a package record, the marker
    registry = home / ".conda" / "environments.txt"
    lines = registry.read_text()
    registry.write_text("")
    assert not answers()
    registry.write_text(lines)
    stamp = read_stamp(prefix)
    assert stamp is not None and stamp.kernel_dir is not None
    kernel_json = Path(stamp.kernel_dir) / "kernel.json"
    spec = kernel_json.read_text()
    shutil.rmtree(kernel_json.parent)
    assert not answers()
    assert full() == "updated" and kernel_json.read_text() == spec and answers()
    marker = prefix / "conda-meta" / "rees2conda.incomplete"
    marker.write_text("{}")
    assert not answers()
    marker.unlink()
    assert answers()

    # a new notebook: the full path retargets it
    (repo / "new.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    assert not answers()
    assert full() == "unchanged" and answers()

    # the console entry answers from the record, importing nothing the context needs (beyond
    # what this interpreter's site-packages import at start-up anyway)
    def imported(*args: str) -> set[str]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ),
        )
        return {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln}

    added = imported("-m", "rees2conda", "build", "-q", path) - imported("-c", "pass")
    assert not added & {"dataclasses", "pathlib", "typing", "rees2conda.env.context"}, added


@pytest.mark.slow
def test_trust_and_skipped_scripts_on_the_noop_path(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    (repo / "binder").mkdir()
    (repo / "environment.yml").rename(repo / "binder" / "environment.yml")
    (repo / "binder" / "postBuild").write_text("#!/bin/bash\ntouch $CONDA_PREFIX/ran\n")
    (repo / "postBuild").write_text("echo not Binder's: outside the configuration folder\n")
    first = json.loads(run_cli(["build", str(repo), "--json"], channel_env).stdout)
    assert first["scripts_skipped"] == ["binder/postBuild"]
    prefix = Path(first["prefix"])

    # without -q the no-op repeats what was not run; with -q it is silent
    loud = run_cli(["build", str(repo)], channel_env)
    assert "binder/postBuild not run" in loud.stderr and "up to date" in loud.stdout
    assert run_cli(["build", str(repo), "-q"], channel_env).stderr == ""

    # --trust runs it once; then --trust is a no-op although a root postBuild exists
    run_cli(["build", str(repo), "--trust", "-q"], channel_env)
    assert (prefix / "ran").exists()
    (prefix / "ran").unlink()
    ctx = make_context(repo, BuildOptions(trust=True), env=channel_env)
    assert unchanged_fast(ctx, read_stamp(ctx.prefix))
    run_cli(["build", str(repo), "--trust", "-q"], channel_env)
    assert not (prefix / "ran").exists()


@pytest.mark.slow
def test_trusted_since_by_another_build_is_not_a_noop(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    from rees2conda.env.trust import remember, script_hashes

    repo = copy_repo("plain-python", tmp_path)
    real = Path(os.path.realpath(repo))
    (repo / "postBuild").write_text("#!/bin/bash\ntouch $CONDA_PREFIX/ran\n")
    result = build(repo, env=channel_env)
    assert result.scripts_skipped == ["postBuild"]
    ctx = make_context(repo, BuildOptions(), env=channel_env)
    assert unchanged_fast(ctx, read_stamp(ctx.prefix))
    assert QUIET is not None
    assert quick.quick_build(str(repo), QUIET, True) == ([], [])
    remember(real, script_hashes(real, "."), ctx.env)  # `build --trust` of another env
    assert not unchanged_fast(ctx, read_stamp(ctx.prefix))
    assert quick.quick_build(str(repo), QUIET, True) is None
    assert build(repo, env=channel_env).action == "updated"
    assert Path(result.prefix, "ran").exists()


@pytest.mark.slow
def test_a_clone_built_from_its_url_and_its_folder_is_one_repository(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    notebook = repo / "nb.ipynb"
    kernelspec = {"name": "mine", "display_name": "Mine", "language": "python"}
    content = {"cells": [], "metadata": {"kernelspec": kernelspec}}
    notebook.write_text(json.dumps({**content, "nbformat": 4, "nbformat_minor": 5}))
    git = {"kind": "git", "url": "https://h/o/r", "source": "gh:o/r", "commit": "a"}
    assert build(repo, env=channel_env, origin=git).action == "created"
    assert "plain-python" in notebook.read_text()  # retargeted by the build
    chosen = json.dumps({**content, "nbformat": 4, "nbformat_minor": 5})
    with open(notebook, "w") as fh:  # the user picks another kernel (same folder entry)
        fh.write(chosen)

    def fast(origin: dict[str, object] | None) -> bool:
        options = BuildOptions(origin=origin)
        ctx = make_context(repo, options, env=channel_env)
        return unchanged_fast(ctx, read_stamp(ctx.prefix))

    # the local folder: a no-op, and the stamp keeps where the folder came from
    assert fast(None)
    assert build(repo, env=channel_env).action == "unchanged"
    stamp = read_stamp(Path(channel_env["HOME"]) / ".conda" / "envs" / "plain-python")
    assert stamp is not None and stamp.origin == git
    assert notebook.read_text() == chosen  # not every notebook retargeted again
    assert fast(git) and fast({**git, "source": "https://h/o/r"})  # the URL again: no-op
    # a fetch that moved to another commit: once through the full path, then a no-op
    moved = {**git, "commit": "b"}
    assert not fast(moved)
    assert build(repo, env=channel_env, origin=moved).action == "unchanged"
    assert "plain-python" in notebook.read_text()  # new content: every notebook retargeted
    assert fast(moved) and fast(None)


def test_no_working_folder_is_dont_know(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert QUIET is not None
    assert quick.quick_build(str(tmp_path), QUIET, True) is None


@pytest.mark.slow
def test_what_the_reader_only_stats_is_part_of_the_fingerprint(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    """The same content through a symlink now leaving the repository: ``check`` refuses it
    (R2C203), so neither no-op test may still say "up to date"."""
    repo = copy_repo("plain-python", tmp_path)
    (repo / "conf").mkdir()
    text = (repo / "environment.yml").read_text()
    (repo / "environment.yml").rename(repo / "conf" / "env.yml")
    (repo / "environment.yml").symlink_to("conf/env.yml")
    assert build_with(str(repo), BuildOptions(), env=channel_env).action == "created"
    assert QUIET is not None
    assert quick.quick_build(str(repo), QUIET, True) == ([], [])
    outside = tmp_path / "outside.yml"
    outside.write_text(text)
    (repo / "environment.yml").unlink()
    (repo / "environment.yml").symlink_to(outside)
    assert quick.quick_build(str(repo), QUIET, True) is None
    ctx = make_context(repo, BuildOptions(), env=channel_env)
    assert not unchanged_fast(ctx, read_stamp(ctx.prefix))
    proc = run_cli(["build", str(repo), "-q"], channel_env, check=False)
    assert proc.returncode != 0 and "R2C203" in proc.stderr


def test_a_local_packages_metadata_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    """``-e ./pkg`` in requirements.txt: pkg's pyproject.toml/setup.py decide what the env
    needs, so the no-op fingerprint holds them and the spec hash changes with them."""
    from rees2conda.env.decide import used_files
    from rees2conda.rees.reader import read_repository

    (tmp_path / "pkg").mkdir()
    (tmp_path / "requirements.txt").write_text("-e ./pkg\n")
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    (tmp_path / "pkg" / "setup.py").write_text("import setuptools; setuptools.setup()\n")
    report = read_repository(tmp_path)
    assert report.spec is not None
    assert {"pkg/pyproject.toml", "pkg/setup.py"} <= set(used_files(report))
    before = report.spec.content_hash()
    (tmp_path / "pkg" / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\ndependencies = ["six"]\n'
    )
    after = read_repository(tmp_path).spec
    assert after is not None and after.content_hash() != before
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    again = read_repository(tmp_path).spec
    assert again is not None and again.content_hash() == before


def test_a_local_packages_latin1_setup_py_is_still_tracked(tmp_path: Path) -> None:
    """pip builds a setup.py declared ``latin-1``: its install_requires decide the env even
    though it is not UTF-8 text."""
    from rees2conda.env.decide import used_files
    from rees2conda.rees.reader import read_repository

    (tmp_path / "pkg").mkdir()
    (tmp_path / "requirements.txt").write_text("-e ./pkg\n")
    setup = tmp_path / "pkg" / "setup.py"
    head = b"# -*- coding: latin-1 -*-\nfrom setuptools import setup\n"
    setup.write_bytes(head + b"setup(name='p', author='Fran\xe7ois')\n")
    report = read_repository(tmp_path)
    assert report.spec is not None and "pkg/setup.py" in used_files(report)
    setup.write_bytes(head + b"setup(name='p', author='Fran\xe7ois', install_requires=['six'])\n")
    after = read_repository(tmp_path).spec
    assert after is not None and after.content_hash() != report.spec.content_hash()


def test_the_root_packages_metadata_enters_the_spec_hash(tmp_path: Path) -> None:
    """Binder's ``pip install .`` of a root setup.py: its install_requires decide the env."""
    from rees2conda.rees.reader import read_repository

    setup = tmp_path / "setup.py"
    setup.write_text("from setuptools import setup\nsetup(name='x')\n")
    first = read_repository(tmp_path).spec
    setup.write_text("from setuptools import setup\nsetup(name='x', install_requires=['six'])\n")
    second = read_repository(tmp_path).spec
    assert first is not None and second is not None
    assert [p.line for p in first.pip] == ["."]
    assert first.content_hash() != second.content_hash()

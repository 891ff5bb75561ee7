"""postBuild and start, only when the user trusts them, remembered by content (Binder's order:
postBuild after pip, in the repository, inside the env; start wrapping every kernel)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from build_helpers import run_cli, run_in_kernel

from rees2conda.env.scripts import interpreter_argv
from rees2conda.env.trust import remember, script_hashes, trusted

POST_BUILD = """#!/bin/bash
set -e
echo "installing greet"
pip install --no-index --no-deps --disable-pip-version-check ./wheels/greet-0.1-py3-none-any.whl
pwd > "$CONDA_PREFIX/share/postbuild-cwd.txt"
"""
START = """#!/bin/bash
export R2C_START_VAR="set by start in $(basename "$(pwd)")"
exec "$@"
"""


def _wheel(path: Path) -> None:
    """A tiny pure-Python wheel, so the postBuild installs a local package offline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = "greet-0.1.dist-info"
    files = {
        "greet/__init__.py": 'VALUE = "greet 0.1"\n',
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: greet\nVersion: 0.1\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "trusting"
    (repo / "binder").mkdir(parents=True)
    (repo / "binder" / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n"
    )
    (repo / "binder" / "postBuild").write_text(POST_BUILD)  # not executable: as in many repos
    (repo / "binder" / "start").write_text(START)
    _wheel(repo / "wheels" / "greet-0.1-py3-none-any.whl")
    return repo


def test_interpreter_from_shebang(tmp_path: Path) -> None:
    script = tmp_path / "s"
    script.write_text("#!/usr/bin/env python -u\nprint(1)\n")
    assert interpreter_argv(script) == ["/usr/bin/env", "python -u", str(script)]
    script.write_text("echo plain\n")
    assert interpreter_argv(script) == ["/bin/sh", str(script)]


def test_trust_is_per_repository_and_content(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    env = {"HOME": str(tmp_path / "home")}
    scripts = script_hashes(repo, "binder")
    assert set(scripts) == {"binder/postBuild", "binder/start"}
    assert trusted(repo, scripts, env) == {}
    remember(repo, scripts, env)
    assert trusted(repo, scripts, env) == scripts
    assert trusted(tmp_path / "other", scripts, env) == {}
    (repo / "binder" / "start").write_text(START + "# changed\n")
    assert set(trusted(repo, script_hashes(repo, "binder"), env)) == {"binder/postBuild"}


@pytest.mark.slow
def test_build_trust_runs_postbuild_and_wraps_kernel_in_start(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = _repo(tmp_path)
    probe = "import os, sys; print(os.environ.get('R2C_START_VAR')); print(os.getcwd())\n"

    # 1. without trust nothing runs, and the build says what it skipped and how to opt in
    first = run_cli(["build", str(repo), "--json"], channel_env)
    out = json.loads(first.stdout)
    assert out["scripts_skipped"] == ["binder/postBuild", "binder/start"]
    prefix = Path(out["prefix"])
    assert not (prefix / "share" / "postbuild-cwd.txt").exists()
    quiet = run_cli(["build", str(repo), "-q"], channel_env)
    assert quiet.stderr == "" and quiet.stdout == ""  # the no-op path: silent
    (repo / "binder" / "postBuild").write_text(POST_BUILD + "# edited\n")
    warned = run_cli(["build", str(repo), "-q"], channel_env)
    assert "binder/postBuild not run" in warned.stderr and "--trust" in warned.stderr

    # 2. --trust: postBuild runs after pip, in the repository, inside the env
    trusted_run = run_cli(["build", str(repo), "--trust"], channel_env)
    assert "binder/postBuild: installing greet" in trusted_run.stderr
    assert (prefix / "share" / "postbuild-cwd.txt").read_text().strip() == str(repo)
    printed = run_in_kernel(out["kernel_name"], "import greet; print(greet.VALUE)\n" + probe)
    value, start_var, cwd = printed.strip().splitlines()
    assert value == "greet 0.1"
    assert start_var == "set by start in trusting"  # start ran in the repository
    assert cwd == os.getcwd()  # and the kernel went back where Jupyter started it
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    assert set(listed[0]["trusted_scripts"]) == {"binder/postBuild", "binder/start"}

    # 3. remembered: the next login does nothing; a changed script is not run
    again = run_cli(["build", str(repo), "-q"], channel_env)
    assert again.stderr == ""
    (prefix / "share" / "postbuild-cwd.txt").unlink()
    (repo / "binder" / "postBuild").write_text(POST_BUILD + "touch $CONDA_PREFIX/new\n")
    changed = run_cli(["build", str(repo), "-q"], channel_env)
    assert "binder/postBuild not run" in changed.stderr
    assert not (prefix / "new").exists() and not (prefix / "share" / "postbuild-cwd.txt").exists()
    printed = run_in_kernel(out["kernel_name"], probe)
    assert printed.splitlines()[0] == "set by start in trusting"  # start still trusted

    # 4. a failing trusted postBuild: its last lines, exit 1, the env marked incomplete
    (repo / "binder" / "postBuild").write_text("#!/bin/bash\necho 'about to fail'\nexit 3\n")
    failed = run_cli(["build", str(repo), "--trust", "-q"], channel_env, check=False)
    assert failed.returncode == 1
    assert "binder/postBuild failed (exit 3)" in failed.stderr
    assert "about to fail" in failed.stderr
    assert (prefix / "conda-meta" / "rees2conda.incomplete").exists()


@pytest.mark.slow
def test_first_build_with_trust_wraps_a_new_kernel(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    """A first build with --trust: the kernel folder (wrapper files included) is written whole,
    not refused as somebody else's kernel."""
    repo = _repo(tmp_path)
    (repo / "binder" / "postBuild").unlink()
    out = json.loads(run_cli(["build", str(repo), "--trust", "--json"], channel_env).stdout)
    assert out["action"] == "created" and list(out["scripts"]) == ["binder/start"]
    printed = run_in_kernel(out["kernel_name"], "import os; print(os.environ['R2C_START_VAR'])")
    assert printed.strip() == "set by start in trusting"

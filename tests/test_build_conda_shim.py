"""`conda`/`mamba`/`micromamba` inside a trusted postBuild: install with rees2conda's engine from
the build's channels, `clean` and `list` work, everything else fails with a clear message; the
packages added survive the no-op and come back after a rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_helpers import run_cli

from rees2conda.env.condashim import main, parse_install
from rees2conda.errors import UserError

POST_BUILD = """#!/bin/bash
set -e
command -v conda > "$CONDA_PREFIX/conda-path.txt"
mamba install -y six "numpy>=1"
python -c 'import six, numpy; print("imported six", six.__version__, numpy.arange(3).sum())'
conda clean -tipsy
conda list six
conda list --json > "$CONDA_PREFIX/conda-list.json"
micromamba install -y -c conda-forge six
conda --version
"""


def _repo(tmp_path: Path, post_build: str) -> Path:
    repo = tmp_path / "shimmed"
    (repo / "binder").mkdir(parents=True)
    (repo / "binder" / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n"
    )
    (repo / "binder" / "postBuild").write_text(post_build)
    return repo


def test_a_killed_builds_shim_folder_is_swept_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL during postBuild skips the ``finally``: the context (conda configuration, tokens
    too) would stay in /tmp. The next build removes folders whose build process is gone."""
    import os
    import subprocess
    import sys
    import tempfile

    from rees2conda.env import shims

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = tmp_path / f"rees2conda-shims-{int(gone.stdout)}-abc"
    alive = tmp_path / f"rees2conda-shims-{os.getppid()}-def"  # a running process (pytest's parent)
    other = tmp_path / "rees2conda-shims-notapid"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "context.json").write_text("{}")
    with shims.conda_shims({"prefix": "/nowhere"}) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(
            f"rees2conda-shims-{os.getpid()}-"
        )
        assert not dead.exists()
        assert alive.is_dir() and other.is_dir()
    assert not folder.exists()


def test_install_command_line() -> None:
    parsed = parse_install("conda", ["-yq", "-c", "conda-forge", "--channel=bioconda", "a=1", "b"])
    assert parsed.specs == ["a=1", "b"] and parsed.channels == ["conda-forge", "bioconda"]
    assert parsed.quiet and not parsed.override
    parsed = parse_install("mamba", ["--override-channels", "-cconda-forge", "-n", "e", "x"])
    assert parsed.override and parsed.channels == ["conda-forge"] and parsed.name == "e"
    with pytest.raises(Exception, match="option not supported"):
        parse_install("conda", ["--update-all", "x"])
    for empty in (["--channel=", "x"], ["-c", "", "x"], ["--file=", "x"], ["-p", " "]):
        with pytest.raises(UserError, match="needs a value"):
            parse_install("conda", empty)


def test_other_commands_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conda", "env", "update", "-f", "environment.yml"]) == 1
    err = capsys.readouterr().err
    assert "rees2conda: `conda env update` is not available inside postBuild: " in err
    assert "move these packages into environment.yml" in err
    assert main(["mamba", "create", "-n", "x", "numpy"]) == 1
    assert "`mamba create` is not available" in capsys.readouterr().err
    assert main(["conda", "--version"]) == 0
    assert "rees2conda" in capsys.readouterr().out
    assert main(["conda", "clean", "-tipsy"]) == 0


@pytest.mark.slow
def test_postbuild_installs_with_mamba_and_keeps_it(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = _repo(tmp_path, POST_BUILD)
    first = run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env)
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    prefix = Path(listed[0]["prefix"])
    assert "rees2conda: installed into" in first.stderr and "six" in first.stderr
    assert "binder/postBuild: imported six 1." in first.stderr and " 3\n" in first.stderr
    assert "python_abi" in first.stderr  # numpy's dependency came along
    assert "nothing to clean" in first.stderr
    assert "already installed" in first.stderr  # micromamba install of what is there
    assert "mamba 0.0.0 (rees2conda" not in first.stderr  # `conda --version` says conda
    assert "conda 0.0.0 (rees2conda" in first.stderr
    assert list((prefix / "conda-meta").glob("six-*.json"))
    listed_in_env = json.loads((prefix / "conda-list.json").read_text())
    assert {p["name"] for p in listed_in_env} == {"python", "pip", "six", "numpy", "python_abi"}
    shim = Path((prefix / "conda-path.txt").read_text().strip())
    assert shim.name == "conda" and not shim.exists()  # the private folder is gone
    assert not shim.is_relative_to(repo) and not shim.is_relative_to(prefix)
    assert not (prefix / "bin" / "conda").exists() and not (prefix / "bin" / "mamba").exists()

    # the stamp counts postBuild's packages: the next build is a silent no-op
    again = run_cli(["build", str(repo), "--trust", "--no-kernel", "-q"], channel_env)
    assert again.stdout == "" and again.stderr == ""

    # a rebuild re-applies the lock (six goes) and runs postBuild again (six is back)
    forced = run_cli(["build", str(repo), "--trust", "--no-kernel", "--force"], channel_env)
    assert "rees2conda: installed into" in forced.stderr
    assert list((prefix / "conda-meta").glob("six-*.json"))
    quiet = run_cli(["build", str(repo), "--trust", "--no-kernel", "-q"], channel_env)
    assert quiet.stdout == "" and quiet.stderr == ""


@pytest.mark.slow
def test_postbuild_unsupported_conda_command_fails_the_build(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = _repo(tmp_path, "#!/bin/bash\nset -e\nconda env update -f binder/environment.yml\n")
    failed = run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env, check=False)
    assert failed.returncode == 1
    assert "binder/postBuild failed (exit 1)" in failed.stderr
    assert (
        "rees2conda: `conda env update` is not available inside postBuild: "
        "move these packages into environment.yml" in failed.stderr
    )
    # another env, or a package no channel has: a located, clear failure
    (repo / "binder" / "postBuild").write_text("conda install -y -n other six\n")
    other = run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env, check=False)
    assert other.returncode == 1 and "only the environment being built" in other.stderr
    (repo / "binder" / "postBuild").write_text("mamba install -y no-such-package\n")
    missing = run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env, check=False)
    assert missing.returncode == 1 and "no-such-package" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_install_file_not_text_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "specs.txt"
    specs.write_bytes(b"numpy\xff\n")
    assert main(["conda", "install", "-y", "--file", str(specs)]) == 1
    err = capsys.readouterr().err
    assert f"--file {specs}: not UTF-8 text (byte 5)" in err and "Traceback" not in err


@pytest.mark.slow
def test_postbuild_concurrent_installs_both_land(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    # each stand-in reads the env, solves and installs: run at once, the second must not
    # undo the first (it waits for it)
    repo = _repo(
        tmp_path,
        "#!/bin/bash\nset -e\nconda install -y six & a=$!\nmamba install -y numpy & b=$!\n"
        "wait $a\nwait $b\n",
    )
    run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env)
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    meta = Path(listed[0]["prefix"]) / "conda-meta"
    assert list(meta.glob("six-*.json")) and list(meta.glob("numpy-*.json"))


def test_unreadable_context_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rees2conda.env.shims import CONTEXT_VAR

    context = tmp_path / "context.json"
    context.write_text('{"prefix": "/x"}')
    monkeypatch.setenv(CONTEXT_VAR, str(context))
    assert main(["conda", "list"]) == 1
    err = capsys.readouterr().err
    assert f"{context}: the build's settings are unreadable" in err and "Traceback" not in err


@pytest.mark.slow
def test_postbuild_going_on_after_a_failed_link_fails_the_build(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    """``conda install six || true`` whose linking breaks midway (a folder where six.py goes):
    the script goes on, but the env is half-linked and must not be sealed as good."""
    from rees2conda.env.stamp import is_incomplete

    repo = _repo(
        tmp_path,
        "#!/bin/bash\n"
        "sp=$(python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])')\n"
        'mkdir -p "$sp/six.py/in-the-way"\n'
        "conda install -y six || true\n",
    )
    failed = run_cli(["build", str(repo), "--trust", "--no-kernel"], channel_env, check=False)
    assert failed.returncode == 1, failed.stderr
    assert "binder/postBuild: a `conda install` it ran failed while linking packages" in (
        failed.stderr
    )
    assert "marked incomplete" in failed.stderr and "Traceback" not in failed.stderr
    prefix = next(Path(channel_env["HOME"]).glob("**/conda-meta")).parent
    assert is_incomplete(prefix)

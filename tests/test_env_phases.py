"""``build`` in-process: options, context, the decision and each phase on its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from build_helpers import copy_repo

from rees2conda.env import phases
from rees2conda.env.api import build_with
from rees2conda.env.context import kernel_target, make_context
from rees2conda.env.decide import decide, read_report
from rees2conda.env.noop import unchanged_fast
from rees2conda.env.options import BuildOptions, ChannelOptions, KernelOptions
from rees2conda.env.stamp import is_incomplete, read_stamp
from rees2conda.errors import UsageError, UserError
from rees2conda.observe import Messages

#: the keys stamps have held since format 1: a build with default channel options must produce
#: exactly these, or every existing env would rebuild once
STAMP_OPTION_KEYS = {
    *("kernel", "kernel_name", "display_name"),
    *("mode", "lockfile", "platform"),
}


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "JUPYTER_DATA_DIR": str(home / "jupyter"), "PATH": os.defpath}


def test_options_from_flags_refuses_contradictions() -> None:
    with pytest.raises(UsageError, match="--locked or --frozen"):
        BuildOptions.from_flags(locked=True, frozen=True)
    with pytest.raises(UsageError, match="drop --locked/--frozen"):
        BuildOptions.from_flags(lockfile="x.yml", frozen=True)
    with pytest.raises(UsageError, match="invalid kernel name"):
        BuildOptions.from_flags(kernel_name="a b")
    assert BuildOptions.from_flags(lockfile="x.yml").lock_mode == "lockfile"
    assert BuildOptions.from_flags(frozen=True).lock_mode == "frozen"
    with pytest.raises(UsageError):
        BuildOptions(lock_mode="lockfile")  # a lockfile mode without the file


def test_context_names_kernel_and_key_once(tmp_path: Path) -> None:
    repo = tmp_path / "My Repo"
    repo.mkdir()
    (repo / "environment.yml").write_text("dependencies: [python=3.11]\n")
    env = _env(tmp_path)
    ctx = make_context(repo, BuildOptions(), env=env)
    assert ctx.target.name == "My-Repo"
    assert ctx.prefix == tmp_path / "home" / ".conda" / "envs" / "My-Repo"
    assert ctx.kernel is not None and ctx.kernel.name == "my-repo"
    assert ctx.kernel.dir == tmp_path / "home" / "jupyter" / "kernels" / "my-repo"
    assert ctx.kernel.display_name_for("My-Repo", "3.11") == "Python 3.11 (My-Repo)"
    assert set(ctx.options_key()) == STAMP_OPTION_KEYS
    assert ctx.options_key()["mode"] == "default"
    assert not unchanged_fast(ctx, None)

    channels = ChannelOptions(channels=("bioconda",))
    other = make_context(repo, BuildOptions(channels=channels), env=env)
    assert other.options_key()["channels"] == [["bioconda"], False]
    # an alias is transport, not identity: the no-op key does not change with it
    aliased = make_context(
        repo, BuildOptions(channels=ChannelOptions(channel_alias="file:///m")), env=env
    )
    assert aliased.options_key() == ctx.options_key()
    assert other.lock_options().channels == ("bioconda",)

    named = kernel_target(KernelOptions(name="k1", display_name="Mine"), "env", env)
    assert named is not None and named.name == "k1"
    assert named.display_name_for("env", "3.12") == "Mine"
    assert kernel_target(KernelOptions(register=False), "env", env) is None


def test_decide_refuses_frozen_without_lock(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "environment.yml").write_text("dependencies: [python=3.11]\n")
    ctx = make_context(repo, BuildOptions(lock_mode="frozen"), env=_env(tmp_path))
    with pytest.raises(UserError, match="no lock file to install"):
        decide(ctx, read_report(ctx), None)
    assert not ctx.prefix.exists()  # refused before any change


def test_refusal_lists_every_error_as_check_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rees2conda.cli import run as run_cli
    from rees2conda.errors import Refused

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "apt.txt").write_text("libgl1\n")
    (repo / "environment.yml").write_text("dependencies:\n  - python=3.11\n  - git+https://x/y\n")
    ctx = make_context(repo, BuildOptions(), env=_env(tmp_path))
    with pytest.raises(Refused) as refused:
        read_report(ctx)
    assert {f.code for f in refused.value.report.errors} == {"R2C106", "R2C407"}
    assert run_cli(["check", str(repo)]) == 1
    check_out = capsys.readouterr().out
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # run_cli reads the process environment
    assert run_cli(["build", str(repo)]) == 1
    err = capsys.readouterr().err
    for code in ("R2C106", "R2C407"):
        line = next(ln for ln in err.splitlines() if code in ln)
        assert line in check_out.splitlines()  # the same rendering as check
    assert "error: not building:" in err and "2 errors" in err
    assert not ctx.prefix.exists()


@pytest.mark.slow
def test_phases_one_by_one(
    tmp_path: Path,
    channel_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from rees2conda.rees import reader

    reads: list[object] = []
    real_read = reader.read_repository

    def counting_read(path: object, **kwargs: object) -> object:
        reads.append(path)
        return real_read(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "read_repository", counting_read)
    repo = copy_repo("plain-python", tmp_path)
    said: list[str] = []
    options = BuildOptions(name="phased", retarget=False)
    ctx = make_context(repo, options, env=channel_env, observer=Messages(said.append))
    report = read_report(ctx)
    plan = decide(ctx, report, read_stamp(ctx.prefix))
    assert plan.choice.needs_resolve and not plan.nothing_to_do

    done = []
    for phase in phases.PHASES:
        if not phase.when(ctx):
            continue
        phase.run(ctx, plan)
        done.append(phase.name)
        if phase.name == "lock":
            assert plan.locked is not None and plan.choice.path.is_file()
            assert not ctx.prefix.exists()  # resolving changes nothing in the prefix
        if phase.name == "mark":
            assert is_incomplete(ctx.prefix) and plan.created
        if phase.name == "bytecode":  # before anything imported them: compiled as conda does
            from rees2conda.env.bytecode import linked_since

            sources = [ctx.prefix / f for f in linked_since(ctx.prefix, 0)]
            assert len(sources) > 100  # ipykernel's closure is noarch: python here
            tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"  # the env's python too
            missing = [
                s
                for s in sources
                if not (s.parent / "__pycache__" / f"{s.stem}.{tag}.pyc").exists()
            ]
            assert not missing, missing[:5]
        if phase.name == "kernel":
            assert read_stamp(ctx.prefix) is None  # not trusted before the seal
    assert done == [
        "lock",
        "mark",
        "conda",
        "pip",
        "postBuild",
        "bytecode",
        "smoke",
        "kernel",
        "seal",
    ]
    assert len(reads) == 1  # resolving reuses the report read once
    assert not is_incomplete(ctx.prefix)
    stamp = read_stamp(ctx.prefix)
    assert stamp is not None and stamp.spec_hash == plan.spec_hash
    assert stamp.kernel_name == "phased" and stamp.display_name == "Python 3.11 (phased)"
    assert any(m.startswith("resolving plain-python") for m in said)
    assert capfd.readouterr().err == ""  # the library reports through its observer only

    again = make_context(repo, options, env=channel_env)
    assert unchanged_fast(again, read_stamp(again.prefix))
    assert build_with(repo, options).action == "unchanged"
    assert len(reads) == 1  # the no-op path does not read the repository

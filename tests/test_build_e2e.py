"""End-to-end ``rees2conda build`` / ``list`` / ``remove`` against the local conda-forge channel.

Every test runs the real CLI in a subprocess with ``channel_env`` (a throwaway HOME whose
.condarc points ``conda-forge`` at the channel ``tests/fixtures/make_channel.py`` builds), installs
with rattler and uv, and checks the result from the outside: files, kernels, imports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo, imported_engines, run_cli, run_in_kernel, stamp

pytestmark = pytest.mark.slow


def test_build_kernel_notebooks_noop(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("numpy-notebooks", tmp_path)
    checkpoint = repo / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb"
    checkpoint_before = checkpoint.read_bytes()
    proc = run_cli(["build", str(repo)], channel_env)
    assert "created numpy-notebooks" in proc.stdout
    assert "retargeted analysis.ipynb" in proc.stdout
    assert "sub/broken.ipynb" in proc.stderr  # reported, not fatal

    home = Path(channel_env["HOME"])
    prefix = home / ".conda" / "envs" / "numpy-notebooks"
    assert stamp(prefix).is_file()
    assert not (prefix / "conda-meta" / "rees2conda.incomplete").exists()
    assert str(prefix) in (home / ".conda" / "environments.txt").read_text().splitlines()

    # the kernel is registered in JUPYTER_DATA_DIR and runs inside the env
    kdir = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels" / "numpy-notebooks"
    spec = json.loads((kdir / "kernel.json").read_text())
    assert spec["argv"][0] == str(prefix / "bin" / "python")
    assert spec["env"]["CONDA_PREFIX"] == str(prefix)
    out = run_in_kernel(
        "numpy-notebooks",
        "import sys, os, numpy\nprint(sys.prefix)\nprint(os.environ['CONDA_PREFIX'])\n"
        "print(os.environ['PATH'].split(os.pathsep)[0])\nprint(numpy.arange(4).sum())",
    )
    assert out.split() == [str(prefix), str(prefix), str(prefix / "bin"), "6"]

    # notebooks point at the kernel, nbformat layout kept; checkpoints untouched
    nb_text = (repo / "analysis.ipynb").read_text(encoding="utf-8")
    nb = json.loads(nb_text)
    assert nb["metadata"]["kernelspec"] == {
        "display_name": "Python 3.11 (numpy-notebooks)",
        "language": "python",
        "name": "numpy-notebooks",
    }
    assert nb_text == json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    assert "café ☕" in nb_text
    assert (
        json.loads((repo / "sub" / "no-kernelspec.ipynb").read_text())["metadata"]["kernelspec"][
            "name"
        ]
        == "numpy-notebooks"
    )
    assert checkpoint.read_bytes() == checkpoint_before

    # rebuild: nothing printed with -q, nothing touched, no engine imported
    watched = [
        stamp(prefix),
        kdir / "kernel.json",
        repo / "analysis.ipynb",
        home / ".conda" / "environments.txt",
    ]
    before = [(p.stat().st_mtime_ns, p.stat().st_ino) for p in watched]
    proc = run_cli(["build", "-q", str(repo)], channel_env, python_flags=["-X", "importtime"])
    assert proc.stdout == ""
    assert [ln for ln in proc.stderr.splitlines() if not ln.startswith("import time:")] == []
    assert imported_engines(proc.stderr) == set()
    assert [(p.stat().st_mtime_ns, p.stat().st_ino) for p in watched] == before
    assert build_json(repo, channel_env)["action"] == "unchanged"

    # an unrelated change in the repository is still a no-op
    (repo / "README.md").write_text("hello\n")
    assert build_json(repo, channel_env)["action"] == "unchanged"
    assert [(p.stat().st_mtime_ns, p.stat().st_ino) for p in watched] == before

    # a REES file that does not change the spec: still nothing to install; the stamp's
    # fingerprint is refreshed so that the next run takes the fast path (no reader) again
    (repo / "postBuild").write_text("#!/bin/bash\necho hi\n")
    assert build_json(repo, channel_env)["action"] == "unchanged"
    proc = run_cli(["build", "-q", str(repo)], channel_env, python_flags=["-X", "importtime"])
    assert "rees2conda.rees.reader" not in proc.stderr
    assert imported_engines(proc.stderr) == set()


def test_changed_spec_updates_in_place(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    first = build_json(repo, channel_env, "-n", "grow")
    assert first["action"] == "created"
    prefix = Path(first["prefix"])
    python_record = next((prefix / "conda-meta").glob("python-3*.json"))
    python_inode = (prefix / "bin" / "python3.11").stat().st_ino
    record_mtime = python_record.stat().st_mtime_ns

    env_yml = repo / "environment.yml"
    env_yml.write_text(env_yml.read_text() + "  - numpy\n")
    second = build_json(repo, channel_env, "-n", "grow")
    assert second["action"] == "updated"
    assert second["conda_packages"] == first["conda_packages"] + 1
    # python was left alone: same file, same record (no wipe-and-recreate)
    assert (prefix / "bin" / "python3.11").stat().st_ino == python_inode
    assert python_record.stat().st_mtime_ns == record_mtime
    out = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import numpy; print('ok')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "ok"
    assert build_json(repo, channel_env, "-n", "grow")["action"] == "unchanged"

    # and back: numpy is removed again
    env_yml.write_text(env_yml.read_text().replace("  - numpy\n", ""))
    assert build_json(repo, channel_env, "-n", "grow")["action"] == "updated"
    assert not list((prefix / "conda-meta").glob("numpy-*.json"))


@pytest.mark.pypi
def test_pip_requirement_from_pypi(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("pip-pypi", tmp_path)
    result = build_json(repo, channel_env)
    assert result["pip_packages"] == 1
    prefix = Path(result["prefix"])
    out = run_in_kernel(result["kernel_name"], "import tomli_w, sys; print(tomli_w.__file__)")
    assert out.strip().startswith(str(prefix))
    assert build_json(repo, channel_env)["action"] == "unchanged"
    # the notebook's own layout (indent 2, unsorted) is kept
    text = (repo / "demo.ipynb").read_text()
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"

    # the pip requirement goes away: so does the package
    env_yml = repo / "environment.yml"
    env_yml.write_text(env_yml.read_text().replace("      - tomli-w==1.2.0\n", ""))
    assert build_json(repo, channel_env)["action"] == "updated"
    gone = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import tomli_w"], capture_output=True, text=True
    )
    assert gone.returncode == 1 and "No module named 'tomli_w'" in gone.stderr


def test_concurrent_builds(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("numpy-notebooks", tmp_path)
    cmd = [sys.executable, "-m", "rees2conda", "build", str(repo), "--no-retarget"]
    procs = [
        subprocess.Popen(
            cmd, env=channel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    stdout = sorted(o[0] for o in outs)
    assert sum("created numpy-notebooks" in s for s in stdout) == 1, outs
    assert sum("up to date" in s for s in stdout) == 1, outs
    assert any("waiting for" in o[1] for o in outs), outs


def _wait_for(predicate, timeout: float = 120) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("when", ["marker", "linking"])
def test_sigkill_is_repaired(tmp_path: Path, channel_env: dict[str, str], when: str) -> None:
    env = dict(channel_env, CONDA_PKGS_DIRS=str(tmp_path / "cold-pkgs"))  # slow: extraction
    repo = copy_repo("numpy-notebooks", tmp_path)
    prefix = Path(env["HOME"]) / ".conda" / "envs" / "numpy-notebooks"
    marker = prefix / "conda-meta" / "rees2conda.incomplete"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rees2conda", "build", str(repo), "-q"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if when == "marker":
            assert _wait_for(marker.exists)
        else:
            assert _wait_for(lambda: len(list((prefix / "conda-meta").glob("*.json"))) >= 5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    if proc.returncode == 0:  # a very fast machine finished before the kill: a valid end too
        assert stamp(prefix).is_file() and not marker.exists()
        assert build_json(repo, env)["action"] == "unchanged"
        return
    # never a stamp on a broken env: the marker is there whatever the stamp says
    assert marker.exists()
    listed = json.loads(run_cli(["list", "--json"], env).stdout)
    assert [(e["name"], e["state"]) for e in listed] == [("numpy-notebooks", "incomplete")]

    result = build_json(repo, env)
    assert result["action"] in ("created", "updated")
    assert not marker.exists() and stamp(prefix).is_file()
    out = run_in_kernel("numpy-notebooks", "import numpy, sys; print(sys.prefix)")
    assert out.strip() == str(prefix)
    assert build_json(repo, env)["action"] == "unchanged"


def test_list_and_remove(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    result = build_json(
        repo,
        channel_env,
        "-n",
        "short-lived",
        "--kernel-name",
        "sl",
        "--display-name",
        "Short Lived",
    )
    prefix = Path(result["prefix"])
    kdir = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels" / "sl"
    assert json.loads((kdir / "kernel.json").read_text())["display_name"] == "Short Lived"

    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    assert listed == [
        {
            "name": "short-lived",
            "prefix": str(prefix),
            "source": str(repo),
            "kernel": "sl",
            "state": "ok",
            "trusted_scripts": {},
        }
    ]
    (repo / "environment.yml").write_text((repo / "environment.yml").read_text() + "  - numpy\n")
    assert "stale" in run_cli(["list"], channel_env).stdout

    # an env rees2conda did not make is refused, with one line and no traceback
    foreign = Path(channel_env["HOME"]) / ".conda" / "envs" / "foreign"
    (foreign / "conda-meta").mkdir(parents=True)
    proc = run_cli(["remove", "foreign"], channel_env, check=False)
    assert proc.returncode == 1 and "not created by rees2conda" in proc.stderr
    assert "Traceback" not in proc.stderr and foreign.exists()

    run_cli(["remove", "short-lived"], channel_env)
    assert not prefix.exists() and not kdir.exists()
    registry = Path(channel_env["HOME"]) / ".conda" / "environments.txt"
    assert str(prefix) not in registry.read_text()
    assert json.loads(run_cli(["list", "--json"], channel_env).stdout) == []
    proc = run_cli(["remove", "short-lived"], channel_env, check=False)
    assert proc.returncode == 1 and "no environment named" in proc.stderr


def test_refuses_foreign_and_other_repository(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    foreign = tmp_path / "foreign-env"
    (foreign / "conda-meta").mkdir(parents=True)
    (foreign / "conda-meta" / "history").write_text("")
    proc = run_cli(
        ["build", str(repo), "-p", str(foreign), "--no-kernel"], channel_env, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and "not created by rees2conda" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in (foreign / "conda-meta").iterdir()) == ["history"]

    build_json(repo, channel_env, "-n", "taken", "--no-kernel")
    other = copy_repo("numpy-notebooks", tmp_path / "other")
    proc = run_cli(["build", str(other), "-n", "taken", "--no-kernel"], channel_env, check=False)
    assert proc.returncode == 1 and "another repository" in proc.stderr
    forced = build_json(other, channel_env, "-n", "taken", "--no-kernel", "--force")
    assert forced["action"] == "updated" and forced["source"] == str(other)


def test_user_errors_are_one_line(tmp_path: Path, channel_env: dict[str, str]) -> None:
    missing = run_cli(["build", str(tmp_path / "nope")], channel_env, check=False)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "Dockerfile").write_text("FROM scratch\n")
    proc = run_cli(["build", str(docker)], channel_env, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "R2C101" in proc.stderr and "error: not building:" in proc.stderr  # as check says
    repo = copy_repo("plain-python", tmp_path)
    proc = run_cli(["build", str(repo), "--locked"], channel_env, check=False)
    assert proc.returncode == 1 and "--locked" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(["build", str(repo), "-n", "a", "-p", "b"], channel_env, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = run_cli(["build", str(repo), "-p", str(blocker / "env")], channel_env, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_lock_choices(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    run_cli(["lock", str(repo), "-q"], channel_env)
    lockfile = repo / "conda-lock.yml"
    assert lockfile.is_file()
    repo_files = sorted(p.name for p in repo.iterdir())
    result = build_json(repo, channel_env, "--locked", "--no-kernel")
    assert result["lock_source"] == "repository" and result["lockfile"] == str(lockfile)
    assert sorted(p.name for p in repo.iterdir()) == repo_files  # nothing written into the repo

    # spec changes: the repo lock is stale -> --locked fails, --frozen installs it as is,
    # the default resolves elsewhere (never into the repository)
    (repo / "environment.yml").write_text((repo / "environment.yml").read_text() + "  - numpy\n")
    lock_bytes = lockfile.read_bytes()
    proc = run_cli(["build", str(repo), "--locked", "--no-kernel"], channel_env, check=False)
    assert proc.returncode == 1 and "stale" in proc.stderr
    frozen = build_json(repo, channel_env, "--frozen", "--no-kernel")
    assert (
        frozen["lock_source"] == "frozen" and frozen["conda_packages"] == result["conda_packages"]
    )
    assert build_json(repo, channel_env, "--frozen", "--no-kernel")["action"] == "unchanged"
    resolved = build_json(repo, channel_env, "--no-kernel")
    assert resolved["lock_source"] == "resolved"
    meta = Path(resolved["prefix"]) / "conda-meta"
    assert list(meta.glob("numpy-*.json"))  # the new spec, resolved without ipykernel
    assert not list(meta.glob("ipykernel-*.json"))
    assert not Path(resolved["lockfile"]).is_relative_to(repo)
    assert lockfile.read_bytes() == lock_bytes

    # --lockfile installs a given file, here into a prefix
    given_args = ["--lockfile", str(lockfile), "-p", str(tmp_path / "given-env"), "--no-kernel"]
    given = build_json(repo, channel_env, *given_args)
    assert given["lock_source"] == "given" and given["conda_packages"] == result["conda_packages"]
    assert build_json(repo, channel_env, *given_args)["action"] == "unchanged"
    assert os.path.exists(tmp_path / "given-env" / "bin" / "python")

    # the repository's lock is re-made: a --frozen build follows it
    run_cli(["lock", str(repo), "-q"], channel_env)
    assert lockfile.read_bytes() != lock_bytes
    refrozen = build_json(repo, channel_env, "--frozen", "--no-kernel")
    assert refrozen["action"] == "updated" and refrozen["lock_source"] == "frozen"
    assert list((Path(refrozen["prefix"]) / "conda-meta").glob("numpy-*.json"))


@pytest.mark.pypi
def test_requirements_and_root_package(tmp_path: Path, channel_env: dict[str, str]) -> None:
    """No environment.yml: runtime.txt + requirements.txt, then `pip install .` of the repo."""
    repo = copy_repo("local-package", tmp_path)
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    result = build_json(repo, channel_env)
    assert result["pip_packages"] == 2
    out = run_in_kernel(
        result["kernel_name"],
        "import hello_r2c, tomli_w, sys\nprint(hello_r2c.GREETING)\n"
        "print(hello_r2c.__file__.startswith(sys.prefix))",
    )
    assert out.split("\n")[:2] == ["hello from the repository package", "True"]
    # installed, not editable; the in-tree build left nothing behind in the repository
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*")) == before
    assert build_json(repo, channel_env)["action"] == "unchanged"


def test_kernel_name_taken(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    theirs = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels" / "plain-python"
    theirs.mkdir(parents=True)
    (theirs / "kernel.json").write_text('{"argv": ["python"], "display_name": "Mine"}')
    proc = run_cli(["build", str(repo)], channel_env, check=False)
    assert proc.returncode == 1 and "kernel 'plain-python' already exists" in proc.stderr
    assert json.loads((theirs / "kernel.json").read_text())["display_name"] == "Mine"
    result = build_json(repo, channel_env, "--kernel-name", "plain-2")
    assert result["kernel_name"] == "plain-2" and result["action"] == "created"
    # renaming the kernel moves it: the old one (ours) goes, a foreign one stays
    result = build_json(repo, channel_env, "--kernel-name", "plain-3")
    kernels = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels"
    assert sorted(p.name for p in kernels.iterdir()) == ["plain-3", "plain-python"]
    # --no-kernel drops ours too
    build_json(repo, channel_env, "--no-kernel")
    assert sorted(p.name for p in kernels.iterdir()) == ["plain-python"]

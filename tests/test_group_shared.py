"""Group-shared environments: files readable as the umask allows, another member registers a
kernel for an env they did not build, without writing into it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import copy_repo, run_cli, run_in_kernel

from rees2conda.env.perms import share_conda_meta

NOBODY = 65534


def _tree(prefix: Path) -> dict[str, tuple[int, int, int]]:
    """(mode, size, mtime_ns) of everything under ``prefix``: proof that nothing was written."""
    out = {}
    for root, dirs, files in os.walk(prefix):
        for name in dirs + files:
            st = os.lstat(os.path.join(root, name))
            out[os.path.join(root, name)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A world-traversable folder (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="r2c-group-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_share_conda_meta_widens_private_records_only(tmp_path: Path) -> None:
    meta = tmp_path / "conda-meta"
    meta.mkdir()
    (meta / "a-1-0.json").write_text("{}")
    (meta / "a-1-0.json").chmod(0o600)
    (meta / "b-1-0.json").write_text("{}")
    (meta / "b-1-0.json").chmod(0o664)
    old = os.umask(0o002)
    try:
        assert share_conda_meta(tmp_path) == 1
    finally:
        os.umask(old)
    assert stat.S_IMODE((meta / "a-1-0.json").stat().st_mode) == 0o664
    assert stat.S_IMODE((meta / "b-1-0.json").stat().st_mode) == 0o664


@pytest.mark.slow
def test_second_member_reads_env_and_registers_kernel(
    tmp_path: Path, channel_env: dict[str, str], shared_dir: Path
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    prefix = shared_dir / "envs" / "demo"
    old = os.umask(0o022)
    try:
        run_cli(["build", str(repo), "-p", str(prefix), "-q"], channel_env)
    finally:
        os.umask(old)
    records = sorted((prefix / "conda-meta").glob("*.json"))
    assert records
    private = [r.name for r in records if stat.S_IMODE(r.stat().st_mode) & 0o044 != 0o044]
    assert private == []
    stamp = prefix / "conda-meta" / "rees2conda.stamp"
    assert stat.S_IMODE(stamp.stat().st_mode) & 0o044 == 0o044

    # another Unix user runs the env's python and reads every record, as `conda list` does
    code = (
        "import glob, json, sys; "
        f"rs = [json.load(open(p)) for p in glob.glob('{prefix}/conda-meta/*.json')]; "
        "print(len(rs))"
    )
    proc = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code],
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        env={"PATH": os.defpath, "HOME": str(shared_dir)},
        capture_output=True,
        text=True,
        cwd=shared_dir,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == len(records)

    # another member's HOME: a kernel of their own, nothing written into the env
    member = tmp_path / "member"
    member.mkdir()
    member_env = {
        **channel_env,
        "HOME": str(member),
        "JUPYTER_DATA_DIR": str(member / "jupyter"),
        "XDG_DATA_HOME": str(member / "share"),
    }
    before = _tree(prefix)
    out = run_cli(["kernel", str(prefix), "--json"], member_env)
    assert _tree(prefix) == before
    info = json.loads(out.stdout)
    assert info["name"] == "demo" and info["display_name"] == "Python 3.11 (demo)"
    assert Path(info["kernel_dir"]).parent.parent == member / "jupyter"
    again = run_cli(["kernel", str(prefix), "--json"], member_env)  # idempotent
    assert json.loads(again.stdout) == info
    os.environ["JUPYTER_DATA_DIR"] = member_env["JUPYTER_DATA_DIR"]
    printed = run_in_kernel("demo", "import sys; print(sys.prefix)")
    assert printed.strip() == str(prefix)
    listed = json.loads(
        run_cli(["list", "--json"], {**member_env, "CONDA_ENVS_PATH": str(prefix.parent)}).stdout
    )
    assert [e["prefix"] for e in listed] == [str(prefix)]

"""make_channel's ``fortran-compiler`` (Debian's gfortran over the machine's gcc) installs into an
env where ``gfortran`` compiles and links a program: what ``--apt conda`` gives an apt.txt's
``gfortran`` in the conformance run (repo2docker's venv/binder-dir).

Needs apt-get/dpkg-deb and Debian's archive (the .debs are cached beside the wheels).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from channel_helpers import make_channel


@pytest.mark.slow
def test_fortran_compiler_compiles_in_the_env(tmp_path: Path) -> None:
    if not all(shutil.which(t) for t in ("apt-get", "dpkg-deb", "dpkg-query", "gcc")):
        pytest.skip("needs Debian's apt-get/dpkg and the machine's gcc")
    import rattler

    mc = make_channel()
    channel = tmp_path / "channel"
    made = mc.build_gfortran(channel)
    assert [p.name.split("-")[0] for p in made] == ["gfortran", "fortran"]
    mc.index_channel(channel)
    repodata = json.loads((channel / "linux-64" / "repodata.json").read_text())
    names = {r["name"] for r in repodata["packages.conda"].values()}
    assert names == {"gfortran", "fortran-compiler"}

    records = asyncio.run(
        rattler.solve([channel.as_uri()], ["fortran-compiler"], platforms=["linux-64", "noarch"])
    )
    prefix = tmp_path / "env-with-a-longer-prefix-than-the-build"
    asyncio.run(
        rattler.install(
            records, target_prefix=prefix, cache_dir=tmp_path / "pkgs", show_progress=False
        )
    )
    source = tmp_path / "hi.f90"
    source.write_text('program hi\n  print *, "hello", sqrt(4.0)\nend program hi\n')
    exe = tmp_path / "hi"
    env = {"PATH": f"{prefix / 'bin'}:/usr/bin:/bin"}
    proc = subprocess.run(
        ["gfortran", str(source), "-o", str(exe)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert shutil.which("gfortran", path=env["PATH"]) == str(prefix / "bin" / "gfortran")
    out = subprocess.run(
        [str(exe)], env={"LD_LIBRARY_PATH": str(prefix / "lib")}, capture_output=True, text=True
    )
    assert out.stdout.split() == ["hello", "2.00000000"]

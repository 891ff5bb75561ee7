"""make_channel's ``make`` (Debian's GNU make of the machine) installs into an env where it runs
a Makefile: what repo2docker's conda/py36-postBuild installs with ``mamba install -y make`` in
the conformance run (through rees2conda's stand-in ``mamba``).

Needs apt-get/dpkg-deb and Debian's archive (the .deb is cached beside the wheels).
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
def test_make_runs_a_makefile_in_the_env(tmp_path: Path) -> None:
    if not all(shutil.which(t) for t in ("apt-get", "dpkg-deb", "dpkg-query")):
        pytest.skip("needs Debian's apt-get/dpkg")
    import rattler

    mc = make_channel()
    channel = tmp_path / "channel"
    made = mc.build_make(channel)
    assert made.name.startswith("make-")
    mc.index_channel(channel)
    repodata = json.loads((channel / "linux-64" / "repodata.json").read_text())
    assert {r["name"] for r in repodata["packages.conda"].values()} == {"make"}

    records = asyncio.run(
        rattler.solve([channel.as_uri()], ["make"], platforms=["linux-64", "noarch"])
    )
    prefix = tmp_path / "env"
    asyncio.run(
        rattler.install(
            records, target_prefix=prefix, cache_dir=tmp_path / "pkgs", show_progress=False
        )
    )
    (tmp_path / "Makefile").write_text("hello:\n\t@echo made by $(MAKE_VERSION)\n")
    proc = subprocess.run(
        [str(prefix / "bin" / "make"), "--no-print-directory", "-C", str(tmp_path), "hello"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("made by 4.")

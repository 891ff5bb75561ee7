"""The install layer on its own: rattler install with the rich reporter, damage detection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from build_helpers import copy_repo

from rees2conda.env.install import damaged_packages, install_conda


def test_damaged_packages(tmp_path: Path) -> None:
    meta = tmp_path / "conda-meta"
    meta.mkdir()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "ok").write_text("")
    (meta / "good-1-0.json").write_text(json.dumps({"name": "good", "files": ["bin/ok"]}))
    (meta / "bad-1-0.json").write_text(json.dumps({"name": "bad", "files": ["bin/ok", "bin/x"]}))
    (meta / "rees2conda.incomplete").write_text("{}")
    (meta / "torn-1-0.json").write_text('{"name": "to')  # half-written record: skipped
    assert damaged_packages(tmp_path) == {"bad"}


@pytest.mark.slow
def test_install_with_rich_reporter(tmp_path: Path, channel_env: dict[str, str]) -> None:
    from rich.console import Console

    from rees2conda.output.progress import make_reporter
    from rees2conda.resolve.api import LockOptions, lock, read_locked_packages

    repo = copy_repo("plain-python", tmp_path)
    lockfile = tmp_path / "lock" / "conda-lock.yml"
    lockfile.parent.mkdir()
    lock(repo, lockfile=lockfile, options=LockOptions(kernel=False))
    locked = read_locked_packages(lockfile, "linux-64")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    prefix = tmp_path / "env"
    install_conda(
        locked.conda, prefix, cache_dir=tmp_path / "pkgs", reporter=make_reporter(console)
    )
    assert (prefix / "bin" / "python").exists()
    # the live display's last frame names whichever package was linked last (order varies)
    assert "linking " in out.getvalue()
    # a second install is a no-op diff; removing a file and asking for a reinstall repairs it
    victim = prefix / "bin" / "python3.11"
    victim.unlink()
    assert damaged_packages(prefix) == {"python"}
    install_conda(locked.conda, prefix, cache_dir=tmp_path / "pkgs", reinstall={"python"})
    assert victim.exists() and damaged_packages(prefix) == set()

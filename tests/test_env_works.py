"""An env is stamped good only when it works: the smoke test, and a Python minor update."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo, run_cli, run_in_kernel, stamp

pytestmark = pytest.mark.slow


def _two_pythons(local_channel: Path) -> tuple[str, str]:
    """Two consecutive Python minors the channel offers (3.11 -> 3.12 where it can)."""
    offered = json.loads((local_channel.parent / "channel.json").read_text())["pythons"]
    for old, new in (("3.11", "3.12"), ("3.10", "3.11")):
        if old in offered and new in offered:
            return old, new
    pytest.skip(f"the local channel offers no two consecutive Pythons ({offered})")


def _spec(repo: Path, *deps: str) -> None:
    (repo / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies: [" + ", ".join(deps) + "]\n"
    )


def test_python_minor_update_rebuilds_site_packages_and_the_kernel_starts(
    tmp_path: Path, channel_env: dict[str, str], local_channel: Path
) -> None:
    old, new = _two_pythons(local_channel)
    repo = copy_repo("plain-python", tmp_path)
    _spec(repo, f"python={old}")
    first = build_json(repo, channel_env, "-n", "upd")
    prefix = Path(first["prefix"])
    assert first["display_name"] == f"Python {old} (upd)"
    _spec(repo, f"python={new}")
    second = build_json(repo, channel_env, "-n", "upd")
    assert second["action"] == "updated" and second["display_name"] == f"Python {new} (upd)"
    assert not (prefix / "lib" / f"python{old}").exists()  # nothing left behind
    # every package of the kernel's closure is importable from the new Python
    code = "import sys, psutil, tornado, ipykernel; print(sys.version_info[:2])"
    major, minor = new.split(".")
    assert run_in_kernel(first["kernel_name"], code).strip() == f"({major}, {minor})"


def test_a_broken_env_is_not_stamped_and_force_repairs_it(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    repo = copy_repo("plain-python", tmp_path)
    _spec(repo, "python=3.11")
    result = build_json(repo, channel_env, "-n", "smoke")
    prefix = Path(result["prefix"])
    good_stamp = stamp(prefix).read_bytes()
    # damage no link check can see (files are hardlinks into the shared cache: replace, never
    # write through)
    init = next((prefix / "lib").glob("python3.11/site-packages/ipykernel/__init__.py"))
    init.unlink()
    init.write_text("raise ImportError('damaged behind our back')\n")
    _spec(repo, "python=3.11", "six")  # a change that gives the build work to do
    proc = run_cli(["build", str(repo), "-n", "smoke"], channel_env, check=False)
    assert proc.returncode == 1
    assert "does not work" in proc.stderr and "damaged behind our back" in proc.stderr
    assert "import ipykernel" in proc.stderr and "Traceback" not in proc.stderr
    assert (prefix / "conda-meta" / "rees2conda.incomplete").exists()
    assert stamp(prefix).read_bytes() == good_stamp  # the old stamp, which no longer matches
    again = run_cli(["build", str(repo), "-n", "smoke"], channel_env, check=False)
    assert again.returncode == 1  # never stamped good while broken
    build_json(repo, channel_env, "-n", "smoke", "--force")  # relinks every package
    assert not (prefix / "conda-meta" / "rees2conda.incomplete").exists()
    assert run_in_kernel(result["kernel_name"], "import six; print('ok')").strip() == "ok"
    # the no-op path runs no smoke test (and imports no engine): unchanged, fast
    assert build_json(repo, channel_env, "-n", "smoke")["action"] == "unchanged"

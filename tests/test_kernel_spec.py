"""Kernelspecs: where they go (jupyter_core's rule), what they hold, activation variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rees2conda.kernel.activation import activation_env
from rees2conda.kernel.spec import (
    build_kernelspec,
    jupyter_data_dir,
    kernel_intact,
    kernel_name_for,
    kernel_owner,
    valid_kernel_name,
    write_kernelspec,
)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"XDG_DATA_HOME": "/x/data"},
        {"JUPYTER_DATA_DIR": "/j/data"},
        {"JUPYTER_DATA_DIR": "/j/data", "XDG_DATA_HOME": "/x/data"},
        {"JUPYTER_PLATFORM_DIRS": "1"},
        {"JUPYTER_PLATFORM_DIRS": "1", "XDG_DATA_HOME": "/x/data"},
        {"JUPYTER_PLATFORM_DIRS": "off", "XDG_DATA_HOME": "/x/data"},
    ],
)
def test_data_dir_matches_jupyter_core(tmp_path: Path, extra: dict[str, str]) -> None:
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], **extra}
    theirs = subprocess.run(
        [sys.executable, "-c", "from jupyter_core.paths import jupyter_data_dir as d; print(d())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert str(jupyter_data_dir(env)) == theirs


def test_names() -> None:
    assert kernel_name_for("My Env") == "my-env"
    assert valid_kernel_name("a.b_c-1") and not valid_kernel_name("a b")


def test_kernelspec_content(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    spec = build_kernelspec(
        prefix,
        display_name="Python (env)",
        env_name="env",
        activation={"FOO": "1"},
        source="/repo",
        version="9",
    )
    assert spec["argv"] == [
        str(prefix / "bin" / "python"),
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    assert spec["env"]["PATH"] == f"{prefix / 'bin'}:${{PATH}}"
    assert spec["env"]["CONDA_PREFIX"] == str(prefix)
    assert spec["env"]["CONDA_DEFAULT_ENV"] == "env"
    assert spec["env"]["FOO"] == "1"
    assert spec["metadata"]["rees2conda"]["source"] == "/repo"
    kdir = tmp_path / "kernels" / "env"
    logos = prefix / "share" / "jupyter" / "kernels" / "python3"
    logos.mkdir(parents=True)
    (logos / "logo-32x32.png").write_bytes(b"png")
    assert write_kernelspec(kdir, spec, prefix)
    assert not write_kernelspec(kdir, spec, prefix)  # idempotent: nothing rewritten
    assert json.loads((kdir / "kernel.json").read_text()) == spec
    assert (kdir / "logo-32x32.png").read_bytes() == b"png"
    assert kernel_owner(kdir) == str(prefix)
    assert not kernel_intact(kdir, prefix)  # no python there
    (prefix / "bin").mkdir()
    (prefix / "bin" / "python").write_text("")
    assert kernel_intact(kdir, prefix)  # argv[0] points at this prefix
    assert not kernel_intact(kdir, tmp_path / "other")


def test_activation_scripts_are_captured(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    assert activation_env(prefix) == {}  # no scripts: no bash run
    act = prefix / "etc" / "conda" / "activate.d"
    act.mkdir(parents=True)
    (act / "gdal.sh").write_text(
        'export GDAL_DATA="$CONDA_PREFIX/share/gdal"\nexport REES2CONDA_TEST_FLAG=on\n'
    )
    env_vars = prefix / "etc" / "conda" / "env_vars.d"
    env_vars.mkdir(parents=True)
    (env_vars / "x.json").write_text('{"FROM_JSON": "yes"}')
    got = activation_env(prefix)
    assert got["GDAL_DATA"] == f"{prefix}/share/gdal"
    assert got["REES2CONDA_TEST_FLAG"] == "on"
    assert got["FROM_JSON"] == "yes"
    assert "PATH" not in got and "SHLVL" not in got


def test_platform_dirs_need_no_jupyter_core(tmp_path: Path) -> None:
    """``JUPYTER_PLATFORM_DIRS=1`` once made build import jupyter_core (not a dependency)."""
    code = (
        "import sys; from rees2conda.kernel.spec import jupyter_data_dir; "
        "print(jupyter_data_dir()); print('jupyter_core' in sys.modules)"
    )
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], "JUPYTER_PLATFORM_DIRS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(tmp_path / ".local" / "share" / "jupyter"), "False"]

"""Binder's pip layer in a built environment: pins replace conda's kernel dependencies cleanly."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo, run_in_kernel

pytestmark = [pytest.mark.slow, pytest.mark.pypi]


def _dist_infos(prefix: Path, name: str) -> list[str]:
    site = next((prefix / "lib").glob("python3.*/site-packages"))
    return sorted(p.name for p in site.glob(f"{name}-*.dist-info"))


def _notebook_output(repo: Path, notebook: str) -> str:
    """Run the code cells of ``notebook`` in the kernel its metadata names (as Jupyter would)."""
    nb = json.loads((repo / notebook).read_text())
    kernel = nb["metadata"]["kernelspec"]["name"]
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return run_in_kernel(kernel, code)


def test_pins_replace_kernel_dependencies(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("pip-pins-kernel-deps", tmp_path)
    result = build_json(repo, channel_env)
    prefix = Path(result["prefix"])
    # the notebook, retargeted to the new kernel, runs there with the pinned versions
    out = _notebook_output(repo, "versions.ipynb")
    assert "traitlets 5.14.3" in out and "tornado 6.5.10" in out
    # conda's copies are gone: one distribution per name, installed by pip
    for name in ("traitlets", "tornado"):
        assert _dist_infos(prefix, name) == [
            {"traitlets": "traitlets-5.14.3.dist-info", "tornado": "tornado-6.5.10.dist-info"}[name]
        ]
        assert not list((prefix / "conda-meta").glob(f"{name}-*.json"))
    # pip itself is in the environment, for %pip install
    check = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    assert build_json(repo, channel_env)["action"] == "unchanged"

    # the pins go: conda's versions come back, again one copy each
    (repo / "requirements.txt").write_text("")
    assert build_json(repo, channel_env)["action"] == "updated"
    for name in ("traitlets", "tornado"):
        infos = _dist_infos(prefix, name)
        assert len(infos) == 1 and "5.14.3" not in infos[0] and "6.5.10" not in infos[0]
        assert len(list((prefix / "conda-meta").glob(f"{name}-*.json"))) == 1
    out = _notebook_output(repo, "versions.ipynb")
    assert "traitlets 5.16.1" in out and "tornado 6.6.1" in out
    # no pip lines at all: pip is still there for %pip install
    check = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


PIP_25 = (
    "https://files.pythonhosted.org/packages/85/8a/"
    "1ddf40be20103bcc605db840e9ade09c8e8c9f920a03e9cfe88eae97a058/pip-25.0-py3-none-any.whl",
    "b6eb97a803356a52b2dd4bb73ba9e65b2ba16caa6bcb25a7497350a4e5859b65",
)


def test_lock_naming_both_replaces_the_conda_package(
    tmp_path: Path, channel_env: dict[str, str]
) -> None:
    """A lock (written elsewhere, or with a name map that missed the pair) that has a conda
    package and a pip package of one distribution: build derives what conda installed and
    lets the pip one replace it cleanly."""
    from build_helpers import run_cli
    from ruamel.yaml import YAML

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "runtime.txt").write_text("python-3.11\n")
    (repo / "requirements.txt").write_text("")
    run_cli(["lock", str(repo), "-q"], channel_env)
    lockfile = repo / "conda-lock.yml"
    yaml = YAML()
    lock = yaml.load(lockfile)
    assert any(p["name"] == "pip" and p["manager"] == "conda" for p in lock["package"])
    lock["package"].append(
        {
            "name": "pip",
            "version": "25.0",
            "manager": "pip",
            "platform": "linux-64",
            "dependencies": {},
            "url": PIP_25[0],
            "hash": {"sha256": PIP_25[1]},
            "category": "main",
            "optional": False,
        }
    )
    yaml.dump(lock, lockfile)
    result = build_json(repo, channel_env, "--frozen", "--no-kernel")
    prefix = Path(result["prefix"])
    assert _dist_infos(prefix, "pip") == ["pip-25.0.dist-info"]
    assert not list((prefix / "conda-meta").glob("pip-*.json"))
    version = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("pip 25.0 ")
    # later builds with work (a changed lock, --force) must not link the replaced conda
    # package again: relinking then unlinking it deleted pip's own files
    lockfile.write_text(lockfile.read_text() + "# touched\n")
    for extra in ([], ["--force"]):
        again = build_json(repo, channel_env, "--frozen", "--no-kernel", *extra)
        assert again["action"] == "updated"
        assert _dist_infos(prefix, "pip") == ["pip-25.0.dist-info"]
        version = subprocess.run(
            [str(prefix / "bin" / "python"), "-m", "pip", "--version"],
            capture_output=True,
            text=True,
        )
        assert version.stdout.startswith("pip 25.0 "), version.stderr

"""Kernels end to end: an env with a Python and a bash kernel (bash_kernel ships its kernelspec
in ``share/jupyter/kernels/bash`` as conda packages do), a repository with Python, bash and R
notebooks. Notebooks go to the kernel of their language and run there; the R notebook (no R
kernel in the env) stays byte for byte; a notebook added later is picked up by the login-time
``build -q``; ``remove`` puts every original kernelspec back; kernels of a deleted env are listed
and removed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo, imported_engines, run_cli

pytestmark = pytest.mark.slow


def execute(path: Path) -> list[str]:
    """Run a notebook in the kernel its metadata names (nbclient, as Jupyter tools do); the
    stream output of each cell."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, startup_timeout=120).execute()
    return [
        "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")
        for cell in nb.cells
    ]


def test_polyglot_repository(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("polyglot", tmp_path)
    originals = {p.name: p.read_bytes() for p in repo.glob("*.ipynb")}
    os.mkfifo(repo / "pipe.ipynb")  # once hung every build, holding the env lock
    proc = run_cli(["build", str(repo)], channel_env, timeout=240)
    assert "warning: pipe.ipynb: not retargeted: not a regular file" in proc.stderr
    prefix = Path(channel_env["HOME"]) / ".conda" / "envs" / "polyglot"
    assert "kernel: polyglot (Python 3.11 (polyglot))" in proc.stdout
    assert "kernel: polyglot-bash (Bash (polyglot))" in proc.stdout
    assert "left analysis-r.ipynb: R notebook: the environment has no R kernel" in proc.stdout

    # the bash kernel is the env's own kernelspec, made absolute and activated
    kernels = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels"
    bash_spec = json.loads((kernels / "polyglot-bash" / "kernel.json").read_text())
    assert bash_spec["argv"][:3] == [str(prefix / "bin" / "python"), "-m", "bash_kernel"]
    assert bash_spec["language"] == "bash" and bash_spec["env"]["PS1"] == "$"
    assert (kernels / "polyglot-bash" / "logo-svg.svg").is_file()
    py_spec = json.loads((kernels / "polyglot" / "kernel.json").read_text())
    assert py_spec["metadata"]["supported_encryption"] == ["curve"]

    # each notebook names the kernel of its language; CRLF and every other byte kept
    shell = (repo / "shell.ipynb").read_bytes()
    assert shell.count(b"\r\n") == originals["shell.ipynb"].count(b"\r\n")
    assert json.loads(shell)["metadata"]["kernelspec"] == {
        "display_name": "Bash (polyglot)",
        "language": "bash",
        "name": "polyglot-bash",
    }
    assert (repo / "analysis-r.ipynb").read_bytes() == originals["analysis-r.ipynb"]

    # and runs there
    assert execute(repo / "python.ipynb") == [f"{prefix}\n{prefix}\n"]
    assert execute(repo / "shell.ipynb") == [f"prefix={prefix}\n{prefix}/bin/python\n"]

    # a notebook arriving after the build (git pull) is picked up at the next login, import-light
    new = repo / "later" / "new.ipynb"
    new.parent.mkdir()
    new.write_bytes(originals["python.ipynb"])
    proc = run_cli(["build", "-q", str(repo)], channel_env, python_flags=["-X", "importtime"])
    assert imported_engines(proc.stderr) == set()
    assert json.loads(new.read_text())["metadata"]["kernelspec"]["name"] == "polyglot"
    # the next one has nothing to do and reads no notebook
    before = new.stat().st_mtime_ns
    proc = run_cli(["build", "-q", str(repo)], channel_env, python_flags=["-X", "importtime"])
    assert "rees2conda.kernel.retarget" not in proc.stderr and new.stat().st_mtime_ns == before

    # remove: kernels gone, every notebook as it was
    proc = run_cli(["remove", "polyglot"], channel_env)
    assert not (kernels / "polyglot").exists() and not (kernels / "polyglot-bash").exists()
    for name, data in originals.items():
        assert (repo / name).read_bytes() == data, name
    assert new.read_bytes() == originals["python.ipynb"]


def test_mixed_case_kernel_name_and_orphans(tmp_path: Path, channel_env: dict[str, str]) -> None:
    repo = copy_repo("plain-python", tmp_path)
    scratch = tmp_path / "scratch" / "env"
    result = build_json(repo, channel_env, "-p", str(scratch), "--kernel-name", "MyKernel")
    assert result["kernel_name"] == "mykernel"
    kernels = Path(channel_env["JUPYTER_DATA_DIR"]) / "kernels"
    assert [p.name for p in kernels.iterdir()] == ["mykernel"]
    # the -p env is listed under its folder's name and removable by it
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    assert [(e["name"], e["state"]) for e in listed] == [("env", "ok")]
    run_cli(["build", str(repo), "-p", str(scratch), "--kernel-name", "MyKernel"], channel_env)
    # a same-named kernel earlier on JUPYTER_PATH would be started instead: said
    early = tmp_path / "site-jupyter"
    (early / "kernels" / "mykernel").mkdir(parents=True)
    (early / "kernels" / "mykernel" / "kernel.json").write_text('{"argv": ["x"]}')
    proc = run_cli(["list"], {**channel_env, "JUPYTER_PATH": str(early)})
    assert f"is shadowed by {early / 'kernels' / 'mykernel'}" in proc.stderr
    # the scratch folder is purged: list shows the kernel as gone, remove cleans it
    shutil.rmtree(scratch.parent)
    listed = json.loads(run_cli(["list", "--json"], channel_env).stdout)
    assert [(e["name"], e["kernel"], e["state"]) for e in listed] == [("env", "mykernel", "gone")]
    run_cli(["remove", "mykernel"], channel_env)
    assert list(kernels.iterdir()) == []


def test_bare_folder_left_alone_unless_asked(tmp_path: Path, channel_env: dict[str, str]) -> None:
    """A folder without Binder files (say $HOME): its notebooks are not rewritten unless asked,
    and never those of a nested project."""
    folder = tmp_path / "home-like"
    (folder / "project" / ".git").mkdir(parents=True)
    nb = (copy_repo("polyglot", tmp_path) / "python.ipynb").read_bytes()
    (folder / "a.ipynb").write_bytes(nb)
    (folder / "project" / "b.ipynb").write_bytes(nb)
    first = build_json(folder, channel_env, "-n", "bare")
    assert first["notebooks_changed"] == [] and (folder / "a.ipynb").read_bytes() == nb
    asked = build_json(folder, channel_env, "-n", "bare", "--retarget")
    assert asked["action"] == "unchanged" and asked["notebooks_changed"] == ["a.ipynb"]
    assert json.loads((folder / "a.ipynb").read_text())["metadata"]["kernelspec"]["name"] == "bare"
    assert (folder / "project" / "b.ipynb").read_bytes() == nb


def test_r_notebook_runs_in_the_envs_r_kernel(tmp_path: Path, channel_env: dict[str, str]) -> None:
    """r-irkernel's kernelspec (its program inside the prefix, as conda-forge installs it) is
    registered as ``NAME-r``; the R notebook goes there and runs in R (the machine's R and
    IRkernel stand in for conda-forge's: Debian's r-base-core and r-cran-irkernel)."""
    has_irkernel = (
        shutil.which("R")
        and subprocess.run(
            ["R", "--slave", "-e", "library(IRkernel)"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_irkernel:
        if os.environ.get("CI"):
            pytest.fail("R with IRkernel missing in CI (.ci/run installs r-cran-irkernel)")
        pytest.skip("R with IRkernel is not installed (apt: r-base-core r-cran-irkernel)")
    repo = copy_repo("r-notebooks", tmp_path)
    result = build_json(repo, channel_env)
    prefix = Path(result["prefix"])
    by_name = {k["name"]: k for k in result["kernels"]}
    assert by_name["r-notebooks-r"]["display_name"] == "R (r-notebooks)"
    spec = json.loads((Path(by_name["r-notebooks-r"]["dir"]) / "kernel.json").read_text())
    assert spec["argv"][0] == str(prefix / "lib" / "R" / "bin" / "R")  # placeholder rewritten
    assert spec["argv"][1:] == ["--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"]
    assert result["notebooks_changed"] == ["analysis.ipynb"]
    nb = json.loads((repo / "analysis.ipynb").read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "r-notebooks-r"
    assert execute(repo / "analysis.ipynb") == [f"3\n{prefix}\n"]

"""Registering every kernelspec an env ships: shapes of real kernel.json files, names, locking."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from rees2conda.errors import UserError
from rees2conda.kernel.register import by_language, plan, register, shadowed
from rees2conda.kernel.spec import kernel_dir, write_kernelspec

#: ipykernel 7's own share/jupyter/kernels/python3/kernel.json
IPYKERNEL = {
    "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "metadata": {"debugger": True, "supported_encryption": ["curve"]},
    "kernel_protocol_version": "5.5",
}


def irkernel(prefix: Path) -> dict[str, Any]:
    """r-irkernel's kernel.json as IRkernel::installspec() writes it in a conda env."""
    return {
        "argv": [
            str(prefix / "lib" / "R" / "bin" / "R"),
            "--slave",
            "-e",
            "IRkernel::main()",
            "--args",
            "{connection_file}",
        ],
        "display_name": "R",
        "language": "R",
    }


def fake_env(tmp_path: Path, kernels: dict[str, dict[str, Any]]) -> Path:
    prefix = tmp_path / "env"
    for rel in ("bin/python", "bin/R", "lib/R/bin/R"):
        (prefix / rel).parent.mkdir(parents=True, exist_ok=True)
        (prefix / rel).write_text("")
    for folder, spec in kernels.items():
        d = prefix / "share" / "jupyter" / "kernels" / folder
        d.mkdir(parents=True)
        (d / "kernel.json").write_text(json.dumps(spec))
        (d / "logo-64x64.png").write_bytes(b"png-" + folder.encode())
    return prefix


def test_irkernel_and_ipykernel_shapes(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    prefix = fake_env(tmp_path, {"python3": IPYKERNEL, "ir": irkernel(prefix)})
    (prefix / "share" / "jupyter" / "kernels" / "ir" / "kernel.js").write_text("// js")
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data")}
    planned = plan(
        prefix, python_name="myenv", python_display="Python 3.11 (MyEnv)", env_name="MyEnv"
    )
    done = register(
        prefix, planned, env_name="MyEnv", activation={"X": "1"}, source="/r", version="0", env=env
    )
    assert [(r.name, r.display_name, r.language) for r in done] == [
        ("myenv", "Python 3.11 (MyEnv)", "python"),
        ("myenv-r", "R (MyEnv)", "R"),
    ]
    py = json.loads((Path(done[0].dir) / "kernel.json").read_text())
    assert py["argv"][0] == str(prefix / "bin" / "python")
    assert py["argv"][1:] == IPYKERNEL["argv"][1:]
    assert py["kernel_protocol_version"] == "5.5"
    assert py["metadata"]["supported_encryption"] == ["curve"]
    assert py["metadata"]["debugger"] is True
    assert py["metadata"]["rees2conda"]["prefix"] == str(prefix)
    assert py["env"]["X"] == "1" and py["env"]["CONDA_PREFIX"] == str(prefix)
    r_dir = Path(done[1].dir)
    r = json.loads((r_dir / "kernel.json").read_text())
    assert r["argv"] == irkernel(prefix)["argv"]
    assert r["language"] == "R" and r["env"]["PATH"].startswith(str(prefix / "bin"))
    assert (r_dir / "kernel.js").read_text() == "// js"
    assert (r_dir / "logo-64x64.png").read_bytes() == b"png-ir"
    assert set(by_language(done)) == {"python", "r"}


def test_bare_program_made_absolute_and_kernel_env_kept(tmp_path: Path) -> None:
    bash = {
        "argv": ["python", "-m", "bash_kernel", "-f", "{connection_file}"],
        "display_name": "Bash",
        "language": "bash",
        "codemirror_mode": "shell",
        "env": {"PS1": "$"},
    }
    r_bare = {"argv": ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"]}
    r_bare |= {"display_name": "R", "language": "R"}
    prefix = fake_env(tmp_path, {"bash": bash, "ir": r_bare})
    planned = plan(prefix, python_name="e", python_display="Python (e)", env_name="e")
    # no python3 kernelspec in the env: ipykernel's is written
    assert [(p.name, p.language) for p in planned] == [
        ("e", "python"),
        ("e-bash", "bash"),
        ("e-r", "R"),
    ]
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data")}
    done = register(prefix, planned, env_name="e", activation={}, source="/r", version="0", env=env)
    specs = {r.name: json.loads((Path(r.dir) / "kernel.json").read_text()) for r in done}
    assert specs["e"]["argv"][:3] == [str(prefix / "bin" / "python"), "-m", "ipykernel_launcher"]
    assert specs["e-bash"]["argv"][0] == str(prefix / "bin" / "python")
    assert specs["e-bash"]["env"]["PS1"] == "$" and specs["e-bash"]["codemirror_mode"] == "shell"
    assert specs["e-r"]["argv"][0] == str(prefix / "bin" / "R")


def test_names_are_lower_case() -> None:
    env = {"JUPYTER_DATA_DIR": "/d"}
    assert kernel_dir("KC", env) == kernel_dir("kc", env) == Path("/d/kernels/kc")


def test_same_kernel_from_two_envs_never_mixes(tmp_path: Path) -> None:
    """``KC`` and ``kc`` built at once: one kernel wins whole, the other build is refused."""
    a = fake_env(tmp_path / "a", {"python3": IPYKERNEL})
    b = fake_env(tmp_path / "b", {"python3": IPYKERNEL})
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data")}
    outcomes: list[str] = []

    def build(prefix: Path, name: str) -> None:
        planned = plan(prefix, python_name=name, python_display=name, env_name=name)
        try:
            register(
                prefix, planned, env_name=name, activation={}, source="/", version="0", env=env
            )
            outcomes.append(f"ok {prefix}")
        except UserError as exc:
            outcomes.append(f"refused {exc.message}")

    threads = [threading.Thread(target=build, args=(p, n)) for p, n in ((a, "KC"), (b, "kc"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o.split()[0] for o in outcomes) == ["ok", "refused"]
    winner = next(o.split()[1] for o in outcomes if o.startswith("ok"))
    spec = json.loads((kernel_dir("kc", env) / "kernel.json").read_text())
    assert spec["argv"][0] == str(Path(winner) / "bin" / "python")
    assert spec["env"]["CONDA_PREFIX"] == winner
    assert sorted(p.name for p in (tmp_path / "data" / "kernels").iterdir()) == ["kc"]


def test_foreign_kernel_kept_unless_forced(tmp_path: Path) -> None:
    prefix = fake_env(tmp_path, {"python3": IPYKERNEL})
    kdir = tmp_path / "data" / "kernels" / "mine"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text('{"argv": ["x"], "display_name": "Mine"}')
    with pytest.raises(UserError, match="already exists"):
        write_kernelspec(kdir, {"argv": ["y"]}, prefix)
    assert "Mine" in (kdir / "kernel.json").read_text()
    assert write_kernelspec(kdir, {"argv": ["y"]}, prefix, force=True)
    assert json.loads((kdir / "kernel.json").read_text()) == {"argv": ["y"]}


def test_shadowing_kernel_reported(tmp_path: Path) -> None:
    prefix = fake_env(tmp_path, {"python3": IPYKERNEL})
    early = tmp_path / "early"
    (early / "kernels" / "e").mkdir(parents=True)
    (early / "kernels" / "e" / "kernel.json").write_text('{"argv": ["x"]}')
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data"), "JUPYTER_PATH": str(early)}
    planned = plan(prefix, python_name="e", python_display="E", env_name="e")
    done = register(prefix, planned, env_name="e", activation={}, source="/", version="0", env=env)
    (warning,) = shadowed(done, env)
    assert str(early / "kernels" / "e") in warning


def test_transport_encryption_required_starts_our_kernel(tmp_path: Path) -> None:
    """jupyter_client's KernelManager(transport_encryption="required") starts our kernel built
    from a real env's ipykernel kernelspec (the test interpreter's installation)."""
    zmq = pytest.importorskip("zmq")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    prefix = Path(sys.base_prefix)
    if not (prefix / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").is_file():
        pytest.skip("the test interpreter's ipykernel ships no kernelspec in its prefix")
    if not zmq.has("curve"):
        pytest.skip("pyzmq without CurveZMQ")
    data = tmp_path / "data"
    env = {"JUPYTER_DATA_DIR": str(data)}
    planned = plan(prefix, python_name="Enc-Test", python_display="Enc", env_name="enc")
    done = register(
        prefix, planned[:1], env_name="enc", activation={}, source="/", version="0", env=env
    )
    ksm = KernelSpecManager(kernel_dirs=[str(data / "kernels")])
    km = KernelManager(
        kernel_name=done[0].name, kernel_spec_manager=ksm, transport_encryption="required"
    )
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            out: list[str] = []
            reply = kc.execute_interactive(
                "import sys; print(sys.prefix)",
                output_hook=lambda m: out.append(m["content"].get("text", "")),
                timeout=60,
            )
        finally:
            kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert "".join(out).strip() == sys.base_prefix

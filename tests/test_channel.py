"""The local test channel (tests/conftest.py, tests/fixtures/make_channel.py) really works.

Everything the install and kernel tests rely on is exercised with the real components:
rattler solves and installs from the channel, the repackaged Python follows its new prefix,
and a Jupyter kernel started from the env runs code there.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from channel_helpers import make_channel

ROOTS = ["ipykernel", "numpy"]
# Tests marked slow+pypi use the whole channel (built from PyPI wheels on a cold cache, ~1 min);
# the others check make_channel.py's parts offline, in milliseconds.


def _pythons(channel: Path) -> list[str]:
    return json.loads((channel.parent / "channel.json").read_text())["pythons"]


def _solve(channel_url: str, specs: list[str]) -> list:
    import rattler

    return asyncio.run(
        rattler.solve(
            [channel_url],
            specs,
            platforms=["linux-64", "noarch"],
            virtual_packages=rattler.VirtualPackage.detect(),
        )
    )


def _install(records: list, prefix: Path, cache: Path) -> None:
    import rattler

    asyncio.run(
        rattler.install(records, target_prefix=prefix, cache_dir=cache, show_progress=False)
    )


@pytest.fixture(scope="module")
def installed(local_channel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One env per offered Python, installed from the channel: {"3.11": prefix, ...}."""
    cache = tmp_path_factory.mktemp("pkgs")
    prefixes = {}
    for py in _pythons(local_channel):
        # a long prefix: text placeholders must be rewritten whatever the length
        prefix = tmp_path_factory.mktemp(f"env-{py}") / ("deeper-than-the-build-prefix-" * 3)
        _install(_solve(local_channel.as_uri(), [f"python={py}", *ROOTS, "pip"]), prefix, cache)
        prefixes[py] = prefix
    return prefixes


@pytest.mark.slow
@pytest.mark.pypi
def test_offers_the_test_python_and_another(local_channel: Path) -> None:
    pythons = _pythons(local_channel)
    assert pythons[0] == "{}.{}".format(*sys.version_info[:2])
    assert len(pythons) >= 2


@pytest.mark.slow
@pytest.mark.pypi
def test_solves_differ_by_python_pin(local_channel: Path) -> None:
    by_python = {}
    for py in _pythons(local_channel):
        records = {
            r.name.normalized: r for r in _solve(local_channel.as_uri(), [f"python={py}", *ROOTS])
        }
        assert str(records["python"].version).startswith(py + ".")
        assert str(records["python_abi"].version) == py
        tag = "py" + py.replace(".", "")
        assert str(records["numpy"].build).startswith(tag)
        # the whole closure comes from the channel, under conda-forge's names
        assert {
            "ipykernel",
            "ipython",
            "jupyter_client",
            "jupyter_core",
            "pyzmq",
            "tornado",
            "traitlets",
            "prompt-toolkit",
            "python-dateutil",
            "stack_data",
        } <= set(records)
        by_python[py] = {(n, str(r.version), str(r.build)) for n, r in records.items()}
    first, *others = by_python.values()
    for other in others:
        assert first != other


@pytest.mark.slow
@pytest.mark.pypi
def test_conda_forge_name_resolves_to_the_local_channel(channel_env: dict[str, str]) -> None:
    import rattler

    condarc = Path(channel_env["CONDARC"]).read_text()
    alias = condarc.split("channel_alias:", 1)[1].split()[0]
    channel = rattler.Channel("conda-forge", rattler.ChannelConfig(channel_alias=alias + "/"))
    records = asyncio.run(
        rattler.solve([channel], ["python", "numpy"], platforms=["linux-64", "noarch"])
    )
    assert {r.name.normalized for r in records} >= {"python", "numpy", "python_abi"}
    assert all(r.url.startswith("file://") for r in records)
    assert Path(channel_env["HOME"]).is_dir()
    assert channel_env["JUPYTER_DATA_DIR"].startswith(channel_env["HOME"])
    assert os.environ["HOME"] == channel_env["HOME"]  # in-process calls see the same
    assert os.environ["CONDA_PKGS_DIRS"] == channel_env["CONDA_PKGS_DIRS"]
    assert "CONDA_PREFIX" not in channel_env


@pytest.mark.slow
@pytest.mark.pypi
def test_python_follows_its_prefix(installed: dict[str, Path]) -> None:
    code = (
        "import sys, sysconfig, json, numpy, IPython, zmq, tornado, psutil\n"
        "import ssl, sqlite3, ctypes, zlib, lzma, bz2, decimal, asyncio  # stdlib kept whole\n"
        "print(json.dumps([sys.prefix, sysconfig.get_config_var('prefix'), numpy.__file__,"
        " '%d.%d' % sys.version_info[:2]]))"
    )
    for py, prefix in installed.items():
        out = subprocess.run(
            [prefix / "bin" / "python", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=prefix,
        ).stdout
        sys_prefix, config_prefix, numpy_file, version = json.loads(out)
        assert Path(sys_prefix) == prefix
        assert Path(config_prefix) == prefix  # text placeholder rewritten at install
        assert Path(numpy_file).is_relative_to(prefix)
        assert version == py
        config = subprocess.run(
            [prefix / "bin" / "python3-config", "--prefix"], capture_output=True, text=True
        )
        assert config.stdout.strip() == str(prefix)


@pytest.mark.slow
@pytest.mark.pypi
def test_entry_points_run(installed: dict[str, Path]) -> None:
    for prefix in installed.values():
        out = subprocess.run(
            [prefix / "bin" / "pip", "--version"], capture_output=True, text=True, check=True
        ).stdout
        assert str(prefix) in out


@pytest.mark.slow
@pytest.mark.pypi
def test_uv_sees_the_conda_packages(installed: dict[str, Path]) -> None:
    """The pip stage (uv) must see what conda installed, or it would reinstall it."""
    from uv import find_uv_bin

    for prefix in installed.values():
        out = subprocess.run(
            [
                find_uv_bin(),
                "pip",
                "list",
                "--python",
                str(prefix / "bin" / "python"),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        names = {d["name"].lower().replace("_", "-") for d in json.loads(out)}
        assert {"numpy", "ipykernel", "jupyter-client", "pyzmq", "pip"} <= names


def _run_in_kernel(python: Path, kernels_dir: Path, code: str) -> tuple[dict, str]:
    """Start a kernel whose argv runs `python`, execute `code`; (reply, stdout text)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = kernels_dir / "channel-test"
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "channel test", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    # start_new_kernel would ignore a custom spec manager: build the manager ourselves
    ksm = KernelSpecManager(kernel_dirs=[str(kernels_dir)])
    km = KernelManager(kernel_name="channel-test", kernel_spec_manager=ksm)
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            outputs: list[str] = []
            reply = kc.execute_interactive(
                code,
                timeout=60,
                output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
            )
        finally:
            kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    return reply, "".join(outputs)


@pytest.mark.slow
@pytest.mark.pypi
def test_kernel_runs_in_the_env(installed: dict[str, Path], tmp_path: Path) -> None:
    code = "import sys, numpy; print(sys.prefix); print(numpy.arange(4).sum())"
    for py, prefix in installed.items():
        reply, out = _run_in_kernel(prefix / "bin" / "python", tmp_path / py, code)
        assert reply["content"]["status"] == "ok", reply["content"]
        assert out.split() == [str(prefix), "6"]


# --- make_channel.py's parts, offline -------------------------------------------------


def test_conda_forge_names() -> None:
    mc = make_channel()
    assert mc.conda_name("jupyter-client") == "jupyter_client"
    assert mc.conda_name("Typing_Extensions") == "typing_extensions"
    assert mc.conda_name("tzdata") == "python-tzdata"
    assert mc.conda_name("prompt_toolkit") == "prompt-toolkit"
    assert mc.conda_name("nest.asyncio2") == "nest-asyncio2"


def test_every_pinned_python_has_a_consistent_pin_set() -> None:
    mc = make_channel()
    for py in mc.DEFAULT_PYTHONS:
        pins = mc.pins_for(py)
        assert {"ipykernel", "numpy", "pip"} <= set(pins)
        assert all(v and v[0].isdigit() for v in pins.values())
    assert mc.cache_key(["3.11", "3.12"]) == mc.cache_key(["3.12", "3.11"])
    assert mc.cache_key(["3.11"]) != mc.cache_key(["3.11", "3.12"])


def test_extra_roots_key_their_own_channel_only() -> None:
    mc = make_channel()
    assert mc.cache_key(["3.11"], ()) == mc.cache_key(["3.11"])
    assert mc.cache_key(["3.11"], ("simplejson",)) != mc.cache_key(["3.11"])


def test_metadata_2_0_wheel_gets_a_readable_copy(tmp_path: Path) -> None:
    """whl2conda refuses Metadata-Version 2.0 (old wheels): a copy says 1.2, RECORD agrees."""
    from wheel.wheelfile import WheelFile

    mc = make_channel()
    wheel = tmp_path / "old-1.0-py2.py3-none-any.whl"
    with WheelFile(wheel, "w") as wf:
        wf.writestr("old.py", "x = 1\n")
        wf.writestr(
            "old-1.0.dist-info/METADATA", "Metadata-Version: 2.0\nName: old\nVersion: 1.0\n"
        )
        wf.writestr("old-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py2-none-any\n")
    fixed = mc._standard_metadata(wheel, tmp_path / "out")
    assert fixed != wheel
    with WheelFile(fixed) as wf:  # checks every file against RECORD while reading
        text = wf.read("old-1.0.dist-info/METADATA").decode()
    assert text.startswith("Metadata-Version: 1.2\n")
    assert mc._standard_metadata(fixed, tmp_path / "again") == fixed


def test_available_pythons_say_why_one_cannot_be_offered() -> None:
    mc = make_channel()
    found = mc.available_pythons()
    assert found["{}.{}".format(*sys.version_info[:2])] == ""
    for short, reason in found.items():
        old = tuple(map(int, short.split("."))) < mc.OLDEST_PYTHON
        # 2.7 is resolved by pip under 2.7 itself (LEGACY_PINS); other old ones cannot be
        assert bool(reason) == (old and short not in mc.LEGACY_PINS), (short, reason)


def _tiny_package(root: Path, prefix: str) -> Path:
    pkg = root / "pkg"
    (pkg / "bin").mkdir(parents=True)
    (pkg / "info").mkdir()
    (pkg / "bin" / "tool").write_text(f"#!{prefix}/bin/python\nprint('hi')\n")
    (pkg / "bin" / "tool").chmod(0o755)
    (pkg / "bin" / "blob").write_bytes(b"\0binary " + prefix.encode())
    (pkg / "bin" / "alias").symlink_to("tool")
    index = {"name": "tiny", "version": "1", "build": "0", "build_number": 0, "depends": []}
    (pkg / "info" / "index.json").write_text(json.dumps(index))
    return pkg


def test_placeholders_mark_text_files_only(tmp_path: Path) -> None:
    mc = make_channel()
    pkg = _tiny_package(tmp_path, "/old/prefix")
    entries = {e["_path"]: e for e in mc._paths_entries(pkg, "/old/prefix")}
    assert entries["bin/tool"]["file_mode"] == "text"
    assert entries["bin/tool"]["prefix_placeholder"] == "/old/prefix"
    assert "prefix_placeholder" not in entries["bin/blob"]  # binaries find their prefix
    assert entries["bin/alias"]["path_type"] == "softlink"


def test_pack_is_reproducible_and_readable(tmp_path: Path) -> None:
    from conda_package_handling.api import extract

    mc = make_channel()
    built = []
    for n in (1, 2):
        pkg = _tiny_package(tmp_path / str(n), "/old/prefix")
        (pkg / "bin" / "tool").touch()  # different mtimes must not matter
        built.append(mc.pack(pkg, tmp_path / f"out{n}", "tiny-1-0.conda").read_bytes())
    assert built[0] == built[1]
    extract(str(tmp_path / "out1" / "tiny-1-0.conda"), str(tmp_path / "x"))
    assert (tmp_path / "x" / "bin" / "tool").read_text().startswith("#!/old/prefix")
    assert (tmp_path / "x" / "bin" / "alias").is_symlink()
    assert os.access(tmp_path / "x" / "bin" / "tool", os.X_OK)
    index = json.loads((tmp_path / "x" / "info" / "index.json").read_text())
    assert index["timestamp"] == mc.TIMESTAMP_MS


def test_python_abi_package_indexes_and_solves(tmp_path: Path) -> None:
    mc = make_channel()
    for py in ("3.10", "3.11"):
        mc.build_python_abi(py, tmp_path)
    mc.index_channel(tmp_path)
    records = _solve(tmp_path.as_uri(), ["python_abi 3.11.* *_cp311"])
    assert [(r.name.normalized, str(r.version), str(r.build)) for r in records] == [
        ("python_abi", "3.11", "4_cp311")
    ]

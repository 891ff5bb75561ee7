"""The pip part: uv resolution on top of the conda part, wheel choice, conda->PyPI names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lock_helpers import CHANNELS, NUMPY_LOCK, make_report, options, pip_line, record, write_channel

from rees2conda.resolve.api import lock_report, read_locked_packages
from rees2conda.resolve.condadist import CondaDist
from rees2conda.resolve.pypi import (
    _to_resolved,
    conda_provided,
    conda_to_pypi_map,
    pick_file,
    platform_tags,
    requirement_lines,
    uv_platform,
)

SIX_WHEEL = {"url": "https://x/six-1.15.0-py2.py3-none-any.whl", "hashes": {"sha256": "6" * 64}}
NUMPY_WHEELS = {
    "name": "numpy",
    "version": "1.26.4",
    "sdist": {"url": "https://x/numpy-1.26.4.tar.gz", "hashes": {"sha256": "s" * 64}},
    "wheels": [
        {"url": f"https://x/numpy-1.26.4-{tag}.whl", "hashes": {"sha256": tag}}
        for tag in (
            "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp310-cp310-musllinux_1_1_x86_64",
            "cp310-cp310-manylinux_2_28_x86_64",
            "cp310-cp310-macosx_10_9_x86_64",
            "cp310-cp310-macosx_11_0_arm64",
            "cp310-cp310-win_amd64",
            "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        )
    ],
}


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux-64", {}, "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64"),
        ("linux-64", {"CONDA_OVERRIDE_GLIBC": "2.28"}, "cp310-cp310-manylinux_2_28_x86_64"),
        ("osx-64", {}, "cp310-cp310-macosx_10_9_x86_64"),
        ("osx-arm64", {}, "cp310-cp310-macosx_11_0_arm64"),
        ("win-64", {}, "cp310-cp310-win_amd64"),
    ],
)
def test_one_wheel_per_platform(platform: str, env: dict, expected: str) -> None:
    url, sha = pick_file(NUMPY_WHEELS, platform_tags(platform, "3.10", env))
    assert url == f"https://x/numpy-1.26.4-{expected}.whl" and sha == expected


def test_sdist_when_no_wheel_fits() -> None:
    url, _ = pick_file(NUMPY_WHEELS, platform_tags("linux-aarch64", "3.10", {}))
    assert url.endswith(".tar.gz")


def test_uv_platform_follows_glibc() -> None:
    assert uv_platform("linux-64", {}) == "x86_64-manylinux_2_17"
    assert uv_platform("linux-64", {"CONDA_OVERRIDE_GLIBC": "2.35"}) == "x86_64-manylinux_2_35"
    assert uv_platform("osx-arm64", {}) == "aarch64-apple-darwin"


def test_conda_provided_python_distributions() -> None:
    records = read_locked_packages(NUMPY_LOCK, "linux-64").conda
    provided = conda_provided(records)
    assert provided["numpy"] == "1.24.2"
    assert "python" not in provided and "zlib" not in provided and "libzlib" not in provided
    mapping = conda_to_pypi_map()
    assert mapping["pytorch"] == "torch" and mapping["msgpack-python"] == "msgpack"
    assert len(mapping) < 1000  # vendored compactly: only names that differ


def test_map_says_what_a_conda_package_installs() -> None:
    """conda -> PyPI only where it is true: conda psycopg2 installs psycopg2, not -binary."""
    mapping = conda_to_pypi_map()
    assert "psycopg2" not in mapping and "opencv" not in mapping and "graphviz" not in mapping
    assert mapping["matplotlib-base"] == "matplotlib" and mapping["python-graphviz"] == "graphviz"
    assert mapping["dask-core"] == "dask" and mapping["python-tzdata"] == "tzdata"


def test_regeneration_keeps_one_direction_only() -> None:
    import importlib.util

    script = Path(__file__).parent.parent / "tools" / "regenerate_conda_pypi_map.py"
    spec = importlib.util.spec_from_file_location("regen", script)
    assert spec and spec.loader
    regen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regen)
    grayskull = {
        "psycopg2-binary": {"conda_name": "psycopg2", "mapping_source": "static"},
        "dask": {"conda_name": "dask-core", "mapping_source": "regro-bot"},
        "matplotlib": {"conda_name": "matplotlib-base", "mapping_source": "static"},
        "pyqt5": {"conda_name": "pyqt", "mapping_source": "static"},
        "six": {"conda_name": "six", "mapping_source": "regro-bot"},
        "a" * 60: {"conda_name": "x", "mapping_source": "regro-bot"},
        "foo": {"conda_name": "foo-py", "mapping_source": "regro-bot"},
        "foo-alt": {"conda_name": "foo-py", "mapping_source": "regro-bot"},
    }
    assert regen.conda_to_pypi(grayskull) == {"dask-core": "dask", "matplotlib-base": "matplotlib"}


def test_local_and_vcs_entries_from_pylock(tmp_path: Path) -> None:
    pylock = {
        "packages": [
            {"name": "Mine", "directory": {"path": "../repo/pkg", "editable": True}},
            {"name": "lib", "version": "1.0", "archive": {"path": "../repo/dist/lib-1.0.tar.gz"}},
            {
                "name": "tool",
                "version": "0.3",
                "vcs": {"type": "git", "url": "https://github.com/o/tool", "commit-id": "a" * 40},
            },
            {"name": "numpy", "version": "1.26.4", "wheels": []},  # conda provides it: skipped
            {"name": "six", "version": "1.15.0", "wheels": [SIX_WHEEL]},  # a pin: replaces conda's
        ]
    }
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "repo").mkdir()
    conda = {"numpy": CondaDist("numpy", "1.26.4"), "six": CondaDist("six", "1.16.0")}
    got = _to_resolved(pylock, out, tmp_path / "repo", "linux-64", "3.10", conda, {})
    assert [(p.name, p.source, p.local_path, p.replaces) for p in got] == [
        ("mine", "editable", "pkg", None),
        ("lib", "local", "dist/lib-1.0.tar.gz", None),
        ("tool", "vcs", None, None),
        ("six", "index", None, "six"),
    ]
    assert got[2].url == f"git+https://github.com/o/tool@{'a' * 40}"


def test_relative_paths_resolve_against_their_base(tmp_path: Path) -> None:
    (tmp_path / "sub" / "pkg").mkdir(parents=True)
    (tmp_path / "sub" / "pkg" / "setup.py").write_text("")
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "constraints.txt").write_text("numpy<2\n")
    lines = [
        pip_line("-e .", kind="editable", root=tmp_path),
        pip_line("./sub/pkg[extra]", kind="path", root=tmp_path),
        pip_line("-c constraints.txt", kind="option", root=tmp_path),
        pip_line("--index-url https://pypi.org/simple", kind="option"),
        pip_line("requests>=2 ; python_version>'3'"),
    ]
    got = requirement_lines(lines, tmp_path)
    assert got[0] == f"-e {tmp_path.resolve()}"
    assert got[1] == f"{(tmp_path / 'sub/pkg').resolve()}[extra]"
    assert got[2] == f"-c {(tmp_path / 'constraints.txt').resolve()}"
    assert got[3:] == ["--index-url https://pypi.org/simple", "requests>=2 ; python_version>'3'"]


@pytest.mark.pypi
def test_requests_on_conda_forge_python39_numpy_not_relocked(tmp_path: Path) -> None:
    report = make_report(
        tmp_path,
        ["python=3.9", "numpy"],
        [(CHANNELS / "conda-forge-2024").as_uri()],
        pip=[pip_line("requests", 20), pip_line("numpy", 21)],
    )
    result = lock_report(report, tmp_path, options=options())
    env = read_locked_packages(result.lockfile, "linux-64")
    pip = {p.name: p for p in env.pip}
    assert "requests" in pip and "numpy" not in pip
    assert {"urllib3", "idna", "charset-normalizer"} <= set(pip)
    for p in pip.values():
        assert p.url.startswith("https://files.pythonhosted.org/") and p.url.endswith(".whl")
        assert p.sha256 and len(p.sha256) == 64
    assert "numpy" in {r.name.normalized for r in env.conda}
    assert result.packages["linux-64"] == len(env.conda) + len(env.pip)
    from conda_lock.lockfile import parse_conda_lock_file

    parsed = parse_conda_lock_file(result.lockfile)
    assert {p.name for p in parsed.package if p.manager == "pip"} == set(pip)


@pytest.mark.pypi
def test_editable_local_package_and_foreign_platforms(tmp_path: Path) -> None:
    subdirs = ["linux-64", "osx-arm64", "win-64"]
    chan = write_channel(
        tmp_path / "chan",
        [record("python", "3.10.4", subdir=s) for s in subdirs]
        + [record("pip", "24.0", depends=["python"]), record("ipykernel", "6", depends=["python"])],
        subdirs,
    )
    repo = tmp_path / "repo"
    (repo / "binder").mkdir(parents=True)
    (repo / "mypkg").mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\nversion = "0.1"\ndependencies = []\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    (repo / "mypkg" / "__init__.py").write_text("")
    report = make_report(
        repo,
        ["python=3.10"],
        [chan],
        pip=[
            pip_line("-e ..", 20, kind="editable", root=repo, cwd="binder"),
            pip_line("numpy==1.26.4", 21, cwd="binder"),
        ],
    )
    report.config_dir = "binder"
    result = lock_report(report, repo, options=options(platforms=subdirs))
    assert result.lockfile == repo / "binder" / "conda-lock.yml"
    for platform, tag in [
        ("linux-64", "manylinux"),
        ("osx-arm64", "macosx_11_0_arm64"),
        ("win-64", "win_amd64"),
    ]:
        env = read_locked_packages(result.lockfile, platform)
        assert "pip" in {r.name.normalized for r in env.conda}  # added for pip lines
        pip = {p.name: p for p in env.pip}
        assert tag in pip["numpy"].url and "cp310" in pip["numpy"].url
        assert pip["mypkg"].editable and pip["mypkg"].local_path == str(repo)
        assert pip["mypkg"].sha256 is None
    # portable: no absolute path, no hash of a path; a clone elsewhere finds its own copy
    text = result.lockfile.read_text()
    assert str(repo) not in text and "mypkg" not in text.split("\npackage:")[1]
    assert "'rees2conda:pip:mypkg': editable:.." in text
    clone = tmp_path / "elsewhere" / "clone"
    shutil.copytree(repo, clone)
    moved = {
        p.name: p for p in read_locked_packages(clone / "binder" / "conda-lock.yml", "win-64").pip
    }
    assert moved["mypkg"].local_path == str(clone) and moved["mypkg"].editable
    # conda-lock reads it, and its installer gets only installable entries
    from conda_lock.lockfile import parse_conda_lock_file

    parsed = parse_conda_lock_file(result.lockfile)
    assert {p.name for p in parsed.package if p.manager == "pip"} == {"numpy"}


@pytest.mark.pypi
def test_conda_only_version_and_unresolvable_pip_line(tmp_path: Path) -> None:
    from rees2conda.errors import UserError

    chan = write_channel(
        tmp_path / "chan",
        [
            record("python", "3.10.4", subdir="linux-64"),
            record("six", "1.16.99", depends=["python"]),  # a version PyPI never had
            record("pip", "24.0", depends=["python"]),
            record("ipykernel", "6", depends=["python"]),
        ],
        ["linux-64"],
    )
    report = make_report(
        tmp_path, ["python=3.10", "six"], [chan], pip=[pip_line("python-dateutil==2.9.0", 20)]
    )
    result = lock_report(report, tmp_path, options=options())
    pip = {p.name for p in read_locked_packages(result.lockfile, "linux-64").pip}
    assert pip == {"python-dateutil"}  # six (needed by dateutil) stays conda's
    before = result.lockfile.read_bytes()
    bad = make_report(
        tmp_path,
        ["python=3.10"],
        [chan],
        pip=[pip_line("requests", 20), pip_line("rees2conda-no-such-package-x==1.0", 21)],
    )
    with pytest.raises(UserError) as info:
        lock_report(bad, tmp_path, options=options(update=True))
    assert "environment.yml:21: rees2conda-no-such-package-x==1.0" in info.value.message
    assert "environment.yml:20" not in info.value.message
    assert result.lockfile.read_bytes() == before  # a failed re-lock leaves the file alone


def _runtime_repo(root: Path, python: str, requirements: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "runtime.txt").write_text(f"python-{python}\n")
    (root / "requirements.txt").write_text(requirements)
    return root


def _snapshot_options(**kw) -> object:
    snapshot = (CHANNELS / "conda-forge-2024").as_uri()
    return options(channels=[snapshot], override_channels=True, **kw)


@pytest.mark.pypi
def test_user_pin_replaces_the_conda_version_as_binder_pip_does(tmp_path: Path) -> None:
    from rees2conda.resolve.api import lock

    requirements = "six==1.15.0\npackaging==24.2\npython-dateutil\n"
    repo = _runtime_repo(tmp_path / "repo", "3.9", requirements)
    result = lock(repo, options=_snapshot_options())
    env = read_locked_packages(result.lockfile, "linux-64")
    conda = {r.name.normalized: str(r.version) for r in env.conda}
    pip = {p.name: p for p in env.pip}
    # the pins win and replace conda's packages: one distribution per name in the lock
    assert pip["six"].version == "1.15.0" and "six" not in conda
    assert pip["packaging"].version == "24.2" and "packaging" not in conda
    assert pip["six"].url.endswith(".whl") and len(pip["six"].sha256 or "") == 64
    # an unpinned line conda satisfies stays conda's, as `pip install` keeps it
    assert "python-dateutil" not in pip and "python-dateutil" in conda
    assert {"ipykernel", "traitlets", "tornado"} <= set(conda)


@pytest.mark.pypi
def test_conda_psycopg2_and_pip_psycopg2_lock_one_distribution(tmp_path: Path) -> None:
    chan = write_channel(
        tmp_path / "chan",
        [
            record("python", "3.11.9", subdir="linux-64"),
            record("psycopg2", "2.9.9", depends=["python"]),
            record("pip", "24.0", depends=["python"]),
        ],
        ["linux-64"],
    )
    report = make_report(
        tmp_path, ["python=3.11", "psycopg2"], [chan], pip=[pip_line("psycopg2", 20)]
    )
    result = lock_report(report, tmp_path, options=options(kernel=False))
    env = read_locked_packages(result.lockfile, "linux-64")
    assert env.pip == []  # conda's psycopg2 is the psycopg2 distribution: nothing from PyPI
    assert "psycopg2" in {r.name.normalized for r in env.conda}


@pytest.mark.pypi
def test_pin_that_breaks_the_kernel_names_its_line(tmp_path: Path) -> None:
    from rees2conda.errors import UserError
    from rees2conda.resolve.api import lock

    repo = _runtime_repo(tmp_path / "repo", "3.9", "numpy\ntraitlets==4.3.3\n")
    with pytest.raises(UserError) as info:
        lock(repo, options=_snapshot_options())
    message = info.value.message
    assert "break the Jupyter kernel" in message
    assert "requirements.txt:2: traitlets==4.3.3" in message
    assert "ipykernel 6.29.5 needs traitlets >=5.4.0" in message
    assert not (repo / "conda-lock.yml").exists()
    # without the kernel, pip's pin is installed as on Binder
    result = lock(repo, options=_snapshot_options(kernel=False))
    pip = {p.name: p.version for p in read_locked_packages(result.lockfile, "linux-64").pip}
    assert pip["traitlets"] == "4.3.3"

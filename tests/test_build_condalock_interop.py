"""``rees2conda build --lockfile`` installs a lock written by conda-lock's own writer.

Issue 4 promises that ``--lockfile FILE`` accepts "also one written by conda-lock itself". conda
channels are out of reach, so conda-lock's solver (which needs a conda binary) cannot run here;
instead the env is solved with py-rattler against the local channel and the file is written the
way ``conda-lock lock`` does it: ``LockedDependency`` objects shaped as in
``conda_lock.conda_solver.solve_conda`` (no ``build`` key, dependencies as ``name: version-spec``
with ``""`` when unconstrained, md5 + sha256), a ``LockMeta`` with conda-lock's own content hash,
channel *names*, time and input metadata, and ``write_conda_lock_file``. That file is then built
by the real CLI, its kernel is started, and rees2conda's reader is checked against what was
written.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from build_helpers import run_cli, run_in_kernel

pytestmark = pytest.mark.slow

PLATFORM = "linux-64"
SPECS = ["python=3.11", "numpy", "ipykernel"]
ENV_YML = "channels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy\n"


def _solve(channel: Path) -> list[Any]:
    """The env's records, solved by rattler against the local channel (no virtual packages)."""
    import rattler

    records = asyncio.run(
        rattler.solve(
            [channel.as_uri()],
            SPECS,
            platforms=[PLATFORM, "noarch"],
            virtual_packages=rattler.VirtualPackage.detect(),
        )
    )
    return [r for r in records if not r.name.normalized.startswith("__")]


def _dependencies(depends: list[str]) -> dict[str, str]:
    """``depends`` as conda-lock's solver records them: name -> version spec, ``""`` if none.

    conda-lock keeps only the version part of each match spec (``python_abi 3.11.* *_cp311``
    becomes ``python_abi: 3.11.*``) and merges repeated names.
    """
    import rattler

    specs: dict[str, list[str]] = {}
    for dep in depends:
        spec = rattler.MatchSpec(dep)
        assert spec.name is not None
        version = str(spec.version) if spec.version is not None else ""
        specs.setdefault(spec.name.normalized, []).append(version)
    return {name: ",".join(v for v in versions if v) for name, versions in specs.items()}


def _write_conda_lock(records: list[Any], repo: Path, target: Path) -> None:
    """``target`` as ``conda-lock -f environment.yml -p linux-64 --md ...`` would write it."""
    from conda_lock.content_hash import compute_content_hashes
    from conda_lock.lockfile import write_conda_lock_file
    from conda_lock.lockfile.v1.models import InputMeta, MetadataOption, TimeMeta
    from conda_lock.lockfile.v2prelim.models import HashModel, LockedDependency, Lockfile, LockMeta
    from conda_lock.models.channel import Channel
    from conda_lock.models.lock_spec import LockSpecification, VersionedDependency

    source = repo / "environment.yml"
    spec = LockSpecification(
        dependencies={
            PLATFORM: [
                VersionedDependency(name="python", version="3.11", manager="conda"),
                VersionedDependency(name="numpy", version="", manager="conda"),
                VersionedDependency(name="ipykernel", version="", manager="conda"),
            ]
        },
        channels=[Channel.from_string("conda-forge")],
        sources=[source],
    )
    packages = [
        LockedDependency(
            name=r.name.normalized,
            version=str(r.version),
            manager="conda",
            platform=PLATFORM,
            dependencies=_dependencies(list(r.depends)),
            url=r.url,
            hash=HashModel(md5=r.md5.hex(), sha256=r.sha256.hex()),
            categories={"main"},
        )
        for r in records
    ]
    # both input hashes: with input_sha alone conda-lock cannot read its own file back
    choices = {MetadataOption.TimeStamp, MetadataOption.InputMd5, MetadataOption.InputSha}
    lock = Lockfile(
        package=packages,
        metadata=LockMeta(
            content_hash=compute_content_hashes(spec, virtual_package_repo=None),
            channels=spec.channels,
            platforms=[PLATFORM],
            sources=[source.name],
            time_metadata=TimeMeta.create(),
            inputs_metadata={source.name: InputMeta.create(choices, source)},
        ),
    )
    write_conda_lock_file(lock, target, metadata_choices=sorted(choices, key=lambda c: c.value))


def test_build_installs_a_lock_written_by_conda_lock(
    tmp_path: Path, local_channel: Path, channel_env: dict[str, str]
) -> None:
    from conda_lock.lockfile import parse_conda_lock_file
    from jupyter_client.kernelspec import KernelSpecManager

    from rees2conda.resolve.api import read_locked_packages

    repo = tmp_path / "tiny"
    repo.mkdir()
    (repo / "environment.yml").write_text(ENV_YML)
    records = _solve(local_channel)
    expected = {r.name.normalized: (str(r.version), r.sha256.hex()) for r in records}
    assert {"python", "numpy", "ipykernel", "pyzmq"} <= expected.keys()

    lockfile = tmp_path / "conda-lock.yml"  # outside the repo: a file the user hands over
    _write_conda_lock(records, repo, lockfile)
    text = lockfile.read_text()
    assert text.startswith("# This lock file was generated by conda-lock")
    assert "build:" not in text  # conda-lock's solver never writes build strings
    assert "url: conda-forge" in text  # channel names, not rees2conda's resolved URLs
    # conda-lock reads its own file back (the file is valid as conda-lock sees it)
    reread = parse_conda_lock_file(lockfile)
    assert {p.name for p in reread.package} == expected.keys()

    # rees2conda's reader sees exactly what was written
    locked = read_locked_packages(lockfile, PLATFORM)
    assert locked.pip == []
    got = {r.name.normalized: (str(r.version), r.sha256.hex()) for r in locked.conda}
    assert got == expected
    assert {r.name.normalized: r.md5.hex() for r in locked.conda} == {
        r.name.normalized: r.md5.hex() for r in records
    }
    assert {r.url for r in locked.conda} == {r.url for r in records}

    # the real CLI installs it and registers a working kernel
    proc = run_cli(
        ["build", "--json", "--lockfile", str(lockfile), "-n", "interop", str(repo)], channel_env
    )
    result = json.loads(proc.stdout)
    prefix = Path(channel_env["HOME"]) / ".conda" / "envs" / "interop"
    assert result["prefix"] == str(prefix)
    assert result["lock_source"] == "given" and result["lockfile"] == str(lockfile)
    assert result["conda_packages"] == len(records) and result["pip_packages"] == 0
    installed = {
        p.name for p in (prefix / "conda-meta").glob("*.json") if not p.name.startswith("rees2")
    }
    # build strings come from the package files, since the lock does not carry them
    assert installed == {f"{r.name.normalized}-{r.version}-{r.build}.json" for r in records}

    kernel = result["kernel_name"]
    assert kernel
    spec = KernelSpecManager().get_kernel_spec(kernel)
    assert Path(spec.resource_dir).is_relative_to(channel_env["JUPYTER_DATA_DIR"])
    out = run_in_kernel(kernel, "import sys, numpy\nprint(sys.prefix)\nprint(numpy.__version__)")
    assert out.split() == [str(prefix), expected["numpy"][0]]

    # a second build with the same file does nothing
    again = run_cli(
        ["build", "--json", "--lockfile", str(lockfile), "-n", "interop", str(repo)], channel_env
    )
    assert json.loads(again.stdout)["action"] == "unchanged"

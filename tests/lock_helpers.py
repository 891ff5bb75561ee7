"""Helpers for the lock tests: repodata snapshots as file:// channels, synthetic channels, specs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from rees2conda.condarc import CondaConfig
from rees2conda.model import EnvSpec, FileRecord, Origin, PipLine, Report
from rees2conda.rees.condaspec import conda_dep
from rees2conda.rees.requirements import PipReader
from rees2conda.rees.textfile import Repo
from rees2conda.resolve.api import LockOptions

FIXTURES = Path(__file__).parent / "fixtures"
CHANNELS = FIXTURES / "channels"
NUMPY_LOCK = FIXTURES / "lockfiles" / "numpy-conda-lock.yml"


def snapshot_config() -> CondaConfig:
    """A conda config whose channel alias is the snapshot folder: ``defaults-2018`` etc. resolve."""
    return CondaConfig(channel_alias=CHANNELS.as_uri(), default_channels=[])


def options(**kw) -> LockOptions:
    kw.setdefault("config", snapshot_config())
    kw.setdefault("platforms", ["linux-64"])
    return LockOptions(**kw)


def make_report(
    root: Path,
    conda: Sequence[str],
    channels: Sequence[str],
    pip: Iterable[PipLine] = (),
    python: str = "3.10",
    env_file: str = "environment.yml",
) -> Report:
    """A Report as the reader would give for an environment.yml listing ``conda`` from line 4."""
    deps = [conda_dep(s, Origin(env_file, 4 + i, 5)) for i, s in enumerate(conda)]
    spec = EnvSpec(python=python, channels=list(channels), conda=deps, pip=list(pip))
    return Report(path=str(root), spec=spec, files=[FileRecord(env_file, "used")])


def pip_line(
    line: str, lineno: int = 20, kind: str = "requirement", root: Path = FIXTURES, cwd: str = "."
) -> PipLine:
    """``line`` read as the reader reads environment.yml's ``pip:`` item at ``lineno`` (so with
    what it parses: name, option, value); ``root`` holds the files that the line names."""
    reader = PipReader(Repo.at(str(root)), cwd, lambda *_: None)
    got = reader.parse_text(line, "environment.yml", cwd, (), first_line=lineno, first_column=7)
    assert not reader.findings, reader.findings
    assert [p.kind for p in got] == [kind], got
    return got[0]


def record(
    name: str, version: str, build: str = "0", depends: Sequence[str] = (), subdir: str = "noarch"
) -> dict:
    """A repodata.json record with stable fake hashes (conda-lock requires md5)."""
    fn = f"{name}-{version}-{build}.tar.bz2"
    digest = hashlib.sha256(f"{subdir}/{fn}".encode()).hexdigest()
    return {
        "name": name,
        "version": version,
        "build": build,
        "build_number": 0,
        "depends": list(depends),
        "subdir": subdir,
        "md5": digest[:32],
        "sha256": digest,
        "size": 1000,
        "timestamp": 1700000000000,
        "license": "MIT",
    }


def write_channel(root: Path, records: Iterable[dict], subdirs: Sequence[str] = ()) -> str:
    """Write a channel of hand-made records (by their ``subdir``), return its file:// URL."""
    by_subdir: dict[str, dict] = {s: {} for s in ["noarch", *subdirs]}
    for r in records:
        by_subdir.setdefault(r["subdir"], {})[
            f"{r['name']}-{r['version']}-{r['build']}.tar.bz2"
        ] = r
    for subdir, packages in by_subdir.items():
        folder = root / subdir
        folder.mkdir(parents=True, exist_ok=True)
        data = {"info": {"subdir": subdir}, "packages": packages, "packages.conda": {}}
        (folder / "repodata.json").write_text(json.dumps(data, indent=1))
    return root.as_uri()

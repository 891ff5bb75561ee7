"""The promise across commands: ``check`` ok => ``lock`` succeeds whenever the packages exist.

Every fixture repository (``tests/fixtures/repos`` and ``lock_repos``) that ``check`` accepts
is locked against the repodata snapshots (the 2024 conda-forge environment, defaults and r of
2018, merged into one channel that both ``conda-forge`` and ``defaults`` resolve to). A lock
may only fail because a package or channel is not in the snapshots (most repositories ask for
a Python the snapshots do not have); any other failure breaks the promise. The repositories
that do lock include Python 2.7 and 3.6 with pip lines, pins that replace conda's packages,
and ``conda env export`` spec forms.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lock_helpers import CHANNELS, FIXTURES

from rees2conda.condarc import CondaConfig
from rees2conda.errors import UserError
from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import LockOptions, lock_report, read_locked_packages
from rees2conda.resolve.condadist import conda_dists

#: check's fixtures, plus repositories made for this promise (pip pins over conda's packages,
#: Python 2.7 with pip lines, `conda env export` spec forms)
REPOS = sorted(
    p for folder in ("repos", "lock_repos") for p in (FIXTURES / folder).iterdir() if p.is_dir()
)
#: what "the packages do not exist in the snapshots" looks like; nothing else may fail
MISSING = ("No candidates were found for", "could not find subdir", "no such channel")
#: repositories that must lock (so the test cannot pass by skipping everything)
MUST_LOCK = {
    "env-export-forms",
    "env-python-old",
    "env-python2-major",
    "env-python27-pip",
    "runtime-python2",
    "runtime-python36-requirements3",
    "runtime-python39-pins",
}


@pytest.fixture(scope="module")
def snapshot_channels(tmp_path_factory: pytest.TempPathFactory) -> CondaConfig:
    """``conda-forge`` and ``defaults`` both mean the union of the snapshots."""
    root = tmp_path_factory.mktemp("channels")
    union = root / "conda-forge"
    for subdir in ("linux-64", "noarch"):
        packages: dict[str, dict] = {}
        conda: dict[str, dict] = {}
        for name in ("conda-forge-2024", "defaults-2018", "r-2018"):
            data = json.loads((CHANNELS / name / subdir / "repodata.json").read_text())
            packages.update(data.get("packages") or {})
            conda.update(data.get("packages.conda") or {})
        (union / subdir).mkdir(parents=True)
        (union / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": packages, "packages.conda": conda})
        )
    return CondaConfig(channel_alias=root.as_uri(), default_channels=[union.as_uri()])


@pytest.mark.pypi
@pytest.mark.parametrize("repo", REPOS, ids=[p.name for p in REPOS])
def test_check_ok_means_lock_succeeds(
    repo: Path, tmp_path: Path, snapshot_channels: CondaConfig
) -> None:
    report = read_repository(repo)
    if not report.ok:
        assert repo.name not in MUST_LOCK
        return  # check refuses it: no promise to keep
    lockfile = tmp_path / "conda-lock.yml"
    options = LockOptions(platforms=["linux-64"], config=snapshot_channels)
    try:
        result = lock_report(report, repo, lockfile=lockfile, options=options)
    except UserError as exc:
        if repo.name not in MUST_LOCK and any(m in exc.message for m in MISSING):
            return  # a package the snapshots do not have: the promise does not apply
        raise AssertionError(
            f"check accepted {repo.name} but lock failed:\n{exc.message}"
        ) from None
    env = read_locked_packages(result.lockfile, "linux-64")
    assert "python" in {r.name.normalized for r in env.conda}
    # one distribution per name: nothing pip installs is also installed by a conda package
    assert not set(conda_dists(env.conda)) & {p.name for p in env.pip}


def test_must_lock_names_exist() -> None:
    assert {p.name for p in REPOS} >= MUST_LOCK


def test_check_ok_means_lock_parses_every_spec(tmp_path: Path) -> None:
    """Generated spec strings (the issue's forms and mutations, tests/condaspec_corpus.py) in a
    real environment.yml: each one ``check`` accepts goes through ``lock``'s own spec path
    (channel made a URL, then py-rattler's parser) without an error; each it refuses is an
    R2C407 finding on that spec's line."""
    from condaspec_corpus import corpus

    from rees2conda.resolve.api import requested_specs
    from rees2conda.resolve.solve import _match_spec

    specs = [*corpus(1500, seed=21), "numpy =", "numpy!=", "numpy1.*", "numpy ==", "*"]
    accepted = refused = 0
    for i in range(0, len(specs), 100):
        chunk = specs[i : i + 100]
        repo = tmp_path / str(i)
        repo.mkdir()
        deps = "".join(f"  - {json.dumps(s)}\n" for s in chunk)
        (repo / "environment.yml").write_text(f"dependencies:\n  - python=3.9\n{deps}")
        report = read_repository(repo)
        bad_lines = {f.line for f in report.findings if f.code == "R2C407"}
        assert report.ok == (not bad_lines)
        # lines 3.. hold the chunk: check accepts exactly those without a finding
        kept = [s for n, s in enumerate(chunk, start=3) if n not in bad_lines]
        refused += len(chunk) - len(kept)
        one = repo / "one"
        one.mkdir()
        deps = "".join(f"  - {json.dumps(s)}\n" for s in kept)
        (one / "environment.yml").write_text(f"dependencies:\n  - python=3.9\n{deps}")
        report = read_repository(one)
        assert report.ok and report.spec is not None, report.errors
        for requested in requested_specs(report.spec, kernel=True):
            _match_spec(requested)  # raises a located UserError if lock cannot parse it
        accepted += len(kept)
    assert accepted > 400 and refused > 400

"""Every conda spec form ``check`` accepts also locks (read from a real environment.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lock_helpers import options

from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import lock_report, read_locked_packages
from rees2conda.resolve.matchspec import qualified_channel, solvable

FORMS = [
    ("numpy=1.14.0=py36h3dfced4_1", "1.14.0"),  # conda env export
    ("numpy 1.14.0 py36h3dfced4_1", "1.14.0"),  # space form
    ("numpy==1.14.0", "1.14.0"),
    ("numpy 1.14.*", "1.14."),
    ("numpy=1.14", "1.14."),
    ("numpy 1.14|1.15", "1.1"),
    ("numpy >=1.13,<1.15", "1.14."),
    ("numpy>=1.13,<1.15", "1.14."),
    ('numpy[version=">=1.14,<1.15"]', "1.14."),
    ("numpy[version='1.14.*', build=py36h3dfced4_1]", "1.14."),
    ("defaults-2018::numpy=1.14", "1.14."),
    ("defaults-2018/linux-64::numpy 1.14.*", "1.14."),
    ('numpy[channel=defaults-2018, version="1.14.*"]', "1.14."),
    ("NumPy=1.14", "1.14."),
    # accepted by check's validator (rees/condaspec.py) because rattler parses them
    ("numpy (>=1.13|<1),<1.15", "1.14."),
    ("numpy=1.14=py36*", "1.14."),
    ("numpy 1.14.* py36*", "1.14."),
    ("numpy  >=  1.14.0 , <1.15", "1.14."),
    ("numpy[version='>=1.13,<1.15', build_number='>=0']", "1.14."),
    ("numpy ==1.14.0 ^py36.*$", "1.14.0"),
    ("numpy 1.14.0.* *_1", "1.14.0"),
    ("numpy#comment", "1."),
]


@pytest.mark.parametrize(("form", "expected"), FORMS)
def test_spec_form_checks_and_locks(tmp_path: Path, form: str, expected: str) -> None:
    (tmp_path / "environment.yml").write_text(
        f"channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n  - {form}\n"
    )
    report = read_repository(tmp_path)
    assert report.ok, report.errors
    result = lock_report(report, tmp_path, options=options())
    conda = {
        r.name.normalized: str(r.version)
        for r in read_locked_packages(result.lockfile, "linux-64").conda
    }
    assert conda["numpy"].startswith(expected)


def test_qualified_channel_follows_the_conda_configuration(tmp_path: Path) -> None:
    """``conda-forge-2024::tzdata`` means the configured alias's channel, fetched for that spec."""
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.6\n"
        "  - conda-forge-2024::tzdata\n"
    )
    result = lock_report(read_repository(tmp_path), tmp_path, options=options())
    env = read_locked_packages(result.lockfile, "linux-64")
    tzdata = next(r for r in env.conda if r.name.normalized == "tzdata")
    assert "/conda-forge-2024/" in tzdata.url
    assert result.channels[-1].endswith("/conda-forge-2024")


def test_solvable_rewrites_only_the_channel() -> None:
    from lock_helpers import snapshot_config

    config = snapshot_config()
    base = config.channel_url("conda-forge")
    assert qualified_channel("numpy=1.14.0=py36_0") is None
    assert solvable("numpy=1.14.0=py36_0", config) == "numpy=1.14.0=py36_0"
    assert solvable("conda-forge::numpy>=1", config) == f"{base}::numpy>=1"
    assert solvable("conda-forge/linux-64::numpy", config) == f"{base}::numpy"
    assert solvable('numpy[channel=conda-forge, version=">=1"]', config) == (
        f'{base}::numpy[version=">=1"]'
    )

"""Every conda spec form ``check`` accepts also locks (read from a real environment.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lock_helpers import options

from rees2conda.model import Origin
from rees2conda.rees.condaspec import conda_dep
from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import lock_report, read_locked_packages
from rees2conda.resolve.matchspec import solvable

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

    def render(spec: str) -> str:
        dep = conda_dep(spec, Origin("environment.yml"))
        return solvable(dep.spec, dep.channel, config)

    assert render("numpy=1.14.0=py36_0") == "numpy=1.14.0=py36_0"
    assert render("conda-forge::numpy>=1") == f"{base}::numpy>=1"
    assert render("conda-forge/linux-64::numpy") == f"{base}::numpy"
    assert render('numpy[channel=conda-forge, version=">=1"]') == f'{base}::numpy[version=">=1"]'


@pytest.mark.parametrize(
    ("spec", "name", "channel"),
    [
        ("numpy=1.14.0=py36_0", "numpy", None),
        ("  NumPy >=1.20 ", "numpy", None),
        ("conda-forge::numpy>=1", "numpy", "conda-forge"),
        ("conda-forge/linux-64::PyYAML", "pyyaml", "conda-forge"),
        ("https://example.org/chan::numpy", "numpy", "https://example.org/chan"),
        ('numpy[channel=conda-forge, version=">=1"]', "numpy", "conda-forge"),
        ("r-base 4.3.* *_0", "r-base", None),
    ],
)
def test_the_reader_parses_name_and_channel_once(spec: str, name: str, channel: str | None) -> None:
    dep = conda_dep(spec, Origin("environment.yml", 3, 5))
    assert (dep.spec, dep.name, dep.channel) == (spec.strip(), name, channel)


def test_a_spec_rees2conda_writes_that_does_not_parse_is_a_bug() -> None:
    with pytest.raises(ValueError, match="invalid conda match spec"):
        conda_dep("numpy =", Origin("environment.yml"))

"""environment.yml / environment.yaml (binder-rules §4): shape, channels, Python, pip section."""

from __future__ import annotations

import pytest
from rees_helpers import by_code, codes, read, statuses

from rees2conda.rees import python as py
from rees2conda.rees.environment import read_environment


def test_positions_of_items() -> None:
    report = read("env-basic")
    spec = report.spec
    assert spec is not None
    assert [(d.spec, d.origin.line, d.origin.column) for d in spec.conda] == [
        ("python=3.11", 5, 5),
        ("numpy>=1.26", 6, 5),
        ("conda-forge::scipy", 7, 5),
        ("pip", 8, 5),
    ]
    assert [(p.line, p.kind, p.base, p.origin.line) for p in spec.pip] == [
        ("requests==2.31.0", "requirement", ".", 10),
        ('rich[jupyter] ; python_version >= "3.8"', "requirement", ".", 11),
    ]
    assert spec.python_origin is not None and spec.python_origin.line == 5


def test_channels_nodefaults_removed_and_recorded() -> None:
    spec = read("env-nodefaults").spec
    assert spec is not None
    assert spec.channels == ["conda-forge", "bioconda"] and spec.nodefaults
    only = read("env-only-nodefaults").spec
    assert only is not None and only.channels == ["conda-forge"] and only.nodefaults
    basic = read("env-basic").spec
    assert basic is not None and not basic.nodefaults


def test_defaults_channel_warns_at_its_line() -> None:
    finding = by_code(read("env-defaults-channel"), "R2C403")
    assert (finding.severity.value, finding.line, finding.column) == ("warning", 2, 5)


def test_conda_env_export_from_macos() -> None:
    report = read("env-export-osx")
    build = by_code(report, "R2C404")
    assert build.line == 6 and "4 dependencies" in build.message
    assert "--from-history" in build.hint
    platform = [f for f in report.findings if f.code == "R2C410"]
    assert [(f.line, f.severity.value) for f in platform] == [(6, "warning")]  # appnope
    assert report.spec is not None and report.spec.python == "3.11.5"


@pytest.mark.parametrize(
    ("fixture", "python", "conda_head", "warned"),
    [
        ("env-basic", "3.11", ["python=3.11"], False),
        ("env-no-python", "3.10", ["python=3.10", "numpy"], True),
        ("env-python-ge", "3.10", ["python=3.10", "python>=3.9"], True),
        ("env-python-excludes-default", "3.12", ["python >=3.11,<3.13"], True),
        ("env-python-patch", "3.11.4", ["numpy", "python==3.11.4"], False),
        ("env-python-major", "3.10", ["python=3.10", "python=3"], True),
        ("env-python-star", "3.9", ["python=3.9.*"], False),
        ("env-empty", "3.10", ["python=3.10"], True),
    ],
)
def test_python_from_environment(
    fixture: str, python: str, conda_head: list[str], warned: bool
) -> None:
    report = read(fixture)
    assert report.spec is not None
    assert report.spec.python == python
    assert [d.spec for d in report.spec.conda][: len(conda_head)] == conda_head
    assert ("R2C601" in codes(report)) is warned


def test_python_ge_message_says_it_is_not_a_pin() -> None:
    finding = by_code(read("env-python-ge"), "R2C601")
    assert "not a Python pin" in finding.message and finding.line == 2


def test_python_binder_cannot_build_is_a_warning() -> None:
    report = read("env-python-unsupported")
    finding = by_code(report, "R2C305")
    assert finding.severity.value == "warning" and "3.4" in finding.message
    assert (finding.path, finding.line) == ("environment.yml", 4)
    assert report.ok and report.spec is not None and report.spec.python == "3.4"


def test_old_python_with_a_binder_base_environment_is_accepted() -> None:
    report = read("env-python-old")  # 3.6: Binder builds it in a separate kernel environment
    assert report.spec is not None and report.spec.python == "3.6"
    assert "R2C305" not in codes(report)


def test_r_packages_add_r_base_and_irkernel() -> None:
    report = read("env-r-packages")
    assert report.spec is not None
    names = [d.spec for d in report.spec.conda]
    assert "r-irkernel" in names and "r-devtools" in names
    assert "r-base" not in names  # the user's own r-base=4.3 is kept
    assert by_code(report, "R2C408").line == 4


def test_pip_section_include_and_paths_relative_to_env_folder() -> None:
    report = read("env-pip-include")
    spec = report.spec
    assert spec is not None
    assert [(p.line, p.kind, p.base, p.origin.path) for p in spec.pip] == [
        ("requests", "requirement", "binder", "binder/requirements.txt"),
        ("tqdm>=4", "requirement", "binder", "binder/more/extra.txt"),
        ("-e ..", "editable", "binder", "binder/environment.yml"),
        ("../pkgs/local_pkg", "path", "binder", "binder/environment.yml"),
    ]
    assert statuses(report)["binder/requirements.txt"] == "used"
    assert "R2C503" not in codes(report)  # reached through -r: installed, not ignored
    assert by_code(report, "R2C411").line == 7


def test_e_dot_in_binder_folder_points_at_the_folder() -> None:
    finding = by_code(read("env-binder-e-dot"), "R2C207")
    assert finding.severity.value == "error"
    assert "binder/" in finding.message and (finding.line, finding.column) == (5, 7)


def test_yaml_syntax_error_is_located() -> None:
    finding = by_code(read("env-yaml-error"), "R2C401")
    assert finding.severity.value == "error" and finding.line == 4


def test_duplicate_key_fails_like_binder() -> None:
    finding = by_code(read("env-duplicate-key"), "R2C401")
    assert "duplicate" in finding.message and finding.line == 3


def test_wrong_shapes_are_located() -> None:
    report = read("env-bad-items")
    found = [(f.line, f.message[:30]) for f in report.findings]
    assert [line for line, _ in found] == [1, 4, 5, 7]
    assert report.spec is None
    assert statuses(report) == {"environment.yml": "rejected"}


def test_not_a_mapping() -> None:
    finding = by_code(read("env-wrong-shape"), "R2C402")
    assert "mapping" in finding.message and finding.line == 1


def test_bad_match_specs_hint_at_pip() -> None:
    report = read("env-bad-matchspec")
    found = [f for f in report.findings if f.code == "R2C407"]
    assert [f.line for f in found] == [3, 4]
    assert all("pip" in f.hint for f in found)


def test_extra_keys_are_noted() -> None:
    report = read("env-extra-keys")
    assert [f.line for f in report.findings if f.code == "R2C409"] == [2, 3, 5]


def test_yml_wins_over_yaml() -> None:
    report = read("env-yml-and-yaml")
    assert report.spec is not None and report.spec.python == "3.11"
    assert by_code(report, "R2C405").path == "environment.yaml"


@pytest.mark.parametrize(
    ("dep", "pin"),
    [
        ("python=3.11", "3.11"),
        ("python==3.11.4", "3.11.4"),
        ("python = 3.9", "3.9"),
        ("python=3.9.*", "3.9"),
        ("python=3.10=h12345_0_cpython", "3.10"),
        ("python=3", "3.10"),
        ("python=2", "2.7"),
        ("python>=3.9", None),
        ("python 3.11", None),
        ("python", None),
        ("python=*", None),
        ("pythonnet=3.0", None),
        ("python-dateutil=2.8", None),
        ("conda-forge::python=3.11", None),
    ],
)
def test_binder_pin(dep: str, pin: str | None) -> None:
    assert py.binder_pin(dep) == pin


@pytest.mark.parametrize(
    ("dep", "version", "allowed"),
    [
        ("python", "3.10", True),
        ("python>=3.9", "3.10", True),
        ("python>=3.11", "3.10", False),
        ("python >=3.9,<3.10", "3.10", False),
        ("python 3.11.*", "3.11", True),
        ("python=3.11", "3.10", False),
        ("python[version='>=3.9']", "3.10", True),
        ("python <3|>=3.10", "3.10", True),
    ],
)
def test_conda_allows(dep: str, version: str, allowed: bool) -> None:
    assert py.conda_allows(py.conda_python_constraint(dep), version) is allowed


def test_read_environment_never_raises_on_odd_scalars() -> None:
    for text in ["42", "'just a string'", "~", "[]", "{}", "dependencies: {pip: 1}", "- - -"]:
        env = read_environment(text, "environment.yml")
        assert isinstance(env.findings, list)

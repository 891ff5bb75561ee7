"""Every docs/binder-rules.md rule on a small fixture repository: files, statuses, codes, spec.

Each fixture under tests/fixtures/repos/ exercises one rule (its name says which); the table
states what Binder does with it. Details (lines, reasons, kinds) are tested in the other
test_rees_*.py modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from rees_helpers import REPOS, read, statuses

from rees2conda import check
from rees2conda.codes import CODES
from rees2conda.model import Severity


@dataclass
class Case:
    name: str
    ok: bool
    config_dir: str
    files: dict[str, str]
    codes: list[str]
    spec: dict[str, Any] | None


CASES = [
    Case(
        "binder-shadows-setup",
        ok=True,
        config_dir="binder",
        files={
            "binder/requirements.txt": "used",
            "requirements.txt": "ignored",
            "setup.py": "ignored",
        },
        codes=["R2C108", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "both-binder-folders",
        ok=False,
        config_dir=".binder",
        files={".binder/requirements.txt": "ignored", "binder/environment.yml": "ignored"},
        codes=["R2C107"],
        spec=None,
    ),
    Case(
        "default-build",
        ok=True,
        config_dir=".",
        files={},
        codes=["R2C109", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "dockerfile",
        ok=False,
        config_dir="binder",
        files={
            "binder/Dockerfile": "rejected",
            "binder/environment.yml": "ignored",
            "binder/apt.txt": "ignored",
            "binder/postBuild": "ignored",
        },
        codes=["R2C101"],
        spec=None,
    ),
    Case(
        "dotbinder",
        ok=True,
        config_dir=".binder",
        files={".binder/runtime.txt": "used", ".binder/requirements.txt": "used"},
        codes=[],
        spec={
            "python": "3.12",
            "channels": ["conda-forge"],
            "conda": ["python=3.12"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "empty-binder-root-env",
        ok=True,
        config_dir="binder",
        files={"environment.yml": "ignored", "requirements.txt": "ignored"},
        codes=["R2C108", "R2C109", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "env-bad-items",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C402"],
        spec=None,
    ),
    Case(
        "env-bad-matchspec",
        ok=False,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C407"],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "env-basic",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "numpy>=1.26", "conda-forge::scipy", "pip"],
            "pip": ["requests==2.31.0", 'rich[jupyter] ; python_version >= "3.8"'],
        },
    ),
    Case(
        "env-binder-e-dot",
        ok=False,
        config_dir="binder",
        files={"binder/environment.yml": "used", "setup.py": "ignored"},
        codes=["R2C108", "R2C207"],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "pip"],
            "pip": [],
        },
    ),
    Case(
        "env-defaults-channel",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C403"],
        spec={
            "python": "3.11",
            "channels": ["defaults", "conda-forge"],
            "conda": ["python=3.11"],
            "pip": [],
        },
    ),
    Case(
        "env-deps-not-list",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C402"],
        spec=None,
    ),
    Case(
        "env-duplicate-key",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C401"],
        spec=None,
    ),
    Case(
        "env-empty",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "env-export-osx",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C403", "R2C404", "R2C409", "R2C410"],
        spec={
            "python": "3.11.5",
            "channels": ["conda-forge", "defaults"],
            "conda": [
                "appnope=0.1.3=pyhd8ed1ab_0",
                "libcxx=16.0.6=h4653b0c_0",
                "numpy=1.26.0=py311hb8f3215_0",
                "python=3.11.5=h30d4d87_0_cpython",
            ],
            "pip": [],
        },
    ),
    Case(
        "env-extra-keys",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C409"],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "env-ignores-others",
        ok=True,
        config_dir=".",
        files={
            "runtime.txt": "ignored",
            "environment.yml": "used",
            "Pipfile": "ignored",
            "requirements.txt": "ignored",
            "install.R": "ignored",
            "setup.py": "ignored",
        },
        codes=["R2C304", "R2C503", "R2C602", "R2C703"],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-ignores-pyproject-package",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used", "pyproject.toml": "ignored"},
        codes=["R2C602"],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "env-no-python",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-nodefaults",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={
            "python": "3.11",
            "channels": ["conda-forge", "bioconda"],
            "conda": ["python=3.11", "samtools"],
            "pip": [],
        },
    ),
    Case(
        "env-only-nodefaults",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "env-pip-include",
        ok=True,
        config_dir="binder",
        files={
            "binder/environment.yml": "used",
            "binder/requirements.txt": "used",
            "binder/more/extra.txt": "used",
            "setup.py": "ignored",
        },
        codes=["R2C108", "R2C411"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10", "pip"],
            "pip": ["requests", "tqdm>=4", "-e ..", "../pkgs/local_pkg"],
        },
    ),
    Case(
        "env-python-excludes-default",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C601"],
        spec={
            "python": "3.12",
            "channels": ["conda-forge"],
            "conda": ["python >=3.11,<3.13", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-python-ge",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10", "python>=3.9", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-python-major",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10", "python=3"],
            "pip": [],
        },
    ),
    Case(
        "env-python-old",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={"python": "3.6", "channels": ["conda-forge"], "conda": ["python=3.6"], "pip": []},
    ),
    Case(
        "env-python-unsupported",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C305"],
        spec={
            "python": "3.4",
            "channels": ["conda-forge"],
            "conda": ["python=3.4", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-python-patch",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={
            "python": "3.11.4",
            "channels": ["conda-forge"],
            "conda": ["numpy", "python==3.11.4"],
            "pip": [],
        },
    ),
    Case(
        "env-python-star",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={"python": "3.9", "channels": ["conda-forge"], "conda": ["python=3.9.*"], "pip": []},
    ),
    Case(
        "env-r-packages",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C408"],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "r-ggplot2", "r-base=4.3", "r-irkernel", "r-devtools"],
            "pip": [],
        },
    ),
    Case(
        "env-with-pipfile",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used", "Pipfile": "ignored"},
        codes=[],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "env-wrong-shape",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C402"],
        spec=None,
    ),
    Case(
        "env-yaml",
        ok=True,
        config_dir="binder",
        files={"binder/environment.yaml": "used"},
        codes=[],
        spec={
            "python": "3.12",
            "channels": ["conda-forge"],
            "conda": ["python=3.12", "pandas"],
            "pip": [],
        },
    ),
    Case(
        "env-yaml-error",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C401"],
        spec=None,
    ),
    Case(
        "env-yml-and-yaml",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used", "environment.yaml": "ignored"},
        codes=["R2C405"],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "install-r-without-runtime",
        ok=True,
        config_dir=".",
        files={"requirements.txt": "used", "install.R": "ignored"},
        codes=["R2C601", "R2C703"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "julia-project",
        ok=False,
        config_dir=".",
        files={"Project.toml": "rejected", "requirements.txt": "rejected", "apt.txt": "rejected"},
        codes=["R2C102", "R2C106", "R2C111"],
        spec=None,
    ),
    Case(
        "julia-require",
        ok=False,
        config_dir=".",
        files={"REQUIRE": "rejected", "requirements.txt": "ignored"},
        codes=["R2C102"],
        spec=None,
    ),
    Case(
        "nix",
        ok=False,
        config_dir=".",
        files={"default.nix": "rejected", "environment.yml": "ignored", "apt.txt": "rejected"},
        codes=["R2C103", "R2C106", "R2C111"],
        spec=None,
    ),
    Case(
        "pipfile",
        ok=False,
        config_dir=".",
        files={
            "runtime.txt": "ignored",
            "Pipfile": "rejected",
            "Pipfile.lock": "rejected",
            "requirements.txt": "ignored",
        },
        codes=["R2C105"],
        spec=None,
    ),
    Case(
        "pyproject-impossible",
        ok=False,
        config_dir=".",
        files={"pyproject.toml": "used"},
        codes=["R2C606"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "pyproject-invalid",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used", "pyproject.toml": "rejected"},
        codes=["R2C604"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "pyproject-keeps-default",
        ok=True,
        config_dir=".",
        files={"pyproject.toml": "used"},
        codes=["R2C601", "R2C607"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["."],
        },
    ),
    Case(
        "pyproject-no-build-system",
        ok=True,
        config_dir=".",
        files={"requirements.txt": "used", "pyproject.toml": "ignored"},
        codes=["R2C601", "R2C603"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "pyproject-raises-python",
        ok=True,
        config_dir=".",
        files={"pyproject.toml": "used"},
        codes=["R2C605", "R2C607"],
        spec={
            "python": "3.14",
            "channels": ["conda-forge"],
            "conda": ["python=3.14"],
            "pip": ["."],
        },
    ),
    Case(
        "pyproject-runtime-conflict",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "used", "pyproject.toml": "used"},
        codes=["R2C606"],
        spec={"python": "3.9", "channels": ["conda-forge"], "conda": ["python=3.9"], "pip": []},
    ),
    Case(
        "pyproject-tool-only",
        ok=True,
        config_dir=".",
        files={"requirements.txt": "used", "pyproject.toml": "ignored"},
        codes=["R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "r-description",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "rejected", "DESCRIPTION": "rejected"},
        codes=["R2C104"],
        spec=None,
    ),
    Case(
        "r-description-binder",
        ok=True,
        config_dir="binder",
        files={"binder/requirements.txt": "used", "DESCRIPTION": "ignored"},
        codes=["R2C108", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "r-runtime-date",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected", "requirements.txt": "rejected", "install.R": "rejected"},
        codes=["R2C104"],
        spec=None,
    ),
    Case(
        "r-runtime-nodate",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "ignored", "requirements.txt": "used"},
        codes=["R2C302", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "readme-example",
        ok=False,
        config_dir="binder",
        files={
            "binder/environment.yml": "used",
            "binder/requirements.txt": "used",
            "binder/apt.txt": "rejected",
            "binder/postBuild": "rejected",
        },
        codes=["R2C106", "R2C111", "R2C411", "R2C701"],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11", "numpy", "pandas", "pip"],
            "pip": ["requests>=2.31"],
        },
    ),
    Case(
        "requirements-bad-line",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used"},
        codes=["R2C501", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy", "scipy"],
        },
    ),
    Case(
        "requirements-cycle",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used", "a.txt": "used"},
        codes=["R2C206", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy", "pandas"],
        },
    ),
    Case(
        "requirements-escape",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used"},
        codes=["R2C205", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "requirements-full",
        ok=True,
        config_dir=".",
        files={
            "requirements.txt": "used",
            "setup.py": "used",
            "reqs/base.txt": "used",
            "reqs/nested/deep.txt": "used",
            "constraints.txt": "used",
        },
        codes=["R2C601", "R2C607"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": [
                "--index-url https://pypi.org/simple",
                "--extra-index-url https://example.org/simple",
                "--pre",
                "-f https://example.org/wheels",
                "numpy>=1.26",
                'pandas[parquet,excel]==2.2.* ; python_version >= "3.9"',
                "requests==2.31.0"
                " --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"
                " --hash=sha256:942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1",
                "tqdm @ https://files.pythonhosted.org/packages/tqdm-4.66.1-py3-none-any.whl",
                "git+https://github.com/user/repo.git@v1.0#egg=repo",
                "https://example.org/pkg-1.0.tar.gz",
                "-e .",
                "./libs/helper",
                "scipy",
                "matplotlib",
                "-c constraints.txt",
                ".",
            ],
        },
    ),
    Case(
        "requirements-missing",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used"},
        codes=["R2C207", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "requirements-unknown-option",
        ok=False,
        config_dir=".",
        files={"requirements.txt": "used"},
        codes=["R2C502", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-bad-date",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected"},
        codes=["R2C301", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-bad-version",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected"},
        codes=["R2C301"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-empty",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected"},
        codes=["R2C301", "R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-invalid",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected", "requirements.txt": "used"},
        codes=["R2C301", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-invalid-with-env",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "rejected", "environment.yml": "used"},
        codes=["R2C301"],
        spec={"python": "3.11", "channels": ["conda-forge"], "conda": ["python=3.11"], "pip": []},
    ),
    Case(
        "runtime-python",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used", "requirements.txt": "used"},
        codes=[],
        spec={
            "python": "3.11",
            "channels": ["conda-forge"],
            "conda": ["python=3.11"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-python-date",
        ok=True,
        config_dir="binder",
        files={"binder/runtime.txt": "used", "binder/requirements.txt": "used"},
        codes=[],
        spec={
            "python": "3.9",
            "channels": ["conda-forge"],
            "conda": ["python=3.9"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-python-major",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used"},
        codes=["R2C601"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-python-patch",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used", "requirements.txt": "used"},
        codes=["R2C303"],
        spec={
            "python": "3.11.4",
            "channels": ["conda-forge"],
            "conda": ["python=3.11.4"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-python2",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used", "requirements.txt": "used", "requirements3.txt": "ignored"},
        codes=["R2C704"],
        spec={
            "python": "2.7",
            "channels": ["conda-forge"],
            "conda": ["python=2.7"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-unknown-name",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "ignored", "requirements.txt": "used"},
        codes=["R2C302", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "scripts",
        ok=False,
        config_dir=".",
        files={
            "requirements.txt": "used",
            "apt.txt": "rejected",
            "postBuild": "rejected",
            "start": "rejected",
        },
        codes=["R2C106", "R2C111", "R2C601", "R2C701", "R2C702"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "setup-py",
        ok=True,
        config_dir=".",
        files={"requirements.txt": "used", "setup.py": "used"},
        codes=["R2C601", "R2C607"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy", "."],
        },
    ),
    Case(
        "setup-py-only",
        ok=True,
        config_dir=".",
        files={"setup.py": "used"},
        codes=["R2C601", "R2C607"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["."],
        },
    ),
    Case(
        "legacy-dockerfile",
        ok=False,
        config_dir="binder",
        files={"Dockerfile": "rejected", "binder/requirements.txt": "ignored"},
        codes=["R2C110"],
        spec=None,
    ),
    Case(
        "pipfile-other-runtime",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "ignored", "Pipfile": "ignored", "requirements.txt": "used"},
        codes=["R2C302", "R2C601"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["python=3.10"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "runtime-other-requires-python",
        ok=False,
        config_dir=".",
        files={"runtime.txt": "ignored", "pyproject.toml": "used"},
        codes=["R2C302", "R2C606"],
        spec={"python": "3.10", "channels": ["conda-forge"], "conda": ["python=3.10"], "pip": []},
    ),
    Case(
        "runtime-python2-major",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used", "requirements.txt": "used"},
        codes=[],
        spec={
            "python": "2.7",
            "channels": ["conda-forge"],
            "conda": ["python=2.7"],
            "pip": ["numpy"],
        },
    ),
    Case(
        "env-deps-null",
        ok=False,
        config_dir=".",
        files={"environment.yml": "rejected"},
        codes=["R2C402"],
        spec=None,
    ),
    Case(
        "julia-bad-runtime",
        ok=False,
        config_dir=".",
        files={
            "Project.toml": "rejected",
            "runtime.txt": "rejected",
            "requirements.txt": "rejected",
        },
        codes=["R2C102", "R2C301"],
        spec=None,
    ),
    Case(
        "env-python2-major",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=[],
        spec={
            "python": "2.7",
            "channels": ["conda-forge"],
            "conda": ["python=2", "numpy"],
            "pip": [],
        },
    ),
    Case(
        "env-python-bad-major",
        ok=True,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C305"],
        spec={"python": "4", "channels": ["conda-forge"], "conda": ["python=4"], "pip": []},
    ),
    Case(
        "env-python-malformed",
        ok=False,
        config_dir=".",
        files={"environment.yml": "used"},
        codes=["R2C407"],
        spec={
            "python": "3.10",
            "channels": ["conda-forge"],
            "conda": ["numpy", "python=3."],
            "pip": [],
        },
    ),
    Case(
        "runtime-python36-requirements3",
        ok=True,
        config_dir=".",
        files={"runtime.txt": "used", "requirements.txt": "used", "requirements3.txt": "ignored"},
        codes=["R2C704"],
        spec={
            "python": "3.6",
            "channels": ["conda-forge"],
            "conda": ["python=3.6"],
            "pip": ["numpy"],
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Case) -> None:
    report = read(case.name)
    assert report.ok is case.ok
    assert report.config_dir == case.config_dir
    assert statuses(report) == case.files
    assert sorted({f.code for f in report.findings}) == case.codes
    assert (report.spec.to_json() if report.spec else None) == case.spec


def test_every_fixture_is_in_the_table() -> None:
    assert sorted(p.name for p in REPOS.iterdir() if p.is_dir()) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_report_invariants(case: Case) -> None:
    """Severities come from the table, ok means no error, JSON round-trips, paths use /."""
    report = read(case.name)
    for f in report.findings:
        assert f.code in CODES
        assert f.hint, f.code
        assert f.message
        if f.line is not None:
            assert f.line >= 1
        if f.column is not None:
            assert f.column >= 1
        if f.path is not None:
            assert "\\" not in f.path and not f.path.startswith("/")
    assert report.ok == (not any(f.severity is Severity.ERROR for f in report.findings))
    for rec in report.files:
        assert rec.status in ("used", "ignored", "rejected")
        assert not rec.path.startswith(("/", "./"))
        if rec.status != "used":
            assert rec.reason, rec.path
    assert len({r.path for r in report.files}) == len(report.files)
    json.dumps(report.to_json())
    if report.spec is not None:
        assert any(d.spec.split("::")[-1].startswith("python") for d in report.spec.conda)
        assert "nodefaults" not in report.spec.channels


def test_library_api_and_path_as_given() -> None:
    report = check(REPOS / "env-basic")
    assert report.path == str(REPOS / "env-basic")
    assert report.ok


def test_root_file_included_from_binder_folder_is_used_not_shadowed(tmp_path) -> None:
    from rees_helpers import write_repo

    from rees2conda.rees.reader import read_repository

    write_repo(
        tmp_path,
        {
            "binder/environment.yml": "dependencies:\n  - python=3.11\n  - pip:\n"
            "    - -r ../requirements.txt\n",
            "requirements.txt": "numpy\n",
        },
    )
    report = read_repository(tmp_path)
    assert statuses(report) == {"binder/environment.yml": "used", "requirements.txt": "used"}
    assert "R2C108" not in {f.code for f in report.findings}
    assert [p.line for p in report.spec.pip] == ["numpy"]  # type: ignore[union-attr]


def test_legacy_dockerfile_is_decided_by_its_first_from_line(tmp_path) -> None:
    from rees_helpers import write_repo

    from rees2conda.rees.reader import read_repository

    first = "FROM python:3.11 AS build\nFROM andrewosh/binder-base\n"
    report = read_repository(write_repo(tmp_path / "a", {"Dockerfile": first}))
    assert [f.code for f in report.errors] == ["R2C101"]
    commented = "FROM ubuntu  # andrewosh/binder-base\n"
    report = read_repository(write_repo(tmp_path / "b", {"Dockerfile": commented, "binder/x": ""}))
    assert "R2C110" not in [f.code for f in report.findings] and report.ok
    legacy = "FROM Andrewosh/Binder-Base:latest\n"
    report = read_repository(write_repo(tmp_path / "c", {"Dockerfile": legacy, ".binder/x": ""}))
    assert [(f.code, f.line) for f in report.errors] == [("R2C110", 1)]


#: The route each of these fixtures takes (``Report.route``, docs/binder-rules.md §2).
ROUTE_OF = {
    "legacy-dockerfile": "legacy",
    "both-binder-folders": None,
    "dockerfile": "docker",
    "julia-project": "julia",
    "julia-bad-runtime": "julia",
    "julia-require": "julia-require",
    "nix": "nix",
    "r-runtime-date": "r",
    "r-description": "r",
    "env-basic": "conda",
    "env-with-pipfile": "conda",
    "runtime-invalid-with-env": "conda",
    "pipfile": "pipfile",
    "runtime-python": "python",
    "setup-py-only": "python",
    "requirements-full": "python",
    "r-description-binder": "python",
    "default-build": "default",
    "pipfile-other-runtime": "default",
    "runtime-unknown-name": "default",
    "r-runtime-nodate": "default",
    "pyproject-no-build-system": "python",
}


@pytest.mark.parametrize("name", sorted(ROUTE_OF))
def test_route_is_the_deciding_build(name: str) -> None:
    report = check(REPOS / name)
    assert report.route == ROUTE_OF[name], report.to_json()
    assert json.loads(json.dumps(report.to_json()))["route"] == ROUTE_OF[name]


def test_every_route_has_a_fixture() -> None:
    """A new Binder rule is a new route: it gets a fixture here too."""
    from rees2conda.rees.routes import ROUTES

    assert {route.name for route in ROUTES} == set(ROUTE_OF.values())

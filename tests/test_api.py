"""The library API: rees2conda.check/lock/build/list_envs/remove are functions returning data."""

from __future__ import annotations

import importlib
from pathlib import Path

import rees2conda

EXAMPLE = Path(__file__).parent.parent / "examples" / "climate-demo"


def test_api_names_are_functions_even_after_subpackages_are_imported() -> None:
    # Importing the engines' modules must not shadow the API functions with packages.
    for module in ("rees2conda.resolve.api", "rees2conda.env.api", "rees2conda.rees.reader"):
        importlib.import_module(module)
    for name in rees2conda.__all__:
        if name != "__version__":
            assert callable(getattr(rees2conda, name)), name


def test_check_returns_data_for_the_bundled_example() -> None:
    report = rees2conda.check(EXAMPLE)
    assert report.ok
    assert report.config_dir == "binder"
    assert report.spec is not None and report.spec.python == "3.11"
    assert [p.line for p in report.spec.pip] == ["tabulate>=0.9"]
    assert {f.code for f in report.warnings} == {"R2C701"}  # postBuild is not run


def test_cli_reports_a_user_error_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "check", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") <= 2 and "missing" in proc.stderr

"""What Binder's builds that rees2conda refuses still use and check (docs/binder-rules.md §1-2).

repo2docker's Julia and R buildpacks extend its Python buildpack (and through it the conda one),
so they also install requirements.txt, environment.yml and the root package, and fail on what the
Python build fails on; Nix, Julia, R and pipenv builds all use apt.txt, postBuild and start. The
report's file list says so, and the Python part's errors are reported too. Also here: the legacy
``andrewosh/binder-base`` Dockerfile, the very first thing repo2docker checks.
"""

from __future__ import annotations

from rees2conda import codes
from rees2conda.model import Severity
from rees2conda.rees import python as py
from rees2conda.rees.apt import APT_CODES
from rees2conda.rees.python_route import PythonRoute
from rees2conda.rees.runtime import Runtime, python_from_runtime
from rees2conda.rees.textfile import read_text

#: Files every repo2docker build except the Dockerfile one uses (its ``BaseImage``).
BASE_FILES: tuple[str, ...] = ("apt.txt", "postBuild", "start")


class RefusedRoute(PythonRoute):
    """Bookkeeping for the Julia, Nix, R and pipenv builds and the legacy Dockerfile."""

    def _legacy_dockerfile(self) -> bool:
        """A root Dockerfile ``FROM andrewosh/binder-base``: repo2docker's first check, which
        fails the build whatever else the repository holds (even with a binder folder)."""
        if not self.repo.lexists("Dockerfile"):
            return False
        text, _problem = read_text(self.repo, "Dockerfile")
        for number, line in enumerate((text or "").splitlines(), 1):
            if not line.startswith("FROM"):
                continue
            if "andrewosh/binder-base" not in line.split("#")[0].lower():
                return False
            self.record("Dockerfile", "rejected", "legacy Binder image: Binder refuses to build")
            self.add(
                codes.finding(
                    "R2C110",
                    "Dockerfile is built FROM andrewosh/binder-base: Binder removed support for "
                    "it and stops with an error",
                    path="Dockerfile",
                    line=number,
                    column=1,
                )
            )
            return True
        return False

    # --- what Binder's other builds use ----------------------------------------------------------
    def _python_build_files(self, runtime: Runtime | None, build: str) -> list[str]:
        """Files repo2docker's Julia and R builds use besides their own: they extend its Python
        build (and, through it, install environment.yml too)."""
        names = [*BASE_FILES, "requirements.txt", "setup.py"]
        env = next((n for n in ("environment.yml", "environment.yaml") if self.has(n)), None)
        if env:
            names.append(env)
        if runtime is not None and (runtime.name == "python" or runtime.name == build == "r"):
            names.append("runtime.txt")  # its Python (and, for R, its R version) is used
        if build == "r":
            names.append("install.R")
        if self.has("pyproject.toml") and self.pyproject().is_package:
            names.append("pyproject.toml")
        return names + self._py2_server_files(runtime)

    def _pipenv_python(self) -> str:
        """The Python of Binder's pipenv build: Pipfile.lock's, else Pipfile's ``requires``
        (never runtime.txt's); ``""`` when neither says (Binder's default)."""
        import json

        from rees2conda.rees.local_package import _loads

        for name in ("Pipfile.lock", "Pipfile"):
            if not self.has(name):
                continue
            text, _problem = read_text(self.repo, self.rel(name))
            try:
                data = json.loads(text or "") if name == "Pipfile.lock" else _loads(text or "")
                if name == "Pipfile.lock":
                    data = data.get("_meta", {})
                requires = data.get("requires", {})
            except Exception:  # unreadable or malformed: Binder fails on it anyway
                continue
            for key in ("python_full_version", "python_version"):
                if isinstance(requires, dict) and isinstance(requires.get(key), str):
                    return str(requires[key])
        return ""

    def _py2_server_files(self, runtime: Runtime | None) -> list[str]:
        """requirements3.txt: with a Python older than 3.7 in runtime.txt, Binder installs it
        in the Jupyter server's environment."""
        if runtime is None or runtime.name != "python":
            return []
        version, _kind = python_from_runtime(runtime)
        return ["requirements3.txt"] if version and py.separate_kernel_env(version) else []

    def _python_part_errors(self, runtime: Runtime | None) -> None:
        """Errors of the Python part of Binder's Julia and R builds, which extend its Python
        build: a runtime.txt Python it cannot use, an invalid pyproject.toml or requires-python,
        bad requirement files. Only those errors are kept: the build itself is refused."""
        records = dict(self.records)
        start = len(self.report.findings)
        try:
            self._python_route(runtime)
        finally:
            found = self.report.findings[start:]
            del self.report.findings[start:]
            self.records = records
        self.add(*(f for f in found if f.severity is Severity.ERROR and f.code not in APT_CODES))

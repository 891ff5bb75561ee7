"""Read a repository exactly as Binder (repo2docker) would, into a :class:`Report`.

The order of decisions follows docs/binder-rules.md §2 (first match wins): Dockerfile, Julia, Nix, R
with a date, environment.yml(.yaml), Pipfile, then the Python route (runtime.txt, requirements.txt,
the root package) and finally the default build. Every REES file found is recorded with what Binder
does with it; everything conda cannot satisfy, and everything users trip over, is a Finding.

Nothing a repository contains makes this raise: only a path that does not exist or is not a
directory is a :class:`UsageError`.
"""

from __future__ import annotations

import os

from rees2conda import codes
from rees2conda.errors import UsageError, require_directory
from rees2conda.model import CondaDep, EnvSpec, FileRecord, Report
from rees2conda.rees import python as py
from rees2conda.rees.conda_route import CondaRoute
from rees2conda.rees.layout import REES_NAMES, ROOT_ONLY, find_layout
from rees2conda.rees.refused_route import BASE_FILES, RefusedRoute
from rees2conda.rees.runtime import InvalidRuntime, Runtime, parse_runtime

#: Root files whose shadowing by the binder folder is worth a warning (they decide builds).
_SHADOW_WARN = {
    "Dockerfile",
    "environment.yml",
    "environment.yaml",
    "requirements.txt",
    "runtime.txt",
    "Pipfile",
    "Pipfile.lock",
    "apt.txt",
    "postBuild",
    "start",
    "default.nix",
    "Project.toml",
    "JuliaProject.toml",
    "install.R",
    "setup.py",
    "DESCRIPTION",
}


def read_repository(path: str | os.PathLike[str], apt: str = "refuse") -> Report:
    """Read ``path`` the way Binder does; bad content becomes findings, never exceptions.

    ``apt="conda"`` maps apt.txt to conda-forge packages added to the spec (``rees.apt``)
    instead of refusing it.
    """
    from rees2conda.rees.apt import APT_MODES

    if apt not in APT_MODES:
        raise UsageError(f"--apt {apt}: unknown", hint=f"use one of: {', '.join(APT_MODES)}")
    given = os.fspath(path)
    require_directory(given)
    return _Reader(given, apt).read()


class _Reader(CondaRoute, RefusedRoute):
    """One reading of one repository: which file decides, then the route that builds the spec."""

    # --- the decision ----------------------------------------------------------------------------
    def read(self) -> Report:
        try:
            self.layout = find_layout(self.repo)
            self.report.config_dir = self.layout.config_dir
            self.add(*self.layout.findings)
            self.report.spec = self._decide()
            self._add_apt_specs()
            self._shadowed()
        except Exception as exc:  # a bug here must not become a traceback for the user
            self.report.spec = None
            self.add(
                codes.finding(
                    "R2C001",
                    f"rees2conda failed to read the repository: {type(exc).__name__}: {exc}",
                )
            )
        self.report.files = self._ordered()
        return self.report

    def _add_apt_specs(self) -> None:
        """With ``--apt conda``: apt.txt's conda-forge equivalents join the spec, except names
        the environment already asks for (its own constraint wins)."""
        review, spec = self.apt_review, self.report.spec
        if self.apt_mode != "conda" or review is None or spec is None or not review.mappable:
            return
        from rees2conda.rees.apt import spec_name

        asked = {spec_name(d.spec) for d in spec.conda}
        for conda_spec, origin, _word in review.specs():
            if spec_name(conda_spec) not in asked:
                asked.add(spec_name(conda_spec))
                spec.conda.append(CondaDep(conda_spec, origin))
        spec.apt = review.mapping()

    def _ordered(self) -> list[FileRecord]:
        """The configuration folder's files in precedence order, then everything else."""
        order = {self.rel(n): i for i, n in enumerate(REES_NAMES + ROOT_ONLY)}
        records = list(self.records.values())
        return sorted(records, key=lambda r: order.get(r.path, len(order)))

    def _shadowed(self) -> None:
        layout = self.layout
        for rel in layout.other:
            self.record(rel, "ignored", "both binder/ and .binder/ exist: Binder fails")
        folder = layout.config_dir + "/"
        for name in layout.shadowed:
            if name in self.records:  # reached through -r/-c from the binder folder: used
                continue
            if layout.both:
                self.record(name, "ignored", "both binder/ and .binder/ exist: Binder fails")
                continue
            self.record(name, "ignored", f"{folder} exists: Binder reads only from it")
            if name in _SHADOW_WARN:
                self.add(
                    codes.finding(
                        "R2C108",
                        f"{name} at the root is ignored because {folder} exists",
                        path=name,
                    )
                )

    def _decide(self) -> EnvSpec | None:
        if self._legacy_dockerfile():
            self.ignore_rest("Binder stops at the legacy root Dockerfile")
            return None
        if self.layout.both:
            self.ignore_rest("both binder/ and .binder/ exist: Binder fails")
            return None
        if self.has("Dockerfile"):
            rel = self.rel("Dockerfile")
            self.record(rel, "rejected", "Binder builds this Dockerfile; conda cannot")
            self.add(
                codes.finding(
                    "R2C101",
                    f"{rel} exists: Binder builds it verbatim and ignores every other file",
                    path=rel,
                )
            )
            self.ignore_rest("the Dockerfile decides: Binder ignores every other file")
            return None
        julia = [n for n in ("Project.toml", "JuliaProject.toml") if self.has(n)]
        if not julia and self.has("REQUIRE"):  # detected only without a Julia project, to fail
            julia = ["REQUIRE"]
        if julia:
            runtime = self._runtime() if julia != ["REQUIRE"] else None
            for name in julia:
                rel = self.rel(name)
                self.record(rel, "rejected", "a Julia environment; conda cannot build it")
                what = (
                    "a Julia REQUIRE file (no longer supported by Binder)"
                    if name == "REQUIRE"
                    else "a Julia project: Binder builds it with Julia"
                )
                self.add(codes.finding("R2C102", f"{rel} is {what}", path=rel))
            if julia == ["REQUIRE"]:
                self.reject_apt()
                self.ignore_rest("not evaluated: Binder refuses the REQUIRE build")
            else:
                self._python_part_errors(runtime)
                self.refused_build("Julia", self._python_build_files(runtime, "julia"))
            return None
        if self.has("default.nix"):
            rel = self.rel("default.nix")
            self.record(rel, "rejected", "a Nix environment; conda cannot build it")
            self.add(
                codes.finding(
                    "R2C103",
                    f"{rel} exists: Binder builds with Nix and ignores the other package files",
                    path=rel,
                )
            )
            self.refused_build("Nix", list(BASE_FILES))
            return None
        runtime = self._runtime()
        r_files = []
        if runtime is not None and runtime.is_r_snapshot:
            r_files.append(self.rel("runtime.txt"))
        if self.layout.config_dir == "." and self.has("DESCRIPTION"):
            r_files.append("DESCRIPTION")
        if r_files:
            for rel in r_files:
                self.record(rel, "rejected", "the R build (CRAN snapshot), not conda")
                what = (
                    f"names R with a date ({runtime.date})"
                    if rel.endswith("runtime.txt") and runtime
                    else "is an R package description"
                )
                self.add(
                    codes.finding(
                        "R2C104",
                        f"{rel} {what}: Binder builds R from a CRAN snapshot",
                        path=rel,
                        line=1 if rel.endswith("runtime.txt") else None,
                    )
                )
            self._python_part_errors(runtime)
            self.refused_build("R", self._python_build_files(runtime, "r"))
            return None
        env_name = next((n for n in ("environment.yml", "environment.yaml") if self.has(n)), None)
        if env_name is not None:
            return self._conda_route(env_name, runtime)
        pipfiles = [n for n in ("Pipfile", "Pipfile.lock") if self.has(n)]
        if pipfiles and runtime is not None and runtime.name != "python":
            # repo2docker's Pipfile buildpack declines when runtime.txt names something else;
            # its default (Python) build then runs and never reads the Pipfile.
            for name in pipfiles:
                self.record(
                    self.rel(name),
                    "ignored",
                    f"runtime.txt names {runtime.name!r}: Binder skips the Pipfile build",
                )
            pipfiles = []
        if pipfiles:
            for name in pipfiles:
                rel = self.rel(name)
                self.record(rel, "rejected", "Binder installs it with pipenv")
                self.add(
                    codes.finding(
                        "R2C105", f"{rel} decides the build: Binder installs with pipenv", path=rel
                    )
                )
            old = py.separate_kernel_env(self._pipenv_python())
            self.refused_build("pipenv", [*BASE_FILES, *(["requirements3.txt"] if old else [])])
            return None
        return self._python_route(runtime)

    # --- runtime.txt -----------------------------------------------------------------------------
    def _runtime(self) -> Runtime | None:
        if not self.has("runtime.txt"):
            return None
        rel = self.rel("runtime.txt")
        text = self.read_or_reject(rel)
        if text is None:
            return None
        try:
            return parse_runtime(text)
        except InvalidRuntime as exc:
            self.add(codes.finding("R2C301", f"{exc}", path=rel, line=1, column=1))
            self.record(rel, "rejected", "invalid runtime.txt: Binder fails")
            return None

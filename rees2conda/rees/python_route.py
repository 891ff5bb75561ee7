"""The Python route: runtime.txt, requirements.txt and the root package.

docs/binder-rules.md §2 item 7, §5.

Also the default build (item 8): with nothing at all Binder builds Python 3.10 and Jupyter.
"""

from __future__ import annotations

import re

from rees2conda import codes
from rees2conda.model import DEFAULT_PYTHON, CondaDep, EnvSpec, Origin, PipLine
from rees2conda.rees import python as py
from rees2conda.rees.collector import Collector
from rees2conda.rees.runtime import Runtime, python_from_runtime
from rees2conda.rees.textfile import read_text


class PythonRoute(Collector):
    """pip-based builds: the Python version, requirement files and ``pip install .``."""

    # --- the Python route -----------------------------------------------------------------------
    def _python_route(self, runtime: Runtime | None) -> EnvSpec | None:
        from rees2conda.rees.requirements import PipReader

        spec = EnvSpec()
        broken = False
        source = "default"
        if runtime is not None:
            rt = self.rel("runtime.txt")
            if runtime.name != "python":
                source = "other"  # Binder then also skips requires-python
                self.record(rt, "ignored", f"runtime {runtime.name!r} is not one Binder uses")
                self.add(
                    codes.finding(
                        "R2C302",
                        f"{rt} names {runtime.name!r}, which Binder ignores; it uses "
                        f"Python {DEFAULT_PYTHON}",
                        path=rt,
                        line=1,
                        column=1,
                    )
                )
            else:
                version, kind = python_from_runtime(runtime)
                if kind == "invalid":
                    self.record(rt, "rejected", "invalid Python version: Binder fails")
                    self.add(
                        codes.finding(
                            "R2C301",
                            f"{rt}: {runtime.version!r} is not a Python version Binder accepts",
                            path=rt,
                            line=1,
                            column=len(runtime.name) + 2,
                        )
                    )
                    broken = True
                else:
                    self.record(rt, "used")
                    if kind == "patch":
                        self.add(
                            codes.finding(
                                "R2C303",
                                f"{rt}: python-{runtime.version} fails on Binder (only "
                                f"python-X.Y is accepted); rees2conda pins {runtime.version}",
                                path=rt,
                                line=1,
                                column=len(runtime.name) + 2,
                            )
                        )
                    if kind in ("minor", "patch") and version:
                        spec.python = version
                        source = "runtime"
                    elif version:  # python-2 -> 2.7, python-3 -> the default: still a default
                        spec.python = version  # for Binder, which requires-python may move
                    spec.python_origin = Origin(rt, 1, 1)
        pkg_line = self._root_package(spec, source)
        if pkg_line is False:
            broken = True
        if source in ("default", "other") and not broken:
            raised = spec.python != DEFAULT_PYTHON
            if not raised:
                origin = spec.python_origin
                # attach it to the file that decides the build, so that annotations show it
                deciding = next(
                    (
                        self.rel(n) if n in ("runtime.txt", "requirements.txt") else n
                        for n in ("runtime.txt", "requirements.txt", "setup.py", "pyproject.toml")
                        if self.has(n) and (n.endswith(".txt") or self.layout.config_dir == ".")
                    ),
                    None,
                )
                self.add(
                    codes.finding(
                        "R2C601",
                        f"no Python version is pinned: Binder uses its default {DEFAULT_PYTHON}",
                        path=origin.path if origin else deciding,
                        line=origin.line if origin else None,
                    )
                )
        self._python_known(spec)
        pin_origin = spec.python_origin or Origin(".")
        spec.conda = [CondaDep(f"python={spec.python}", pin_origin)]

        if self.has("requirements.txt"):
            reader = PipReader(repo=self.repo, cwd=".", record=self.record)
            spec.pip.extend(reader.read_file(self.rel("requirements.txt")))
            self.add(*reader.findings)
        if self.has("requirements3.txt"):
            r3 = self.rel("requirements3.txt")
            if py.separate_kernel_env(spec.python):
                self.record(r3, "ignored", "for Binder's Python 3 notebook server, not the kernel")
                self.add(
                    codes.finding(
                        "R2C704",
                        f"{r3} is for the notebook server; rees2conda builds only the "
                        f"Python {spec.python} kernel environment",
                        path=r3,
                    )
                )
            else:
                self.record(r3, "ignored", "used by Binder only with a Python older than 3.7")
        if isinstance(pkg_line, PipLine):
            spec.pip.append(pkg_line)
        self._common()
        if not self.layout.present:
            self.add(
                codes.finding(
                    "R2C109",
                    f"no REES file found: Binder's default build (Python {DEFAULT_PYTHON} "
                    "and Jupyter)",
                    path=None if self.layout.config_dir == "." else self.layout.config_dir,
                )
            )
        self.ignore_rest("not used by the Python build")
        return spec

    def _root_package(self, spec: EnvSpec, source: str) -> PipLine | bool | None:
        """The ``pip install .`` line of a root package; adjusts Python by requires-python.

        Returns the line, None when there is no package, False when Binder would fail.
        """
        if self.layout.config_dir != ".":
            return None
        pkg_origin: Origin | None = None
        if self.has("setup.py"):
            self.record("setup.py", "used", "installed with `pip install .`")
            pkg_origin = Origin("setup.py")
        if self.has("pyproject.toml"):
            pp = self.pyproject()
            if pp.problem is not None:
                self.add(pp.problem)
                self.record("pyproject.toml", "rejected", pp.problem.message)
                return False
            if pp.is_package:
                self.record("pyproject.toml", "used", "installed with `pip install .`")
                pkg_origin = pkg_origin or Origin("pyproject.toml")
            else:
                self.record(
                    "pyproject.toml",
                    "ignored",
                    "not a package: needs both [project] and [build-system]",
                )
                if pp.requires_python is not None or self._has_project_table():
                    self.add(
                        codes.finding(
                            "R2C603",
                            "pyproject.toml has [project] but no [build-system]; Binder "
                            "does not install it",
                            path="pyproject.toml",
                        )
                    )
            if pp.requires_python is not None and not self._requires_python(
                spec, source, pp.requires_python, pp.requires_python_line, pp.is_package
            ):
                return False
        if pkg_origin is None:
            return None
        self.add(
            codes.finding(
                "R2C607",
                f"{pkg_origin.path}: Binder runs `pip install .` for this package",
                path=pkg_origin.path,
            )
        )
        return PipLine(line=".", origin=pkg_origin, kind="path", base=".")

    def _has_project_table(self) -> bool:
        text, _ = read_text(self.repo, "pyproject.toml")
        return bool(text and re.search(r"^[ \t]*\[project\]", text, re.MULTILINE))

    def _requires_python(
        self, spec: EnvSpec, source: str, requires: str, line: int | None, is_package: bool
    ) -> bool:
        """Apply requires-python as repo2docker does; False when Binder's build fails.

        ``source`` is where the Python came from: ``default``, ``runtime`` (runtime.txt
        python-X.Y) or ``other`` (runtime.txt names something else: Binder keeps its default
        without reading requires-python, and pip then refuses a package that excludes it).
        """
        where = Origin("pyproject.toml", line)
        if source == "other":
            if not is_package or py.allowed_by(requires, spec.python):
                return True
            self.add(
                codes.finding(
                    "R2C606",
                    f"Binder uses its default Python {spec.python} (runtime.txt names another "
                    f"runtime), which requires-python {requires!r} does not allow: "
                    "`pip install .` fails",
                    path=where.path,
                    line=line,
                )
            )
            return False
        if source == "default":
            if py.allowed_by(requires, spec.python):
                return True
            default = spec.python
            best = py.highest_allowed(requires)
            if best is None:
                self.add(
                    codes.finding(
                        "R2C606",
                        f"requires-python {requires!r} allows none of the Pythons Binder "
                        f"supports ({', '.join(py.BINDER_PYTHONS)})",
                        path=where.path,
                        line=line,
                    )
                )
                return False
            spec.python = best
            spec.python_origin = where
            self.add(
                codes.finding(
                    "R2C605",
                    f"requires-python {requires!r} excludes Binder's default "
                    f"{default}: Python {best} is used",
                    path=where.path,
                    line=line,
                )
            )
            return True
        if not py.allowed_by(requires, spec.python):
            self.add(
                codes.finding(
                    "R2C606",
                    f"runtime.txt asks for Python {spec.python}, which requires-python "
                    f"{requires!r} does not allow: Binder fails",
                    path=where.path,
                    line=line,
                )
            )
            return False
        return True

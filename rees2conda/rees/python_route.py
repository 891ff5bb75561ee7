"""The Python route: runtime.txt, requirements.txt and the root package.

docs/binder-rules.md §2 item 7, §5.

Also the default build (item 8): with nothing at all Binder builds Python 3.10 and Jupyter.
"""

from __future__ import annotations

import re

from rees2conda import codes
from rees2conda.model import DEFAULT_PYTHON, EnvSpec, Origin, PipLine
from rees2conda.rees import python as py
from rees2conda.rees.condaspec import conda_dep
from rees2conda.rees.context import ReadContext
from rees2conda.rees.runtime import Runtime, python_from_runtime
from rees2conda.rees.textfile import read_text


class PythonRoute:
    """runtime.txt ``python-…``, a root package or requirements.txt: repo2docker's
    ``PythonBuildPack`` as detected (its ``detect``: a runtime.txt name decides alone)."""

    __slots__ = ()
    name = "python"

    def detect(self, ctx: ReadContext) -> bool:
        runtime = ctx.runtime()
        if runtime is not None:
            return runtime.name == "python"
        return ctx.is_python_package() or ctx.has("requirements.txt")

    def read(self, ctx: ReadContext) -> EnvSpec | None:
        runtime = ctx.runtime()
        if runtime is not None and runtime.name != "python":
            # repo2docker's Pipfile buildpack declines when runtime.txt names something else;
            # its default (Python) build then runs and never reads the Pipfile.
            for name in ("Pipfile", "Pipfile.lock"):
                if ctx.has(name):
                    ctx.record(
                        ctx.rel(name),
                        "ignored",
                        f"runtime.txt names {runtime.name!r}: Binder skips the Pipfile build",
                    )
        return read_python_build(ctx, runtime)


class DefaultRoute(PythonRoute):
    """Nothing else detected: repo2docker's default buildpack, its Python build."""

    __slots__ = ()
    name = "default"

    def detect(self, ctx: ReadContext) -> bool:
        return True


# --- the Python route: pip-based builds (Python version, requirement files, `pip install .`)
def read_python_build(ctx: ReadContext, runtime: Runtime | None) -> EnvSpec | None:
    """The Python build's spec: also the Python part of Binder's Julia and R builds."""
    from rees2conda.rees.requirements import PipReader

    spec = EnvSpec()
    broken = False
    source = "default"
    if runtime is not None:
        rt = ctx.rel("runtime.txt")
        if runtime.name != "python":
            source = "other"  # Binder then also skips requires-python
            ctx.record(rt, "ignored", f"runtime {runtime.name!r} is not one Binder uses")
            ctx.add(
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
                ctx.record(rt, "rejected", "invalid Python version: Binder fails")
                ctx.add(
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
                ctx.record(rt, "used")
                if kind == "patch":
                    ctx.add(
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
    pkg_line = _root_package(ctx, spec, source)
    if pkg_line is False:
        broken = True
    if source in ("default", "other") and not broken:
        raised = spec.python != DEFAULT_PYTHON
        if not raised:
            origin = spec.python_origin
            # attach it to the file that decides the build, so that annotations show it
            deciding = next(
                (
                    ctx.rel(n) if n in ("runtime.txt", "requirements.txt") else n
                    for n in ("runtime.txt", "requirements.txt", "setup.py", "pyproject.toml")
                    if ctx.has(n) and (n.endswith(".txt") or ctx.layout.config_dir == ".")
                ),
                None,
            )
            ctx.add(
                codes.finding(
                    "R2C601",
                    f"no Python version is pinned: Binder uses its default {DEFAULT_PYTHON}",
                    path=origin.path if origin else deciding,
                    line=origin.line if origin else None,
                )
            )
    ctx.python_known(spec)
    pin_origin = spec.python_origin or Origin(".")
    spec.conda = [conda_dep(f"python={spec.python}", pin_origin)]

    if ctx.has("requirements.txt"):
        reader = PipReader(repo=ctx.repo, cwd=".", record=ctx.record)
        spec.pip.extend(reader.read_file(ctx.rel("requirements.txt")))
        ctx.add(*reader.findings)
    if ctx.has("requirements3.txt"):
        r3 = ctx.rel("requirements3.txt")
        if py.separate_kernel_env(spec.python):
            ctx.record(r3, "ignored", "for Binder's Python 3 notebook server, not the kernel")
            ctx.add(
                codes.finding(
                    "R2C704",
                    f"{r3} is for the notebook server; rees2conda builds only the "
                    f"Python {spec.python} kernel environment",
                    path=r3,
                )
            )
        else:
            ctx.record(r3, "ignored", "used by Binder only with a Python older than 3.7")
    if isinstance(pkg_line, PipLine):
        spec.pip.append(pkg_line)
    ctx.common()
    if not ctx.layout.present:
        ctx.add(
            codes.finding(
                "R2C109",
                f"no REES file found: Binder's default build (Python {DEFAULT_PYTHON} and Jupyter)",
                path=None if ctx.layout.config_dir == "." else ctx.layout.config_dir,
            )
        )
    ctx.ignore_rest("not used by the Python build")
    return spec


def _root_package(ctx: ReadContext, spec: EnvSpec, source: str) -> PipLine | bool | None:
    """The ``pip install .`` line of a root package; adjusts Python by requires-python.

    Returns the line, None when there is no package, False when Binder would fail.
    """
    if ctx.layout.config_dir != ".":
        return None
    pkg_origin: Origin | None = None
    if ctx.has("setup.py"):
        ctx.record("setup.py", "used", "installed with `pip install .`")
        pkg_origin = Origin("setup.py")
    if ctx.has("pyproject.toml"):
        pp = ctx.pyproject()
        if pp.problem is not None:
            ctx.add(pp.problem)
            ctx.record("pyproject.toml", "rejected", pp.problem.message)
            return False
        if pp.is_package:
            ctx.record("pyproject.toml", "used", "installed with `pip install .`")
            pkg_origin = pkg_origin or Origin("pyproject.toml")
        else:
            ctx.record(
                "pyproject.toml",
                "ignored",
                "not a package: needs both [project] and [build-system]",
            )
            if pp.requires_python is not None or _has_project_table(ctx):
                ctx.add(
                    codes.finding(
                        "R2C603",
                        "pyproject.toml has [project] but no [build-system]; Binder "
                        "does not install it",
                        path="pyproject.toml",
                    )
                )
        if pp.requires_python is not None and not _requires_python(
            ctx, spec, source, pp.requires_python, pp.requires_python_line, pp.is_package
        ):
            return False
    if pkg_origin is None:
        return None
    ctx.add(
        codes.finding(
            "R2C607",
            f"{pkg_origin.path}: Binder runs `pip install .` for this package",
            path=pkg_origin.path,
        )
    )
    from rees2conda.rees.local_package import metadata_digest

    files, digest = metadata_digest(ctx.repo, ".")
    return PipLine(
        line=".",
        origin=pkg_origin,
        kind="path",
        base=".",
        local=".",
        local_files=files,
        digest=digest,
    )


def _has_project_table(ctx: ReadContext) -> bool:
    text, _ = read_text(ctx.repo, "pyproject.toml")
    return bool(text and re.search(r"^[ \t]*\[project\]", text, re.MULTILINE))


def _requires_python(
    ctx: ReadContext, spec: EnvSpec, source: str, requires: str, line: int | None, is_package: bool
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
        ctx.add(
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
            ctx.add(
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
        ctx.add(
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
        ctx.add(
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

"""The conda route: environment.yml / environment.yaml decides the build.

docs/binder-rules.md §2 item 5, §4.

Binder installs the environment file with micromamba and ignores requirements.txt, runtime.txt,
setup.py and pyproject.toml next to it; the pip section is expanded here, includes included.
"""

from __future__ import annotations

import os
import posixpath
import re

from rees2conda import codes
from rees2conda.model import DEFAULT_PYTHON, CondaDep, EnvSpec, Origin
from rees2conda.rees import python as py
from rees2conda.rees.condaspec import conda_dep
from rees2conda.rees.context import ReadContext
from rees2conda.rees.runtime import Runtime


class CondaRoute:
    """environment.yml, else environment.yaml, decides: repo2docker's ``CondaBuildPack``."""

    __slots__ = ()
    name = "conda"

    def detect(self, ctx: ReadContext) -> bool:
        return ctx.has("environment.yml") or ctx.has("environment.yaml")

    def read(self, ctx: ReadContext) -> EnvSpec | None:
        env_name = "environment.yml" if ctx.has("environment.yml") else "environment.yaml"
        return _conda_route(ctx, env_name, ctx.runtime())


"""Reading of the environment file and of what it makes Binder ignore."""


# --- environment.yml --------------------------------------------------------------------------
def _conda_route(ctx: ReadContext, env_name: str, runtime: Runtime | None) -> EnvSpec | None:
    rel = ctx.rel(env_name)
    if env_name == "environment.yml" and ctx.has("environment.yaml"):
        other = ctx.rel("environment.yaml")
        ctx.record(other, "ignored", "environment.yml exists and wins")
        ctx.add(
            codes.finding(
                "R2C405", f"{other} is ignored: {rel} exists and Binder uses it", path=other
            )
        )
    _conda_route_others(ctx, rel, runtime)
    ctx.common()

    spec = _read_env(ctx, rel)
    # requirements.txt decided only now: it may have been reached through -r
    if ctx.has("requirements.txt"):
        req = ctx.rel("requirements.txt")
        if req not in ctx.records:
            ctx.record(req, "ignored", f"{env_name} exists: Binder does not install it")
            ctx.add(
                codes.finding(
                    "R2C503",
                    f"{req} is not installed: {rel} exists and Binder uses only that",
                    path=req,
                )
            )
    ctx.ignore_rest(f"{env_name} decides")
    return spec


def _read_env(ctx: ReadContext, rel: str) -> EnvSpec | None:
    from rees2conda.rees.environment import read_environment
    from rees2conda.rees.requirements import PipReader

    text = ctx.read_or_reject(rel)
    if text is None:
        return None
    env = read_environment(text, rel)
    ctx.add(*env.findings)
    if not env.ok:
        ctx.record(rel, "rejected", "Binder cannot read this environment file")
        return None
    ctx.record(rel, "used")

    spec = EnvSpec()
    channels = [c for c in (env.channels or []) if c != "nodefaults"]
    spec.nodefaults = "nodefaults" in (env.channels or [])
    spec.channels = channels or ["conda-forge"]
    spec.conda = list(env.conda)
    _env_python(ctx, spec, rel)
    _env_r(ctx, spec, rel)

    env_dir = posixpath.dirname(rel) or "."
    reader = PipReader(repo=ctx.repo, cwd=env_dir, record=ctx.record)
    env_real = os.path.realpath(ctx.repo.abspath(rel))
    for item, origin in env.pip:
        if re.match(r"\s*(-r|--requirement)", item):
            ctx.add(
                codes.finding(
                    "R2C411",
                    f"{item.strip()!r} is expanded by rees2conda",
                    path=rel,
                    line=origin.line,
                    column=origin.column,
                )
            )
        spec.pip.extend(
            reader.parse_text(
                item,
                rel,
                env_dir,
                (env_real,),
                first_line=origin.line or 1,
                first_column=origin.column or 1,
            )
        )
    ctx.add(*reader.findings)
    return spec


def _conda_route_others(ctx: ReadContext, rel: str, runtime: Runtime | None) -> None:
    name = posixpath.basename(rel)
    if ctx.has("runtime.txt"):
        rt = ctx.rel("runtime.txt")
        if rt not in ctx.records:  # an invalid/unreadable one is already rejected
            ctx.record(rt, "ignored", f"{name} exists: Binder never reads runtime.txt")
            what = (
                f" (python {runtime.version})"
                if runtime and runtime.name == "python" and runtime.version
                else ""
            )
            ctx.add(
                codes.finding(
                    "R2C304",
                    f"{rt} is ignored{what}: {rel} exists and Binder takes Python from it",
                    path=rt,
                    line=1,
                    column=1,
                )
            )
    for pip_name in ("Pipfile", "Pipfile.lock"):
        if ctx.has(pip_name):
            ctx.record(ctx.rel(pip_name), "ignored", f"{name} exists and wins over Pipfile")
    if ctx.has("requirements3.txt"):
        ctx.record(
            ctx.rel("requirements3.txt"),
            "ignored",
            "used by Binder only with requirements.txt and a Python 2 runtime",
        )
    if ctx.layout.config_dir == ".":
        _local_package_ignored(ctx, rel)


def _local_package_ignored(ctx: ReadContext, env_rel: str) -> None:
    if ctx.has("setup.py"):
        ctx.record("setup.py", "ignored", f"{env_rel} exists: Binder does not install it")
        ctx.add(
            codes.finding("R2C602", f"setup.py is not installed: {env_rel} exists", path="setup.py")
        )
    if ctx.has("pyproject.toml"):
        pp = ctx.pyproject()
        if pp.is_package:
            ctx.record("pyproject.toml", "ignored", f"{env_rel} exists: Binder does not install it")
            if not ctx.has("setup.py"):
                ctx.add(
                    codes.finding(
                        "R2C602",
                        f"the package in pyproject.toml is not installed: {env_rel} exists",
                        path="pyproject.toml",
                    )
                )
        else:
            ctx.record("pyproject.toml", "ignored", "not a package for Binder")


def _env_python(ctx: ReadContext, spec: EnvSpec, rel: str) -> None:
    """Binder's Python for an environment file, and the pin that reproduces it."""
    pin_dep = next((d for d in spec.conda if py.binder_pin_kind(d.spec) != "none"), None)
    kind = py.binder_pin_kind(pin_dep.spec) if pin_dep else "none"
    pin = py.binder_pin(pin_dep.spec) if pin_dep else None
    python_deps = [d for d in spec.conda if py.is_python_dep(d.spec)]
    if pin_dep is not None and kind == "malformed":
        spec.python_origin = pin_dep.origin
        ctx.add(
            codes.finding(
                "R2C407",
                f"{pin_dep.spec!r} is not a Python version Binder can read; its build fails",
                hint="Write the version as `python=3.11`.",
                path=rel,
                line=pin_dep.origin.line,
                column=pin_dep.origin.column,
            )
        )
        return
    if kind in ("pin", "bad-major") or (kind == "major" and pin != DEFAULT_PYTHON):
        # X.Y...: Binder's base and the pin agree; `python=2`: 2.7 for both; `python=4`:
        # Binder fails, conda is asked for it as written (R2C305 says so)
        assert pin is not None and pin_dep is not None
        spec.python = pin
        spec.python_origin = pin_dep.origin
        ctx.python_known(spec)
        return
    # No pin Binder recognises: Binder builds its default and the solver keeps it if allowed.
    allowed = [
        py.conda_allows(py.conda_python_constraint(d.spec), DEFAULT_PYTHON) for d in python_deps
    ]
    written = ", ".join(repr(d.spec) for d in python_deps)
    if all(a is True for a in allowed):
        spec.python = DEFAULT_PYTHON
        spec.conda.insert(0, conda_dep(f"python={DEFAULT_PYTHON}", Origin(rel)))
        message = f"{rel} does not pin Python: Binder uses its default {DEFAULT_PYTHON}"
        if python_deps:
            message = (
                f"{written} is not a Python pin for Binder: it builds its default "
                f"{DEFAULT_PYTHON}, which the constraint allows"
            )
    else:
        spec.python = _highest_for(python_deps) or DEFAULT_PYTHON
        message = (
            f"{written} is not a Python pin for Binder: it starts from its default "
            f"{DEFAULT_PYTHON} and the solver moves to {spec.python}"
        )
    spec.python_origin = python_deps[0].origin if python_deps else None
    first = python_deps[0].origin if python_deps else Origin(rel)
    ctx.add(
        codes.finding(
            "R2C601",
            message,
            path=rel,
            line=first.line,
            column=first.column,
            hint=f"Pin it: `- python={spec.python}` in {rel}'s dependencies; Binder's default "
            "will change in a future release.",
        )
    )


def _highest_for(python_deps: list[CondaDep]) -> str | None:
    for candidate in reversed(py.BINDER_PYTHONS):
        if all(
            py.conda_allows(py.conda_python_constraint(d.spec), candidate) is True
            for d in python_deps
        ):
            return candidate
    return None


def _env_r(ctx: ReadContext, spec: EnvSpec, rel: str) -> None:
    r_deps = [d for d in spec.conda if d.spec.startswith("r-")]
    if not r_deps:
        return
    names = {d.name for d in spec.conda}
    added = [n for n in ("r-base", "r-irkernel", "r-devtools") if n not in names]
    for name in added:
        spec.conda.append(conda_dep(name, r_deps[0].origin))
    if added:
        ctx.add(
            codes.finding(
                "R2C408",
                f"{rel} installs R packages: Binder adds {', '.join(added)}, and so "
                "does rees2conda",
                path=rel,
                line=r_deps[0].origin.line,
                column=r_deps[0].origin.column,
            )
        )

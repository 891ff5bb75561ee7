"""Read a repository exactly as Binder (repo2docker) would, into a :class:`Report`.

The order of decisions is ``routes.ROUTES``, repo2docker's buildpack order (docs/binder-rules.md
§2, first match wins): the legacy Dockerfile, both binder folders, Dockerfile, Julia, Nix, R with a
date, environment.yml(.yaml), Pipfile, the Python build (runtime.txt, requirements.txt, the root
package) and finally the default build. The deciding route's name is ``Report.route``. Every REES
file found is recorded with what Binder does with it; everything conda cannot satisfy, and
everything users trip over, is a Finding.

Nothing a repository contains makes this raise: only a path that does not exist or is not a
directory is a :class:`UsageError`.
"""

from __future__ import annotations

import os

from rees2conda import codes
from rees2conda.errors import UsageError, require_directory
from rees2conda.model import FileRecord, Report
from rees2conda.rees.context import APT_MODES, ReadContext
from rees2conda.rees.layout import REES_NAMES, ROOT_ONLY, find_layout
from rees2conda.rees.routes import ROUTES

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
    if apt not in APT_MODES:
        raise UsageError(f"--apt {apt}: unknown", hint=f"use one of: {', '.join(APT_MODES)}")
    given = os.fspath(path)
    require_directory(given)
    return _read(ReadContext(given, apt))


def _read(ctx: ReadContext) -> Report:
    """One reading of one repository: the first route that detects builds the spec."""
    report = ctx.report
    try:
        ctx.layout = find_layout(ctx.repo)
        report.config_dir = ctx.layout.config_dir
        ctx.add(*ctx.layout.findings)
        route = next(r for r in ROUTES if r.detect(ctx))
        report.route = route.name
        report.spec = route.read(ctx)
        _add_apt_specs(ctx)
        _shadowed(ctx)
    except Exception as exc:  # a bug here must not become a traceback for the user
        report.spec = None
        ctx.add(
            codes.finding(
                "R2C001",
                f"rees2conda failed to read the repository: {type(exc).__name__}: {exc}",
            )
        )
    report.files = _ordered(ctx)
    return report


def _add_apt_specs(ctx: ReadContext) -> None:
    """With ``--apt conda``: apt.txt's conda-forge equivalents join the spec, except names
    the environment already asks for (its own constraint wins)."""
    review, spec = ctx.apt_review, ctx.report.spec
    if ctx.apt_mode != "conda" or review is None or spec is None or not review.mappable:
        return
    from rees2conda.rees.condaspec import conda_dep

    asked = {d.name for d in spec.conda}
    for conda_spec, origin, _word in review.specs():
        dep = conda_dep(conda_spec, origin)
        if dep.name not in asked:
            asked.add(dep.name)
            spec.conda.append(dep)
    spec.apt = review.mapping()


def _ordered(ctx: ReadContext) -> list[FileRecord]:
    """The configuration folder's files in precedence order, then everything else."""
    order = {ctx.rel(n): i for i, n in enumerate(REES_NAMES + ROOT_ONLY)}
    records = list(ctx.records.values())
    return sorted(records, key=lambda r: order.get(r.path, len(order)))


def _shadowed(ctx: ReadContext) -> None:
    layout = ctx.layout
    for rel in layout.other:
        ctx.record(rel, "ignored", "both binder/ and .binder/ exist: Binder fails")
    folder = layout.config_dir + "/"
    for name in layout.shadowed:
        if name in ctx.records:  # reached through -r/-c from the binder folder: used
            continue
        if layout.both:
            ctx.record(name, "ignored", "both binder/ and .binder/ exist: Binder fails")
            continue
        ctx.record(name, "ignored", f"{folder} exists: Binder reads only from it")
        if name in _SHADOW_WARN:
            ctx.add(
                codes.finding(
                    "R2C108",
                    f"{name} at the root is ignored because {folder} exists",
                    path=name,
                )
            )

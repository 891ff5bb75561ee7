"""The builds rees2conda refuses, as one parametrised route (docs/binder-rules.md §1-2).

repo2docker builds a Dockerfile, Julia, Nix, R and pipenv repositories without conda; ``check``
says so with one error per deciding file and records what else that build uses. The refused kinds
differ only in data: which files decide, what the error says, and which other files the build
uses. repo2docker's Julia and R buildpacks extend its Python buildpack (and through it the conda
one), so they also install requirements.txt, environment.yml and the root package, and fail on
what the Python build fails on: that Python part is read in a context of its own and only its
errors are kept. Nix, Julia, R and pipenv builds all use apt.txt, postBuild and start.

Also here: the legacy ``andrewosh/binder-base`` Dockerfile, the very first thing repo2docker
checks, and both ``binder/`` and ``.binder/``, which fails Binder before any build is chosen.
"""

from __future__ import annotations

from collections.abc import Callable

from rees2conda import codes
from rees2conda.model import EnvSpec, Finding, Severity
from rees2conda.rees import python as py
from rees2conda.rees.context import APT_CODES, ReadContext
from rees2conda.rees.runtime import Runtime, python_from_runtime
from rees2conda.rees.textfile import read_text

#: Files every repo2docker build except the Dockerfile one uses (its ``BaseImage``).
BASE_FILES: tuple[str, ...] = ("apt.txt", "postBuild", "start")


class RefusedRoute:
    """A build conda cannot reproduce: its deciding files are errors, what it uses is recorded.

    ``build`` names it in file reasons; ``deciding`` gives the deciding files' names (none:
    not detected); ``finding`` the error for one of them; ``uses`` the other files the build
    uses, or None when Binder stops there (``stop`` is then the reason every other file gets);
    ``reads_apt``: apt.txt is reviewed even then; ``python_part``: the build extends Binder's
    Python build (Julia, R).
    """

    __slots__ = (
        "build",
        "deciding",
        "finding",
        "name",
        "python_part",
        "reads_apt",
        "reason",
        "stop",
        "uses",
    )

    def __init__(
        self,
        name: str,
        build: str,
        deciding: Callable[[ReadContext], list[str]],
        reason: str,
        finding: Callable[[ReadContext, str], Finding],
        uses: Callable[[ReadContext], list[str]] | None = None,
        stop: str = "",
        reads_apt: bool = True,
        python_part: bool = False,
    ) -> None:
        self.name = name
        self.build = build
        self.deciding = deciding
        self.reason = reason
        self.finding = finding
        self.uses = uses
        self.stop = stop
        self.reads_apt = reads_apt
        self.python_part = python_part

    def detect(self, ctx: ReadContext) -> bool:
        return bool(self.deciding(ctx))

    def read(self, ctx: ReadContext) -> EnvSpec | None:
        runtime = ctx.runtime() if self.python_part else None
        for name in self.deciding(ctx):
            rel = ctx.rel(name)  # DESCRIPTION decides only at the root: rel() is itself
            ctx.record(rel, "rejected", self.reason)
            ctx.add(self.finding(ctx, rel))
        if self.python_part:
            _python_part_errors(ctx, runtime)
        if self.uses is None:
            if self.reads_apt:
                ctx.reject_apt()
            ctx.ignore_rest(self.stop)
        else:
            ctx.refused_build(self.build, self.uses(ctx))
        return None


def _present(*names: str) -> Callable[[ReadContext], list[str]]:
    return lambda ctx: [n for n in names if ctx.has(n)]


def _julia_require(ctx: ReadContext) -> list[str]:
    """REQUIRE is detected only without a Julia project, to fail."""
    has_project = ctx.has("Project.toml") or ctx.has("JuliaProject.toml")
    return ["REQUIRE"] if ctx.has("REQUIRE") and not has_project else []


def _r_deciding(ctx: ReadContext) -> list[str]:
    """runtime.txt naming R with a date, or a root DESCRIPTION (only without a binder folder)."""
    runtime = ctx.runtime()
    names = ["runtime.txt"] if runtime is not None and runtime.is_r_snapshot else []
    if ctx.layout.config_dir == "." and ctx.has("DESCRIPTION"):
        names.append("DESCRIPTION")
    return names


def _pipfiles(ctx: ReadContext) -> list[str]:
    """repo2docker's Pipfile buildpack declines when runtime.txt names something else."""
    runtime = ctx.runtime()
    if runtime is not None and runtime.name != "python":
        return []
    return [n for n in ("Pipfile", "Pipfile.lock") if ctx.has(n)]


def _r_finding(ctx: ReadContext, rel: str) -> Finding:
    runtime = ctx.runtime()
    is_runtime = rel.endswith("runtime.txt")
    what = (
        f"names R with a date ({runtime.date})"
        if is_runtime and runtime
        else "is an R package description"
    )
    return codes.finding(
        "R2C104",
        f"{rel} {what}: Binder builds R from a CRAN snapshot",
        path=rel,
        line=1 if is_runtime else None,
    )


def _python_build_files(ctx: ReadContext, build: str) -> list[str]:
    """Files repo2docker's Julia and R builds use besides their own: they extend its Python
    build (and, through it, install environment.yml too)."""
    runtime = ctx.runtime()
    names = [*BASE_FILES, "requirements.txt", "setup.py"]
    env = next((n for n in ("environment.yml", "environment.yaml") if ctx.has(n)), None)
    if env:
        names.append(env)
    if runtime is not None and (runtime.name == "python" or runtime.name == build == "r"):
        names.append("runtime.txt")  # its Python (and, for R, its R version) is used
    if build == "r":
        names.append("install.R")
    if ctx.has("pyproject.toml") and ctx.pyproject().is_package:
        names.append("pyproject.toml")
    return names + _py2_server_files(runtime)


def _py2_server_files(runtime: Runtime | None) -> list[str]:
    """requirements3.txt: with a Python older than 3.7 in runtime.txt, Binder installs it
    in the Jupyter server's environment."""
    if runtime is None or runtime.name != "python":
        return []
    version, _kind = python_from_runtime(runtime)
    return ["requirements3.txt"] if version and py.separate_kernel_env(version) else []


def _pipenv_files(ctx: ReadContext) -> list[str]:
    """requirements3.txt too when the pipenv build's Python is older than 3.7."""
    old = py.separate_kernel_env(_pipenv_python(ctx))
    return [*BASE_FILES, *(["requirements3.txt"] if old else [])]


def _pipenv_python(ctx: ReadContext) -> str:
    """The Python of Binder's pipenv build: Pipfile.lock's, else Pipfile's ``requires``
    (never runtime.txt's); ``""`` when neither says (Binder's default)."""
    import json

    from rees2conda.rees.local_package import loads_toml

    for name in ("Pipfile.lock", "Pipfile"):
        if not ctx.has(name):
            continue
        text, _problem = read_text(ctx.repo, ctx.rel(name))
        try:
            data = json.loads(text or "") if name == "Pipfile.lock" else loads_toml(text or "")
            if name == "Pipfile.lock":
                data = data.get("_meta", {})
            requires = data.get("requires", {})
        except Exception:  # unreadable or malformed: Binder fails on it anyway
            continue
        for key in ("python_full_version", "python_version"):
            if isinstance(requires, dict) and isinstance(requires.get(key), str):
                return str(requires[key])
    return ""


def _python_part_errors(ctx: ReadContext, runtime: Runtime | None) -> None:
    """Errors of the Python part of Binder's Julia and R builds, which extend its Python
    build: a runtime.txt Python it cannot use, an invalid pyproject.toml or requires-python,
    bad requirement files. The part is read in a context of its own (same parsed files); only
    its errors join this reading: the build itself is refused, apt.txt reported by it."""
    from rees2conda.rees.python_route import read_python_build

    part = ctx.part()
    read_python_build(part, runtime)
    ctx.add(
        *(
            f
            for f in part.report.findings
            if f.severity is Severity.ERROR and f.code not in APT_CODES
        )
    )


DOCKERFILE = RefusedRoute(
    "docker",
    "Dockerfile",
    _present("Dockerfile"),
    "Binder builds this Dockerfile; conda cannot",
    lambda ctx, rel: codes.finding(
        "R2C101", f"{rel} exists: Binder builds it verbatim and ignores every other file", path=rel
    ),
    stop="the Dockerfile decides: Binder ignores every other file",
    reads_apt=False,
)
JULIA = RefusedRoute(
    "julia",
    "Julia",
    _present("Project.toml", "JuliaProject.toml"),
    "a Julia environment; conda cannot build it",
    lambda ctx, rel: codes.finding(
        "R2C102", f"{rel} is a Julia project: Binder builds it with Julia", path=rel
    ),
    uses=lambda ctx: _python_build_files(ctx, "julia"),
    python_part=True,
)
JULIA_REQUIRE = RefusedRoute(
    "julia-require",
    "Julia",
    _julia_require,
    "a Julia environment; conda cannot build it",
    lambda ctx, rel: codes.finding(
        "R2C102", f"{rel} is a Julia REQUIRE file (no longer supported by Binder)", path=rel
    ),
    stop="not evaluated: Binder refuses the REQUIRE build",
)
NIX = RefusedRoute(
    "nix",
    "Nix",
    _present("default.nix"),
    "a Nix environment; conda cannot build it",
    lambda ctx, rel: codes.finding(
        "R2C103",
        f"{rel} exists: Binder builds with Nix and ignores the other package files",
        path=rel,
    ),
    uses=lambda ctx: list(BASE_FILES),
)
R = RefusedRoute(
    "r",
    "R",
    _r_deciding,
    "the R build (CRAN snapshot), not conda",
    _r_finding,
    uses=lambda ctx: _python_build_files(ctx, "r"),
    python_part=True,
)
PIPFILE = RefusedRoute(
    "pipfile",
    "pipenv",
    _pipfiles,
    "Binder installs it with pipenv",
    lambda ctx, rel: codes.finding(
        "R2C105", f"{rel} decides the build: Binder installs with pipenv", path=rel
    ),
    uses=_pipenv_files,
)


class LegacyDockerfileRoute:
    """A root Dockerfile ``FROM andrewosh/binder-base``: repo2docker's first check
    (``LegacyBinderDockerBuildPack``), which fails the build whatever else the repository holds
    (even with a binder folder)."""

    __slots__ = ()
    name = "legacy"

    def detect(self, ctx: ReadContext) -> bool:
        return ctx.once("legacy-from-line", _legacy_from_line) is not None

    def read(self, ctx: ReadContext) -> EnvSpec | None:
        ctx.record("Dockerfile", "rejected", "legacy Binder image: Binder refuses to build")
        ctx.add(
            codes.finding(
                "R2C110",
                "Dockerfile is built FROM andrewosh/binder-base: Binder removed support for "
                "it and stops with an error",
                path="Dockerfile",
                line=ctx.once("legacy-from-line", _legacy_from_line),
                column=1,
            )
        )
        ctx.ignore_rest("Binder stops at the legacy root Dockerfile")
        return None


def _legacy_from_line(ctx: ReadContext) -> int | None:
    """The line of the root Dockerfile's first ``FROM`` when it names the legacy image."""
    if not ctx.repo.lexists("Dockerfile"):
        return None
    text, _problem = read_text(ctx.repo, "Dockerfile")
    for number, line in enumerate((text or "").splitlines(), 1):
        if line.startswith("FROM"):
            return number if "andrewosh/binder-base" in line.split("#")[0].lower() else None
    return None


class BothFoldersRoute:
    """Both ``binder/`` and ``.binder/``: Binder fails before choosing any build (the layout
    reports it), so the route has no name and every file is ignored."""

    __slots__ = ()
    name = None

    def detect(self, ctx: ReadContext) -> bool:
        return ctx.layout.both

    def read(self, ctx: ReadContext) -> EnvSpec | None:
        ctx.ignore_rest("both binder/ and .binder/ exist: Binder fails")
        return None

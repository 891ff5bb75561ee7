"""Binder's builds as one ordered tuple of routes, in repo2docker's buildpack order.

Each route has a ``name`` (``Report.route``, docs/binder-rules.md §2), ``detect(ctx)`` and
``read(ctx) -> EnvSpec | None`` over one shared :class:`~rees2conda.rees.context.ReadContext`;
the reader takes the first route that detects. A new Binder rule is one route here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rees2conda.rees.conda_route import CondaRoute
from rees2conda.rees.python_route import DefaultRoute, PythonRoute
from rees2conda.rees.refused_route import (
    DOCKERFILE,
    JULIA,
    JULIA_REQUIRE,
    NIX,
    PIPFILE,
    BothFoldersRoute,
    LegacyDockerfileRoute,
    R,
)

if TYPE_CHECKING:
    from typing import Protocol

    from rees2conda.model import EnvSpec
    from rees2conda.rees.context import ReadContext

    class Route(Protocol):
        """What the reader asks of a route."""

        @property
        def name(self) -> str | None: ...

        def detect(self, ctx: ReadContext) -> bool: ...

        def read(self, ctx: ReadContext) -> EnvSpec | None: ...


#: repo2docker's order (``Repo2Docker.buildpacks``, then its default), with the failure of both
#: binder folders where repo2docker meets it: before the first buildpack that looks for files.
ROUTES: tuple[Route, ...] = (
    LegacyDockerfileRoute(),
    BothFoldersRoute(),
    DOCKERFILE,
    JULIA,
    JULIA_REQUIRE,
    NIX,
    R,
    CondaRoute(),
    PIPFILE,
    PythonRoute(),
    DefaultRoute(),
)

#: repo2docker's buildpack class -> the route that stands for it (``Report.route``; repo2docker's
#: fallback when nothing detects is the route ``default``). The differential and conformance
#: tests compare the two through this table; docs/binder-rules.md §2 lists it.
BUILDPACKS: dict[str, str] = {
    "LegacyBinderDockerBuildPack": "legacy",
    "DockerBuildPack": "docker",
    "JuliaProjectTomlBuildPack": "julia",
    "JuliaRequireBuildPack": "julia-require",
    "NixBuildPack": "nix",
    "RBuildPack": "r",
    "CondaBuildPack": "conda",
    "PipfileBuildPack": "pipfile",
    "PythonBuildPack": "python",
}

"""The conda part of a lock: py-rattler's gateway and solver, one solve per platform.

Errors are turned into :class:`UserError` here so that the user sees the solver's explanation
next to the file and line that asked for the conflicting package, and a named URL when a
channel cannot be reached.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rees2conda.errors import UserError
from rees2conda.model import CondaDep
from rees2conda.resolve.neterrors import unreachable_error
from rees2conda.resolve.virtual import virtual_package_specs, virtual_packages

if TYPE_CHECKING:
    from rattler import Gateway, MatchSpec, RepoDataRecord

_NAME = re.compile(r"^\s*(?:\S+?::)?([A-Za-z0-9_.\-]+)")


@dataclass(frozen=True)
class Requested:
    """A match spec to solve, with where it came from (None for what rees2conda adds)."""

    spec: str
    dep: CondaDep | None = None
    #: dropped (with a retry) when no channel has it at all, e.g. ``pip`` on a channel without it
    optional: bool = False

    @property
    def name(self) -> str:
        return self.dep.name if self.dep is not None else spec_name(self.spec)


def spec_name(spec: str) -> str:
    """The lower-cased package name of a match spec rees2conda writes itself (``ipykernel``) or
    a repodata dependency (``numpy >=1.20``); the user's specs carry theirs
    (:attr:`CondaDep.name`)."""
    match = _NAME.match(spec)
    return match.group(1).lower() if match else spec


def make_gateway(offline: bool = False, show_progress: bool = False) -> Gateway:
    """A gateway with rattler's cache; ``offline`` reads cached repodata only."""
    from rattler import Gateway, SourceConfig

    config = SourceConfig(cache_action="force-cache-only") if offline else SourceConfig()
    return Gateway(default_config=config, show_progress=show_progress)


def solve_platforms(
    requested: Sequence[Requested],
    channel_urls: Sequence[str],
    platforms: Sequence[str],
    *,
    offline: bool = False,
    status: AbstractContextManager[object] | None = None,
    env: Mapping[str, str] | None = None,
    channel_priority: str = "strict",
    origins: Mapping[str, str] | None = None,
) -> dict[str, list[RepoDataRecord]]:
    """Solve ``requested`` for every platform (concurrently, one shared gateway).


    ``channel_priority`` is conda's setting: ``strict``, ``flexible`` or ``disabled``.
    ``status`` is entered while solving (an observer's live display; see rees2conda.observe).
    """
    gateway = make_gateway(offline)

    async def run() -> list[list[RepoDataRecord]]:
        return await asyncio.gather(
            *(
                _solve_one(
                    requested,
                    channel_urls,
                    platform,
                    gateway,
                    offline,
                    env,
                    channel_priority,
                    origins,
                )
                for platform in platforms
            )
        )

    with status if status is not None else nullcontext():
        results = asyncio.run(run())
    return dict(zip(platforms, results, strict=True))


async def _solve_one(
    requested: Sequence[Requested],
    channel_urls: Sequence[str],
    platform: str,
    gateway: Gateway,
    offline: bool,
    env: Mapping[str, str] | None,
    channel_priority: str = "strict",
    origins: Mapping[str, str] | None = None,
    pinned: Sequence[RepoDataRecord] = (),
    favoured: Sequence[RepoDataRecord] = (),
) -> list[RepoDataRecord]:
    from rattler import Channel, ChannelPriority, solve
    from rattler.exceptions import (
        FetchRepoDataError,
        GatewayError,
        InvalidMatchSpecError,
        SolverError,
    )

    try:
        channels = [Channel(url) for url in channel_urls]
        specs = [_match_spec(r) for r in requested]
        return await solve(
            channels,
            specs,
            gateway=gateway,
            platforms=[platform, "noarch"],  # type: ignore[list-item]  # checked subdir names
            virtual_packages=virtual_packages(platform, env),
            pinned_packages=list(pinned) or None,
            locked_packages=list(favoured) or None,
            channel_priority={
                "strict": ChannelPriority.Strict,
                "flexible": ChannelPriority.Flexible,
                "disabled": ChannelPriority.Disabled,
            }[channel_priority],
        )
    except SolverError as exc:
        # what rees2conda adds on its own (pip) goes when the channels cannot provide it for
        # this environment: not there at all, or not for this Python
        text = str(exc).lower()
        missing = [
            r
            for r in requested
            if r.optional
            and (
                f"no candidates were found for {r.name}" in text
                or f"{r.name} * cannot be installed" in text
            )
        ]
        if missing:
            rest = [r for r in requested if r not in missing]
            return await _solve_one(
                rest,
                channel_urls,
                platform,
                gateway,
                offline,
                env,
                channel_priority,
                origins,
                pinned,
                favoured,
            )
        raise unsatisfiable_error(str(exc), requested, platform, env) from None
    except (GatewayError, FetchRepoDataError) as exc:
        raise unreachable_error(str(exc), channel_urls, offline, origins) from None
    except InvalidMatchSpecError as exc:
        raise UserError(f"invalid conda match spec: {exc}") from None


def solve_onto(
    requested: Sequence[Requested],
    channel_urls: Sequence[str],
    platform: str,
    *,
    pinned: Sequence[RepoDataRecord] = (),
    favoured: Sequence[RepoDataRecord] = (),
    offline: bool = False,
    env: Mapping[str, str] | None = None,
    channel_priority: str = "strict",
) -> list[RepoDataRecord]:
    """Solve ``requested`` for one platform on top of installed packages: ``pinned`` ones stay
    exactly as they are, ``favoured`` ones stay unless the new specs need them to move (what
    ``conda install`` does to an existing env; see :mod:`rees2conda.env.addpkgs`)."""
    gateway = make_gateway(offline)
    return asyncio.run(
        _solve_one(
            requested,
            channel_urls,
            platform,
            gateway,
            offline,
            env,
            channel_priority,
            None,
            pinned,
            favoured,
        )
    )


def _match_spec(requested: Requested) -> MatchSpec:
    """Parsed leniently, as conda does: ``numpy=1.14.0=py36_0``, ``numpy 1.14.0 py36_0``, …"""
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    try:
        return MatchSpec(requested.spec, strict=False)
    except InvalidMatchSpecError as exc:
        where = f"{_where(requested.dep)}: " if requested.dep else ""
        raise UserError(f"{where}invalid conda match spec {requested.spec!r}: {exc}") from None


def _where(dep: CondaDep) -> str:
    origin = dep.origin
    line = f":{origin.line}" if origin.line else ""
    col = f":{origin.column}" if origin.line and origin.column else ""
    return f"{origin.path}{line}{col}"


def unsatisfiable_error(
    explanation: str,
    requested: Sequence[Requested],
    platform: str,
    env: Mapping[str, str] | None = None,
) -> UserError:
    """The solver's explanation plus file:line of every requested package it names."""
    text = explanation.strip()
    lowered = text.lower()
    blamed = [
        r
        for r in requested
        if re.search(rf"(?<![A-Za-z0-9_.\-]){re.escape(r.name)}(?![A-Za-z0-9_\-])", lowered)
    ]
    lines = [f"the environment cannot be solved for {platform}:", *text.splitlines()]
    if blamed:
        lines.append("requested by:")
        for r in blamed:
            where = _where(r.dep) if r.dep else "added by rees2conda"
            lines.append(f"  {where}: {r.dep.spec if r.dep else r.spec}")
    hint = "relax the pins named above"
    if "no candidates were found" in lowered:
        hint = (
            f"no channel offers a matching package for {platform}: check the name, the version "
            "and the channels (or -p/--platform)"
        )
    missing_virtual = [
        v for v in re.findall(r"__[a-z]+", lowered) if v not in virtual_package_specs(platform, env)
    ]
    if missing_virtual:
        names = ", ".join(sorted(set(missing_virtual)))
        hint = (
            f"{names} is not available on {platform}; set CONDA_OVERRIDE_"
            f"{missing_virtual[0][2:].upper()} to declare it, or choose another platform"
        )
    return UserError("\n".join(lines), hint=hint)

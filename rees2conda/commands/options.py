"""Arguments and options that ``build`` and ``lock`` share, declared once to stay alike.

The help texts are the caller's: what ``-q`` leaves out differs from one command to the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

#: the repository folder, ``.`` by default
path_argument = click.argument("path", default=".", type=str)


def output_options(quiet_help: str, json_help: str) -> Callable[[F], F]:
    """``-q/--quiet`` then ``--json`` (parameter ``as_json``), listed in that order."""

    def decorate(f: F) -> F:
        f = click.option("--json", "as_json", is_flag=True, help=json_help)(f)
        return click.option("-q", "--quiet", is_flag=True, help=quiet_help)(f)

    return decorate


def channel_options(f: F) -> F:
    """``--channel-alias``, ``-c/--channel`` (repeatable), ``--override-channels``, as conda's;
    ``lock`` and ``build`` take the same, so a lock made with them is fresh for the build."""
    f = click.option(
        "--override-channels", is_flag=True, help="Use only the -c channels, not the repository's."
    )(f)
    f = click.option(
        "-c",
        "--channel",
        "channels",
        multiple=True,
        metavar="CHANNEL",
        help="Add a channel (name or URL), first in priority; repeatable.",
    )(f)
    return click.option(
        "--channel-alias", metavar="URL", help="Where named channels live (as conda's)."
    )(f)

"""Arguments and options that ``build`` and ``lock`` share, declared once to stay alike.

The help texts are the caller's: what ``-q`` leaves out differs from one command to the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from rees2conda.sources.fetch import Fetched

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


#: what ``build`` and ``check`` read: a folder, a git URL, a Binder link, gh:/gl:, a DOI
source_argument = click.argument("source", default=".", metavar="[SOURCE]")


def source_options(f: F) -> F:
    """``--ref`` and ``--dest`` for SOURCEs that are fetched (git URLs, Binder links, DOIs)."""
    f = click.option(
        "--dest",
        type=click.Path(file_okay=False, path_type=str),
        help="Where a fetched SOURCE goes (default: ./NAME, as git clone would).",
    )(f)
    return click.option("--ref", help="Branch, tag or commit of a git SOURCE.")(f)


def fetch_if_remote(
    source: str,
    ref: str | None,
    dest: str | None,
    *,
    offline: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Fetched | None:
    """The fetched SOURCE when it is not a local folder, else None (a folder is used as is)."""
    from rees2conda.sources.detect import looks_remote

    if not looks_remote(source):
        if ref is not None or dest is not None:
            from rees2conda.errors import UsageError

            raise UsageError(
                f"{source}: --ref and --dest apply to git URLs, Binder links and DOIs, "
                "not to a folder"
            )
        return None
    from rees2conda.sources.fetch import fetch_source

    return fetch_source(source, ref=ref, dest=dest, offline=offline, progress=progress)


#: ``--apt conda``: apt.txt's packages become their conda-forge equivalents (``rees.apt``)
apt_option = click.option(
    "--apt",
    type=click.Choice(["refuse", "conda"]),
    default="refuse",
    show_default=True,
    help="What to do with apt.txt: refuse it, or add its conda-forge equivalents (conda).",
)

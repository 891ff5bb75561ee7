"""Package URLs of a lock, moved onto the channels as configured where it is installed.

A lock's identity is its channel names (``conda-forge``), not the mirror it was made through:
the author locks at home against anaconda.org, the cluster installs from its mirror, and a
token-bearing channel URL from the configuration (``https://host/t/<token>``) authenticates
the download without the token ever being written into the lock. Import-light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rattler import RepoDataRecord

    from rees2conda.condarc import CondaConfig

_TOKEN = re.compile(r"/t/[^/]+(?=/)")


def rebase_url(url: str, channels: Sequence[str], config: CondaConfig) -> str:
    """``url`` on the channel it came from, as ``config`` resolves that channel now.

    The channel is recognised by name (``…/conda-forge/linux-64/x.conda`` came from
    ``conda-forge``, whatever host served it; tokens ignored); ``defaults`` by the last part
    of each ``default_channels`` URL. Channels locked as URLs, and URLs no channel of the lock
    explains, are left alone (the install's own checks judge them).
    """
    base, sep, rest = url.rpartition("/")
    base, sep2, subdir = base.rpartition("/")
    if not sep or not sep2:
        return url
    plain = _TOKEN.sub("", base)
    for name in channels:
        if "://" in name:
            continue
        if name == "defaults":
            for current in config.expand("defaults"):
                tail = current.rstrip("/").rsplit("/", 1)[-1]
                if plain.endswith("/" + tail):
                    return f"{current.rstrip('/')}/{subdir}/{rest}"
            continue
        if plain.endswith("/" + name):
            return f"{config.channel_url(name)}/{subdir}/{rest}"
    return url


def rebase_records(
    records: Iterable[RepoDataRecord], channels: Sequence[str], config: CondaConfig
) -> list[RepoDataRecord]:
    """The records with their ``url`` (and ``channel``) rebased, in place; returned as a list."""
    out = []
    for record in records:
        new = rebase_url(record.url, channels, config)
        if new != record.url:
            record.url = new
            record.channel = new.rsplit("/", 2)[0] + "/"
        out.append(record)
    return out

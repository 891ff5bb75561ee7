"""Which channel URLs a spec is solved against, in priority order.

Kept import-light (the reuse check uses it). A lock's identity is the channel *names* (as the
spec and ``-c`` give them, see :func:`channel_identity`), not the URLs they resolve to: a lock
made through one mirror is fresh through another, and its package URLs are rebased onto the
configured mirror at install time.
"""

from __future__ import annotations

from collections.abc import Sequence

from rees2conda.condarc import CondaConfig
from rees2conda.errors import UsageError
from rees2conda.model import EnvSpec

DEFAULT_CHANNEL = "conda-forge"


def channel_names(
    spec: EnvSpec, extra: Sequence[str] = (), override_channels: bool = False
) -> list[str]:
    """Channel names/URLs before resolution: ``-c`` channels first (highest priority), as conda.

    ``--override-channels`` drops the spec's channels and keeps only the ``-c`` ones.
    ``nodefaults`` is already removed by the reader; Binder never adds ``defaults`` implicitly.
    """
    extra = [c for c in extra if c and c != "nodefaults"]
    if override_channels:
        if not extra:
            raise UsageError("--override-channels needs at least one -c/--channel")
        names = list(extra)
    else:
        names = list(extra) + [c for c in spec.channels if c != "nodefaults"]
    if not names:
        names = [DEFAULT_CHANNEL]
    return list(dict.fromkeys(names))  # first occurrence wins, order kept


def resolve_channels(
    spec: EnvSpec,
    config: CondaConfig,
    extra: Sequence[str] = (),
    override_channels: bool = False,
) -> list[str]:
    """Channel base URLs in priority order (``defaults`` expanded), without duplicates.

    Channels that only a qualified spec names (``bioconda::samtools``) come last: conda fetches
    them for that spec.
    """
    from rees2conda.resolve.matchspec import qualified_channel_urls

    urls: list[str] = []
    for name in channel_names(spec, extra, override_channels):
        for url in config.expand(name):
            if url not in urls:
                urls.append(url)
    for dep in spec.conda:
        for url in qualified_channel_urls(dep.channel, config):
            if url not in urls:
                urls.append(url)
    return urls


def channel_identity(
    spec: EnvSpec, extra: Sequence[str] = (), override_channels: bool = False
) -> list[str]:
    """The channels as they enter a lock's content hash and ``metadata.channels``: names as
    given (``conda-forge``, ``defaults``); URL channels without credentials."""
    from rees2conda.resolve.neterrors import redact

    return [
        redact(n.rstrip("/")) if "://" in n else n
        for n in channel_names(spec, extra, override_channels)
    ]

"""Conda match specs as users write them, made solvable against the configured channels.

``check`` accepts every form conda accepts: ``conda env export``'s ``numpy=1.14.0=py36_0``, the
space form ``numpy 1.14.0 py36_0``, ``numpy 1.14|1.15``, brackets, and channel-qualified
``conda-forge::numpy``. rattler parses them all in its lenient mode (what conda does); only the
channel of a qualified spec needs us: ``conda-forge`` must mean the channel the user's conda
configuration names (channel alias, custom channels), not anaconda.org.
"""

from __future__ import annotations

import re

from rees2conda.condarc import CondaConfig
from rees2conda.rees.condaspec import BRACKET_CHANNEL, QUALIFIED


def _without_channel(spec: str) -> str:
    match = QUALIFIED.match(spec)
    if match:
        return match.group("rest").strip()
    bracket = spec.find("[")
    out = spec[:bracket] + BRACKET_CHANNEL.sub("", spec[bracket:])
    return re.sub(r"\[\s*\]", "", re.sub(r",\s*\]", "]", out)).strip()


def qualified_channel_urls(channel: str | None, config: CondaConfig) -> list[str]:
    """The URLs a spec's own channel (:attr:`CondaDep.channel`) resolves to under ``config``
    (empty for a spec without one)."""
    return config.expand(channel) if channel else []


def solvable(spec: str, channel: str | None, config: CondaConfig) -> str:
    """``spec`` with its channel (``channel``, as the reader parsed it) replaced by the URL
    ``config`` gives it.

    ``defaults::x`` (several channels) keeps no channel: the solve's channels include them.
    """
    urls = qualified_channel_urls(channel, config)
    if not urls:
        return spec.strip()
    rest = _without_channel(spec)
    return f"{urls[0]}::{rest}" if len(urls) == 1 else rest

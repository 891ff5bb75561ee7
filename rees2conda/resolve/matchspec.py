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

_SUBDIRS = {
    "noarch",
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "linux-s390x",
    "osx-64",
    "osx-arm64",
    "win-64",
    "win-arm64",
}
#: ``channel::rest`` (channel may be a URL, and may end with ``/<subdir>``)
_QUALIFIED = re.compile(r"^\s*(?P<channel>\S+?)::(?P<rest>.+)$")
#: ``channel=...`` inside brackets: ``numpy[channel=conda-forge, version=">=1"]``
_BRACKET = re.compile(r"""\bchannel\s*=\s*(?P<q>['"]?)(?P<channel>[^'",\]\s]+)(?P=q)\s*,?\s*""")


def qualified_channel(spec: str) -> str | None:
    """The channel a spec names itself (``conda-forge::numpy`` -> ``conda-forge``), else None."""
    match = _QUALIFIED.match(spec)
    if match:
        channel = match.group("channel")
    else:
        bracket = spec.find("[")
        found = _BRACKET.search(spec, bracket) if bracket >= 0 else None
        if found is None:
            return None
        channel = found.group("channel")
    head, _, last = channel.rstrip("/").rpartition("/")
    return head if head and last in _SUBDIRS else channel.rstrip("/")


def _without_channel(spec: str) -> str:
    match = _QUALIFIED.match(spec)
    if match:
        return match.group("rest").strip()
    bracket = spec.find("[")
    out = spec[:bracket] + _BRACKET.sub("", spec[bracket:])
    return re.sub(r"\[\s*\]", "", re.sub(r",\s*\]", "]", out)).strip()


def qualified_channel_urls(spec: str, config: CondaConfig) -> list[str]:
    """The URLs a qualified spec's channel resolves to under ``config`` (empty if unqualified)."""
    channel = qualified_channel(spec)
    return config.expand(channel) if channel else []


def solvable(spec: str, config: CondaConfig) -> str:
    """``spec`` with its channel (if any) replaced by the URL ``config`` gives it.

    ``defaults::x`` (several channels) keeps no channel: the solve's channels include them.
    """
    urls = qualified_channel_urls(spec, config)
    if not urls:
        return spec.strip()
    rest = _without_channel(spec)
    return f"{urls[0]}::{rest}" if len(urls) == 1 else rest

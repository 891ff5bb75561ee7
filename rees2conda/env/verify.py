"""What a locked conda package must be before it is linked: from the lock's channels, with its hash.

rattler checks the hash of packages it downloads over HTTP, but not of ``file://`` packages (a
normal HPC mirror), and installs any URL a lock names. ``build`` therefore checks both itself,
for every transport, with messages that say what is wrong and what to do about it (a tampered
lock or mirror is never fixed by building again).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rees2conda.errors import UserError

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig

#: where conda-lock (and conda) point channel names whatever the local configuration says
ANACONDA_ORG = "https://conda.anaconda.org"


@dataclass(frozen=True)
class Expected:
    """The identity of one locked conda package (hex hashes, ``None`` when the lock has none)."""

    name: str
    version: str
    build: str
    fn: str
    url: str
    sha256: str | None
    md5: str | None

    @property
    def entry(self) -> str:
        """The package cache folder name, as rattler and conda spell it."""
        return f"{self.name}-{self.version}-{self.build}"

    @classmethod
    def of(cls, record: Any) -> Expected:
        """From a rattler ``RepoDataRecord``."""
        sha = getattr(record, "sha256", None)
        md5 = getattr(record, "md5", None)
        return cls(
            name=record.name.normalized,
            version=str(record.version),
            build=str(record.build),
            fn=record.file_name,
            url=str(record.url),
            sha256=sha.hex() if sha else None,
            md5=md5.hex() if md5 else None,
        )

    def mismatch(self, sha256: str | None, md5: str | None) -> tuple[str, str, str] | None:
        """``(algorithm, expected, actual)`` when the hashes contradict the lock (sha256 first)."""
        if self.sha256 and sha256:
            return None if sha256 == self.sha256 else ("sha256", self.sha256, sha256)
        if self.md5 and md5:
            return None if md5 == self.md5 else ("md5", self.md5, md5)
        return None

    def has_hash(self) -> bool:
        return bool(self.sha256 or self.md5)


class HashMismatch(UserError):
    """A package's bytes are not the ones the lock names: refuse, and say who must act."""

    def __init__(
        self, expected: Expected, algorithm: str, want: str, got: str, lockfile: Path | None
    ) -> None:
        where = f"the lock ({lockfile})" if lockfile else "the lock"
        super().__init__(
            f"{expected.fn} from {expected.url} does not match the lock: "
            f"{algorithm} {got}, the lock says {want}; not installed",
            hint=f"either {where} or the channel mirror is wrong or has been tampered with: "
            "ask whoever maintains them, and re-lock (`rees2conda lock`) only if you trust the "
            "mirror; building again will not help",
        )


def no_hash(expected: Expected, lockfile: Path | None) -> UserError:
    return UserError(
        f"{lockfile or 'the lock'}: {expected.fn} has neither sha256 nor md5; not installed",
        hint="a lock must record a hash for every conda package: re-lock with `rees2conda lock`",
    )


_TOKEN = re.compile(r"/t/[^/]+(?=/)")


def _normal(url: str) -> str:
    """Scheme, host and path without credentials, ``/t/<token>`` or a trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port:
        host += f":{parts.port}"
    path = _TOKEN.sub("", parts.path).rstrip("/")
    return f"{parts.scheme.lower()}://{host}{path}"


def channel_bases(channels: Iterable[str], config: CondaConfig | None) -> list[str]:
    """The URL prefixes a lock's channels stand for (names resolved as conda and conda-lock do)."""
    bases: list[str] = []
    for channel in channels:
        channel = channel.strip()
        if not channel:
            continue
        if "://" in channel:
            candidates = [channel]
        else:
            candidates = [f"{ANACONDA_ORG}/{channel}"]
            if config is not None:
                candidates += config.expand(channel)
        for url in candidates:
            base = _normal(url)
            if base not in bases:
                bases.append(base)
    return bases


def refuse_foreign(
    records: Sequence[Any],
    channels: Sequence[str],
    config: CondaConfig | None,
    lockfile: Path | None,
) -> None:
    """Raise when a locked package URL lies outside the lock's declared channels."""
    bases = channel_bases(channels, config)
    foreign = [
        Expected.of(r)
        for r in records
        if not any(_normal(str(r.url)).startswith(base + "/") for base in bases)
    ]
    if not foreign:
        return
    shown = "; ".join(f"{e.name} from {e.url}" for e in foreign[:3])
    more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
    declared = ", ".join(channels) or "none"
    raise UserError(
        f"{lockfile or 'the lock'}: {len(foreign)} package(s) come from outside the lock's "
        f"channels ({declared}): {shown}{more}; not installed",
        hint="a lock whose URLs leave its channels may have been tampered with; if you trust "
        "these URLs, build again with --allow-foreign-urls",
    )

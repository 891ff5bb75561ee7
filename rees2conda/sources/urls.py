"""URL hygiene for sources: allowed schemes, credentials kept out of output, folder names.

A URL a user pastes may carry a token (``https://TOKEN@host/...``). It is used to fetch and
nowhere else: everything printed, recorded in a stamp or written to ``.git/config`` goes through
:func:`redact`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

#: schemes a remote source may use (``git@host:path`` is ssh in scp form)
ALLOWED_SCHEMES = ("https", "http", "ssh", "file")
#: ``user@host:path`` as git and scp write it (not a URL: no scheme, a colon before any slash)
SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._~-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)$")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")


def scheme_of(url: str) -> str | None:
    """The URL's scheme in lower case (``ssh`` for ``git@host:path``), or None."""
    if SCP_LIKE.match(url):
        return "ssh"
    if "://" not in url:
        return None
    return url.split("://", 1)[0].lower()


def redact(text: str) -> str:
    """``text`` with every ``scheme://userinfo@`` reduced to ``scheme://***@`` (ssh users kept)."""

    def repl(m: re.Match[str]) -> str:
        scheme = m.group("scheme")
        userinfo = m.group(0)[len(scheme) : -1]
        if scheme.lower().startswith("ssh") and ":" not in userinfo:
            return m.group(0)  # ssh://git@host: a user name, not a secret
        return f"{scheme}***@"

    return _USERINFO.sub(repl, text)


def has_credentials(url: str) -> bool:
    return redact(url) != url


def strip_credentials(url: str) -> str:
    """The URL without its userinfo (ssh user names kept): what may be stored."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.scheme.lower() == "ssh" and parts.password is None:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def humanish_name(url: str) -> str:
    """The folder ``git clone URL`` would create: the last path part without ``.git``."""
    m = SCP_LIKE.match(url)
    path = m.group("path") if m else urlsplit(url).path
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    tail = tail.removesuffix(".git")
    if tail.endswith(".bundle"):
        tail = tail.removesuffix(".bundle")
    return tail or (urlsplit(url).hostname or "repository")

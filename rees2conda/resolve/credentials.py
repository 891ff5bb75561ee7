"""Credentials never reach a lock file; what install needs comes back from the environment.

A lock is committed and shared, so every URL written into it is redacted:

- ``${VAR}`` references in pip lines (pip's documented way to keep tokens out of a
  repository; uv expands them when resolving) are put back: the expanded value becomes
  ``${VAR}`` again, and uv expands it from the environment when ``build`` installs;
- literal ``user:password@`` (or ``token@``) in a URL is dropped; authentication at install
  time then comes from the user's own configuration (netrc, keyring, a ``${VAR}`` reference);
- conda channel tokens (``https://host/t/<token>/channel``, from a condarc ``channel_alias`` or
  channel URL) and basic-auth credentials in a configured channel URL are dropped, and
  :func:`install_client` adds the configured ones back to each package download (not to the
  records: the env's ``conda-meta`` stays without them).

The lock's identity (content hash, ``metadata.channels``) is the channel names, so a new token
never makes a lock stale. Import-light (stdlib only).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig
    from rees2conda.model import PipLine

#: pip's (and uv's) environment variable syntax in requirement files
_PIP_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
#: a whole URL component that is only a reference (``${VAR}`` or ``$VAR``), kept as it is
_REFERENCE = re.compile(r"^\$(?:\{[A-Za-z0-9_]+\}|[A-Za-z0-9_]+)$")
#: a conda channel token: a ``/t/<token>`` path segment (conda's own convention)
_CONDA_TOKEN = re.compile(r"/t/[A-Za-z0-9_.~%-]+(?=/|$)")
#: rattler's URL parser percent-encodes the braces of ``${VAR}``
_MANGLED_VAR = re.compile(r"\$%7B([A-Za-z0-9_]+)%7D", re.IGNORECASE)


def referenced_values(lines: Iterable[str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{VAR: value}`` of the non-empty variables the pip ``lines`` reference as ``${VAR}``."""
    env = os.environ if env is None else env
    names = {name for line in lines for name in _PIP_VAR.findall(line)}
    return {name: env[name] for name in sorted(names) if env.get(name)}


def strip_conda_token(url: str) -> str:
    """``https://host/t/<token>/conda-forge`` -> ``https://host/conda-forge``."""
    return _CONDA_TOKEN.sub("", url, count=1)


def _put_back(text: str, values: Mapping[str, str], *, min_length: int) -> str:
    """Each value (raw or percent-encoded) replaced by its ``${VAR}``, longest first."""
    pairs = sorted(values.items(), key=lambda kv: -len(kv[1]))
    for name, value in pairs:
        if len(value) < min_length:
            continue
        for form in dict.fromkeys([value, quote(value, safe="")]):
            text = text.replace(form, "${" + name + "}")
    return text


def _userinfo_kept(userinfo: str) -> bool:
    """Keep ``user:${TOKEN}`` or ``${TOKEN}``; anything carrying a literal secret goes."""
    user, sep, password = userinfo.partition(":")
    if sep:
        return bool(_REFERENCE.match(password))
    return bool(_REFERENCE.match(user))


def redact_url(url: str, values: Mapping[str, str] | None = None) -> str:
    """``url`` as it may be written into a lock (see the module docstring).

    ``values`` are the expanded ``${VAR}`` references (:func:`referenced_values`): in the
    credentials they are put back whatever their length, elsewhere when 8 characters or more
    (a token, not a word that happens to occur in a path).
    """
    values = values or {}
    prefix = ""
    rest = url
    if "+" in url.split("://", 1)[0]:  # git+https://...: redact the inner URL
        prefix, _, rest = url.partition("+")
        prefix += "+"
    try:
        parts = urlsplit(rest)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        userinfo = _put_back(userinfo, values, min_length=1)
        if _userinfo_kept(userinfo):
            netloc = f"{userinfo}@{host}"
        elif parts.scheme == "ssh" and ":" not in userinfo:
            netloc = f"{userinfo}@{host}"  # git@github.com: a login name, the key is elsewhere
        else:
            netloc = host
    path = strip_conda_token(parts.path)
    if (netloc, path) != (parts.netloc, parts.path):  # else keep the text exactly as it was
        rest = urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))
    return prefix + _put_back(rest, values, min_length=8)


_INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url")


def index_auth_lines(lines: Iterable[PipLine]) -> list[str]:
    """``--extra-index-url`` lines for the pip lines' indexes whose credentials are references.

    The lock records each package's file URL without the index's credentials; handing uv these
    lines at install time (it expands ``${VAR}`` from the environment) lets it authenticate the
    downloads from that index's host, as it did when locking.
    """
    out: list[str] = []
    for pip in lines:
        if pip.option not in _INDEX_OPTIONS or not pip.value:
            continue
        url = pip.value
        netloc = urlsplit(url).netloc if "://" in url else ""
        if "@" in netloc and _PIP_VAR.search(netloc.rpartition("@")[0]):
            out.append(f"--extra-index-url {redact_url(url)}")
    return list(dict.fromkeys(out))


def redact_urls(urls: Sequence[str]) -> list[str]:
    """Channel URLs without conda tokens or credentials (for summaries and the lock)."""
    return [redact_url(u) for u in urls]


def restore_references(url: str) -> str:
    """Undo rattler's percent-encoding of ``${VAR}`` so uv expands it at install time."""
    return _MANGLED_VAR.sub(lambda m: "${" + m.group(1) + "}", url)


def _configured_urls(config: CondaConfig) -> list[str]:
    urls = [config.channel_alias, *config.custom_channels.values(), *config.default_channels]
    return [u.rstrip("/") for u in urls + [c for c in config.channels if "://" in c]]


def token_mirrors(config: CondaConfig) -> dict[str, list[str]]:
    """``{url without token: [url with token]}`` for every configured URL carrying a token.

    The token applies to everything below the URL's part before ``/t/<token>``: an alias
    ``https://host/t/TOK`` gives ``https://host/`` -> ``https://host/t/TOK/``.
    """
    mirrors: dict[str, list[str]] = {}
    for url in _configured_urls(config):
        match = _CONDA_TOKEN.search(url)
        if match is not None:
            bare = redact_url(url[: match.start()] + url[match.end() :])
            mirrors.setdefault(bare + "/", [_without_userinfo(url) + "/"])
    return mirrors


def basic_logins(config: CondaConfig) -> list[tuple[str, str, str]]:
    """``(host, path prefix, "user:password")`` of every configured URL with credentials in it
    (``https://user:apikey@artifactory.example.org/api/conda``), longest prefix first."""
    logins = []
    for url in _configured_urls(config):
        parts = urlsplit(url)
        if parts.username is None:
            continue
        login = unquote(f"{parts.username}:{parts.password or ''}")
        path = strip_conda_token(parts.path).rstrip("/") + "/"
        logins.append((parts.hostname or "", path, login))
    return sorted(logins, key=lambda item: -len(item[1]))


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def without_channel_tokens(records: Sequence[Any]) -> list[Any]:
    """rattler records with no conda token or ``user:password@`` in ``url`` or ``channel``
    (rattler writes both into the env's ``conda-meta``); :func:`install_client` adds them to
    the requests instead."""
    for record in records:
        url = redact_url(record.url)
        if url != record.url:
            record.url = url
        channel = record.channel
        if channel and redact_url(channel) != channel:
            record.channel = redact_url(channel)
    return list(records)


def install_client(config: CondaConfig) -> Any | None:
    """A rattler ``Client`` that authenticates package downloads as the configuration says.

    A conda token (``https://host/t/<token>``) is added to the URL of each request, basic-auth
    credentials in a configured URL become an ``Authorization`` header; the records (and so the
    env's ``conda-meta``, which rattler writes from them) stay without either. None (rattler's
    default client) when no configured channel carries credentials.
    """
    mirrors = token_mirrors(config)
    logins = basic_logins(config)
    if not mirrors and not logins:
        return None
    import base64

    from rattler.networking import Client
    from rattler.networking.middleware import (
        AddHeadersMiddleware,
        AuthenticationMiddleware,
        GCSMiddleware,
        MirrorMiddleware,
        OciMiddleware,
        RetryMiddleware,
        S3Middleware,
    )

    def headers(host: str, path: str) -> dict[str, str] | None:
        for want_host, prefix, login in logins:
            if host == want_host and (path + "/").startswith(prefix):
                token = base64.b64encode(login.encode()).decode()
                return {"Authorization": f"Basic {token}"}
        return None

    middlewares: list[Any] = [RetryMiddleware()]
    if mirrors:
        middlewares.append(MirrorMiddleware(mirrors))
    if logins:
        middlewares.append(AddHeadersMiddleware(headers))
    # then rattler's default stack (Client.default_client)
    middlewares += [AuthenticationMiddleware(), OciMiddleware(), GCSMiddleware(), S3Middleware()]
    return Client(middlewares)

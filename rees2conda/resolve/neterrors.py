"""One-line messages for channels that cannot be reached, with the root cause.

rattler reports a chain (``error sending request … Caused by: client error (Connect) … Caused
by: Connection refused``); users need the last link, said plainly, the channel it concerns,
the setting that chose that URL, and only advice that can help. Tokens never appear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rees2conda.errors import UserError

_URL = re.compile(r"(?:url \(|url: |for url |channel ')([^\s)']+)")
_TOKEN = re.compile(r"/t/[^/\s]+/")
_USERINFO = re.compile(r"(://)[^/@\s]+@")


def redact(text: str) -> str:
    """``/t/<token>/`` and ``user:password@`` removed from any URL in ``text``."""
    return _USERINFO.sub(r"\1***@", _TOKEN.sub("/t/***/", text))


def root_cause(message: str) -> tuple[str, str]:
    """(kind, plain words) for the deepest cause in a rattler error chain."""
    lowered = message.lower()
    if re.search(r"\b401\b|unauthorized", lowered):
        return "auth", "401 Unauthorized: the channel needs a token or credentials"
    if re.search(r"\b403\b|forbidden", lowered):
        return "auth", "403 Forbidden: the token or credentials are not accepted"
    if re.search(r"\b404\b|not found \(|could not find subdir", lowered):
        return "missing", "404 Not Found: no such channel (or platform folder) at that URL"
    if "connection refused" in lowered:
        return "refused", "connection refused: nothing is listening at that address"
    if "dns" in lowered or "resolving" in lowered or "lookup address" in lowered:
        return "dns", "the host name cannot be resolved (DNS)"
    if any(w in lowered for w in ("certificate", "unknownissuer", "invalidcontenttype", "tls")):
        compact = lowered.replace(" ", "")
        why = "unknown issuer" if "unknownissuer" in compact else "handshake failed"
        return "tls", f"TLS error ({why})"
    if "timed out" in lowered or "timeout" in lowered:
        return "timeout", "the connection timed out"
    causes = [c.strip() for c in re.split(r"Caused by:", message) if c.strip()]
    return "other", (causes[-1].splitlines()[0] if causes else "unknown error")


_HINTS = {
    "auth": "put the token in the channel URL of your conda configuration "
    "(channel_alias or custom_channels, e.g. https://host/t/<token>), never in the repository",
    "missing": "check the channel name, or that the mirror carries this channel "
    "(rees2conda config shows the URL in use)",
    "refused": "check the mirror's address in your conda configuration "
    "(rees2conda config), or use --offline with cached repodata",
    "dns": "check the host name in your conda configuration (rees2conda config), "
    "or use --offline with cached repodata",
    "tls": "if your site uses its own certificate authority, set ssl_verify: /path/ca.pem "
    "in ~/.condarc (or SSL_CERT_FILE)",
    "timeout": "try again, or use --offline with cached repodata",
    "other": "use --offline with cached repodata, or point the channel at a reachable mirror "
    "(channel_alias/custom_channels in ~/.condarc; rees2conda config shows them)",
}


def unreachable_error(
    message: str,
    channel_urls: Sequence[str],
    offline: bool,
    origins: Mapping[str, str] | None = None,
) -> UserError:
    """A :class:`UserError` naming the channel, its origin and the root cause, in one line."""
    match = _URL.search(message)
    failing = match.group(1) if match else None
    channel = next(
        (u for u in channel_urls if failing and failing.rstrip("/").startswith(u.rstrip("/"))),
        None,
    ) or next((u for u in channel_urls if u in message), None)
    shown = redact(channel or failing or ", ".join(channel_urls))
    origin = (origins or {}).get(channel or "")
    where = f" ({origin})" if origin else ""
    kind, cause = root_cause(message)
    if offline:
        return UserError(
            f"no cached repodata for {shown}{where} (--offline)",
            hint="run once without --offline to fill the cache",
        )
    return UserError(f"cannot fetch repodata from {shown}{where}: {cause}", hint=_HINTS[kind])

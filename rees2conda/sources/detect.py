"""The one test every ``build``/``check`` run makes: is SOURCE a local folder or to be fetched?

Kept to ``os`` and string tests so a local run (the login-script no-op) pays nothing for it.
"""

from __future__ import annotations

import os

_PREFIXES = ("gh:", "gl:", "doi:", "10.")


def looks_remote(text: str) -> bool:
    """True when ``text`` is no existing path but reads as a URL, short form or DOI."""
    if os.path.exists(text):
        return False
    if "://" in text or text.startswith(_PREFIXES):
        return True
    # git's scp form: user@host:path (a colon before any slash)
    at, colon = text.find("@"), text.find(":")
    slash = text.find("/")
    return 0 < at < colon and (slash == -1 or colon < slash)

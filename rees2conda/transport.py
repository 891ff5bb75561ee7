"""conda's transport settings applied to the engines: ``ssl_verify`` and ``proxy_servers``.

rattler (conda packages) and uv (pip packages) read the standard variables: a CA bundle from
``SSL_CERT_FILE`` and proxies from ``HTTP_PROXY``/``HTTPS_PROXY``. Users behind an institutional
CA or proxy configure conda (``ssl_verify: /path/ca.pem``, ``proxy_servers``) or pip
(``REQUESTS_CA_BUNDLE``); this maps those onto the variables both engines honour. Explicit
variables the user set win. Called only once there is network work (never on the no-op path).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from rees2conda.errors import UserError

if TYPE_CHECKING:
    from rees2conda.condarc import CondaConfig


def apply_transport(config: CondaConfig, environ: MutableMapping[str, str] | None = None) -> None:
    """Set ``SSL_CERT_FILE`` and proxy variables in ``environ`` (the process's) from ``config``."""
    environ = os.environ if environ is None else environ
    if not environ.get("SSL_CERT_FILE"):
        bundle = config.ssl_verify if isinstance(config.ssl_verify, str) else None
        bundle = bundle or environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE")
        if bundle:
            if not os.path.isfile(os.path.expanduser(bundle)):
                where = ", ".join(config.origins.get("ssl_verify", [])) or "REQUESTS_CA_BUNDLE"
                raise UserError(
                    f"{where}: ssl_verify: {bundle}: no such CA bundle file",
                    hint="point ssl_verify at your site's CA certificates (a PEM file)",
                )
            environ["SSL_CERT_FILE"] = os.path.expanduser(bundle)
    for scheme, var in (("http", "HTTP_PROXY"), ("https", "HTTPS_PROXY")):
        proxy = config.proxy_servers.get(scheme)
        if proxy and not (environ.get(var) or environ.get(var.lower())):
            environ[var] = proxy

"""HTTP for record sources: JSON look-ups and size-capped, checksum-verified downloads.

Standard library only (``urllib``), so proxies set in ``http_proxy``/``https_proxy`` apply.
Redirects may only lead to http(s). Errors become one-line :class:`UserError` messages that say
what failed and why (record not found, HTTP status, network cause).
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rees2conda import __version__
from rees2conda.errors import UserError
from rees2conda.sources.urls import redact

TIMEOUT = 60.0
#: the most bytes one record may download or unpack (REES2CONDA_SOURCE_MAX_BYTES overrides)
DEFAULT_MAX_BYTES = 5 * 1024**3


def max_bytes() -> int:
    value = os.environ.get("REES2CONDA_SOURCE_MAX_BYTES")
    try:
        return int(value) if value else DEFAULT_MAX_BYTES
    except ValueError:
        raise UserError(f"REES2CONDA_SOURCE_MAX_BYTES={value!r} is not a number") from None


class NotFound(UserError):
    """The server answered 404: the record (or file) does not exist."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.lower().startswith(("http://", "https://")):
            raise UserError(f"{redact(req.full_url)} redirects to a non-http URL; refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


def open_url(url: str, accept: str = "*/*") -> Any:
    """The response to GET ``url``; 404 raises :class:`NotFound`, other failures UserError."""
    if not url.lower().startswith(("http://", "https://")):
        raise UserError(f"{redact(url)}: only http and https downloads are allowed")
    req = urllib.request.Request(
        url, headers={"Accept": accept, "User-Agent": f"rees2conda/{__version__}"}
    )
    try:
        return _OPENER.open(req, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise NotFound(f"{redact(url)}: not found (HTTP {exc.code})") from None
        raise UserError(f"{redact(url)}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise UserError(f"{redact(url)}: network failure: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{redact(url)}: network failure: {exc}") from None


def get_json(url: str) -> Any:
    """GET ``url`` as JSON (a body that is not JSON is an error naming the URL)."""
    with open_url(url, accept="application/json") as resp:
        body = resp.read(64 * 1024 * 1024)
    try:
        return json.loads(body)
    except ValueError:
        raise UserError(f"{redact(url)}: the answer is not JSON") from None


@dataclass
class Expected:
    """What the record says about a file: size in bytes and a checksum, when it gives them."""

    size: int | None = None
    algorithm: str | None = None  # "md5", "sha1", "sha256", ...
    digest: str | None = None


def download(url: str, dest: Path, expected: Expected, *, budget: int) -> int:
    """Download ``url`` to ``dest``, at most ``budget`` bytes; verify size and checksum.

    Returns the number of bytes written. A mismatch deletes the file and raises.
    """
    algo = (expected.algorithm or "").lower().replace("-", "")
    hasher = hashlib.new(algo) if algo in hashlib.algorithms_available else None
    if expected.size is not None and expected.size > budget:
        raise UserError(
            f"{redact(url)}: {expected.size} bytes is over the limit of {budget} bytes",
            hint="raise REES2CONDA_SOURCE_MAX_BYTES to allow it",
        )
    written = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open_url(url) as resp, open(dest, "wb") as out:
            while True:
                try:
                    chunk = resp.read(1024 * 1024)
                except OSError as exc:
                    raise UserError(f"{redact(url)}: network failure: {exc}") from None
                if not chunk:
                    break
                written += len(chunk)
                if written > budget:
                    raise UserError(
                        f"{redact(url)}: more than {budget} bytes; stopped",
                        hint="raise REES2CONDA_SOURCE_MAX_BYTES to allow it",
                    )
                if hasher is not None:
                    hasher.update(chunk)
                out.write(chunk)
        if expected.size is not None and written != expected.size:
            raise UserError(f"{redact(url)}: got {written} bytes, the record says {expected.size}")
        if hasher is not None and expected.digest and hasher.hexdigest() != expected.digest.lower():
            raise UserError(
                f"{redact(url)}: {algo} checksum mismatch (got {hasher.hexdigest()}, "
                f"the record says {expected.digest})"
            )
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return written

"""What a SOURCE argument means: a local folder, a git repository or a data record.

:func:`parse` turns the text a user gives (path, git URL, Binder link, ``gh:``/``gl:`` short
form, DOI, record URL) into a :class:`SourceSpec`, without touching the network. Binder links
are parsed in :mod:`rees2conda.sources.binder`; records are resolved (DOI -> service) in
:mod:`rees2conda.sources.records`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal

from rees2conda.errors import UsageError
from rees2conda.sources import hosts
from rees2conda.sources.urls import ALLOWED_SCHEMES, redact, scheme_of

Kind = Literal["local", "git", "record"]

#: shown when a SOURCE is not understood
SHAPES = (
    "a folder; a git URL (https://host/owner/repo, git@host:owner/repo, ssh://, file://) with "
    "--ref; gh:OWNER/REPO[@REF]; gl:GROUP/REPO[@REF]; a Binder link "
    "(https://mybinder.org/v2/gh|gl|git|gist|zenodo|figshare|hydroshare|dataverse/...); "
    "a DOI (10.5281/zenodo.123, doi:..., https://doi.org/...); a Zenodo, Figshare, "
    "HydroShare or Dataverse record URL"
)

DOI = re.compile(r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?(10\.\d+(?:\.\d+)*/.+)$", re.I)
SHORT = re.compile(r"^(?P<host>gh|gl):(?P<path>[^@\s]+?)(?:@(?P<ref>[^\s]+))?$")


@dataclass(frozen=True)
class SourceSpec:
    """A parsed SOURCE.

    ``url`` is what to fetch (a git URL, or for records the DOI / record URL); ``ref`` the
    branch, tag or commit (None: the default branch); ``notebook`` the file a Binder link
    opens, relative to the repository root; ``given`` the text as given, credentials removed.
    """

    kind: Kind
    url: str
    given: str
    ref: str | None = None
    notebook: str | None = None
    provider: str | None = None  # record service when known before resolving (Binder links)

    @property
    def display(self) -> str:
        return redact(self.url)


def parse(text: str, ref: str | None = None) -> SourceSpec:
    """Parse SOURCE (and ``--ref``); raises :class:`UsageError` naming the shapes that work."""
    given = redact(text)
    if ref is not None and (ref.startswith("-") or not ref.strip()):
        raise UsageError(f"--ref {ref!r} is not a branch, tag or commit")
    if ref == "HEAD":
        ref = None  # the default branch, as Binder's HEAD
    if os.path.exists(text):
        return SourceSpec("local", text, given, ref)
    stripped = text.strip()
    if "://" in stripped and stripped.split("://", 1)[0].lower() in ("http", "https"):
        from rees2conda.sources import binder

        link = binder.parse_link(stripped)
        if link is not None:
            return _with_ref(link, ref, given)
    if DOI.match(stripped):
        return _with_ref(SourceSpec("record", stripped, given), ref, given)
    m = SHORT.match(stripped)
    if m and (m.group("ref") or "").startswith("-"):
        raise UsageError(f"{given}: {m.group('ref')!r} is not a branch, tag or commit")
    if m:
        path = m.group("path").strip("/").removesuffix(".git")
        if m.group("host") == "gh" and path.count("/") != 1:
            raise UsageError(f"{given}: expected gh:OWNER/REPO[@REF]", hint=f"SOURCE is {SHAPES}")
        if m.group("host") == "gl" and "/" not in path:
            raise UsageError(f"{given}: expected gl:GROUP/REPO[@REF]", hint=f"SOURCE is {SHAPES}")
        var = "REES2CONDA_GITHUB_URL" if m.group("host") == "gh" else "REES2CONDA_GITLAB_URL"
        url = f"{hosts.base(var)}/{path}"
        return _with_ref(SourceSpec("git", url, given, m.group("ref")), ref, given)
    scheme = scheme_of(stripped)
    if scheme is None:
        raise UsageError(
            f"{given}: no such folder, and not a link rees2conda understands",
            hint=f"SOURCE is {SHAPES}",
        )
    if scheme not in ALLOWED_SCHEMES:
        raise UsageError(
            f"{given}: the {scheme}:// scheme is not supported",
            hint="use https://, http://, ssh://, git@host:path or file:// URLs",
        )
    if scheme in ("http", "https"):
        from rees2conda.sources.records import record_url_kind

        if record_url_kind(stripped) is not None:
            return _with_ref(SourceSpec("record", stripped, given), ref, given)
    if stripped.startswith("-"):
        raise UsageError(f"{given}: not a URL", hint=f"SOURCE is {SHAPES}")
    return SourceSpec("git", stripped, given, ref)


def _with_ref(spec: SourceSpec, ref: str | None, given: str) -> SourceSpec:
    """``--ref`` wins over a ref in the link only when the link names none."""
    if ref is None or spec.kind == "record":
        if ref is not None:
            raise UsageError(f"{given}: --ref applies to git sources, not to records")
        return spec
    if spec.ref not in (None, "HEAD", ref):
        raise UsageError(
            f"{given} names ref {spec.ref!r} and --ref says {ref!r}", hint="give only one"
        )
    return SourceSpec(spec.kind, spec.url, spec.given, ref, spec.notebook, spec.provider)

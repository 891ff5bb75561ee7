"""Binder launch links as copied from a badge, on mybinder.org or any BinderHub.

A link is ``<hub>/v2/<provider>/<spec>?labpath=|urlpath=|filepath=...``; ``<hub>`` may carry a
base path (``https://notebooks.gesis.org/binder``). The specs follow BinderHub's repository
providers:

=============  ==========================================  ==============================
provider       spec                                        source
=============  ==========================================  ==============================
``gh``         ``OWNER/REPO/REF`` (REF may hold ``/``)     ``https://github.com/OWNER/REPO``
``gl``         ``url-encoded GROUP/REPO/REF``              ``https://gitlab.com/GROUP/REPO``
``git``        ``url-encoded-URL/REF``                     that URL
``gist``       ``USER/GIST_ID/REF``                        ``https://gist.github.com/ID``
``zenodo``     ``DOI`` (``10.5281/zenodo.3242074``)        the record
``figshare``   ``DOI`` (``10.6084/m9.figshare.9782777.v1``) the article
``hydroshare`` ``RESOURCE_ID``                             ``<hydroshare>/resource/ID``
``dataverse``  ``DOI`` (``10.7910/DVN/TJCLKP``)            the dataset
=============  ==========================================  ==============================
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qs, unquote, urlsplit

from rees2conda.errors import UsageError
from rees2conda.sources import hosts
from rees2conda.sources.spec import SHAPES, SourceSpec
from rees2conda.sources.urls import ALLOWED_SCHEMES, redact, scheme_of

GIT_PROVIDERS = ("gh", "gl", "git", "gist")
RECORD_PROVIDERS = ("zenodo", "figshare", "hydroshare", "dataverse")
_V2 = re.compile(r"^(?P<base>.*?)/v2/(?P<provider>[^/]+)/(?P<spec>.+)$")

#: urlpath prefixes before a file path (JupyterLab, classic Notebook, Notebook 7, Voila, ...)
_URLPATH_PREFIXES = (
    "lab/tree/",
    "doc/tree/",
    "tree/",
    "notebooks/",
    "edit/",
    "view/",
    "voila/render/",
    "apps/",
)


def parse_link(url: str) -> SourceSpec | None:
    """The source a Binder link points at, or None when ``url`` is no Binder link."""
    parts = urlsplit(url)
    m = _V2.match(parts.path)
    if m is None:
        return None
    given = redact(url)
    provider = m.group("provider")
    spec = m.group("spec").rstrip("/")
    notebook = _notebook(parts.query, given)
    if provider in GIT_PROVIDERS:
        git_url, ref = _git_source(provider, spec, given)
        return SourceSpec("git", git_url, given, ref, notebook)
    if provider not in RECORD_PROVIDERS and "binder" not in url.lower():
        return None  # some other URL with /v2/ in it (a git host's path): not a Binder link
    if provider in RECORD_PROVIDERS:
        record = unquote(spec)
        if provider == "hydroshare":
            record = f"{hosts.base('REES2CONDA_HYDROSHARE_URL')}/resource/{record.strip('/')}"
        return SourceSpec("record", record, given, None, notebook, provider)
    raise UsageError(
        f"{given}: Binder provider {provider!r} is not supported",
        hint="supported: " + ", ".join(GIT_PROVIDERS + RECORD_PROVIDERS) + f"; SOURCE is {SHAPES}",
    )


def _git_source(provider: str, spec: str, given: str) -> tuple[str, str | None]:
    """(git URL, ref) of a git-backed Binder spec, as BinderHub's providers split them."""
    if provider == "gh":
        parts = spec.split("/", 2)
        if len(parts) < 2 or not all(parts[:2]):
            raise UsageError(f"{given}: expected /v2/gh/OWNER/REPO/REF", hint=f"SOURCE is {SHAPES}")
        owner, repo = parts[0], parts[1].removesuffix(".git")
        ref = unquote(parts[2]) if len(parts) == 3 and parts[2] else None
        return f"{hosts.base('REES2CONDA_GITHUB_URL')}/{owner}/{repo}", _ref(ref)
    if provider == "gist":
        parts = spec.split("/", 2)
        if len(parts) < 2 or not all(parts[:2]):
            raise UsageError(
                f"{given}: expected /v2/gist/USER/GIST_ID/REF", hint=f"SOURCE is {SHAPES}"
            )
        ref = unquote(parts[2]) if len(parts) == 3 and parts[2] else None
        return f"{hosts.base('REES2CONDA_GIST_URL')}/{parts[1]}", _ref(ref)
    # gl and git: an url-encoded first segment, then the ref
    quoted, _, ref = spec.partition("/")
    target = unquote(quoted)
    if not target:
        raise UsageError(f"{given}: no repository in the link", hint=f"SOURCE is {SHAPES}")
    if provider == "gl":
        target = target.strip("/").removesuffix(".git")
        return f"{hosts.base('REES2CONDA_GITLAB_URL')}/{target}", _ref(unquote(ref) or None)
    scheme = scheme_of(target)
    if scheme not in ALLOWED_SCHEMES:
        raise UsageError(
            f"{given}: the repository URL in the link ({redact(target)}) is not "
            "https, http, ssh or file",
            hint=f"SOURCE is {SHAPES}",
        )
    return target, _ref(unquote(ref) or None)


def _ref(ref: str | None) -> str | None:
    """BinderHub's ``HEAD`` means the default branch, like no ref at all."""
    if ref is not None and ref.startswith("-"):
        raise UsageError(f"ref {ref!r} in the link is not a branch, tag or commit")
    return None if ref in (None, "", "HEAD") else ref


def _notebook(query: str, given: str) -> str | None:
    """The file the link opens: ``labpath``, else ``filepath``, else a file in ``urlpath``."""
    params = parse_qs(query)
    for key in ("labpath", "filepath"):
        if params.get(key):
            return _safe_relpath(params[key][0], given)
    if params.get("urlpath"):
        path = params["urlpath"][0].lstrip("/")
        for prefix in _URLPATH_PREFIXES:
            if path.startswith(prefix):
                return _safe_relpath(path[len(prefix) :], given)
    return None


def _safe_relpath(path: str, given: str) -> str | None:
    """A repository-relative POSIX path; a path leaving the repository is refused."""
    path = path.strip()
    if not path:
        return None
    norm = posixpath.normpath(path.lstrip("/"))
    if norm in (".", "") or norm.startswith("../") or norm == "..":
        raise UsageError(f"{given}: the notebook path {path!r} leaves the repository")
    return norm

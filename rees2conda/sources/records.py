"""Data records as sources: Zenodo, Figshare, Dataverse and HydroShare, as repo2docker reads them.

A DOI is resolved with the doi.org handle API (``<doi.org>/api/handles/<DOI>``, first ``URL``
value), then the URL tells the service. Each service's metadata API gives the files with their
size and checksum; :func:`resolve_record` turns it into a :class:`Record` (no download yet).

- Zenodo: ``<zenodo>/record(s)/ID``; metadata ``/api/records/ID``, files from ``links.files``.
- Figshare: ``<figshare>/articles/[kind/]NAME/ID[/VERSION]``; ``<api>/articles/ID[/versions/V]``.
- HydroShare: ``<hydroshare>/resource/ID``; version from ``/hsapi/resource/ID/scimeta/elements``,
  files from the BagIt bag ``/django_s3/download/bags/ID.zip``.
- Dataverse: ``<any host>/dataset.xhtml?persistentId=...``, ``/citation?persistentId=...``,
  ``/file.xhtml?persistentId=...``, ``/api/access/datafile/N``; ``/api/datasets/:persistentId``.

Differences from repo2docker, on purpose: a Figshare URL without a version takes the latest
version (repo2docker takes version 1); Dataverse is recognised by its URL shapes on any host
instead of a list of installations downloaded at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from rees2conda.errors import UserError
from rees2conda.sources import hosts
from rees2conda.sources.http import Expected, NotFound, get_json
from rees2conda.sources.spec import DOI, SHAPES
from rees2conda.sources.urls import redact

_FIGSHARE_PATH = re.compile(
    r"^/(?:account/)?articles/(?:code/|dataset/|software/)?[^/]+/(\d+)(?:/(\d+))?/?$"
)
_ZENODO_PATH = re.compile(r"^/records?/(\d+)/?$")
_HYDROSHARE_PATH = re.compile(r"^/resource/([0-9A-Za-z]+)/?$")
_DATAVERSE_PATHS = ("/dataset.xhtml", "/citation", "/file.xhtml", "/api/access/datafile/")


@dataclass
class RemoteFile:
    """One file of a record: where to get it, where it goes, what it should be."""

    url: str
    path: str
    expected: Expected = field(default_factory=Expected)


@dataclass
class Record:
    """A resolved record: its identity and version (what a rebuild needs) and its files."""

    provider: str  # zenodo | figshare | hydroshare | dataverse
    record_id: str
    version: str | None
    url: str
    files: list[RemoteFile]
    #: "single-zip": unpack when the record is one zip (Zenodo, Figshare); "bag": HydroShare
    unpack: str | None = None
    doi: str | None = None

    @property
    def content_id(self) -> str:
        return f"{self.record_id}.v{self.version}" if self.version else self.record_id

    @property
    def folder_name(self) -> str:
        tail = re.sub(r"[^A-Za-z0-9._-]+", "-", self.record_id.rsplit("/", 1)[-1]).strip("-")
        return f"{self.provider}-{tail or 'record'}"


def record_url_kind(url: str) -> str | None:
    """Which service a record URL belongs to (no network), or None."""
    if not url.lower().startswith(("http://", "https://")):
        return None
    rest = hosts.same_site(url, hosts.base("REES2CONDA_ZENODO_URL"))
    if rest is not None and _ZENODO_PATH.match(rest.split("?")[0]):
        return "zenodo"
    rest = hosts.same_site(url, hosts.base("REES2CONDA_FIGSHARE_URL"))
    if rest is not None and _FIGSHARE_PATH.match(rest.split("?")[0]):
        return "figshare"
    rest = hosts.same_site(url, hosts.base("REES2CONDA_HYDROSHARE_URL"))
    if rest is not None and _HYDROSHARE_PATH.match(rest.split("?")[0]):
        return "hydroshare"
    parts = urlsplit(url)
    if parts.path.startswith(_DATAVERSE_PATHS) and (
        "persistentId=" in parts.query or parts.path.startswith("/api/access/datafile/")
    ):
        return "dataverse"
    return None


def record_id_from_url(url: str) -> str | None:
    """The record's own id in a record URL (no network), for a folder name."""
    kind = record_url_kind(url)
    if kind == "dataverse":
        parts = urlsplit(url)
        pid = parse_qs(parts.query).get("persistentId", [parts.path.rstrip("/")])[0]
        return pid.rstrip("/").rsplit("/", 1)[-1]
    for var, pattern in (
        ("REES2CONDA_ZENODO_URL", _ZENODO_PATH),
        ("REES2CONDA_FIGSHARE_URL", _FIGSHARE_PATH),
        ("REES2CONDA_HYDROSHARE_URL", _HYDROSHARE_PATH),
    ):
        rest = hosts.same_site(url, hosts.base(var))
        m = pattern.match(rest.split("?")[0]) if rest is not None else None
        if m:
            return m[1]
    return None


def doi_to_url(doi: str) -> str:
    """The URL a DOI points at, from the doi.org handle API."""
    m = DOI.match(doi.strip())
    assert m is not None
    name = m.group(1)
    api = f"{hosts.base('REES2CONDA_DOI_URL')}/api/handles/{quote(name, safe='/')}"
    try:
        data = get_json(api)
    except NotFound:
        raise UserError(f"DOI {name} not found (doi.org knows no such record)") from None
    for value in data.get("values", []) if isinstance(data, dict) else []:
        if isinstance(value, dict) and value.get("type") == "URL":
            target = value.get("data", {}).get("value")
            if isinstance(target, str):
                return target
    raise UserError(f"DOI {name} points at no URL")


def resolve_record(url_or_doi: str, provider: str | None = None) -> Record:
    """Look the record up (network) and list its files; errors are one line."""
    doi = None
    url = url_or_doi
    if DOI.match(url_or_doi.strip()) and record_url_kind(url_or_doi) is None:
        doi = DOI.match(url_or_doi.strip()).group(1)  # type: ignore[union-attr]
        url = doi_to_url(url_or_doi)
    kind = record_url_kind(url)
    if kind is None:
        what = f"DOI {doi} points at {redact(url)}, which" if doi else f"{redact(url)}"
        raise UserError(
            f"{what} is not a Zenodo, Figshare, HydroShare or Dataverse record "
            "(for a git repository give its git URL)",
            hint=f"SOURCE is {SHAPES}",
        )
    if provider is not None and kind != provider:
        raise UserError(f"{redact(url)} is a {kind} record, not {provider} as the link says")
    try:
        record = _RESOLVERS[kind](url)
    except NotFound as exc:
        raise UserError(f"record not found: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserError(
            f"{redact(url)}: unexpected answer from {kind} ({type(exc).__name__}: {exc})"
        ) from None
    record.doi = doi
    return record


def _http_link(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
        raise UserError(f"{where}: the record gives no http(s) link ({value!r})")
    return value


def _checksum(value: Any) -> tuple[str | None, str | None]:
    """``md5:abc`` (Zenodo) -> ("md5", "abc")."""
    if isinstance(value, str) and ":" in value:
        algo, digest = value.split(":", 1)
        return algo, digest
    return None, None


def _zenodo(url: str) -> Record:
    base = hosts.base("REES2CONDA_ZENODO_URL")
    rest = hosts.same_site(url, base) or ""
    m = _ZENODO_PATH.match(rest.split("?")[0])
    assert m is not None
    rec = get_json(f"{base}/api/records/{m[1]}")
    record_id = str(rec.get("id") or m[1])
    version = (rec.get("metadata") or {}).get("version")
    files_link = (rec.get("links") or {}).get("files")
    if files_link:
        listing = get_json(_http_link(files_link, url))
        entries = listing.get("entries") if isinstance(listing, dict) else listing
        links_key = "content"
    else:
        entries = rec.get("files")
        links_key = "self"
    files = []
    for entry in entries or []:
        links = entry.get("links") or {}
        algo, digest = _checksum(entry.get("checksum"))
        files.append(
            RemoteFile(
                url=_http_link(links.get(links_key) or links.get("self"), url),
                path=str(entry["key"]),
                expected=Expected(entry.get("size"), algo, digest),
            )
        )
    return Record("zenodo", record_id, str(version) if version else None, url, files, "single-zip")


def _figshare(url: str) -> Record:
    rest = hosts.same_site(url, hosts.base("REES2CONDA_FIGSHARE_URL")) or ""
    m = _FIGSHARE_PATH.match(rest.split("?")[0])
    assert m is not None
    api = hosts.base("REES2CONDA_FIGSHARE_API_URL")
    article_id, version = m[1], m[2]
    path = f"/articles/{article_id}" + (f"/versions/{version}" if version else "")
    art = get_json(f"{api}{path}")
    version = str(art.get("version") or version or "1")
    files = []
    for f in art.get("files") or []:
        if f.get("is_link_only"):
            continue
        md5 = f.get("computed_md5") or f.get("supplied_md5") or None
        files.append(
            RemoteFile(
                url=_http_link(f.get("download_url"), url),
                path=str(f["name"]),
                expected=Expected(f.get("size"), "md5" if md5 else None, md5),
            )
        )
    return Record("figshare", article_id, version, url, files, "single-zip")


def _hydroshare(url: str) -> Record:
    site = hosts.base("REES2CONDA_HYDROSHARE_URL")
    rest = hosts.same_site(url, site) or ""
    m = _HYDROSHARE_PATH.match(rest.split("?")[0])
    assert m is not None
    resource = m[1]
    meta = get_json(f"{site}/hsapi/resource/{resource}/scimeta/elements")
    modified = next(d for d in meta["dates"] if d.get("type") == "modified")["start_date"]
    stamp = datetime.strptime(modified.split(".")[0], "%Y-%m-%dT%H:%M:%S")
    version = str(int(stamp.replace(tzinfo=timezone.utc).timestamp()))
    bag = RemoteFile(f"{site}/django_s3/download/bags/{resource}.zip", f"{resource}.zip")
    return Record("hydroshare", resource, version, url, [bag], "bag")


def _dataverse(url: str) -> Record:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    qs = parse_qs(parts.query)
    ambiguous = False
    if parts.path.startswith(("/citation", "/dataset.xhtml")):
        pid = qs["persistentId"][0]
        ambiguous = parts.path.startswith("/citation")
    elif parts.path.startswith("/file.xhtml"):
        pid = _dataverse_dataset_of_file(base, qs["persistentId"][0])
    else:
        pid = _dataverse_dataset_of_file(base, parts.path.rstrip("/").rsplit("/", 1)[-1])
    try:
        data = get_json(f"{base}/api/datasets/:persistentId?persistentId={quote(pid, safe=':/')}")
    except NotFound:
        if not ambiguous:
            raise
        pid = _dataverse_dataset_of_file(base, pid)
        data = get_json(f"{base}/api/datasets/:persistentId?persistentId={quote(pid, safe=':/')}")
    latest = data["data"]["latestVersion"]
    version = f"{latest.get('versionNumber', 0)}.{latest.get('versionMinorNumber', 0)}"
    files = []
    for fobj in latest.get("files") or []:
        df = fobj["dataFile"]
        original = df.get("originalFileName")
        name = original or fobj["label"]
        folder = fobj.get("directoryLabel") or ""
        size = df.get("originalFileSize") if original else df.get("filesize")
        checksum = df.get("checksum") or {}
        algo = checksum.get("type") or ("md5" if df.get("md5") else None)
        digest = checksum.get("value") or df.get("md5")
        files.append(
            RemoteFile(
                url=f"{base}/api/access/datafile/{df['id']}?format=original",
                path=f"{folder}/{name}" if folder else name,
                expected=Expected(size, algo, digest),
            )
        )
    return Record("dataverse", pid, version, url, files, None)


def _dataverse_dataset_of_file(base: str, file_id: str) -> str:
    if file_id.isdigit():
        api = f"{base}/api/files/{file_id}?returnDatasetVersion=true"
    else:
        api = (
            f"{base}/api/files/:persistentId?persistentId={quote(file_id, safe=':/')}"
            "&returnDatasetVersion=true"
        )
    data = get_json(api)
    return str(data["data"]["datasetVersion"]["datasetPersistentId"])


_RESOLVERS = {
    "zenodo": _zenodo,
    "figshare": _figshare,
    "hydroshare": _hydroshare,
    "dataverse": _dataverse,
}

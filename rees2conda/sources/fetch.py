"""Fetching a SOURCE that is not a local folder, and what to tell the user about it.

``rees2conda build SOURCE`` and ``check SOURCE`` call :func:`fetch_source` when
:func:`~rees2conda.sources.detect.looks_remote` says SOURCE is not a folder. It puts the sources
where ``git clone`` would (``./REPO``, or ``dest``), brings an existing clean copy up to date,
and returns the folder with its provenance (the ``origin`` recorded in the build's stamp) and
the notebook a Binder link opens. Nothing from the fetched repository is executed.
Standard library only; ``git`` is run as a command.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rees2conda.sources.spec import DOI, SourceSpec, parse
from rees2conda.sources.urls import humanish_name, redact

__all__ = ["Fetched", "default_folder", "fetch_source"]


@dataclass
class Fetched:
    """A source brought to a local folder: where, what it is (``origin``), what to open."""

    path: Path
    origin: dict[str, Any] = field(default_factory=dict)
    notebook: str | None = None


def default_folder(spec: SourceSpec) -> str:
    """The folder name ``git clone`` would pick; for records one derived from the DOI or URL."""
    if spec.kind == "git":
        return humanish_name(spec.url)
    m = DOI.match(spec.url.strip())
    if m:
        tail = m.group(1).rstrip("/").rsplit("/", 1)[-1]
    else:
        from rees2conda.sources.records import record_id_from_url, record_url_kind

        kind = record_url_kind(spec.url) or spec.provider or "record"
        tail = f"{kind}-{record_id_from_url(spec.url) or 'record'}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip("-.") or "record"


def fetch_source(
    source: str,
    *,
    ref: str | None = None,
    dest: str | os.PathLike[str] | None = None,
    offline: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Fetched:
    """Bring SOURCE into ``dest`` (default ``./<name>``) and say what landed there."""
    spec = parse(source, ref)
    if spec.kind == "local":
        return Fetched(Path(source), {}, spec.notebook)
    folder = Path(os.path.abspath(dest)) if dest is not None else Path.cwd() / default_folder(spec)
    from rees2conda.locking import DirLock

    def waiting(holder: str) -> None:
        if progress is not None:
            progress(f"waiting for {holder} to finish fetching into {folder} …")

    folder.parent.mkdir(parents=True, exist_ok=True)
    # two runs at once (two login shells): one fetches, the other then finds it up to date
    with DirLock(folder.parent / f".{folder.name}.rees2conda-lock", on_wait=waiting):
        origin = _fetch_into(spec, folder, offline=offline, progress=progress)
    return Fetched(folder, origin, spec.notebook)


def _fetch_into(
    spec: SourceSpec,
    folder: Path,
    *,
    offline: bool,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    if spec.kind == "git":
        from rees2conda.sources.git import checkout

        co = checkout(spec.url, spec.ref, folder, offline=offline, progress=progress)
        origin: dict[str, Any] = {
            "kind": "git",
            "source": spec.given,
            "url": redact(spec.url),
            "ref": spec.ref,
            "branch": co.branch,
            "commit": co.commit,
            "modified": co.modified,
        }
    else:
        from rees2conda.sources.recordfetch import fetch

        rc = fetch(spec.url, folder, provider=spec.provider, offline=offline, progress=progress)
        prov = rc.provenance
        origin = {
            "kind": "record",
            "source": spec.given,
            "provider": prov.get("provider"),
            "record": prov.get("record"),
            "version": prov.get("version"),
            "content_id": prov.get("content_id"),
            "doi": prov.get("doi"),
            "url": prov.get("url"),
            "modified": rc.modified,
        }
    if spec.notebook is not None:
        origin["notebook"] = spec.notebook
    return origin


def jupyter_command(folder: Path, notebook: str | None) -> str:
    """The one command that starts JupyterLab on ``folder``, opening ``notebook`` if given."""
    cmd = ["jupyter", "lab", f"--notebook-dir={folder}"]
    if notebook:
        cmd.append(str(folder / notebook))
    return shlex.join(cmd)


def check_notebook(folder: Path, notebook: str | None) -> str | None:
    """Why the notebook the link names cannot be opened, or None when it is there."""
    if notebook is None:
        return None
    path = folder / notebook
    if not path.resolve().is_relative_to(folder.resolve()):
        return f"{notebook} leaves the repository"
    if not path.exists():
        return f"{notebook} does not exist in {folder}"
    return None


def describe_origin(origin: dict[str, Any]) -> str:
    """One line: ``URL @ branch main, commit abc1234`` or ``zenodo record 123 (version 2)``."""
    if origin.get("kind") == "git":
        where = f"branch {origin['branch']}" if origin.get("branch") else f"ref {origin.get('ref')}"
        text = f"{origin.get('url')} @ {where}, commit {str(origin.get('commit'))[:12]}"
    else:
        text = f"{origin.get('provider')} record {origin.get('content_id')}"
        if origin.get("doi"):
            text += f" (doi:{origin['doi']})"
    if origin.get("modified"):
        text += ", with local changes"
    return text

"""DOIs and data records from a local server shaped like doi.org, Zenodo, Figshare, Dataverse and
HydroShare (answers as in their public API docs and repo2docker's content-provider tests)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sources_helpers import LocalServer, notebook, zip_bytes

from rees2conda.errors import UserError
from rees2conda.sources.fetch import fetch_source
from rees2conda.sources.recordfetch import PROVENANCE

REQ = b"numpy\n"
NB = notebook().encode()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cwd = tmp_path / "here"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    srv = LocalServer()
    base = srv.url
    monkeypatch.setenv("REES2CONDA_DOI_URL", base)
    monkeypatch.setenv("REES2CONDA_ZENODO_URL", f"{base}/zenodo")
    monkeypatch.setenv("REES2CONDA_FIGSHARE_URL", f"{base}/figshare")
    monkeypatch.setenv("REES2CONDA_FIGSHARE_API_URL", f"{base}/figshare-api/v2")
    monkeypatch.setenv("REES2CONDA_HYDROSHARE_URL", f"{base}/hs")
    yield srv
    srv.close()


def doi(srv: LocalServer, name: str, target: str) -> None:
    srv.routes[f"/api/handles/{name}"] = (
        200,
        {
            "responseCode": 1,
            "handle": name,
            "values": [
                {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {}}},
                {"index": 1, "type": "URL", "data": {"format": "string", "value": target}},
            ],
        },
    )


def zenodo(srv: LocalServer, record: int, files: dict[str, bytes], version: str = "1.0") -> None:
    base = f"{srv.url}/zenodo/api/records/{record}"
    srv.routes[f"/zenodo/api/records/{record}"] = (
        200,
        {"id": record, "metadata": {"version": version}, "links": {"files": f"{base}/files"}},
    )
    entries = []
    for key, data in files.items():
        entries.append(
            {
                "key": key,
                "size": len(data),
                "checksum": f"md5:{md5(data)}",
                "links": {"content": f"{base}/files/{key}/content"},
            }
        )
        srv.routes[f"/zenodo/api/records/{record}/files/{key}/content"] = (200, data)
    srv.routes[f"/zenodo/api/records/{record}/files"] = (200, {"enabled": True, "entries": entries})


def test_zenodo_doi_single_zip_unpacked_and_flattened(server: LocalServer, here: Path) -> None:
    doi(server, "10.5281/zenodo.1", f"{server.url}/zenodo/records/1")
    archive = zip_bytes({"repo-1.0/requirements.txt": REQ, "repo-1.0/index.ipynb": NB})
    zenodo(server, 1, {"repo-1.0.zip": archive})
    fetched = fetch_source("https://doi.org/10.5281/zenodo.1")
    assert fetched.path == here / "zenodo.1"
    assert (fetched.path / "requirements.txt").read_bytes() == REQ
    assert (fetched.path / "index.ipynb").is_file()
    assert not (fetched.path / "repo-1.0.zip").exists()
    origin = fetched.origin
    assert (origin["provider"], origin["record"], origin["version"]) == ("zenodo", "1", "1.0")
    assert origin["doi"] == "10.5281/zenodo.1"
    prov = json.loads((fetched.path / PROVENANCE).read_text())
    assert prov["content_id"] == "1.v1.0" and set(prov["files"]) == {
        "requirements.txt",
        "index.ipynb",
    }


def test_figshare_binder_link_skips_link_only_files(server: LocalServer, here: Path) -> None:
    doi(server, "10.6084/m9.figshare.977.v2", f"{server.url}/figshare/articles/dataset/x/977/2")
    files = []
    for i, (name, data) in enumerate({"requirements.txt": REQ, "index.ipynb": NB}.items()):
        server.routes[f"/dl/{i}"] = (200, data)
        files.append(
            {
                "name": name,
                "size": len(data),
                "computed_md5": md5(data),
                "download_url": f"{server.url}/dl/{i}",
                "is_link_only": False,
            }
        )
    files.append(
        {"name": "elsewhere", "download_url": "https://example.org/x", "is_link_only": True}
    )
    server.routes["/figshare-api/v2/articles/977/versions/2"] = (
        200,
        {"id": 977, "version": 2, "files": files},
    )
    link = "https://mybinder.org/v2/figshare/10.6084/m9.figshare.977.v2/?labpath=index.ipynb"
    fetched = fetch_source(link)
    assert fetched.notebook == "index.ipynb"
    assert sorted(p.name for p in fetched.path.iterdir()) == [
        PROVENANCE,
        "index.ipynb",
        "requirements.txt",
    ]
    assert fetched.origin["content_id"] == "977.v2"


def test_dataverse_doi_with_folders_and_original_files(server: LocalServer, here: Path) -> None:
    pid = "doi:10.7910/DVN/ABC"
    doi(server, "10.7910/DVN/ABC", f"{server.url}/dataset.xhtml?persistentId={pid}")
    csv = b"a,b\n1,2\n"
    server.routes[f"/api/datasets/:persistentId?persistentId={pid}"] = (
        200,
        {
            "status": "OK",
            "data": {
                "latestVersion": {
                    "versionNumber": 2,
                    "versionMinorNumber": 1,
                    "files": [
                        {
                            "label": "requirements.txt",
                            "directoryLabel": "binder",
                            "dataFile": {
                                "id": 11,
                                "filesize": len(REQ),
                                "checksum": {"type": "MD5", "value": md5(REQ)},
                            },
                        },
                        {
                            "label": "data.tab",
                            "dataFile": {
                                "id": 12,
                                "filesize": 999,
                                "originalFileName": "data.csv",
                                "originalFileSize": len(csv),
                                "md5": md5(csv),
                            },
                        },
                    ],
                }
            },
        },
    )
    server.routes["/api/access/datafile/11?format=original"] = (200, REQ)
    server.routes["/api/access/datafile/12?format=original"] = (200, csv)
    fetched = fetch_source(f"https://mybinder.org/v2/dataverse/{pid[4:]}/")
    assert fetched.path == here / "ABC"
    assert (fetched.path / "binder" / "requirements.txt").read_bytes() == REQ
    assert (fetched.path / "data.csv").read_bytes() == csv
    assert fetched.origin["version"] == "2.1" and fetched.origin["record"] == pid


def hydroshare(server: LocalServer, rid: str, manifest_md5: str | None = None) -> None:
    server.routes[f"/hs/hsapi/resource/{rid}/scimeta/elements"] = (
        200,
        {"dates": [{"type": "created", "start_date": "2020-01-01T00:00:00Z"},
                   {"type": "modified", "start_date": "2024-01-02T03:04:05.123456Z"}]},
    )  # fmt: skip
    bag = zip_bytes(
        {
            f"{rid}/bagit.txt": "BagIt-Version: 0.96\n",
            f"{rid}/manifest-md5.txt": f"{manifest_md5 or md5(REQ)}  data/contents/requirements.txt"
            "\n",
            f"{rid}/data/contents/requirements.txt": REQ,
            f"{rid}/data/resourcemetadata.xml": "<x/>",
        }
    )
    server.routes[f"/hs/django_s3/download/bags/{rid}.zip"] = (200, bag)


def test_hydroshare_bag_verified_and_contents_kept(server: LocalServer, here: Path) -> None:
    hydroshare(server, "abc123")
    fetched = fetch_source("https://mybinder.org/v2/hydroshare/abc123")
    assert fetched.path == here / "hydroshare-abc123"
    assert sorted(p.name for p in fetched.path.iterdir()) == [PROVENANCE, "requirements.txt"]
    assert fetched.origin["version"] == "1704164645"
    hydroshare(server, "bad456", manifest_md5="0" * 32)
    with pytest.raises(UserError, match="checksum mismatch"):
        fetch_source("https://mybinder.org/v2/hydroshare/bad456")
    assert not (here / "hydroshare-bad456").exists()


def test_checksum_and_size_mismatch_leave_nothing(server: LocalServer, here: Path) -> None:
    doi(server, "10.5281/zenodo.2", f"{server.url}/zenodo/records/2")
    zenodo(server, 2, {"requirements.txt": REQ, "b.txt": b"b"})
    server.routes["/zenodo/api/records/2/files/b.txt/content"] = (200, b"c")
    with pytest.raises(UserError, match="md5 checksum mismatch"):
        fetch_source("10.5281/zenodo.2")
    server.routes["/zenodo/api/records/2/files/b.txt/content"] = (200, b"longer")
    with pytest.raises(UserError, match="got 6 bytes, the record says 1"):
        fetch_source("10.5281/zenodo.2")
    assert list(here.iterdir()) == []


@pytest.mark.parametrize(
    ("members", "symlinks", "message"),
    [
        ({"../evil.txt": b"x"}, {}, "would land outside the folder"),
        ({"/abs.txt": b"x"}, {}, "would land outside the folder"),
        ({"ok.txt": b"x"}, {"link": "/etc/passwd"}, "is a symbolic link"),
        ({"a.txt": b"x", "A.TXT": b"y"}, {}, "appears twice"),
    ],
)
def test_unsafe_archives_are_refused(
    server: LocalServer,
    here: Path,
    tmp_path: Path,
    members: dict[str, bytes],
    symlinks: dict[str, str],
    message: str,
) -> None:
    doi(server, "10.5281/zenodo.3", f"{server.url}/zenodo/records/3")
    zenodo(server, 3, {"r.zip": zip_bytes(members, symlinks=symlinks)})
    with pytest.raises(UserError, match=message):
        fetch_source("10.5281/zenodo.3")
    assert list(here.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_size_limit(server: LocalServer, here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doi(server, "10.5281/zenodo.4", f"{server.url}/zenodo/records/4")
    zenodo(server, 4, {"r.zip": zip_bytes({"big.txt": b"0" * 5000})})
    monkeypatch.setenv("REES2CONDA_SOURCE_MAX_BYTES", "2000")
    with pytest.raises(UserError, match="over the limit"):
        fetch_source("10.5281/zenodo.4")
    assert list(here.iterdir()) == []


def test_not_found_and_network_errors_are_one_line(
    server: LocalServer, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match=r"^DOI 10.5281/zenodo.404 not found"):
        fetch_source("10.5281/zenodo.404")
    doi(server, "10.5281/zenodo.5", f"{server.url}/zenodo/records/5")
    with pytest.raises(UserError, match=r"^record not found: .*/zenodo/api/records/5: not found"):
        fetch_source("10.5281/zenodo.5")
    doi(server, "10.1/elsewhere", "https://example.org/paper")
    with pytest.raises(UserError, match="is not a Zenodo, Figshare, HydroShare or Dataverse"):
        fetch_source("10.1/elsewhere")
    monkeypatch.setenv("REES2CONDA_DOI_URL", "http://127.0.0.1:9")
    with pytest.raises(UserError, match=r"network failure: .*refused") as err:
        fetch_source("10.5281/zenodo.5")
    assert "\n" not in err.value.message


def test_new_version_replaces_a_clean_copy_never_a_changed_one(
    server: LocalServer, here: Path
) -> None:
    doi(server, "10.5281/zenodo.10", f"{server.url}/zenodo/records/11")
    zenodo(server, 11, {"requirements.txt": REQ, "index.ipynb": NB}, version="1")
    first = fetch_source("10.5281/zenodo.10")
    # the build retargets the notebook (ours), the user adds a result file (kept)
    nb = json.loads((first.path / "index.ipynb").read_text())
    nb["metadata"]["kernelspec"]["name"] = "zenodo-10"
    (first.path / "index.ipynb").write_text(json.dumps(nb))
    (first.path / "results.csv").write_text("mine")
    # same version again: nothing downloaded
    before = len(server.requests)
    assert fetch_source("10.5281/zenodo.10").origin["content_id"] == "11.v1"
    assert not any("content" in r for r in server.requests[before:])
    # a new version of the concept DOI: replaced, the user's file carried over
    doi(server, "10.5281/zenodo.10", f"{server.url}/zenodo/records/12")
    zenodo(server, 12, {"requirements.txt": b"numpy\nscipy\n", "index.ipynb": NB}, version="2")
    second = fetch_source("10.5281/zenodo.10")
    assert second.origin["content_id"] == "12.v2"
    assert (second.path / "requirements.txt").read_bytes() == b"numpy\nscipy\n"
    assert (second.path / "results.csv").read_text() == "mine"
    # a changed file of the record blocks the next version
    (second.path / "requirements.txt").write_text("numpy\nmine\n")
    doi(server, "10.5281/zenodo.10", f"{server.url}/zenodo/records/13")
    zenodo(server, 13, {"requirements.txt": REQ}, version="3")
    with pytest.raises(UserError, match=r"has local changes \(requirements.txt\)"):
        fetch_source("10.5281/zenodo.10")
    assert (second.path / "requirements.txt").read_text() == "numpy\nmine\n"


def test_folder_not_ours_is_left_alone(server: LocalServer, here: Path) -> None:
    (here / "zenodo.1").mkdir()
    (here / "zenodo.1" / "x").write_text("x")
    with pytest.raises(UserError, match="was not fetched by rees2conda"):
        fetch_source("10.5281/zenodo.1")


def test_a_doi_pointing_at_a_local_file_is_refused(server: LocalServer, here: Path) -> None:
    doi(server, "10.1/local", "file:///dataset.xhtml?persistentId=doi:10.1/X")
    with pytest.raises(UserError, match="is not a Zenodo"):
        fetch_source("10.1/local")


def test_same_record_by_another_spelling(server: LocalServer, here: Path) -> None:
    doi(server, "10.5281/zenodo.20", f"{server.url}/zenodo/records/20")
    zenodo(server, 20, {"requirements.txt": REQ})
    first = fetch_source("10.5281/zenodo.20")
    again = fetch_source("https://mybinder.org/v2/zenodo/10.5281/zenodo.20/", dest=first.path)
    assert again.origin["content_id"] == first.origin["content_id"]
    doi(server, "10.5281/zenodo.21", f"{server.url}/zenodo/records/21")
    zenodo(server, 21, {"requirements.txt": REQ})
    with pytest.raises(UserError, match=r"holds 10\.5281/zenodo\.20, not 10\.5281/zenodo\.21"):
        fetch_source("10.5281/zenodo.21", dest=first.path)


def test_zenodo_record_listing_files_inline(server: LocalServer, here: Path) -> None:
    """Older Zenodo answers list the files in the record itself (``links.self`` to download)."""
    base = f"{server.url}/zenodo/api/records/30"
    server.routes["/zenodo/api/records/30"] = (
        200,
        {
            "id": 30,
            "metadata": {},
            "links": {},
            "files": [
                {
                    "key": "requirements.txt",
                    "size": len(REQ),
                    "checksum": f"md5:{md5(REQ)}",
                    "links": {"self": f"{base}/files/requirements.txt"},
                }
            ],
        },
    )
    server.routes["/zenodo/api/records/30/files/requirements.txt"] = (200, REQ)
    fetched = fetch_source(f"{server.url}/zenodo/records/30")
    assert fetched.path == here / "zenodo-30"
    assert (fetched.path / "requirements.txt").read_bytes() == REQ
    assert fetched.origin["content_id"] == "30"


def test_hydroshare_bag_not_ready(
    server: LocalServer, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hydroshare(server, "slow1")
    server.routes["/hs/django_s3/download/bags/slow1.zip"] = (200, b"<html>preparing</html>")
    monkeypatch.setenv("REES2CONDA_HYDROSHARE_WAIT", "0")
    with pytest.raises(UserError, match="the bag is not ready after 0 s"):
        fetch_source("https://mybinder.org/v2/hydroshare/slow1")
    assert list(here.iterdir()) == []


def test_unchanged_files_are_not_hashed_again(
    server: LocalServer, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rees2conda.sources import recordfetch

    doi(server, "10.5281/zenodo.40", f"{server.url}/zenodo/records/40")
    zenodo(server, 40, {"requirements.txt": REQ, "data.bin": b"\0" * 1000})
    first = fetch_source("10.5281/zenodo.40")
    hashed: list[str] = []
    real = recordfetch._file_digest
    monkeypatch.setattr(
        recordfetch, "_file_digest", lambda p, a="sha256": hashed.append(p.name) or real(p, a)
    )
    assert fetch_source("10.5281/zenodo.40").origin["modified"] is False
    assert hashed == []
    (first.path / "data.bin").write_bytes(b"\1" * 1000)  # same size, new content and mtime
    assert fetch_source("10.5281/zenodo.40").origin["modified"] is True
    assert hashed == ["data.bin"]

# ruff: noqa: E501
"""Every SOURCE shape parsed without network: Binder links on any BinderHub, short forms, DOIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rees2conda.errors import UsageError
from rees2conda.sources.fetch import default_folder
from rees2conda.sources.spec import parse
from rees2conda.sources.urls import redact, strip_credentials

GH = "https://github.com"


@pytest.mark.parametrize(
    ("link", "kind", "url", "ref", "notebook"),
    [
        ("https://mybinder.org/v2/gh/o/r/HEAD", "git", f"{GH}/o/r", None, None),
        ("https://mybinder.org/v2/gh/o/r/main?labpath=a.ipynb", "git", f"{GH}/o/r", "main", "a.ipynb"),
        ("https://mybinder.org/v2/gh/o/r.git/v1.0?filepath=sub/b.ipynb", "git", f"{GH}/o/r", "v1.0", "sub/b.ipynb"),
        ("https://mybinder.org/v2/gh/o/r/feature/x?urlpath=lab/tree/n%20b.ipynb", "git", f"{GH}/o/r", "feature/x", "n b.ipynb"),
        ("https://mybinder.org/v2/gh/o/r/HEAD?urlpath=tree/c.ipynb", "git", f"{GH}/o/r", None, "c.ipynb"),
        ("https://mybinder.org/v2/gh/o/r/HEAD?urlpath=notebooks/d.ipynb", "git", f"{GH}/o/r", None, "d.ipynb"),
        ("https://mybinder.org/v2/gh/o/r/HEAD?urlpath=voila/render/e.ipynb", "git", f"{GH}/o/r", None, "e.ipynb"),
        ("https://mybinder.org/v2/gh/o/r/HEAD?urlpath=rstudio", "git", f"{GH}/o/r", None, None),
        ("https://mybinder.org/v2/gh/o/r/0123abcd/", "git", f"{GH}/o/r", "0123abcd", None),
        ("https://notebooks.gesis.org/binder/v2/gh/o/r/HEAD", "git", f"{GH}/o/r", None, None),
        ("https://mybinder.org/v2/gl/grp%2Fsub%2Fr/main", "git", "https://gitlab.com/grp/sub/r", "main", None),
        ("https://mybinder.org/v2/git/https%3A%2F%2Fcodeberg.org%2Fo%2Fr.git/HEAD", "git", "https://codeberg.org/o/r.git", None, None),
        ("https://mybinder.org/v2/git/git%40host%3Ao%2Fr.git/dev", "git", "git@host:o/r.git", "dev", None),
        ("https://mybinder.org/v2/gist/u/abc123/HEAD", "git", "https://gist.github.com/abc123", None, None),
        ("https://mybinder.org/v2/zenodo/10.5281/zenodo.3242074/", "record", "10.5281/zenodo.3242074", None, None),
        ("https://mybinder.org/v2/figshare/10.6084/m9.figshare.9782777.v1/", "record", "10.6084/m9.figshare.9782777.v1", None, None),
        ("https://mybinder.org/v2/hydroshare/b8f6eae9d89241cf8b5904033460af61", "record", "https://www.hydroshare.org/resource/b8f6eae9d89241cf8b5904033460af61", None, None),
        ("https://mybinder.org/v2/dataverse/10.7910/DVN/TJCLKP/?labpath=x.ipynb", "record", "10.7910/DVN/TJCLKP", None, "x.ipynb"),
    ],
)  # fmt: skip
def test_binder_links(
    link: str, kind: str, url: str, ref: str | None, notebook: str | None
) -> None:
    spec = parse(link)
    assert (spec.kind, spec.url, spec.ref, spec.notebook) == (kind, url, ref, notebook)


@pytest.mark.parametrize(
    ("source", "kind", "url", "ref", "folder"),
    [
        ("gh:o/r", "git", f"{GH}/o/r", None, "r"),
        ("gh:o/r@dev", "git", f"{GH}/o/r", "dev", "r"),
        ("gl:grp/sub/r@v2", "git", "https://gitlab.com/grp/sub/r", "v2", "r"),
        ("https://example.org/o/r.git", "git", "https://example.org/o/r.git", None, "r"),
        ("git@github.com:o/r.git", "git", "git@github.com:o/r.git", None, "r"),
        ("ssh://git@host:22/o/r", "git", "ssh://git@host:22/o/r", None, "r"),
        ("file:///srv/git/r.git", "git", "file:///srv/git/r.git", None, "r"),
        ("10.5281/zenodo.3242074", "record", "10.5281/zenodo.3242074", None, "zenodo.3242074"),
        ("doi:10.7910/DVN/TJCLKP", "record", "doi:10.7910/DVN/TJCLKP", None, "TJCLKP"),
        ("https://doi.org/10.6084/m9.figshare.1", "record", "https://doi.org/10.6084/m9.figshare.1", None, "m9.figshare.1"),
        ("https://zenodo.org/records/123", "record", "https://zenodo.org/records/123", None, "zenodo-123"),
        ("https://figshare.com/articles/dataset/x/977/2", "record", "https://figshare.com/articles/dataset/x/977/2", None, "figshare-977"),
        ("https://www.hydroshare.org/resource/abc123/", "record", "https://www.hydroshare.org/resource/abc123/", None, "hydroshare-abc123"),
        ("https://dv.example.edu/dataset.xhtml?persistentId=doi:10.1/X/Y", "record", "https://dv.example.edu/dataset.xhtml?persistentId=doi:10.1/X/Y", None, "dataverse-Y"),
    ],
)  # fmt: skip
def test_other_shapes(source: str, kind: str, url: str, ref: str | None, folder: str) -> None:
    spec = parse(source)
    assert (spec.kind, spec.url, spec.ref) == (kind, url, ref)
    assert default_folder(spec) == folder


def test_ref_option_and_link_ref() -> None:
    assert parse("https://example.org/o/r.git", "v1").ref == "v1"
    assert parse("https://mybinder.org/v2/gh/o/r/HEAD", "dev").ref == "dev"
    assert parse("https://example.org/o/r.git", "HEAD").ref is None
    with pytest.raises(UsageError, match="is not a branch, tag or commit"):
        parse("https://example.org/o/r.git", "--upload-pack=touch")
    with pytest.raises(UsageError, match="names ref 'main' and --ref says 'dev'"):
        parse("https://mybinder.org/v2/gh/o/r/main", "dev")
    with pytest.raises(UsageError, match="--ref applies to git sources"):
        parse("10.5281/zenodo.1", "v1")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://example.org/r", "the ftp:// scheme is not supported"),
        ("git://example.org/r", "the git:// scheme is not supported"),
        ("ext::sh -c touch% /tmp/x", "not a link"),
        ("https://mybinder.org/v2/svn/o/r/HEAD", "Binder provider 'svn' is not supported"),
        ("https://binder.example.org/v2/ckan/x/y", "Binder provider 'ckan' is not supported"),
        ("https://mybinder.org/v2/git/ext%3A%3Ash/HEAD", "is not https, http, ssh or file"),
        ("https://mybinder.org/v2/gh/o/r/HEAD?labpath=../../etc/passwd", "leaves the repository"),
        ("gh:onlyone", "expected gh:OWNER/REPO"),
        ("gh:o/r@--upload-pack=x", "is not a branch, tag or commit"),
        ("https://mybinder.org/v2/gh/o/r/--upload-pack=x", "is not a branch, tag or commit"),
    ],
)
def test_refused_shapes_say_what_works(source: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(source)
    assert message in err.value.message
    assert "\n" not in err.value.message


def test_credentials_are_redacted() -> None:
    url = "https://alice:tok@example.org/o/r.git"
    assert redact(f"cannot clone {url}") == "cannot clone https://***@example.org/o/r.git"
    assert redact("https://TOKEN@example.org/r") == "https://***@example.org/r"
    assert redact("ssh://git@host/r") == "ssh://git@host/r"
    assert strip_credentials(url) == "https://example.org/o/r.git"
    assert parse(url).given == "https://***@example.org/o/r.git"


def test_other_urls_with_v2_are_git_urls() -> None:
    spec = parse("https://git.example.org/team/v2/tools/repo.git")
    assert (spec.kind, spec.url) == ("git", "https://git.example.org/team/v2/tools/repo.git")


def test_hosts_are_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REES2CONDA_GITHUB_URL", "http://127.0.0.1:1/git/")
    monkeypatch.setenv("REES2CONDA_ZENODO_URL", "http://127.0.0.1:2")
    assert parse("gh:o/r").url == "http://127.0.0.1:1/git/o/r"
    assert parse("http://127.0.0.1:2/records/5").kind == "record"


@pytest.mark.parametrize(
    ("source", "remote"),
    [
        (".", False),
        ("some/missing/folder", False),
        ("C-drive:thing", False),
        ("gh:o/r", True),
        ("gl:g/r", True),
        ("10.5281/zenodo.1", True),
        ("doi:10.1/x", True),
        ("https://example.org/r", True),
        ("git@github.com:o/r.git", True),
        ("dir/with@at:colon", False),
    ],
)
def test_looks_remote(source: str, remote: bool) -> None:
    from rees2conda.sources.detect import looks_remote

    assert looks_remote(source) is remote


def test_opening_lines_name_notebook_kernel_and_command(tmp_path: Path) -> None:
    from rees2conda.commands.build import opening_lines
    from rees2conda.sources.fetch import Fetched

    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "a b.ipynb").write_text("{}")
    origin = {"kind": "git", "url": "https://h/o/r", "branch": "main", "commit": "0" * 40}
    lines = opening_lines(Fetched(tmp_path, origin, "nb/a b.ipynb"), "r", "Python 3.11 (r)")
    assert lines == [
        f"source: https://h/o/r @ branch main, commit {'0' * 12} -> {tmp_path}",
        "notebook: nb/a b.ipynb (opens in kernel r (Python 3.11 (r)))",
        f"start Jupyter: jupyter lab --notebook-dir={tmp_path} '{tmp_path}/nb/a b.ipynb'",
    ]
    missing = opening_lines(Fetched(tmp_path, origin, "gone.ipynb"), "r", "R")
    assert missing[1] == f"warning: the link's notebook gone.ipynb does not exist in {tmp_path}"
    assert missing[2] == f"start Jupyter: jupyter lab --notebook-dir={tmp_path}"

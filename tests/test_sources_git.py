"""Git sources against local bare repositories, over file:// and over smart HTTP (no internet)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sources_helpers import GitRemote, LocalServer, notebook, run_git

from rees2conda.errors import UserError
from rees2conda.sources.fetch import fetch_source

FILES = {"requirements.txt": "numpy\n", "runtime.txt": "python-3.11\n", "nb/a.ipynb": notebook()}


@pytest.fixture
def remote(tmp_path: Path) -> GitRemote:
    return GitRemote(tmp_path, "demo", FILES)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cwd = tmp_path / "here"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    srv = LocalServer(git_root=tmp_path)
    yield srv
    srv.close()


def head(path: Path) -> str:
    return run_git(["rev-parse", "HEAD"], path)


def test_file_url_clones_where_git_clone_would(remote: GitRemote, here: Path) -> None:
    fetched = fetch_source(remote.url)
    assert fetched.path == here / "demo"
    assert (here / "demo" / "requirements.txt").read_text() == "numpy\n"
    assert fetched.origin["commit"] == head(remote.work)
    assert fetched.origin["branch"] == "main"
    assert fetched.origin["modified"] is False
    assert run_git(["rev-parse", "--abbrev-ref", "HEAD"], fetched.path) == "main"
    # nothing but the checkout is left beside it
    assert sorted(p.name for p in here.iterdir()) == ["demo"]


def test_smart_http_binder_link_with_branch_and_labpath(
    remote: GitRemote, here: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote.commit({"dev.txt": "x\n"}, "on dev", branch="dev")
    monkeypatch.setenv("REES2CONDA_GITHUB_URL", f"{server.url}/git")
    link = "https://mybinder.org/v2/gh/remotes/demo/dev?labpath=nb%2Fa.ipynb"
    fetched = fetch_source(link)
    assert fetched.notebook == "nb/a.ipynb"
    assert (fetched.path / "dev.txt").is_file()
    assert fetched.origin["commit"] == head(remote.work)
    assert fetched.origin["source"] == link
    assert any("git-upload-pack" in r for r in server.requests)
    # and the /v2/git/ form of the same repository
    url = quote(f"{server.url}/git/remotes/demo", safe="")
    fetched2 = fetch_source(f"https://hub.example.org/v2/git/{url}/main", dest="other")
    assert fetched2.path == here / "other"
    assert not (fetched2.path / "dev.txt").exists()


def test_refs_tag_commit_and_not_found(remote: GitRemote, here: Path) -> None:
    first = head(remote.work)
    remote.tag("v1")
    second = remote.commit({"later.txt": "y\n"}, "second")
    fetched = fetch_source(remote.url, ref="v1", dest="at-tag")
    assert fetched.origin["commit"] == first and fetched.origin["branch"] is None
    fetched = fetch_source(remote.url, ref=first[:10], dest="at-commit")
    assert head(fetched.path) == first
    fetched = fetch_source(remote.url, ref=second, dest="at-full-commit")
    assert head(fetched.path) == second
    with pytest.raises(UserError) as err:
        fetch_source(remote.url, ref="nope", dest="bad")
    assert "ref 'nope' not found" in err.value.message
    assert "main" in err.value.hint and "v1" in err.value.hint
    assert not (here / "bad").exists()  # nothing half-made left behind


def test_rerun_updates_clean_checkout_and_restores_retargeted_notebooks(
    remote: GitRemote, here: Path
) -> None:
    fetched = fetch_source(remote.url)
    # what build's retarget does: only metadata.kernelspec changes (layout too)
    nb_path = fetched.path / "nb" / "a.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["metadata"]["kernelspec"] = {"name": "demo", "display_name": "D", "language": "python"}
    nb_path.write_text(json.dumps(nb, sort_keys=True, indent=2))
    new = remote.commit({"requirements.txt": "numpy\nrequests\n"}, "more")
    again = fetch_source(remote.url)
    assert again.origin["commit"] == new == head(again.path)
    assert "requests" in (again.path / "requirements.txt").read_text()
    # same commit again: nothing to do, still reported
    assert fetch_source(remote.url).origin["commit"] == new


def test_local_changes_are_never_overwritten(remote: GitRemote, here: Path) -> None:
    fetched = fetch_source(remote.url)
    (fetched.path / "requirements.txt").write_text("numpy\nmine\n")
    # no update needed: the checkout is used as it is, and said to be modified
    assert fetch_source(remote.url).origin["modified"] is True
    remote.commit({"requirements.txt": "numpy\ntheirs\n"}, "upstream")
    with pytest.raises(UserError) as err:
        fetch_source(remote.url)
    assert "has local changes (requirements.txt)" in err.value.message
    assert (fetched.path / "requirements.txt").read_text() == "numpy\nmine\n"


def test_local_commits_are_never_dropped(remote: GitRemote, here: Path) -> None:
    fetched = fetch_source(remote.url)
    (fetched.path / "mine.txt").write_text("m\n")
    run_git(["add", "mine.txt"], fetched.path)
    run_git(["commit", "-q", "-m", "mine"], fetched.path)
    remote.commit({"x.txt": "x\n"}, "upstream")
    with pytest.raises(UserError) as err:
        fetch_source(remote.url)
    assert "local commit" in err.value.message


def test_other_folder_in_the_way(remote: GitRemote, here: Path, tmp_path: Path) -> None:
    (here / "demo").mkdir()
    (here / "demo" / "keep.txt").write_text("k")
    with pytest.raises(UserError, match="is not a git checkout"):
        fetch_source(remote.url)
    other = GitRemote(tmp_path, "other", {"a": "b"})
    fetch_source(other.url, dest="o")
    with pytest.raises(UserError, match="is a checkout of"):
        fetch_source(remote.url, dest="o")


def test_credentials_used_never_stored_or_shown(
    remote: GitRemote, here: Path, server: LocalServer
) -> None:
    url = f"http://alice:s3cret@{server.url.split('://')[1]}/git/remotes/demo"
    fetched = fetch_source(url)
    config = (fetched.path / ".git" / "config").read_text()
    assert "s3cret" not in config and "alice" not in config
    assert "s3cret" not in json.dumps(fetched.origin)
    remote.commit({"x.txt": "x"}, "update")
    fetch_source(url)  # an update fetches with the full URL again
    leaked = [
        p for p in (fetched.path / ".git").rglob("*") if p.is_file() and b"s3cret" in p.read_bytes()
    ]
    assert leaked == []
    with pytest.raises(UserError) as err:
        fetch_source(url, ref="missing")
    assert "s3cret" not in err.value.message + err.value.hint
    bad = url.replace("/git/remotes/demo", "/git/remotes/absent")
    with pytest.raises(UserError) as err:
        fetch_source(bad, dest="absent")
    assert "cannot clone" in err.value.message and "s3cret" not in err.value.message


def test_network_failure_is_one_line(here: Path) -> None:
    with pytest.raises(UserError) as err:
        fetch_source("http://127.0.0.1:9/nothing/here.git")
    assert err.value.message.startswith("cannot clone http://127.0.0.1:9/nothing/here.git: ")
    assert "\n" not in err.value.message


def test_offline_uses_the_checkout_as_is(remote: GitRemote, here: Path) -> None:
    first = fetch_source(remote.url).origin["commit"]
    remote.commit({"x.txt": "x"}, "later")
    assert fetch_source(remote.url, offline=True).origin["commit"] == first
    with pytest.raises(UserError, match="--offline"):
        fetch_source(remote.url, dest="fresh", offline=True)


def test_hooks_and_submodules_do_not_run(remote: GitRemote, here: Path, tmp_path: Path) -> None:
    """A hook in a user's template and a submodule with a file:// URL: neither is run/fetched."""
    marker = tmp_path / "hook-ran"
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    hook = template / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    sub = GitRemote(tmp_path, "sub", {"s.txt": "s"})
    run_git(
        ["-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.url, "s"], remote.work
    )
    run_git(["commit", "-q", "-m", "sub"], remote.work)
    run_git(["push", "-q", "origin", "main"], remote.work)
    env_template = {"GIT_TEMPLATE_DIR": str(template)}
    import os

    old = {k: os.environ.get(k) for k in env_template}
    os.environ.update(env_template)
    try:
        fetched = fetch_source(remote.url)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert not marker.exists()
    assert not (fetched.path / "s" / "s.txt").exists()


def test_check_cli_reads_a_temporary_clone(remote: GitRemote, here: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "check", "--format", "json", remote.url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["path"] == remote.url
    assert report["spec"]["python"] == "3.11"
    assert list(here.iterdir()) == []  # check leaves nothing behind without --dest
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "check", remote.url, "--dest", "kept"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (here / "kept" / "requirements.txt").is_file()
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "check", remote.url, "--ref", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-2].startswith("error: ref 'nope' not found in file://")


def test_two_runs_at_once_one_clones_the_other_reuses(remote: GitRemote, here: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: fetch_source(remote.url), range(2)))
    assert {r.origin["commit"] for r in results} == {head(remote.work)}
    assert sorted(p.name for p in here.iterdir()) == ["demo"]


@pytest.mark.parametrize(
    ("source", "code", "start"),
    [
        (
            "https://mybinder.org/v2/svn/o/r/HEAD",
            2,
            "error: https://mybinder.org/v2/svn/o/r/HEAD: ",
        ),
        ("file:///nonexistent/r.git", 1, "error: cannot clone file:///nonexistent/r.git: "),
        (
            "https://u:tok@127.0.0.1:9/r.git",
            1,
            "error: cannot clone https://***@127.0.0.1:9/r.git: ",
        ),
    ],
)
def test_build_errors_are_one_line(here: Path, source: str, code: int, start: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "build", "-q", source],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == code
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(start), proc.stderr
    assert len(lines) <= 2 and "Traceback" not in proc.stderr and "tok" not in proc.stderr
    assert list(here.iterdir()) == []

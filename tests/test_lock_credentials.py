"""Credentials never reach a lock file.

A private mirror behind a conda channel token and a private wheel behind basic auth, both on a
local HTTP server that refuses unauthenticated requests: ``lock`` must authenticate, and the
written ``conda-lock.yml`` must hold no token, no password and no expanded ``${VAR}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from auth_server import AuthServer, auth_server, make_wheel
from lock_helpers import CHANNELS, pip_line

from rees2conda.cli import run as run_cli
from rees2conda.resolve.credentials import (
    index_auth_lines,
    redact_url,
    referenced_values,
    token_mirrors,
)

TOKEN = "tk-3f9a1c77e0b2d4"
PIP_SECRET = "pw-81c0ffee5eed42"
LITERAL = "literal-pass-7e7e"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AuthServer]:
    with auth_server(CHANNELS, tmp_path / "wheels") as srv:
        srv.tokens.add(TOKEN)
        srv.logins.update({f"ci:{PIP_SECRET}", f"ci:{LITERAL}"})
        yield srv


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))  # rattler's repodata cache
    for var in ("CONDARC", "CONDA_PREFIX", "CONDA_CHANNEL_ALIAS", "CONDA_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    return home


def use_token(home: Path, server: AuthServer, token: str) -> None:
    (home / ".condarc").write_text(f"channel_alias: {server.url}/t/{token}\n")


def make_repo(root: Path, pip_lines: list[str] = ()) -> Path:
    root.mkdir()
    lines = ["channels:", "  - defaults-2018", "dependencies:", "  - python=3.6"]
    if pip_lines:
        lines += ["  - pip", "  - pip:", *[f"    - {line}" for line in pip_lines]]
    (root / "environment.yml").write_text("\n".join(lines) + "\n")
    return root


def lock(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["lock", "-p", "linux-64", "--no-kernel", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_channel_token_is_used_but_never_written(
    tmp_path: Path, home: Path, server: AuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    use_token(home, server, TOKEN)
    repo = make_repo(tmp_path / "repo")
    code, out, err = lock(capsys, str(repo), "--json")
    assert code == 0, err
    assert TOKEN not in out  # the JSON summary's channel list too
    text = (repo / "conda-lock.yml").read_text()
    assert TOKEN not in text and "/t/" not in text
    assert f"url: {server.url}/defaults-2018/linux-64/python-3.6" in text
    assert "url: defaults-2018\n" in text  # the lock's channels are names
    served = [path for path, ok in server.requests if ok]
    assert served and all(p.startswith(f"/t/{TOKEN}/") for p, _ in server.requests)

    # a new token (rotation): same content hash, the lock is fresh and stays byte-identical
    server.tokens = {"tk-rotated-000111"}
    use_token(home, server, "tk-rotated-000111")
    code, _, err = lock(capsys, str(repo), "--check")
    assert code == 0 and "up to date" in err
    code, out, _ = lock(capsys, str(repo))
    assert code == 0 and "reused" in out and (repo / "conda-lock.yml").read_text() == text


def test_basic_auth_channel_credentials_are_used_but_never_written(
    tmp_path: Path, home: Path, server: AuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    host = server.url.split("://")[1]
    (home / ".condarc").write_text(f"channel_alias: http://ci:{LITERAL}@{host}\n")
    repo = make_repo(tmp_path / "repo")
    code, out, err = lock(capsys, str(repo), "--json")
    assert code == 0, err
    text = (repo / "conda-lock.yml").read_text()
    assert LITERAL not in text + out and "ci:" not in text
    assert f"url: {server.url}/defaults-2018/linux-64/python-3.6" in text
    assert server.requests and all(ok for _, ok in server.requests)


def test_refused_token_is_not_printed(
    tmp_path: Path, home: Path, server: AuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    use_token(home, server, "tk-expired-4242")  # the server refuses it (403)
    repo = make_repo(tmp_path / "repo")
    code, out, err = lock(capsys, str(repo))
    assert code == 1 and "defaults-2018" in err
    assert "tk-expired-4242" not in out + err and "Traceback" not in err
    assert not (repo / "conda-lock.yml").exists()


def test_pip_credentials_never_written(
    tmp_path: Path,
    home: Path,
    server: AuthServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_token(home, server, TOKEN)
    wheel, sha = make_wheel(tmp_path / "wheels", "privpkg")
    other, _ = make_wheel(tmp_path / "wheels", "otherpkg")
    monkeypatch.setenv("PIP_SECRET", PIP_SECRET)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    host = server.url.split("://")[1]
    repo = make_repo(
        tmp_path / "repo",
        [
            # pip's documented way: a reference, expanded by uv from the environment
            f"privpkg @ http://ci:${{PIP_SECRET}}@{host}/wheels/{wheel}",
            # a literal password in the repository: used to lock, never copied into the lock
            f"otherpkg @ http://ci:{LITERAL}@{host}/wheels/{other}",
        ],
    )
    code, _, err = lock(capsys, str(repo))
    assert code == 0, err
    text = (repo / "conda-lock.yml").read_text()
    assert PIP_SECRET not in text and LITERAL not in text and TOKEN not in text
    assert f"url: 'http://ci:${{PIP_SECRET}}@{host}/wheels/{wheel}'" in text
    assert f"url: http://{host}/wheels/{other}" in text
    assert sha in text
    from rees2conda.resolve.api import read_locked_packages

    urls = {p.name: p.url for p in read_locked_packages(repo / "conda-lock.yml", "linux-64").pip}
    # read back as written (rattler percent-encodes the braces; build gives uv ${PIP_SECRET})
    assert urls["privpkg"] == f"http://ci:${{PIP_SECRET}}@{host}/wheels/{wheel}"
    # the secret's value does not decide the lock: a new password, same content hash
    monkeypatch.setenv("PIP_SECRET", "another-password-99")
    code, _, err = lock(capsys, str(repo), "--check")
    assert code == 0, err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ci:literal-pw@h/x.whl", "https://h/x.whl"),
        ("https://ghp_abcdef0123456789@github.com/o/r", "https://github.com/o/r"),
        (
            "git+https://s3cr3t-value@github.com/o/r@c0ffee",
            "git+https://${T}@github.com/o/r@c0ffee",
        ),
        ("git+ssh://git@github.com/o/r@c0ffee", "git+ssh://git@github.com/o/r@c0ffee"),
        ("https://u:$TOKEN@h/x.whl", "https://u:$TOKEN@h/x.whl"),  # pip does not expand $TOKEN
        ("https://h/s3cr3t-value/simple/x.whl", "https://h/${T}/simple/x.whl"),
        (
            "https://conda.example.org/t/ab-12_CD/conda-forge/noarch/x.conda",
            "https://conda.example.org/conda-forge/noarch/x.conda",
        ),
        ("file:///srv/conda/conda-forge", "file:///srv/conda/conda-forge"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url, {"T": "s3cr3t-value"}) == expected


def test_referenced_values_and_token_mirrors_from_config() -> None:
    from rees2conda.condarc import CondaConfig

    lines = ["x @ https://${A}@h/x.whl", "$B ${EMPTY} ${lower}"]
    assert referenced_values(lines, {"A": "1", "B": "2", "EMPTY": ""}) == {"A": "1"}
    config = CondaConfig(
        channel_alias="https://mirror.example.org/t/TOK1",
        custom_channels={"priv": "https://priv.example.org/t/TOK2/"},
        default_channels=["https://repo.example.org/pkgs/main"],
    )
    assert token_mirrors(config) == {
        "https://mirror.example.org/": ["https://mirror.example.org/t/TOK1/"],
        "https://priv.example.org/": ["https://priv.example.org/t/TOK2/"],
    }
    assert token_mirrors(CondaConfig()) == {}


def test_index_auth_lines_only_for_referenced_credentials() -> None:
    lines = [
        pip_line("--index-url https://ci:${PW}@pkgs.example.org/simple", kind="option"),
        pip_line("--extra-index-url=https://${TOKEN}@other.example.org/simple", kind="option"),
        pip_line("-i https://user:literal@third.example.org/simple", kind="option"),  # no ${…}
        pip_line("--index-url https://pypi.org/simple", kind="option"),
        pip_line("--pre --index-url https://ci:${PW}@fourth.example.org/simple", kind="option"),
        pip_line("numpy"),
    ]
    assert index_auth_lines(lines) == [
        "--extra-index-url https://ci:${PW}@pkgs.example.org/simple",
        "--extra-index-url https://${TOKEN}@other.example.org/simple",
    ]

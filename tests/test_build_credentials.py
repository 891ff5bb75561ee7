"""``build`` from a lock without credentials: the token and password come back at install time.

The local conda-forge channel is served by a local HTTP server that refuses every request
without the channel token; a private wheel needs basic auth whose password the repository
references as ``${PRIVATE_PW}``. The lock holds neither; the build must still authenticate.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from auth_server import auth_server, make_wheel
from build_helpers import build_json, run_cli

pytestmark = pytest.mark.slow

TOKEN = "tk-9b8a7c6d5e4f3a2b"
PASSWORD = "pw-0d15ea5e-c0de"


def test_build_authenticates_from_configuration_and_environment(
    tmp_path: Path, local_channel: Path, channel_env: dict[str, str]
) -> None:
    with auth_server(local_channel.parent, tmp_path / "wheels") as server:
        server.tokens.add(TOKEN)
        server.logins.add(f"ci:{PASSWORD}")
        wheel, _ = make_wheel(tmp_path / "wheels", "privpkg")
        indexed, _ = make_wheel(tmp_path / "wheels", "idxpkg")
        host = server.url.split("://")[1]
        repo = tmp_path / "private-repo"
        repo.mkdir()
        (repo / "environment.yml").write_text(
            "channels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
            # a private index (the files it lists are locked without its credentials) ...
            f"    - --index-url http://ci:${{PRIVATE_PW}}@{host}/simple\n"
            "    - idxpkg\n"
            # ... and a direct URL
            f"    - privpkg @ http://ci:${{PRIVATE_PW}}@{host}/wheels/{wheel}\n"
        )
        Path(channel_env["CONDARC"]).write_text(f"channel_alias: {server.url}/t/{TOKEN}\n")
        env = {
            **channel_env,
            "PRIVATE_PW": PASSWORD,
            # empty caches: every package and the wheel really travel over HTTP
            "CONDA_PKGS_DIRS": str(tmp_path / "pkgs"),
            "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        }
        run_cli(["lock", str(repo), "--no-kernel"], env)
        text = (repo / "conda-lock.yml").read_text()
        assert TOKEN not in text and PASSWORD not in text and "${PRIVATE_PW}" in text
        server.requests.clear()

        result = build_json(repo, env, "--no-kernel")
        assert result["lock_source"] == "repository" and result["pip_packages"] == 2
        downloads = [p for p, _ in server.requests if p.endswith((".conda", ".whl"))]
        assert any(p.endswith("python-3.11.7-h_rees2conda_0_cpython.conda") for p in downloads)
        assert any(p.endswith(wheel) for p in downloads)
        assert any(p.endswith(indexed) for p in downloads)
        assert all(ok for _, ok in server.requests), server.requests  # never unauthenticated
        python = Path(result["prefix"]) / "bin" / "python"
        out = subprocess.run(
            [str(python), "-c", "import idxpkg, privpkg; print(privpkg.VALUE + idxpkg.VALUE)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.strip() == "84"
        # the env's records hold no secret either (`conda list --explicit` shares them)
        meta = "".join(p.read_text() for p in (Path(result["prefix"]) / "conda-meta").iterdir())
        assert PASSWORD not in meta and TOKEN not in meta


def test_install_client_authenticates_token_and_basic_auth_channels(
    tmp_path: Path, local_channel: Path
) -> None:
    """The client ``build`` installs with: a configured token or login reaches the server,
    while the package URL it is given (the record's, written into conda-meta) has neither."""
    import asyncio

    from rattler.networking import Client
    from rattler.package_streaming import download_and_extract

    from rees2conda.condarc import CondaConfig
    from rees2conda.resolve.credentials import install_client

    package = next((local_channel / "noarch").glob("*.conda"))
    with auth_server(local_channel.parent, tmp_path / "wheels") as server:
        server.tokens.add(TOKEN)
        server.logins.add(f"ci:{PASSWORD}")
        host = server.url.split("://")[1]
        url = f"{server.url}/conda-forge/noarch/{package.name}"

        def fetch(client: Client, dest: str) -> str:
            sha, _ = asyncio.run(download_and_extract(client, url, tmp_path / dest, None))
            return bytes(sha).hex()

        with pytest.raises(Exception, match="403"):
            fetch(Client.authenticated_client(), "plain")
        for n, alias in enumerate([f"{server.url}/t/{TOKEN}", f"http://ci:{PASSWORD}@{host}"]):
            client = install_client(CondaConfig(channel_alias=alias))
            assert client is not None
            assert fetch(client, f"auth-{n}") == hashlib.sha256(package.read_bytes()).hexdigest()
        assert install_client(CondaConfig(channel_alias=server.url)) is None

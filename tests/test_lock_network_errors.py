"""An unreachable channel is one line: the channel, the setting that chose its URL, the root
cause (refused, DNS, TLS, 404, 401), and advice that exists. Served from 127.0.0.1 only."""

from __future__ import annotations

import http.server
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lock_helpers import make_report, options

from rees2conda.condarc import CondaConfig
from rees2conda.errors import UserError
from rees2conda.resolve.api import lock_report
from rees2conda.resolve.neterrors import redact, root_cause


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401 if "/t/" not in self.path and "/private/" in self.path else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(tls_dir: Path | None = None) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    scheme = "http"
    if tls_dir is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_dir / "cert.pem", tls_dir / "key.pem")
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_url() -> Iterator[str]:
    yield from _serve()


@pytest.fixture
def https_url(private_ca: Path) -> Iterator[str]:
    """A server whose certificate a CA nobody trusts signed."""
    yield from _serve(private_ca)


def _fail(tmp_path: Path, config: CondaConfig, channel: str = "conda-forge") -> UserError:
    report = make_report(tmp_path, ["python"], [channel])
    with pytest.raises(UserError) as info:
        lock_report(report, tmp_path, options=options(config=config))
    assert "\n" not in info.value.message
    return info.value


def test_refused_names_channel_setting_and_cause(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = CondaConfig(
        channel_alias=f"http://127.0.0.1:{port}", origins={"channel_alias": ["/etc/conda/condarc"]}
    )
    err = _fail(tmp_path, config)
    assert f"http://127.0.0.1:{port}/conda-forge" in err.message
    assert "conda-forge via channel_alias from /etc/conda/condarc" in err.message
    assert "connection refused" in err.message
    assert err.message.count(f"127.0.0.1:{port}") == 1
    assert "--channel-alias" not in (err.hint or "")


def test_404_and_401_without_token_leak(tmp_path: Path, http_url: str) -> None:
    err = _fail(tmp_path, CondaConfig(channel_alias=http_url))
    assert "404 Not Found" in err.message
    err = _fail(
        tmp_path,
        CondaConfig(custom_channels={"private": f"{http_url}/s3cr3t@x"}),
        channel="private",
    )
    assert "401 Unauthorized" in err.message and "custom_channels" in err.message
    assert "token" in (err.hint or "")


def test_tls_unknown_issuer(tmp_path: Path, https_url: str) -> None:
    err = _fail(tmp_path, CondaConfig(channel_alias=https_url))
    assert "TLS error" in err.message
    assert "ssl_verify" in (err.hint or "")


def test_dns_failure_is_named() -> None:
    kind, words = root_cause(
        "error sending request for url (http://x.invalid/ch/noarch/repodata.json)\n"
        "Caused by: client error (Connect)\nCaused by: dns error\n"
        "Caused by: failed to lookup address information: Name or service not known"
    )
    assert kind == "dns" and "DNS" in words


def test_redact_tokens_and_userinfo() -> None:
    assert redact("https://h/t/abc-123/conda-forge") == "https://h/t/***/conda-forge"
    assert redact("https://user:pw@h/x") == "https://***@h/x"


@pytest.fixture
def private_ca(tmp_path: Path) -> Path:
    """A CA and a 127.0.0.1 certificate it signed (``ca.pem``, ``cert.pem``, ``key.pem``)."""
    d = tmp_path / "pki"
    d.mkdir()

    def ssl_run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    ssl_run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=Site CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    ssl_run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    ssl_run(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    )
    return d


def test_private_ca_via_ssl_verify(tmp_path: Path, private_ca: Path) -> None:
    """A mirror behind the site's own CA: refused with a TLS hint until ``ssl_verify`` names
    the CA bundle in the conda configuration, then the lock is made through it."""
    import functools
    import json
    import os
    import sys

    from lock_helpers import CHANNELS

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(CHANNELS))
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(private_ca / "cert.pem", private_ca / "key.pem")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "environment.yml").write_text(
            "channels: [conda-forge-2024]\ndependencies: [python=3.9]\n"
        )
        home = tmp_path / "home"
        home.mkdir()
        rc = home / ".condarc"
        rc.write_text(f"channel_alias: https://127.0.0.1:{server.server_address[1]}\n")
        env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "CONDARC")}
        env.update(HOME=str(home), RATTLER_CACHE_DIR=str(tmp_path / "rattler"))
        cmd = [sys.executable, "-m", "rees2conda", "lock", str(repo), "--no-kernel", "--json"]
        refused = subprocess.run(cmd, env=env, capture_output=True, text=True)
        assert refused.returncode == 1
        error = json.loads(refused.stdout)["error"]
        assert "TLS error (unknown issuer)" in error["message"]
        assert "ssl_verify" in error["hint"]
        rc.write_text(rc.read_text() + f"ssl_verify: {private_ca / 'ca.pem'}\n")
        ok = subprocess.run(cmd, env=env, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert json.loads(ok.stdout)["written"] is True
    finally:
        server.shutdown()
        server.server_close()

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
def https_url(tmp_path: Path) -> Iterator[str]:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    yield from _serve(tmp_path)


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

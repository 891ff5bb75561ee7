"""TLS behind an institutional CA for the pip part too, and uv's errors as the user sees them.

A local HTTPS server with its own CA serves a conda channel (the 2024 snapshot) and a PyPI-style
simple index: ``lock`` must trust that CA for both when it is configured the way conda and pip
users do (``rees2conda.transport``; tests/test_lock_network_errors.py covers the conda side).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import http.server
import shutil
import ssl
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lock_helpers import CHANNELS, options

from rees2conda.errors import UserError
from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import lock_report, read_locked_packages
from rees2conda.resolve.uvtext import uv_error_summary, uv_error_text


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a localhost certificate it signs: (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rees2conda test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def _probe_wheel(folder: Path) -> str:
    """A tiny real wheel, ``r2c-tls-probe 1.0``; returns its sha256."""
    name = "r2c_tls_probe-1.0-py3-none-any.whl"
    info = "r2c_tls_probe-1.0.dist-info"
    with zipfile.ZipFile(folder / name, "w") as whl:
        whl.writestr("r2c_tls_probe.py", "VALUE = 1\n")
        whl.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: r2c-tls-probe\nVersion: 1.0\n"
        )
        whl.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        whl.writestr(f"{info}/RECORD", "")
    return hashlib.sha256((folder / name).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def https_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, CA bundle) of an HTTPS server with a conda channel and a simple index."""
    root = tmp_path_factory.mktemp("https")
    ca, cert, key = _certificates(root)
    www = root / "www"
    shutil.copytree(CHANNELS / "conda-forge-2024", www / "chan")
    files = www / "files"
    files.mkdir()
    sha = _probe_wheel(files)
    (www / "simple" / "r2c-tls-probe").mkdir(parents=True)
    (www / "simple" / "r2c-tls-probe" / "index.html").write_text(
        '<html><body><a href="../../files/r2c_tls_probe-1.0-py3-none-any.whl'
        f'#sha256={sha}">r2c_tls_probe-1.0-py3-none-any.whl</a></body></html>\n'
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", ca
    finally:
        server.shutdown()
        server.server_close()


def _repo(root: Path, base: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "environment.yml").write_text(
        f"channels:\n  - {base}/chan\ndependencies:\n  - python=3.9\n"
        f"  - pip:\n    - --index-url {base}/simple\n    - r2c-tls-probe\n"
    )
    return root


@pytest.fixture
def no_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "PIP_CERT",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(var, raising=False)


def _lock(repo: Path, **kw: object) -> dict[str, str]:
    result = lock_report(read_repository(repo), repo, options=options(**kw))
    env = read_locked_packages(result.lockfile, "linux-64")
    return {p.name: p.url for p in env.pip}


@pytest.mark.usefixtures("no_ca_variables")
def test_untrusted_ca_fails(tmp_path: Path, https_site: tuple[str, Path]) -> None:
    base, _ = https_site
    with pytest.raises(UserError) as info:
        _lock(_repo(tmp_path / "repo", base))
    assert "certificate" in (info.value.message + info.value.hint).lower()


@pytest.mark.usefixtures("no_ca_variables")
def test_requests_ca_bundle_is_trusted_by_conda_and_pip(
    tmp_path: Path, https_site: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ca = https_site
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    pip = _lock(_repo(tmp_path / "repo", base))
    assert pip["r2c-tls-probe"].startswith(f"{base}/files/")


@pytest.mark.usefixtures("no_ca_variables")
def test_condarc_ssl_verify_path_is_trusted_by_conda_and_pip(
    tmp_path: Path, https_site: tuple[str, Path]
) -> None:
    from lock_helpers import snapshot_config

    base, ca = https_site
    config = replace(snapshot_config(), ssl_verify=str(ca))
    pip = _lock(_repo(tmp_path / "repo", base), config=config)
    assert pip["r2c-tls-probe"].startswith(f"{base}/files/")


UV_FAILURE = """\
Using Python 3.11.7 environment at: /tmp/env
  × Failed to download `six @ https://files.example.org/six-9.9-py3-none-any.whl`
  ├─▶ Failed to fetch: `https://files.example.org/six-9.9-py3-none-any.whl`
  ╰─▶ HTTP status client error (404 Not Found) for url
      (https://files.example.org/six-9.9-py3-none-any.whl)
  help: Consider using `--index-strategy unsafe-best-match` to allow uv to look in other
        indexes
"""


def test_uv_text_keeps_the_error_and_drops_uv_only_advice() -> None:
    text = uv_error_text(UV_FAILURE)
    assert "Using Python" not in text and "--index-strategy" not in text
    assert "404 Not Found" in text and "https://files.example.org/six-9.9" in text
    summary = uv_error_summary(UV_FAILURE, "uv failed")
    assert summary.splitlines()[0].startswith("× Failed to download")
    assert "(https://files.example.org/six-9.9-py3-none-any.whl)" in summary
    assert uv_error_summary("", "uv exited with 2") == "uv exited with 2"


@pytest.mark.pypi
def test_pip_install_failure_under_quiet_names_url_and_cause(tmp_path: Path) -> None:
    """A locked URL that is gone: the error shows uv's cause, not its last (hint) line."""
    import subprocess
    import sys

    from rees2conda.env.install import install_pip
    from rees2conda.resolve.lockfile import LockedPip

    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")], check=True
    )
    url = "https://files.pythonhosted.org/packages/00/00/rees2conda_gone-1.0-py3-none-any.whl"
    with pytest.raises(UserError) as info:
        install_pip(
            [LockedPip("rees2conda-gone", "1.0", url, "0" * 64)],
            tmp_path / "env" / "bin" / "python",
            quiet=True,
        )
    message = info.value.message
    assert url in message and "404" in message
    assert "Using Python" not in message and "--" not in message.split(url)[0]

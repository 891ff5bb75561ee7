"""A local HTTP server that, like a private mirror, serves only to authenticated requests.

``/t/<token>/<path>`` serves ``<conda_root>/<path>`` when ``<token>`` is one of ``tokens`` (a
conda channel token, as anaconda.org and site mirrors use it); ``/wheels/<name>`` serves
``<wheel_dir>/<name>`` and ``/simple/<project>/`` an index page linking to the project's wheels,
both only with HTTP basic auth ``user:password`` from ``logins``; any other path with such a
login serves ``<conda_root>/<path>`` (a channel behind basic auth, as Artifactory's). Everything
else is 403 (401 for wheels and index pages without credentials). Every request is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class AuthServer:
    conda_root: Path
    wheel_dir: Path
    tokens: set[str] = field(default_factory=set)
    logins: set[str] = field(default_factory=set)  # "user:password"
    requests: list[tuple[str, bool]] = field(default_factory=list)  # (path, served)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(server: AuthServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _file(self) -> Path | None:
            parts = self.path.split("?", 1)[0].lstrip("/").split("/")
            if len(parts) > 2 and parts[0] == "t" and parts[1] in server.tokens:
                base, rest = server.conda_root, parts[2:]
            elif parts[0] in ("wheels", "simple") and len(parts) in (2, 3):
                if self._login() not in server.logins:
                    return None
                if parts[0] == "simple":  # /simple/<project>/: a PEP 503 page
                    return self._index_page(parts[1])
                base, rest = server.wheel_dir, parts[1:]
            elif self._login() in server.logins:  # a channel behind basic auth
                base, rest = server.conda_root, parts
            else:
                return None
            if ".." in rest:
                return None
            return base.joinpath(*rest)

        def _login(self) -> str:
            auth = self.headers.get("Authorization", "")
            return base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else ""

        def _index_page(self, project: str) -> Path:
            """Write (and return) the simple-index page of ``project``: links to its wheels."""
            prefix = project.replace("-", "_") + "-"
            links = "".join(
                f'<a href="/wheels/{w.name}">{w.name}</a>\n'
                for w in sorted(server.wheel_dir.glob("*.whl"))
                if w.name.startswith(prefix)
            )
            page = server.wheel_dir.parent / f"index-{project}.html"
            page.write_text(f"<html><body>\n{links}</body></html>\n")
            return page

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            path = self._file()
            ok = path is not None and path.is_file()
            server.requests.append((self.path, path is not None))
            if path is None:
                wheel = self.path.startswith(("/wheels/", "/simple/"))
                self.send_response(401 if wheel else 403)
                if wheel:
                    self.send_header("WWW-Authenticate", 'Basic realm="wheels"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not ok:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = path.read_bytes()
            self.send_response(200)
            if path.suffix == ".html":
                self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

    return Handler


@contextmanager
def auth_server(conda_root: Path, wheel_dir: Path) -> Iterator[AuthServer]:
    """Run an :class:`AuthServer` on 127.0.0.1 (a free port) for the ``with`` block."""
    state = AuthServer(conda_root, wheel_dir)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_wheel(folder: Path, name: str = "privpkg", version: str = "1.0") -> tuple[str, str]:
    """A minimal pure-Python wheel (``import privpkg`` gives ``privpkg.VALUE == 42``).

    Returns (file name, sha256).
    """
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALUE = 42\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    fname = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(folder / fname, "w") as zf:
        for arc, text in files.items():
            zf.writestr(arc, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
            record.append(f"{arc},sha256={digest.rstrip(b'=').decode()},{len(text)}")
        record.append(f"{dist}/RECORD,,")
        zf.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return fname, hashlib.sha256((folder / fname).read_bytes()).hexdigest()

"""Helpers for the sources tests: local git repositories and a local HTTP server.

No internet: git repositories are bare repositories under ``tmp_path`` served as ``file://``
URLs and by :class:`LocalServer` through ``git http-backend`` (git's own smart-HTTP server,
run as CGI). The same server answers record-service API paths from a table of canned
responses, shaped like Zenodo, Figshare, Dataverse, HydroShare and doi.org answer.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import zipfile
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def run_git(args: list[str], cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def notebook(code: str = "print(6 * 7)", kernel: str = "python3") -> str:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "c1",
                "metadata": {},
                "outputs": [],
                "source": [code],
            }
        ],
        "metadata": {"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1) + "\n"


class GitRemote:
    """A bare repository (the remote) and a working clone used to push commits to it."""

    def __init__(self, root: Path, name: str, files: Mapping[str, str]) -> None:
        self.bare = root / "remotes" / name
        self.work = root / "work" / name
        self.bare.parent.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True)
        run_git(["init", "-q", "--bare", str(self.bare)], root)
        run_git(["config", "http.receivepack", "false"], self.bare)
        run_git(["init", "-q"], self.work)
        run_git(["remote", "add", "origin", str(self.bare)], self.work)
        self.commit(files, "first")

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, files: Mapping[str, str], message: str, branch: str = "main") -> str:
        current = run_git(["symbolic-ref", "--short", "HEAD"], self.work)
        if current != branch:
            exists = (
                subprocess.run(
                    ["git", "rev-parse", "--verify", "-q", branch],
                    cwd=self.work,
                    capture_output=True,
                ).returncode
                == 0
            )
            run_git(["checkout", "-q", *([] if exists else ["-b"]), branch], self.work)
        for rel, text in files.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        run_git(["add", "-A"], self.work)
        run_git(["commit", "-q", "-m", message], self.work)
        run_git(["push", "-q", "origin", branch], self.work)
        return run_git(["rev-parse", "HEAD"], self.work)

    def tag(self, name: str) -> None:
        run_git(["tag", name], self.work)
        run_git(["push", "-q", "origin", name], self.work)


def zip_bytes(files: Mapping[str, bytes | str], *, symlinks: Mapping[str, str] = {}) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, target)
    return buf.getvalue()


class LocalServer:
    """``http://127.0.0.1:PORT``: ``/git/...`` through git http-backend, else canned routes.

    ``routes`` maps a path with its query (``/api/records/1``) to ``(status, body)``; a dict or
    list body is sent as JSON. ``requests`` lists the paths asked for, in order.
    """

    def __init__(self, git_root: Path | None = None) -> None:
        self.git_root = git_root
        self.routes: dict[str, tuple[int, Any]] = {}
        self.requests: list[str] = []
        self.auth_seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append(h.path)
        if h.headers.get("Authorization"):
            self.auth_seen.append(h.headers["Authorization"])
        if self.git_root is not None and h.path.startswith("/git/"):
            self._git(h)
            return
        status, body = self.routes.get(h.path, (404, {"status": 404, "message": "not found"}))
        if isinstance(body, (dict, list)):
            data, ctype = json.dumps(body).encode(), "application/json"
        else:
            data = body.encode() if isinstance(body, str) else body
            ctype = "application/octet-stream"
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _git(self, h: BaseHTTPRequestHandler) -> None:
        path, _, query = h.path[len("/git") :].partition("?")
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        env = {
            **os.environ,
            "GIT_PROJECT_ROOT": str(self.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": h.command,
            "CONTENT_TYPE": h.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length),
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": h.headers.get("Git-Protocol", ""),
        }
        proc = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        h.send_response(status)
        for key, value in headers:
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

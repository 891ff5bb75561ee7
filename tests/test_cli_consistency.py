"""One behaviour across commands: the same PATH errors (exit 2), JSON errors with --json,
colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "climate-demo"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rees2conda", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=60,
    )


@pytest.mark.parametrize("command", ["check", "lock", "build"])
def test_missing_or_file_path_same_message(tmp_path: Path, command: str) -> None:
    missing = _run(command, str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[0] == f"error: {tmp_path / 'nope'}: no such directory"
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    notdir = _run(command, str(afile))
    assert notdir.returncode == 2
    assert notdir.stderr.splitlines()[0] == f"error: {afile}: not a directory"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{missing}", "--format", "json"],
        ["lock", "{missing}", "--json"],
        ["build", "{missing}", "--json"],
        ["kernel", "{missing}", "--json"],
        ["config", "--json"],
        ["lock", "--json", "--no-such-option"],
    ],
)
def test_json_errors_are_json(tmp_path: Path, args: list[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".condarc").write_text("channels: [unclosed\n")  # only `config` reads it first
    env = {**os.environ, "HOME": str(home)}
    env.pop("CONDARC", None)
    proc = _run(*[a.format(missing=tmp_path / "missing") for a in args], env=env)
    assert proc.returncode != 0
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False and doc["error"]["exit_code"] == proc.returncode
    assert doc["error"]["message"]


def _on_terminal(env: dict[str, str]) -> bytes:
    """``check`` of the example with stdout on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rees2conda", "check", str(EXAMPLE)],
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(master)
    return out


def test_colour_on_terminal_unless_no_color() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert b"\x1b[" in _on_terminal(env)
    assert b"\x1b[" not in _on_terminal({**env, "NO_COLOR": "1"})
    piped = _run("check", str(EXAMPLE), env=env)
    assert "\x1b[" not in piped.stdout


def test_check_json_on_an_ascii_stdout(tmp_path: Path) -> None:
    """The fast `check --format json` path escapes what the stream cannot write, as the CLI."""
    (tmp_path / "requirements.txt").write_text("nümpy==1\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = _run("check", str(tmp_path), "--format", "json", env=env)
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["path"] == str(tmp_path)

"""What ``check`` can say about Binder's scripts without running them.

``start`` must hand over to the session with ``exec "$@"``, or Binder's session (and a kernel
that rees2conda wraps in it) never starts. ``postBuild`` lines that only install packages
(``pip install x``, ``conda install -c c y``) can move into requirements.txt or
environment.yml, where rees2conda installs them without trusting any script.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from rees2conda import codes
from rees2conda.model import Finding

# [^\S\n]: whitespace within the line; a leading \s* ran over every following blank line from
# every line start (quadratic: 80,000 blank lines took 11 s)
_EXEC = re.compile(r"""^[^\S\n]*exec\s+(?:"\$@"|"\$\{@\}"|\$@|\$\{@\})\s*(?:#.*)?$""", re.M)
#: Longer lines are not the one-line installs R2C706 suggests moving (and cost shlex seconds).
_MAX_INSTALL_LINE = 4096
_OPERATOR = re.compile(r"^[;&|<>()]+$")
#: options of pip/conda install that take a value
_VALUE_OPTIONS = {
    "-c",
    "--channel",
    "-r",
    "--requirement",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-n",
    "--name",
    "-p",
    "--prefix",
    "-t",
    "--target",
}


def check_start(rel: str, text: str) -> Iterator[Finding]:
    """R2C705 when ``start`` never runs ``exec "$@"``."""
    if _EXEC.search(text) is None:
        last = max((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), default=1)
        yield codes.finding(
            "R2C705",
            f'{rel} does not end with `exec "$@"`: Binder\'s session, and a kernel wrapped in '
            "it with `build --trust`, would not start",
            path=rel,
            line=last,
            column=1,
        )


def _install_packages(words: list[str]) -> tuple[str, list[str], list[str]] | None:
    """(tool, packages, channels) of a plain ``pip install``/``conda install`` command."""
    if words[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
        words = ["pip", *words[3:]]
    if len(words) < 3 or words[1] != "install":
        return None
    tool = words[0]
    if tool in ("pip", "pip3"):
        tool = "pip"
    elif tool not in ("conda", "mamba", "micromamba"):
        return None
    packages: list[str] = []
    channels: list[str] = []
    skip_value = False
    for i, word in enumerate(words[2:]):
        if skip_value:
            skip_value = False
            if words[2 + i - 1] in ("-c", "--channel"):
                channels.append(word)
            elif words[2 + i - 1] in ("-r", "--requirement", "-e", "--editable"):
                return None  # a file or a local package: not one line to move
            continue
        if word in _VALUE_OPTIONS:
            skip_value = True
        elif word.startswith("-"):
            continue
        else:
            packages.append(word)
    return (tool, packages, channels) if packages else None


def _words(line: str) -> list[str] | None:
    """The words of a simple command; None when the line uses pipes, redirections, lists,
    variables, substitutions or globs (then it is more than an install line)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:
        return None
    if any(_OPERATOR.match(w) or "$" in w or "`" in w for w in words):
        return None
    return words


def check_post_build(rel: str, text: str) -> Iterator[Finding]:
    """R2C706 for each postBuild line that only installs packages with pip or conda."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "install" not in stripped or len(stripped) > _MAX_INSTALL_LINE:
            continue  # cheap: shlex reads a character at a time
        words = _words(stripped)
        if words is None:
            continue
        found = _install_packages(words)
        if found is None:
            continue
        tool, packages, channels = found
        if tool == "pip":
            where = "requirements.txt (or environment.yml's `pip:` list)"
            paste = "\n".join(packages)
        else:
            where = "environment.yml's dependencies" + (
                f" (channels: {', '.join(channels)})" if channels else ""
            )
            paste = "\n".join(f"  - {p}" for p in packages)
        yield codes.finding(
            "R2C706",
            f"{rel}:{number} only installs {', '.join(packages)} with {tool}: list "
            f"{'it' if len(packages) == 1 else 'them'} in {where} instead, and rees2conda "
            "installs without running the script",
            path=rel,
            line=number,
            column=len(line) - len(line.lstrip()) + 1,
            hint=f"add to {where}:\n{paste}",
        )

"""pip requirement files in full pip syntax, expanded into :class:`PipLine` items.

Follows pip's own reading (``pip._internal.req.req_file``): physical lines ending in ``\\`` are
joined, ``#`` comments (at the start or after whitespace) are dropped, a line is split into the
requirement part and options at the first token starting with ``-``. ``-r``/``-c`` paths are
relative to the including file; other local paths (``-e .``, ``./pkg``) are relative to the
folder pip runs in (the repository root for requirements.txt, the environment file's folder for
environment.yml). Requirements are validated with :mod:`packaging` as pip does.

Includes are followed only inside the repository, with cycle detection, a depth limit and a line
budget so that no repository can make reading loop or explode.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Callable, Iterator

from rees2conda import codes
from rees2conda.model import Finding, Origin, PipKind, PipLine
from rees2conda.record import field, record
from rees2conda.rees.python import describe_number, long_number
from rees2conda.rees.textfile import Repo, read_text

TYPE_CHECKING = False  # as typing's, without importing typing on the check path
if TYPE_CHECKING:
    from typing import Any

MAX_INCLUDE_DEPTH = 16
MAX_TOTAL_LINES = 50_000
#: Includes read in total (a diamond of includes doubles at every level).
MAX_FILES_READ = 200
#: Characters read in total: one 2 MB file included 200 times would be 400 MB of reading.
MAX_TOTAL_CHARS = 8 * 1024 * 1024

#: pip's comment: a ``#`` at the start or after whitespace, to the end of the line. pip writes it
#: ``(^|\s+)#.*$``; searched for as the ``#`` alone (the text is stripped afterwards), which
#: keeps the search linear on long runs of whitespace.
_COMMENT_RE = re.compile(r"(?<!\S)#")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_RE = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_ARCHIVE_EXT = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
_PEP508_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SIMPLE_SPEC = (
    r"(?:(?:==|!=)\s*\d+(?:\.\d+)*(?:\.\*)?|(?:>=|<=|>|<)\s*\d+(?:\.\d+)*|~=\s*\d+(?:\.\d+)+)"
)
#: The common requirement shapes (``name``, ``name[extra]>=1.2,<2``) that need no parser: a
#: fast path that keeps ``packaging`` out of simple reads. Anything else goes to packaging.
_SIMPLE_REQ_RE = re.compile(
    rf"^(?P<name>{_PEP508_NAME})(?:\s*\[\s*{_PEP508_NAME}(?:\s*,\s*{_PEP508_NAME})*\s*\])?"
    rf"(?:\s*{_SIMPLE_SPEC}(?:\s*,\s*{_SIMPLE_SPEC})*)?\s*$"
)
_NAME_AT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@")

#: options that stand on their own line: name -> takes a value
_LINE_OPTIONS: dict[str, bool] = {
    "-i": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "-f": True,
    "--find-links": True,
    "--pre": False,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--only-binary": True,
    "--no-binary": True,
    "--trusted-host": True,
    "--use-feature": True,
}
#: options allowed after a requirement on the same line
_PER_REQ_OPTIONS = {"--hash", "--config-settings", "--global-option"}
_INCLUDE = {"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c"}
_EDITABLE = {"-e", "--editable"}


@record
class PipReader:
    """State shared while expanding one pip requirement list and its includes.

    ``cwd`` is the repository-relative folder pip runs in (base of ``-e``/path lines);
    ``record`` is called with (path, status, reason) for every file reached through ``-r``/``-c``.
    """

    repo: Repo
    cwd: str
    record: Callable[[str, str, str | None], None]
    findings: list[Finding] = field(default_factory=list)
    lines_seen: int = 0
    files_read: int = 0
    chars_read: int = 0
    _budget_reported: bool = False

    # --- files ------------------------------------------------------------------------------
    def read_file(
        self, rel: str, stack: tuple[str, ...] = (), *, constraint: bool = False
    ) -> list[PipLine]:
        """Expand requirement file ``rel`` (repository-relative, normalised)."""
        if self.chars_read > MAX_TOTAL_CHARS:  # checked before reading: reading is the cost
            if not self._budget_reported:
                self._budget_reported = True
                self.findings.append(
                    codes.finding(
                        "R2C208",
                        f"requirement files and their includes hold more than "
                        f"{MAX_TOTAL_CHARS} characters; {rel} and the rest were not read",
                        path=rel,
                    )
                )
            return []
        text, problem = read_text(self.repo, rel, coding_line=True)
        if problem is not None:
            self.findings.append(problem)
            self.record(rel, "rejected", problem.message)
            return []
        assert text is not None
        self.chars_read += len(text)
        self.record(rel, "used", "constraints file" if constraint else None)
        real = os.path.realpath(self.repo.abspath(rel))
        return self.parse_text(
            text, rel, posixpath.dirname(rel) or ".", (*stack, real), constraint=constraint
        )

    def parse_text(
        self,
        text: str,
        rel: str,
        file_dir: str,
        stack: tuple[str, ...],
        *,
        first_line: int = 1,
        first_column: int = 1,
        constraint: bool = False,
    ) -> list[PipLine]:
        """Expand requirement text that lives in ``rel`` (for origins) at ``first_line``."""
        out: list[PipLine] = []
        physical = text.splitlines()
        for lineno, logical, raw_first in _logical_lines(physical):
            self.lines_seen += 1
            if self.lines_seen > MAX_TOTAL_LINES:
                if not self._budget_reported:
                    self._budget_reported = True
                    self.findings.append(
                        codes.finding(
                            "R2C208",
                            f"requirement files expand to more than {MAX_TOTAL_LINES} "
                            "lines; the rest was not read",
                            path=rel,
                            line=first_line + lineno - 1,
                        )
                    )
                return out
            col = raw_first.find(logical[:10]) + 1 if logical else 1
            col = max(col, 1) + (first_column - 1 if lineno == 1 else 0)
            origin = Origin(rel, first_line + lineno - 1, col)
            out.extend(self._line(logical, origin, file_dir, stack, constraint))
        return out

    # --- one logical line --------------------------------------------------------------------
    def _line(
        self, line: str, origin: Origin, file_dir: str, stack: tuple[str, ...], constraint: bool
    ) -> Iterator[PipLine]:
        args, opts = _break_args_options(line)
        try:
            tokens = _split_options(opts) if opts else []
        except ValueError as exc:
            self._error("R2C501", f"cannot split options: {exc}", origin)
            return
        if not args:
            yield from self._option_line(line, tokens, origin, file_dir, stack, constraint)
            return
        # a requirement, maybe followed by per-requirement options (--hash=...)
        i = 0
        while i < len(tokens):
            name = tokens[i].split("=", 1)[0]
            if name not in _PER_REQ_OPTIONS:
                if name in _LINE_OPTIONS or name in _INCLUDE or name in _EDITABLE:
                    i += 1 if "=" in tokens[i] or not _LINE_OPTIONS.get(name, True) else 2
                    continue
                self._error(
                    "R2C502", f"pip does not accept {name!r} in a requirements file", origin
                )
                return
            i += 1 if "=" in tokens[i] else 2
        classified = self._classify(args, origin)
        if classified is None:
            return
        kind, dist, local = classified
        yield PipLine(
            line=line,
            origin=origin,
            kind=kind,
            base=self.cwd,
            name=dist,
            **self._local_fields(local),
        )

    def _local_fields(self, local: str | None) -> dict[str, Any]:
        """A local package's metadata files and their digest (they decide its dependencies,
        so the lock's content hash and the no-op fingerprint must change with them)."""
        if local is None:
            return {}
        from rees2conda.rees.local_package import metadata_digest

        files, digest = metadata_digest(self.repo, local)
        return {"local": local, "local_files": files, "digest": digest}

    def _option_line(
        self,
        line: str,
        tokens: list[str],
        origin: Origin,
        file_dir: str,
        stack: tuple[str, ...],
        constraint: bool,
    ) -> Iterator[PipLine]:
        i = 0
        emitted_option = False
        while i < len(tokens):
            start = i
            tok = tokens[i]
            name, value = _split_option(tok)
            short = (
                tok[:2]
                if tok[:2] in ("-r", "-c", "-e", "-i", "-f")
                and len(tok) > 2
                and not tok.startswith("--")
                else None
            )
            if short:
                name, value = short, tok[2:]
            if name in _INCLUDE or name in _EDITABLE or _LINE_OPTIONS.get(name) is True:
                if value is None:
                    if i + 1 >= len(tokens):
                        self._error("R2C501", f"{name} needs a value", origin)
                        return
                    value = tokens[i + 1]
                    i += 1
            elif name in _LINE_OPTIONS:
                value = None
            else:
                self._error("R2C502", f"pip does not accept {tok!r} in a requirements file", origin)
                return
            i += 1
            if name in _INCLUDE:
                assert value is not None
                yield from self._include(_INCLUDE[name], value, origin, file_dir, stack, constraint)
            elif name in _EDITABLE:
                assert value is not None
                rest = " ".join(shlex.quote(t) for t in tokens[i:])
                ok, local = self._check_editable(value, origin, f"-e {value}")
                if ok:
                    text = f"-e {value}" + (f" {rest}" if rest else "")
                    yield PipLine(
                        line=text,
                        origin=origin,
                        kind="editable",
                        base=self.cwd,
                        **self._local_fields(local),
                    )
                return
            elif not emitted_option and not constraint:
                emitted_option = True
                alone = start == 0 and i == len(tokens)  # the line is this one option
                yield PipLine(
                    line=line,
                    origin=origin,
                    kind="option",
                    base=file_dir,
                    option=name if alone else None,
                    value=value if alone else None,
                )

    def _include(
        self,
        flag: str,
        target: str,
        origin: Origin,
        file_dir: str,
        stack: tuple[str, ...],
        constraint: bool,
    ) -> Iterator[PipLine]:
        if _URL_RE.match(target) and not target.lower().startswith("file:"):
            self.findings.append(
                codes.finding(
                    "R2C504",
                    f"{flag} {target} is a remote file; rees2conda passes it to pip as is",
                    path=origin.path,
                    line=origin.line,
                    column=origin.column,
                )
            )
            if not constraint:
                yield PipLine(
                    line=f"{flag} {target}",
                    origin=origin,
                    kind="option",
                    base=file_dir,
                    option=flag,
                    value=target,
                )
            return
        if target.lower().startswith("file:"):
            target = re.sub(r"^file:(//)?", "", target, flags=re.IGNORECASE)
            if not target:
                self._error("R2C501", f"{flag} file: names no file", origin)
                return
        rel = self._resolve(target, file_dir, origin, what=f"{flag} {target}")
        if rel is None:
            return
        if not self.repo.lexists(rel):
            self._error("R2C207", f"{flag} {target}: {rel} does not exist", origin)
            return
        real = os.path.realpath(self.repo.abspath(rel))
        if real in stack:
            self._error(
                "R2C206",
                f"{flag} {target} includes {rel}, which is already being read (include cycle)",
                origin,
            )
            return
        self.files_read += 1
        if len(stack) >= MAX_INCLUDE_DEPTH or self.files_read > MAX_FILES_READ:
            if not self._budget_reported:
                self._budget_reported = True
                self._error(
                    "R2C208",
                    f"{flag} {target}: includes nest deeper than {MAX_INCLUDE_DEPTH} files or "
                    f"read more than {MAX_FILES_READ} files; the rest was not read",
                    origin,
                )
            return
        if flag == "-c":
            lines = self.read_file(rel, stack, constraint=True)
            del lines  # constraints are validated, not installed
            if not constraint:
                yield PipLine(
                    line=f"-c {target}",
                    origin=origin,
                    kind="option",
                    base=file_dir,
                    option="-c",
                    value=target,
                )
            return
        yield from self.read_file(rel, stack, constraint=constraint)

    # --- helpers -------------------------------------------------------------------------------
    def _error(self, code: str, message: str, origin: Origin) -> None:
        self.findings.append(
            codes.finding(code, message, path=origin.path, line=origin.line, column=origin.column)
        )

    def _resolve(self, target: str, base: str, origin: Origin, *, what: str) -> str | None:
        """Repository-relative normalised path for ``target`` relative to ``base``, or None."""
        if target.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", target):
            self._error("R2C205", f"{what} is an absolute path, outside the repository", origin)
            return None
        joined = posixpath.normpath(posixpath.join(base, target.replace("\\", "/")))
        if joined == ".." or joined.startswith("../"):
            self._error("R2C205", f"{what} points outside the repository", origin)
            return None
        if self.repo.lexists(joined) and not self.repo.inside(joined):
            self._error(
                "R2C203",
                f"{what} is a symlink leading outside the repository; it was not read",
                origin,
            )
            return None
        return joined

    def _check_local_path(
        self, target: str, origin: Origin, shown: str | None = None
    ) -> str | None:
        """The repository-relative path of a local package line's target, or None (with a
        finding) when pip would not find a project there."""
        path = _without_extras(target.strip())
        target = shown or target
        if path.lower().startswith("file:"):
            path = re.sub(r"^file:(//)?", "", path, flags=re.IGNORECASE)
        rel = self._resolve(path, self.cwd, origin, what=target)
        if rel is None:
            return None
        if not self.repo.lexists(rel):
            where = "the repository root" if self.cwd == "." else f"{self.cwd}/"
            self._error(
                "R2C207",
                f"{target}: {rel} does not exist (paths are relative to {where}, where pip runs)",
                origin,
            )
            return None
        if self.repo.isdir(rel) and not any(
            self.repo.lexists(posixpath.join(rel, marker))
            for marker in ("setup.py", "pyproject.toml", "setup.cfg")
        ):
            shown = "the repository root" if rel == "." else f"{rel}/"
            self._error(
                "R2C207",
                f"{target}: {shown} is not a Python project (no setup.py or "
                f"pyproject.toml); pip runs in {self.cwd}/, so paths are relative to it",
                origin,
            )
            return None
        return rel

    def _check_editable(self, value: str, origin: Origin, shown: str) -> tuple[bool, str | None]:
        """(pip accepts it, the local target's repository-relative path if it is local)."""
        if _VCS_RE.match(value) or (_URL_RE.match(value) and not value.lower().startswith("file:")):
            return True, None
        rel = self._check_local_path(value, origin, shown)
        return rel is not None, rel

    def _classify(self, args: str, origin: Origin) -> tuple[PipKind, str | None, str | None] | None:
        """The line's kind and, for a ``requirement``, its name; None (with a finding) if pip
        refuses it."""
        head = (
            args.split(";", 1)[0].strip()
            if not _URL_RE.match(args)
            else re.split(r";\s", args, maxsplit=1)[0].strip()
        )
        if _VCS_RE.match(head):
            return "vcs", None, None
        if _URL_RE.match(head):
            if head.lower().startswith("file:"):
                return _path_kind(self._check_local_path(head, origin))
            return "url", None, None
        bare = _without_extras(head)
        if not _NAME_AT_RE.match(head) and (
            bare.startswith((".", "/", "~"))
            or "/" in bare
            or "\\" in bare
            or bare.lower().endswith(_ARCHIVE_EXT)
        ):
            return _path_kind(self._check_local_path(head, origin))
        number = long_number(args)
        if number is not None:
            self._error(
                "R2C501",
                f"{args[:40]!r}… has {describe_number(number)}: pip and uv cannot compare it",
                origin,
            )
            return None
        simple = _SIMPLE_REQ_RE.match(args)
        if simple:
            return "requirement", simple.group("name"), None
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            req = Requirement(args)
        except RecursionError:  # markers nested in thousands of parentheses: pip fails too
            self._error("R2C501", f"{args[:40]!r}… nests too deeply for pip to parse", origin)
            return None
        except InvalidRequirement as exc:
            message, offset = _packaging_error(str(exc))
            column = (origin.column or 1) + offset
            self.findings.append(
                codes.finding(
                    "R2C501",
                    f"invalid requirement {args!r}: {message}",
                    path=origin.path,
                    line=origin.line,
                    column=column,
                )
            )
            return None
        if req.url:
            if _VCS_RE.match(req.url):
                return "vcs", None, None
            if req.url.lower().startswith("file:"):
                return _path_kind(self._check_local_path(req.url, origin))
            return "url", None, None
        return "requirement", req.name, None


def _path_kind(local: str | None) -> tuple[PipKind, None, str] | None:
    return None if local is None else ("path", None, local)


def _logical_lines(physical: list[str]) -> Iterator[tuple[int, str, str]]:
    """(1-based first line, logical line without comments, first physical line) like pip."""
    buf: list[str] = []
    start = 0
    first_raw = ""
    for number, raw in enumerate(physical, 1):
        whole_comment = raw.lstrip().startswith("#")
        if raw.endswith("\\") and not whole_comment:
            if not buf:
                start, first_raw = number, raw
            buf.append(raw[:-1])
            continue
        if whole_comment:
            raw = " " + raw
        if buf:
            buf.append(raw)
            text, lineno, first = "".join(buf), start, first_raw
            buf = []
        else:
            text, lineno, first = raw, number, raw
        text = _strip_comment(text)
        if text and lineno != number and "'" not in text and '"' not in text:
            text = re.sub(r"\s+", " ", text)  # indentation of joined continuation lines
        if text:
            yield lineno, text, first
    if buf:
        text = _strip_comment("".join(buf))
        if text:
            yield start, text, first_raw


_SHLEX_SPACE_RE = re.compile(r"[ \t\r\n]+")


def _split_options(opts: str) -> list[str]:
    """``shlex.split(opts)`` as pip does; without quotes or backslashes, a plain split on the same
    whitespace (shlex reads one character at a time: a 2 MB option line took seconds)."""
    if '"' in opts or "'" in opts or "\\" in opts:
        return shlex.split(opts)
    return [token for token in _SHLEX_SPACE_RE.split(opts) if token]


def _strip_comment(text: str) -> str:
    """``text`` without its pip comment, stripped."""
    m = _COMMENT_RE.search(text)
    return (text[: m.start()] if m else text).strip()


def _without_extras(text: str) -> str:
    """``text`` without a final ``[extras]`` (from the first ``[`` after the last inner ``]``)."""
    if not text.endswith("]"):
        return text
    opening = text.find("[", text.rfind("]", 0, len(text) - 1) + 1, len(text) - 1)
    return text if opening < 0 else text[:opening]


def _break_args_options(line: str) -> tuple[str, str]:
    """pip's split: requirement tokens up to the first token starting with ``-``."""
    tokens = line.split(" ")
    split = next((i for i, token in enumerate(tokens) if token.startswith("-")), len(tokens))
    return " ".join(tokens[:split]).strip(), " ".join(tokens[split:]).strip()


def _split_option(token: str) -> tuple[str, str | None]:
    if token.startswith("--") and "=" in token:
        name, value = token.split("=", 1)
        return name, value
    return token, None


def _packaging_error(text: str) -> tuple[str, int]:
    """First line of a packaging error and the 0-based offset of its caret."""
    lines = text.splitlines()
    message = lines[0] if lines else text
    if len(lines) >= 3 and "^" in lines[-1]:
        indent = len(lines[-2]) - len(lines[-2].lstrip(" "))
        return message, max(lines[-1].index("^") - indent, 0)
    return message, 0

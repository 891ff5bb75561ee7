"""The ``rees2conda`` console entry: answers the frequent cheap cases before importing click.

``rees2conda --version``, a ``build`` that finds nothing to do (run at every login on shared
machines), a ``lock`` that reuses the existing lock and ``check --format json`` (run by scripts
and CI) are answered here with the import-light library paths and the renderers of
:mod:`rees2conda.output`. Anything else (other commands, ``--help``, options this parser does not
know, a build or lock with work, any error) goes to the full click CLI (:mod:`rees2conda.cli`),
which parses the arguments again and prints its own messages: this module never reports an
error itself, so both paths behave the same.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

#: per command: options taking a value -> keyword (``[]`` suffix: repeatable, a list)
_VALUES: dict[str, dict[str, str]] = {
    "build": {
        "-n": "name",
        "--name": "name",
        "-p": "prefix",
        "--prefix": "prefix",
        "--lockfile": "lockfile",
        "--kernel-name": "kernel_name",
        "--display-name": "display_name",
    },
    "lock": {"--lockfile": "lockfile", "-p": "platforms[]", "--platform": "platforms[]"},
    "check": {"--format": "fmt"},
}
#: per command: flags -> (keyword, value). Options that always mean work (build --force,
#: lock --update) or another output (lock --check) are not here: they go to the full CLI.
_FLAGS: dict[str, dict[str, tuple[str, bool]]] = {
    "build": {
        "-q": ("quiet", True),
        "--quiet": ("quiet", True),
        "--json": ("as_json", True),
        "--locked": ("locked", True),
        "--frozen": ("frozen", True),
        "--offline": ("offline", True),
        "--no-kernel": ("kernel", False),
        "--no-retarget": ("retarget", False),
    },
    "lock": {
        "-q": ("quiet", True),
        "--quiet": ("quiet", True),
        "--json": ("as_json", True),
        "--offline": ("offline", True),
        "--no-kernel": ("kernel", False),
    },
    "check": {"--strict": ("strict", True)},
}


def parse(command: str, args: list[str]) -> tuple[str, dict[str, object]] | None:
    """A command's arguments as (path, keywords), or None for anything not plainly understood."""
    values, flags = _VALUES[command], _FLAGS[command]
    path: str | None = None
    given: dict[str, object] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in values:
            if eq:
                value = inline
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                return None
            key = values[name]
            if not value or value.startswith("-"):
                return None
            if key.endswith("[]"):
                items = given.setdefault(key[:-2], [])
                assert isinstance(items, list)
                items.append(value)
            elif key in given:
                return None
            else:
                given[key] = value
        elif arg in flags:
            key, flag = flags[arg]
            if key in given:
                return None
            given[key] = flag
        elif arg.startswith("-") or path is not None or not arg:
            return None
        else:
            path = arg
        i += 1
    path = path if path is not None else "."
    if os.path.isfile(path):  # click's "is a file" message
        return None
    return path, given


def _print(out: list[str], err: list[str] | None = None) -> None:
    """``out`` on stdout, then ``err`` on stderr, a line each (as click.echo would)."""
    for line in out:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    for line in err or []:
        sys.stderr.write(line + "\n")


def fast_build(args: list[str]) -> int | None:
    """Print the summary and return 0 when the env is up to date; None: let the CLI decide."""
    parsed = parse("build", args)
    if parsed is None:
        return None
    path, given = parsed
    as_json = bool(given.pop("as_json", False))
    quiet = bool(given.get("quiet"))
    try:
        from rees2conda.sources.detect import looks_remote

        if looks_remote(path):  # a git URL, Binder link or DOI: fetched by the CLI
            return None
        from rees2conda.env.quick import fields_from_flags, quick_build

        fields = fields_from_flags(given)
        quick = None if as_json or fields is None else quick_build(path, fields, quiet)
        if quick is not None:
            _print(*quick)
            return 0
        from rees2conda.env.api import build_unchanged
        from rees2conda.env.options import BuildOptions

        options = BuildOptions.from_flags(**given)  # type: ignore[arg-type]
        result = build_unchanged(path, options)
    except Exception:  # the full CLI recomputes and reports it properly
        return None
    if result is None:
        return None
    from rees2conda.output.build import build_summary

    lines = build_summary(result, quiet=bool(given.get("quiet")), as_json=as_json)
    _print([line for err, line in lines if not err], [line for err, line in lines if err])
    return 0


def fast_lock(args: list[str]) -> int | None:
    """Print the summary and return 0 when the lock is reused; None: let the CLI decide."""
    parsed = parse("lock", args)
    if parsed is None:
        return None
    path, given = parsed
    as_json = bool(given.pop("as_json", False))
    quiet = bool(given.pop("quiet", False))
    lockfile = given.pop("lockfile", None)
    try:
        from rees2conda.resolve import reuse

        fields = reuse.fields_from_flags({**given, "lockfile": lockfile})
        reused = reuse.quick_lock(path, fields)
        if reused is not None:
            if as_json:
                import json

                _print([json.dumps(reused, indent=2)])
            elif not quiet:
                _print([reuse.summary(reused)])
            return 0
        from pathlib import Path

        from rees2conda.resolve.api import LockOptions, reusable_lock

        options = LockOptions(quiet=quiet or as_json, **given)  # type: ignore[arg-type]
        result = reusable_lock(
            path, lockfile=Path(str(lockfile)) if lockfile else None, options=options
        )
    except Exception:  # the full CLI recomputes and reports it properly
        return None
    if result is None:
        return None
    from rees2conda.output.lock import lock_json, lock_summary

    if as_json:
        _print([lock_json(result)])
    elif not quiet:
        _print([lock_summary(result, False)])
    return 0


def fast_check(args: list[str]) -> int | None:
    """``check --format json``: print the report, return its exit status; None: the CLI."""
    parsed = parse("check", args)
    if parsed is None or parsed[1].get("fmt") != "json":
        return None
    path, given = parsed
    try:
        from rees2conda import check
        from rees2conda.sources.detect import looks_remote

        if looks_remote(path):  # fetched by the CLI
            return None
        report = check(path)
    except Exception:  # the full CLI recomputes and reports it properly
        return None
    from rees2conda.output.check import check_json, exit_code

    _print([check_json(report, getattr(sys.stdout, "encoding", None) or "utf-8")])
    return exit_code(report, bool(given.get("strict")))


def fast(args: list[str]) -> int | None:
    """The exit status when a fast path answered, else None."""
    if args == ["--version"]:
        from rees2conda import __version__

        sys.stdout.write(f"rees2conda, version {__version__}\n")
        return 0
    fast_paths = {"build": fast_build, "lock": fast_lock, "check": fast_check}
    if args and args[0] in fast_paths:
        return fast_paths[args[0]](args[1:])
    return None


def main() -> None:
    """Console entry point (``rees2conda`` and ``python -m rees2conda``)."""
    try:
        code = fast(sys.argv[1:])
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    if code is None:
        from rees2conda.cli import main as cli_main

        cli_main()
    sys.exit(code)


def leave(code: int) -> NoReturn:
    """Exit with ``code``. py-rattler 0.28 can abort at interpreter shutdown after an install or
    solve (its runtime threads outlive finalisation), turning a success into SIGABRT: once
    rattler was loaded, flush and leave with ``os._exit``, skipping that finalisation."""
    if "rattler" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)

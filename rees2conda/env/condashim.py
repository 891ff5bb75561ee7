"""The ``conda``/``mamba``/``micromamba`` a trusted postBuild sees (:mod:`.shims` puts it there).

Only what postBuild scripts use is implemented, with rees2conda's engine: ``install`` (see
:mod:`.addpkgs`), ``list``, ``clean`` (nothing to do: the package cache is the build's) and
``--version`` (``conda 0.0.0 (rees2conda shim)``: honest, never a real conda's number). Every
other command fails with exit 1 and says to move the packages into environment.yml: faking
``create``, ``env update``, ``remove`` or ``config`` would build something other than what the
repository declares.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from rees2conda import __version__
from rees2conda.env.addpkgs import ShimContext, add_packages
from rees2conda.errors import UserError

#: boolean options of ``install`` that change nothing here (no prompt, pinned first anyway)
_INSTALL_FLAGS = {
    "-y": "yes",
    "--yes": "yes",
    "-q": "quiet",
    "--quiet": "quiet",
    "-S": "skip",
    "--satisfied-skip-solve": "skip",
    "--freeze-installed": "freeze",
    "--no-update-deps": "freeze",
    "--override-channels": "override",
}
_VALUED = {
    "-c": "channel",
    "--channel": "channel",
    "-n": "name",
    "--name": "name",
    "-p": "prefix",
    "--prefix": "prefix",
    "--file": "file",
}


@dataclass
class InstallArgs:
    """``conda install``'s command line, as far as the shim understands it."""

    specs: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    override: bool = False
    quiet: bool = False
    name: str | None = None
    prefix: str | None = None
    files: list[str] = field(default_factory=list)

    def set(self, key: str, value: str | None) -> None:
        if key == "channel" and value is not None:
            self.channels.append(value)
        elif key == "file" and value is not None:
            self.files.append(value)
        elif key in ("name", "prefix"):
            setattr(self, key, value)
        elif key == "override":
            self.override = True
        elif key == "quiet":
            self.quiet = True


def parse_install(tool: str, args: Sequence[str]) -> InstallArgs:
    """``-y -c conda-forge -n env numpy=1.2 …`` (clusters like ``-yq`` and ``-c=x``,
    ``--channel=x`` as argparse accepts them); an unknown option is an error."""
    out = InstallArgs()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            out.specs += args[i:]
            break
        if arg.startswith("--"):
            opt, eq, value = arg.partition("=")
            if opt in _INSTALL_FLAGS and not eq:
                out.set(_INSTALL_FLAGS[opt], None)
            elif opt in _VALUED:
                if not eq:
                    if i >= len(args):
                        raise UserError(f"`{tool} install {opt}` needs a value")
                    value, i = args[i], i + 1
                out.set(_VALUED[opt], _value(tool, opt, value))
            else:
                raise _unsupported_option(tool, arg)
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                opt = "-" + arg[j]
                j += 1
                if opt in _INSTALL_FLAGS:
                    out.set(_INSTALL_FLAGS[opt], None)
                elif opt in _VALUED:
                    value = arg[j:].removeprefix("=")
                    if not value:
                        if i >= len(args):
                            raise UserError(f"`{tool} install {opt}` needs a value")
                        value, i = args[i], i + 1
                    out.set(_VALUED[opt], _value(tool, opt, value))
                    break
                else:
                    raise _unsupported_option(tool, arg)
        else:
            out.specs.append(arg)
    return out


def _value(tool: str, opt: str, value: str) -> str:
    """An option's value; an empty one (``--channel=``, ``-c ""``) is refused, as conda would
    otherwise be asked for its channel alias itself."""
    if not value.strip():
        raise UserError(f"`{tool} install {opt}` needs a value")
    return value


def _unsupported_option(tool: str, arg: str) -> UserError:
    return UserError(
        f"`{tool} install {arg}`: option not supported inside postBuild by rees2conda",
        hint="supported: -y, -q, -c/--channel, --override-channels, -n/-p (this env), --file",
    )


def _file_specs(path: str) -> list[str]:
    """Specs of a ``--file`` (one a line; ``#`` comments and ``@EXPLICIT`` lists refused)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"--file {path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"--file {path}: not UTF-8 text (byte {exc.start})") from None
    specs = [line.split("#", 1)[0].strip() for line in lines]
    if "@EXPLICIT" in specs:
        raise UserError(f"--file {path}: explicit package lists are not supported here")
    return [s for s in specs if s]


def _load_context() -> ShimContext:
    from rees2conda.env.shims import CONTEXT_VAR

    where = os.environ.get(CONTEXT_VAR)
    if not where:
        raise UserError("this command only runs inside a postBuild that rees2conda runs")
    try:
        data = json.loads(Path(where).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{where}: the build's settings are gone ({exc})") from None
    try:
        return ShimContext.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{where}: the build's settings are unreadable ({exc!r})") from None


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Hold the build's context file locked (``flock``): two stand-ins started at once
    (``conda install a & conda install b``) would each solve the env as it was and link over
    each other; the second waits and solves onto the first's result."""
    import fcntl

    from rees2conda.env.shims import CONTEXT_VAR

    fd = os.open(os.environ[CONTEXT_VAR], os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _check_target(ctx: ShimContext, name: str | None, prefix: str | None) -> None:
    """``-n``/``-p`` may only name the env being built."""
    if name is not None and name != ctx.name:
        raise UserError(
            f"-n {name}: only the environment being built ({ctx.name}) can be changed here",
            hint="drop -n, or move these packages into environment.yml",
        )
    if prefix is not None and os.path.realpath(prefix) != os.path.realpath(ctx.prefix):
        raise UserError(
            f"-p {prefix}: only the environment being built ({ctx.prefix}) can be changed here",
            hint="drop -p, or move these packages into environment.yml",
        )


def install(tool: str, args: Sequence[str]) -> int:
    parsed = parse_install(tool, args)
    specs = parsed.specs + [s for f in parsed.files for s in _file_specs(f)]
    ctx = _load_context()
    _check_target(ctx, parsed.name, parsed.prefix)
    if not specs:
        raise UserError(f"`{tool} install` needs at least one package")
    with _one_at_a_time():
        changed = add_packages(ctx, specs, parsed.channels, parsed.override)
    if not changed:
        print(f"rees2conda: {' '.join(specs)}: already installed in {ctx.prefix}")
        return 0
    shown = ", ".join(f"{r.name.normalized} {r.version} ({r.build})" for r in changed)
    print(f"rees2conda: installed into {ctx.prefix}: {shown}")
    return 0


def list_packages(tool: str, args: Sequence[str]) -> int:
    """``conda list``'s table from ``conda-meta`` (a name filter allowed)."""
    ctx = _load_context()
    pattern: str | None = None
    name = prefix = None
    as_json = False
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            as_json = True
        elif arg in ("-n", "--name", "-p", "--prefix") and rest:
            value = rest.pop(0)
            name, prefix = (value, prefix) if arg in ("-n", "--name") else (name, value)
        elif not arg.startswith("-") and pattern is None:
            pattern = arg
        else:
            raise UserError(f"`{tool} list {arg}`: option not supported inside postBuild")
    _check_target(ctx, name, prefix)
    rows = []
    for entry in sorted((ctx.prefix / "conda-meta").glob("*.json")):
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        pkg = str(data.get("name", ""))
        if pattern is None or pattern.lower() in pkg.lower():
            channel = str(data.get("channel") or "").rstrip("/").rsplit("/", 1)[-1]
            rows.append((pkg, str(data.get("version", "")), str(data.get("build", "")), channel))
    if as_json:  # the fields of `conda list --json` that conda-meta gives
        keys = ("name", "version", "build_string", "channel")
        print(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=2))
        return 0
    print(f"# packages in environment at {ctx.prefix}:\n#")
    print(f"# {'Name':<30} {'Version':<15} {'Build':<20} Channel")
    for row in rows:
        print(f"{row[0]:<32} {row[1]:<15} {row[2]:<20} {row[3]}")
    return 0


def refuse(tool: str, args: Sequence[str]) -> int:
    words = [a for a in args[:2] if not a.startswith("-")]
    if words[:1] != ["env"]:
        words = words[:1]
    print(
        f"rees2conda: `{tool} {' '.join(words)}` is not available inside postBuild: "
        "move these packages into environment.yml",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str]) -> int:
    """``main(["conda", "install", "-y", "numpy"])``; the exit status."""
    tool, args = argv[0], list(argv[1:])
    try:
        if not args or args[0] in ("-h", "--help"):
            print(f"{tool}: rees2conda's stand-in inside postBuild: install, list, clean")
            return 0 if args else 1
        command = args[0]
        if command in ("--version", "-V"):
            print(f"{tool} 0.0.0 (rees2conda {__version__} shim)")
            return 0
        if command == "install":
            return install(tool, args[1:])
        if command == "list":
            return list_packages(tool, args[1:])
        if command == "clean":
            print(f"rees2conda: `{tool} clean`: nothing to clean (the build owns its cache)")
            return 0
        return refuse(tool, args)
    except UserError as exc:
        hint = f"\n  hint: {exc.hint}" if getattr(exc, "hint", None) else ""
        print(f"rees2conda: {tool}: {exc}{hint}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line, as the CLI says it (the traceback on request)
        if os.environ.get("REES2CONDA_DEBUG"):
            raise
        from rees2conda.resolve.neterrors import redact  # a channel token never shows

        print(
            f"rees2conda: {tool}: internal error: {type(exc).__name__}: {redact(str(exc))}\n"
            "  hint: this is a bug in rees2conda; rerun with REES2CONDA_DEBUG=1 for the "
            "traceback and report it.",
            file=sys.stderr,
        )
        return 70


def run(argv: Sequence[str]) -> NoReturn:
    """:func:`main`, then exit as the CLI does (:func:`rees2conda.entry.leave`)."""
    from rees2conda.entry import leave

    leave(main(argv))

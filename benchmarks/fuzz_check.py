"""Fuzz ``rees2conda check`` with thousands of generated, adversarial repositories.

Usage: ``python benchmarks/fuzz_check.py [--count N] [--seed S] [--keep DIR] [--slow SECONDS]``.

Each repository mixes every REES file kind with hostile content: BOMs and PEP 263 coding lines
naming any codec (text or not), NUL bytes, invalid UTF-8, lone surrogates (UTF-7, escapes, file
names that are not UTF-8), numbers of thousands of digits, lines of megabytes, deep YAML/TOML,
odd Unicode (line separators, full-width digits), odd pip syntax and runtime.txt, symlinks
(outside, loops, to devices), FIFOs, sockets, directories where files are expected and
unreadable folders. Every repository is read once (timed) and its report rendered in all three
output formats into strict UTF-8 and ASCII streams, as a terminal or a pipe would take them.

Counted as failures: an exception out of the reader or a renderer, an R2C001 finding (an
internal error), a conda match spec ``check`` accepts that ``lock``'s parser (py-rattler)
refuses, a run slower than ``--slow`` seconds (default 5) and a hang (60 s alarm).
Exit status 1 when any failure was seen. ``--keep DIR`` copies failing repositories there.
Runs in one process (the machine is shared), large repositories also in a fresh one; a few
thousand repositories take minutes.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import encodings.aliases
import io
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))

from condaspec_corpus import lock_parses, mutate, valid_form  # noqa: E402

from rees2conda.commands.check import emit  # noqa: E402
from rees2conda.rees.layout import REES_NAMES  # noqa: E402
from rees2conda.rees.reader import read_repository  # noqa: E402

REES = list(REES_NAMES)  # every name Binder looks for
ROOT_ONLY = ["setup.py", "pyproject.toml", "DESCRIPTION"]
#: weights: the files that are parsed come up far more often
COMMON = ["environment.yml", "requirements.txt", "runtime.txt", "pyproject.toml", "setup.py"]

TEXT_CODECS = sorted(set(encodings.aliases.aliases.values()))
ODD_CODECS = [
    "rot13",
    "rot_13",
    "hex",
    "hex_codec",
    "zlib",
    "zip",
    "uu",
    "base64",
    "bz2",
    "quopri",
    "undefined",
    "idna",
    "punycode",
    "utf-7",
    "unicode_escape",
    "raw_unicode_escape",
    "mbcs",
    "oem",
    "palmos",
    "utf_16",
    "utf-32",
    "utf-8-sig",
    "no-such-codec",
    "x" * 300,
    "ascii",
    "latin-1",
    "cp1252",
    "koi8-r",
    "shift_jis",
    "big5",
    "euc-jp",
]
BOMS = [
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
]
ODD_UNICODE = [
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\r",
    "\r\n",
    "\u200b",
    "\u200e",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "３",
    "١",
    "𝟗",
    "é",
    "e\u0301",
    "ﬁ",
    "\U0001f600",
    "\x1b[31m",
    "\x7f",
    "\t",
    "İ",
    "ß",
    "K",  # Kelvin sign
]


WIN_PATH = "C:\\x"


def big(rng: random.Random) -> str:
    """A number of 4,000 to 60,000 digits (Python's int() refuses more than 4,300)."""
    return "1" + "0" * rng.choice([4299, 4300, 4301, 5000, 20000, 60000])


class Gen:
    """One repository's worth of random choices."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: list) -> object:  # type: ignore[type-arg]
        return self.rng.choice(items)

    def odd(self) -> str:
        return str(self.pick(ODD_UNICODE))

    def number(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return big(self.rng)
        if r < 0.3:
            return str(self.rng.choice([0, -1, 2**64, 10**30]))
        if r < 0.4:
            return self.odd() + "1"
        return str(self.rng.randint(0, 20))

    def version(self) -> str:
        parts = [self.number() for _ in range(self.rng.randint(1, 4))]
        v = ".".join(parts)
        if self.rng.random() < 0.2:
            v += self.pick(["*", ".*", "a1", "rc1", ".post1", ".dev0", "+local", "!", "..", ""])
        if self.rng.random() < 0.1:
            v = self.number() + "!" + v
        return v

    def killer(self) -> str:
        """A run of one character that a backtracking regex may try at every split, then a
        character that makes it fail."""
        unit = self.pick([" ", "\t", "a", "[", "(", "#", "=", ".", "1", "\n", " #", "a ", "-"])
        n = self.rng.choice([3000, 30_000, 300_000])
        return str(unit) * (n // len(str(unit))) + str(self.pick(["\x00", "!", "x", "[", "é", ""]))

    def long(self, unit: str = "x") -> str:
        n = self.rng.choice([10_000, 200_000, 1_000_000, 2 * 1024 * 1024 - 100])
        return (unit * (n // max(len(unit), 1) + 1))[:n]

    # --- file kinds ----------------------------------------------------------------------------
    def runtime(self) -> str:
        name = self.pick(["python", "r", "julia", "Python", "", "python3", "pypy"])
        shapes = [
            f"{name}-{self.version()}",
            f"{name}-{self.number()}-{self.number()}-{self.number()}",
            f"{name}-{self.version()}-{self.number()}-{self.number()}-{self.number()}",
            f"{name}-2023-02-29",
            f"{name}-{self.version()}-9999-12-31",
            self.odd() + f"{name}-3.11",
            f"{name}-3.11{self.odd()}",
            f"{name}-3.11\n{self.pick(['python-3.9', '#', ''])}",
            "-" * self.rng.randint(1, 6),
            f"{name}--3.11",
            "",
            "   \n\n",
            self.killer(),
            f"python-{self.killer()}",
        ]
        return str(self.pick(shapes))

    def pip_line(self) -> str:
        name = self.pick(["numpy", "a", "A_b.c", "x-", "-x", "é", "numpy" + self.odd(), "1"])
        shapes = [
            f"{name}=={self.version()}",
            f"{name}>={self.version()},<{self.version()}",
            f"{name}~={self.version()}",
            f"{name}==={self.version()}",
            f"{name}[{self.pick(['', 'a', 'a,b', ',', 'é'])}]{self.pick(['', '>=1'])}",
            f"{name} ; python_version {self.pick(['<', '>=', '==', '~='])} '{self.version()}'",
            f"{name} ; python_full_version < '{self.version()}' and os_name == 'x'",
            f"{name} @ {self.pick(['https://x/y.whl', 'file:///etc/passwd', 'git+https://x', ''])}",
            f"-r {self.pick(['inc.txt', 'sub/inc.txt', '../x', '/etc/passwd', 'fifo', 'dev'])}",
            f"-c {self.pick(['inc.txt', 'con.txt', 'requirements.txt', 'missing'])}",
            f"--requirement={self.pick(['inc.txt', 'sub/inc.txt', 'file:inc.txt'])}",
            f"-rinc.txt{self.odd()}",
            f"-e {self.pick(['.', './pkg', '..', 'git+https://x/y#egg=z', '~/x', WIN_PATH])}",
            f"--index-url {self.pick(['https://u:p@x/simple', '${TOKEN}', ''])}",
            f"--hash={self.pick(['sha256:ab', '', 'x' * 5000])}",
            f"{name} --hash=sha256:{'a' * 64} \\",
            f"{name} --install-option=--x",
            f"{name} {self.pick(['--', '-', '--=', '--hash', '-e'])}",
            f"{name} '{self.odd()}",
            f'"{name}',
            "\\",
            f"# -*- coding: {self.pick(ODD_CODECS + TEXT_CODECS)} -*-",
            f"{name}==1.0 # {self.long('#') if self.rng.random() < 0.05 else 'comment'}",
            "--pre --prefer-binary --no-index -f .",
            f"--only-binary={self.pick([':all:', ':none:', name])}",
            f"{name}[{'a,' * self.rng.randint(1, 2000)}]",
            f"{name} ; " + " and ".join(["os_name == 'x'"] * self.rng.randint(1, 400)),
            f"{name}" + "(" * self.rng.randint(1, 3000),
            f"{name} ; " + "(" * self.rng.randint(1, 3000) + "os_name == 'x'",
            self.odd() * self.rng.randint(1, 5),
            f"{name}=={self.odd()}1.0",
            f"{name}>={self.version()}" + f",>={self.version()}" * self.rng.randint(0, 300),
            f"{name}{self.killer()}",
            self.killer(),
            f"{name} @ {self.killer()}",
            f"-e {self.killer()}",
            f"{name}[{self.killer()}",
        ]
        return str(self.pick(shapes))

    def requirements(self) -> str:
        lines = [self.pip_line() for _ in range(self.rng.randint(0, 8))]
        sep = self.pick(["\n", "\n", "\r\n", "\r", "\u2028", "\x0c\n", " \\\n"])
        text = str(sep).join(lines)
        if self.rng.random() < 0.05:
            text += "\n#" + self.long()
        if self.rng.random() < 0.03:
            text += "\n" + self.long("numpy\\\n")
        if self.rng.random() < 0.03:
            text += "\n" + self.long("a\n")
        return text

    def conda_dep(self) -> str:
        shapes = [
            f"python={self.version()}",
            f"python=={self.version()}",
            f"python {self.pick(['>=', '<', '=', '==', ''])}{self.version()}",
            f"python>={self.version()},<{self.version()}",
            f"python[version='>={self.version()}']",
            f"conda-forge::python={self.version()}",
            f"python={self.version()}={self.pick(['h0', '*', ''])}",
            f"numpy={self.version()}",
            f"r-base={self.version()}",
            "pip",
            f"{self.odd()}python=3.11",
            f"python=3.11{self.odd()}",
            "python=" + "." * self.rng.randint(1, 5000),
            "python" + " " * self.rng.randint(1, 5000) + "=3",
            "python|" * self.rng.randint(1, 2000),
            "python>=3" + ",<4" * self.rng.randint(1, 2000),
            "python " + "3.1|" * self.rng.randint(1, 2000),
            f"numpy[build={self.number()}]",
            f"python{self.killer()}",
            f"conda-forge::numpy{self.killer()}",
            f"numpy[a]{self.killer()}",
            self.killer(),
            valid_form(self.rng),  # the spec forms of issue 7 ...
            mutate(self.rng, valid_form(self.rng)),  # ... and mutations: lock must parse them
            mutate(self.rng, valid_form(self.rng)),
        ]
        return str(self.pick(shapes))

    def yaml_scalar(self, text: str) -> str:
        style = self.rng.random()
        if style < 0.6:
            return text
        if style < 0.8:
            return "'" + text.replace("'", "''") + "'"
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def environment(self) -> str:
        deps = [f"  - {self.yaml_scalar(self.conda_dep())}" for _ in range(self.rng.randint(0, 6))]
        if self.rng.random() < 0.5:
            deps.append("  - pip:")
            deps += [
                f"    - {self.yaml_scalar(self.pip_line())}" for _ in range(self.rng.randint(0, 5))
            ]
        body = "name: x\nchannels:\n  - conda-forge\n  - nodefaults\ndependencies:\n"
        body += "\n".join(deps) + "\n"
        r = self.rng.random()
        if r < 0.06:
            body = f"# {self.long()}\n" + body
        elif r < 0.1:
            body += f"# {self.long()}\n"
        elif r < 0.13:
            body = body.replace("name: x", f"name: {self.long()}")
        elif r < 0.16:
            body += "  - " + self.long("a") + "\n"
        elif r < 0.2:
            body = "a:\n" + "".join(
                " " * i + f"k{i}:\n" for i in range(1, self.rng.choice([40, 60, 200, 2000]))
            )
        elif r < 0.24:
            n = self.rng.choice([10, 49, 51, 1000, 100_000])
            body += "x: " + "[" * n + "]" * n + "\n"
        elif r < 0.27:
            body += "x: " + "- " * self.rng.randint(10, 5000) + "a\n"
        elif r < 0.3:
            body = "a: &a [1]\n" + "".join(f"b{i}: *a\n" for i in range(self.rng.randint(1, 40)))
        elif r < 0.33:
            body = body.replace("\n", self.odd())
        elif r < 0.36:
            body += f'x: "\\u{self.rng.randint(0xD800, 0xDFFF):04x}"\n'
            body += f'  - "\\ud800{self.pick(["numpy", ""])}"\n'
        elif r < 0.39:
            body += f"x: {big(self.rng)}\ny: 0x{'f' * 5000}\nz: 1e{big(self.rng)}\n"
        elif r < 0.42:
            body += f"x: !!{self.pick(['binary', 'python/object', 'timestamp', 'int', 'omap'])} a\n"
        elif r < 0.45:
            body += self.pick(["%YAML 1.1\n---\n", "---\n---\n", "...\n", "? a\n: b\n"])
        elif r < 0.48:
            body += f"dependencies: [{', '.join(['numpy'] * self.rng.randint(1, 3))}]\n"
        elif r < 0.5:
            key = self.long("[") if self.rng.random() < 0.3 else "[a, b]"
            body = body.replace("dependencies:", f"? {key}\n:")
        elif r < 0.54:  # many small entries: cheap to write, ~40 us each to load
            n = self.rng.choice([5000, 19_000, 25_000, 300_000])
            body += self.pick(["  - a\n" * n, "x: [" + "a, " * n + "a]\n"])  # type: ignore[operator]
        return body

    def pyproject(self) -> str:
        shapes = [
            f'[project]\nrequires-python = "{self.pick([">=", "<", "==", ""])}{self.version()}"\n'
            '[build-system]\nrequires = ["setuptools"]\n',
            f'[project]\nrequires-python = ">={self.version()}, <{self.version()}"\n',
            f"[project]\nrequires-python = {self.number()}\n",
            f"x = {big(self.rng)}\n",
            "x = " + "[" * self.rng.choice([10, 1000, 100_000]) + "\n",
            "x = " + "{a=" * self.rng.randint(10, 3000) + "1" + "}" * 3000 + "\n",
            f'[project]\nrequires-python = "{self.odd()}>=3.8"\n[build-system]\n',
            f"# {self.long()}\n[project]\n",
            '[project]\nname = "x"\nrequires-python = """\n>=3.8\n"""\n[build-system]\n',
            "[[project]]\n[build-system]\n",
            f"{self.killer()}\n[project]\n",
            f'[project]\nrequires-python = "{self.killer()}"\n[build-system]\n',
            "\x00",
        ]
        return str(self.pick(shapes))

    def pipfile(self, lock: bool) -> str:
        v = self.pick([self.version(), big(self.rng), "", self.odd()])
        if lock:
            return self.pick(
                [
                    f'{{"_meta": {{"requires": {{"python_version": "{v}"}}}}}}',
                    f'{{"_meta": {{"requires": {{"python_version": {big(self.rng)}}}}}}}',
                    "[" * 100_000,
                    '{"_meta": ' + "[" * 5000 + "]" * 5000 + "}",
                    '{"_meta": {"requires": 5}}',
                    '{"_meta": "\\ud800"}',
                ]
            )  # type: ignore[return-value]
        return f'[requires]\npython_version = "{v}"\n'

    def dockerfile(self) -> str:
        return str(
            self.pick(
                [
                    "FROM andrewosh/binder-base\n",
                    "FROM python:3.11\n",
                    "# x\nFROM " + self.long() + "\n",
                    "\n" * 100 + "FROM andrewosh/binder-base" + self.odd(),
                    "",
                ]
            )
        )

    def text_for(self, name: str) -> str:
        base = name.rsplit("/", 1)[-1]
        if base == "runtime.txt":
            return self.runtime()
        if base in ("environment.yml", "environment.yaml"):
            return self.environment()
        if base.endswith(".txt") and base != "apt.txt":
            return self.requirements()
        if base == "pyproject.toml":
            return self.pyproject()
        if base in ("Pipfile", "Pipfile.lock"):
            return self.pipfile(base == "Pipfile.lock")
        if base == "Dockerfile":
            return self.dockerfile()
        if base == "apt.txt":
            return str(
                self.pick(
                    [
                        "",
                        "# c\n",
                        "libgl1\n",
                        self.long("\n"),
                        self.odd(),
                        self.killer(),
                        "libgl1=1.0 # x\n" * 50_000,
                        "Bad-Name\n",
                        "a" * 100_000 + "=:/" * 1000,
                    ]
                )
            )
        if base in ("postBuild", "start"):
            return str(
                self.pick(
                    [
                        '#!/bin/bash\npip install numpy\nexec "$@"\n',
                        "\n" * self.rng.choice([100, 100_000, 1_000_000]),
                        "pip install " + self.killer(),
                        "conda install -c conda-forge " + "a " * self.rng.randint(1, 300_000),
                        self.killer(),
                        "exec" + self.killer(),
                    ]
                )
            )
        return str(self.pick(["", "x\n", self.odd(), "#!/bin/sh\n"]))

    def encode(self, name: str, text: str) -> bytes:
        """Text to bytes, sometimes with a BOM, a coding line, NULs or broken bytes."""
        r = self.rng.random()
        if r < 0.55:
            try:
                return text.encode("utf-8", "surrogatepass")
            except UnicodeEncodeError:
                return text.encode("utf-8", "replace")
        if r < 0.65:
            bom = self.pick(BOMS)
            enc = {
                codecs.BOM_UTF8: "utf-8",
                codecs.BOM_UTF16_LE: "utf-16-le",
                codecs.BOM_UTF16_BE: "utf-16-be",
                codecs.BOM_UTF32_LE: "utf-32-le",
                codecs.BOM_UTF32_BE: "utf-32-be",
            }[bom]  # type: ignore[index]
            data = text.encode(enc, "surrogatepass")
            if self.rng.random() < 0.3:
                data = data[: max(len(data) - 1, 0)]  # truncated code unit
            return bom + data  # type: ignore[operator]
        if r < 0.8:
            codec = str(self.pick(ODD_CODECS + TEXT_CODECS))
            head = self.pick(
                [
                    f"# -*- coding: {codec} -*-\n",
                    f"#coding={codec}\n",
                    f"# vim: set fileencoding={codec} :\n",
                    f"\n# coding: {codec}\n",
                    f"  # coding: {codec}\n",
                ]
            )
            body = text
            try:
                data = codecs.encode(body, codec)  # type: ignore[arg-type]
                if isinstance(data, str):
                    data = data.encode("utf-8", "surrogatepass")
            except Exception:
                data = body.encode("utf-8", "surrogatepass")
            if codec == "utf-7" and self.rng.random() < 0.5:
                data += b"\n-r +2D8-.txt\nnumpy+2D8-\n"  # lone surrogates after decoding
            if codec in ("unicode_escape", "raw_unicode_escape"):
                data += b"\n-r \\udcff.txt\nnumpy\\ud800==1\n"
            return str(head).encode("ascii") + data
        if r < 0.83:  # lone surrogates after decoding, in includes and requirements
            return self.pick(
                [
                    b"# coding: utf-7\n-r +2D8-.txt\nnumpy+2D8-\n",
                    b"# coding: unicode_escape\n-r \\udcff.txt\n-e ./\\ud800\n",
                    b"# coding: raw_unicode_escape\nnumpy\\udfff==1\n",
                ]
            )  # type: ignore[return-value]
        if r < 0.88:
            data = text.encode("utf-8", "replace")
            pos = self.rng.randint(0, len(data))
            bad = self.pick([b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"])
            return data[:pos] + bad + data[pos:]  # type: ignore[operator]
        if r < 0.94:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 400)))
        return text.encode("utf-16")


def make_special(path: Path, kind: str) -> None:
    """Replace ``path`` by a special file of ``kind``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(str(path))
        except OSError:  # path too long for a socket
            os.mkfifo(path)
        finally:
            s.close()
    elif kind == "dir":
        path.mkdir()
    elif kind == "dev-null":
        os.symlink("/dev/null", path)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "broken":
        os.symlink("does-not-exist", path)
    elif kind == "loop":
        os.symlink(path.name, path)
    elif kind == "outside":
        os.symlink("/etc/hostname", path)
    elif kind == "nonutf8-target":
        os.symlink(os.fsdecode(b"\xff\xfe-nowhere"), path)
    elif kind == "nonutf8-outside":
        os.symlink(os.fsdecode(b"/tmp/\xff\xfe-outside"), path)
    elif kind == "unreadable":
        path.write_text("numpy\n")
        path.chmod(0)
    elif kind == "fifo-via-symlink":
        os.mkfifo(path.with_name(path.name + ".fifo"))
        os.symlink(path.name + ".fifo", path)


SPECIALS = [
    "fifo",
    "socket",
    "dir",
    "dev-null",
    "dev-zero",
    "broken",
    "loop",
    "outside",
    "nonutf8-target",
    "nonutf8-outside",
    "unreadable",
    "fifo-via-symlink",
]


def generate(rng: random.Random, root: Path) -> None:
    """Write one random repository under ``root``."""
    g = Gen(rng)
    root.mkdir()
    folder = rng.choice(["", "", "", "binder/", ".binder/", "both"])
    prefixes = ["binder/", ".binder/"] if folder == "both" else [folder]
    names: list[str] = []
    for _ in range(rng.randint(0, 5)):
        base = rng.choice(COMMON * 4 + REES)
        names.append(rng.choice(prefixes) + base)
    for _ in range(rng.randint(0, 2)):
        names.append(rng.choice(ROOT_ONLY + COMMON))
    names += rng.sample(["inc.txt", "sub/inc.txt", "con.txt", "binder/inc.txt"], rng.randint(0, 2))
    if folder in ("binder/", ".binder/") and not any(n.startswith(folder) for n in names):
        (root / folder).mkdir()
    for name in dict.fromkeys(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(g.encode(name, g.text_for(name)))
    # special files where a REES file or an include is expected
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        target = rng.choice(
            [*names, "requirements.txt", "environment.yml", "fifo", "inc.txt", "dev"]
            if names
            else ["requirements.txt", "environment.yml", "runtime.txt"]
        )
        with contextlib.suppress(OSError):  # e.g. a file where a folder was to be
            make_special(root / target, rng.choice(SPECIALS))
    with contextlib.suppress(OSError):
        _odd_folders(rng, root, prefixes)
    if rng.random() < 0.01:  # amplification: one big file included again and again
        req = root / (rng.choice(prefixes) + "requirements.txt")
        with contextlib.suppress(OSError):
            req.parent.mkdir(parents=True, exist_ok=True)
            req.write_text("-r big.txt\n" * rng.choice([10, 300]))
            (req.parent / "big.txt").write_text(rng.choice(["# ", "numpy ", ""]) + g.long())


def _odd_folders(rng: random.Random, root: Path, prefixes: list[str]) -> None:
    """A special or unreadable binder folder; a file name that is not UTF-8."""
    if rng.random() < 0.04:  # the binder folder itself is special
        which = rng.choice(["binder", ".binder"])
        kind = rng.choice(["fifo", "socket", "dev-null", "broken", "loop", "outside", "file"])
        if kind == "file":
            p = root / which
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            p.write_text("x")
        else:
            make_special(root / which, kind)
    if rng.random() < 0.03:  # unreadable (only bites when not root) or unlistable binder folder
        p = root / rng.choice(["binder", ".binder"])
        if not os.path.lexists(p):
            p.mkdir()
            (p / "requirements.txt").write_text("numpy\n")
        if p.is_dir() and not p.is_symlink():
            p.chmod(rng.choice([0, 0o111, 0o444]))
    if rng.random() < 0.05:  # a name that is not UTF-8 next to the REES files
        (root / os.fsdecode(b"requirements\xff.txt")).write_text("numpy\n")
        req = root / (rng.choice(prefixes) + "requirements.txt")
        req.parent.mkdir(parents=True, exist_ok=True)
        if not req.exists() and not req.is_symlink():
            req.write_bytes(b"-r requirements\xff.txt\n")


class Hang(BaseException):
    """Raised by the alarm; not an Exception, so the reader's last-resort handler lets it by."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def restore_permissions(root: Path) -> None:
    for dirpath, dirnames, _files in os.walk(root):
        for d in dirnames:
            p = Path(dirpath, d)
            if not p.is_symlink():
                p.chmod(0o755)


def _shape(message: str) -> str:
    """A message with its variable parts blanked, to count failures by kind."""
    message = re.sub(r"'[^']*'", "'…'", message)
    return re.sub(r"\d+", "N", message)[:100]


COLD = """
import sys, time
from rees2conda.rees.reader import read_repository
start = time.perf_counter()
read_repository(sys.argv[1])
print(time.perf_counter() - start)
"""


def size_of(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            total += st.st_size if stat.S_ISREG(st.st_mode) else 0
    return total


def cold_read(root: Path, limit: float) -> float:
    """Seconds a fresh process takes to read ``root``: memory reuse in a long-running process
    hides some quadratic copying that a first read in a new process pays in full."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", COLD, str(root)],
            capture_output=True,
            text=True,
            timeout=limit * 4,
            cwd=ROOT,
        )
        return float(done.stdout.strip() or "inf")
    except subprocess.TimeoutExpired:
        return limit * 4


def run_one(root: Path, failures: Counter, examples: dict) -> float:  # type: ignore[type-arg]
    """Read and render one repository; record failures; return the seconds the read took."""
    start = time.perf_counter()
    signal.alarm(60)
    try:
        report = read_repository(root)
    except Hang:
        failures["hang"] += 1
        examples.setdefault("hang", str(root))
        return time.perf_counter() - start
    except Exception as exc:  # the reader must never raise
        key = f"exception {type(exc).__name__}: {_shape(str(exc))}"
        failures[key] += 1
        examples.setdefault(key, str(root))
        return time.perf_counter() - start
    finally:
        signal.alarm(0)
    elapsed = time.perf_counter() - start
    for f in report.findings:
        if f.code == "R2C001":
            key = "R2C001 " + _shape(f.message[41:])
            failures[key] += 1
            examples.setdefault(key, str(root))
    for dep in report.spec.conda if report.ok and report.spec is not None else ():
        if not lock_parses(dep.spec):  # check ok => lock parses every match spec (issue 7)
            key = "check accepts a match spec lock cannot parse"
            failures[key] += 1
            examples.setdefault(key, f"{root}: {dep.spec!r}")
    for fmt in ("text", "json", "github"):
        for encoding in ("utf-8", "ascii"):
            stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")
            try:
                emit(report, fmt, False, stream)
                stream.flush()
            except Exception as exc:
                what = "lone surrogate" if "surrogate" in str(exc) else "character"
                key = f"render {fmt}/{encoding} {type(exc).__name__} ({what})"
                failures[key] += 1
                examples.setdefault(key, str(root))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument(
        "--cold-above",
        type=int,
        default=100_000,
        help="also time repositories larger than this many bytes in a fresh process",
    )
    parser.add_argument("--keep", type=Path, help="copy failing repositories here")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    times: list[tuple[float, int]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rees2conda-fuzz-") as tmp:
        for i in range(args.count):
            rng = random.Random(f"{args.seed}-{i}")
            root = Path(tmp) / f"r{i}"
            generate(rng, root)
            before = sum(failures.values())
            elapsed = run_one(root, failures, examples)
            if size_of(root) > args.cold_above:
                elapsed = max(elapsed, cold_read(root, args.slow))
            times.append((elapsed, i))
            if elapsed > args.slow:
                failures["slow"] += 1
                examples.setdefault("slow", str(root))
            if sum(failures.values()) > before and args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                restore_permissions(root)
                dest = args.keep / f"seed{args.seed}-r{i}"
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(
                    root,
                    dest,
                    symlinks=True,
                    ignore_dangling_symlinks=True,
                    copy_function=_copy_special,
                )
            restore_permissions(root)
            shutil.rmtree(root, ignore_errors=True)
    times.sort(reverse=True)
    r2c001 = sum(n for k, n in failures.items() if k.startswith("R2C001"))
    print(f"repositories: {args.count} (seed {args.seed}) in {time.perf_counter() - began:.0f} s")
    print(f"R2C001 findings: {r2c001}")
    print(f"slowest reads: {', '.join(f'{t:.2f}s (r{i})' for t, i in times[:5])}")
    print(f"failures: {sum(failures.values())}")
    for key, n in failures.most_common():
        print(f"  {n:5}  {key}  [e.g. {Path(examples[key]).name}]")
    return 1 if failures else 0


def _copy_special(src: str, dst: str) -> None:
    mode = os.lstat(src).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        os.mkfifo(dst)
    else:
        shutil.copy2(src, dst)


if __name__ == "__main__":
    sys.exit(main())

"""apt.txt and its conda-forge equivalents: what each line needs in a conda environment.

Binder runs ``apt-get install`` (as root) on apt.txt's packages before it builds the conda
environment. rees2conda cannot install Debian packages, but most of what apt.txt asks for exists
on conda-forge under another name (``libjpeg-dev`` is ``libjpeg-turbo``, ``build-essential`` is
``compilers`` and ``make``), is not needed in a conda environment at all (``sudo``), or is part of
the system people log in to (``git``, ``vim``). The table of equivalents is data
(``data/apt_conda.toml``, documented in docs/apt.md, checked by scripts/apt_conda_table.py);
this module reads apt.txt as repo2docker does and turns each package into a finding and, with
``--apt conda``, into conda specs added to the environment.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from rees2conda import codes
from rees2conda.model import Finding, Origin
from rees2conda.record import field, record
from rees2conda.rees.textfile import Repo, read_text

Status = Literal["conda", "not-needed", "host", "missing"]
AptMode = Literal["refuse", "conda"]

TABLE_PATH = Path(__file__).with_name("data") / "apt_conda.toml"

#: repo2docker's check of each apt.txt line (buildpacks/base.py): it raises on anything else.
_BINDER_NAME = re.compile(r"^[a-z0-9.+-]+")
#: ``name``, ``name=version``, ``name:arch``, ``name/release``: apt-get's forms of one package.
_QUALIFIER = re.compile(r"[=:/].*$")


@record(frozen=True)
class AptEntry:
    """One row of the table: what a Debian/Ubuntu package is in a conda environment."""

    name: str
    status: Status
    conda: tuple[str, ...] = ()  # conda-forge specs (status conda; the alternative for host)
    reason: str = ""  # why not needed / why on the host / why no equivalent; a note for conda
    debian: str = ""  # the Debian (or Ubuntu) package description: the source of the mapping


@record(frozen=True)
class AptPackage:
    """One package word of apt.txt, where it is, and what the table says about it."""

    word: str
    line: int
    column: int
    entry: AptEntry | None  # None: not in the table


@record
class AptReview:
    """What apt.txt asks for, package by package, and what that gives in a conda environment."""

    path: str
    packages: list[AptPackage] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    binder_fails: bool = False  # a line repo2docker rejects: Binder's build stops

    @property
    def unmapped(self) -> list[AptPackage]:
        return [p for p in self.packages if p.entry is None or p.entry.status == "missing"]

    @property
    def mappable(self) -> bool:
        """True when every package has a conda-forge equivalent or needs nothing."""
        return not self.binder_fails and not self.unmapped

    def specs(self) -> list[tuple[str, Origin, str]]:
        """``(conda spec, origin, apt package)`` for every mapped package, first origin wins."""
        out: list[tuple[str, Origin, str]] = []
        seen: set[str] = set()
        for p in self.packages:
            if p.entry is None or p.entry.status != "conda":
                continue
            for spec in p.entry.conda:
                if spec not in seen:
                    seen.add(spec)
                    out.append((spec, Origin(self.path, p.line, p.column), p.word))
        return out

    def mapping(self) -> dict[str, str]:
        """apt package -> its conda specs (comma-separated), ``not-needed`` or ``host``: what
        the lock records of apt.txt (``EnvSpec.apt``)."""
        return {
            p.word: ",".join(p.entry.conda) if p.entry.status == "conda" else p.entry.status
            for p in self.packages
            if p.entry is not None
        }


# --- the table ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_table(path: Path = TABLE_PATH) -> dict[str, AptEntry]:
    """The table, keyed by lower-cased apt package name (read once per process)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    with open(path, "rb") as f:
        data = tomllib.load(f)
    return {name.lower(): _entry(name, row) for name, row in data["packages"].items()}


def _entry(name: str, row: dict[str, Any]) -> AptEntry:
    kinds = [k for k in ("conda", "not-needed", "host", "missing") if k in row]
    if not kinds:
        raise ValueError(f"apt table: {name} has none of conda, not-needed, host, missing")
    status: Status = "host" if "host" in row else kinds[0]
    reason = row.get("host") or row.get("not-needed") or row.get("missing") or row.get("note", "")
    return AptEntry(
        name=name,
        status=status,
        conda=tuple(row.get("conda", ())),
        reason=str(reason),
        debian=str(row.get("debian", "")),
    )


def lookup(word: str) -> AptEntry | None:
    """The table's entry for an apt.txt package word (version, arch and release ignored)."""
    name = _QUALIFIER.sub("", word).lower()
    return load_table().get(name)


# --- reading apt.txt ------------------------------------------------------------------------------
def parse(text: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int]]]:
    """``(word, line, column)`` of every package, and the lines repo2docker rejects.

    repo2docker keeps the part of each line before ``#``, skips empty lines, checks that the rest
    starts like a package name and pastes it into ``apt-get install``: several words on one line
    are several packages.
    """
    words: list[tuple[str, int, int]] = []
    rejected: list[tuple[str, int]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        content = raw.partition("#")[0]
        if not content.strip():
            continue
        if not _BINDER_NAME.match(content.strip()):
            rejected.append((content.strip(), number))
            continue
        for match in re.finditer(r"\S+", content):
            words.append((match.group(), number, match.start() + 1))
    return words, rejected


def review(repo: Repo, rel: str, mode: AptMode = "refuse") -> AptReview:
    """Read apt.txt and make one finding per package (and one for the file when refusing)."""
    result = AptReview(path=rel)
    text, problem = read_text(repo, rel)
    if problem is not None:  # Binder fails reading it, too
        result.findings.append(problem)
        result.binder_fails = True
    words, rejected = parse(text or "")
    for content, number in rejected:
        result.binder_fails = True
        result.findings.append(
            codes.finding(
                "R2C114",
                f"{content!r} is not a package name Binder accepts: its build stops here",
                path=rel,
                line=number,
                column=1,
            )
        )
    for word, number, column in words:
        if word.startswith("-"):  # an apt-get option pasted into the command line
            continue
        package = AptPackage(word, number, column, lookup(word))
        result.packages.append(package)
        result.findings.append(_package_finding(package, rel, mode))
    if mode != "conda":
        result.findings.insert(0, _refusal(result, rel, text))
    return result


def _package_finding(p: AptPackage, rel: str, mode: AptMode) -> Finding:
    where: dict[str, Any] = {"path": rel, "line": p.line, "column": p.column}
    entry = p.entry
    data: dict[str, Any] = {"apt": p.word, "status": entry.status if entry else "unknown"}
    if entry is None or entry.status == "missing":
        why = entry.reason if entry else "not in rees2conda's table of apt packages"
        data["conda"] = []
        return codes.finding(
            "R2C113", f"{p.word}: no conda-forge equivalent known ({why})", data=data, **where
        )
    if entry.status == "conda":
        specs = ", ".join(entry.conda)
        data["conda"] = list(entry.conda)
        note = f" ({entry.reason})" if entry.reason else ""
        if mode == "conda":
            hint = f"added to the environment by --apt conda: {specs}"
        else:
            hint = "add to environment.yml's dependencies:\n" + "".join(
                f"  - {s}\n" for s in entry.conda
            )
        return codes.finding(
            "R2C111",
            f"{p.word}: conda-forge has {specs}{note}",
            hint=hint.rstrip("\n"),
            data=data,
            **where,
        )
    data["conda"] = []
    if entry.status == "host":
        if entry.conda:
            data["alternative"] = list(entry.conda)
        also = f"; conda-forge has {', '.join(entry.conda)} if you want it in the env" * bool(
            entry.conda
        )
        message = f"{p.word}: not added: {entry.reason or 'part of the system'}{also}"
    else:
        message = f"{p.word}: not needed in a conda environment ({entry.reason})"
    return codes.finding("R2C112", message, data=data, **where)


def _refusal(result: AptReview, rel: str, text: str | None) -> Finding:
    """The file-level error of the default mode, whose hint is the block to paste."""
    specs = result.specs()
    hint = codes.CODES["R2C106"].hint
    if specs:
        width = max(len(spec) for spec, _origin, _word in specs)
        block = "".join(f"  - {spec:<{width}}  # {word}\n" for spec, _origin, word in specs)
        hint = f"add to environment.yml's dependencies:\n{block}"
        if result.mappable:
            hint += "or run with --apt conda to add them for you"
        else:
            names = ", ".join(p.word for p in result.unmapped) or "the lines Binder rejects"
            hint += f"and find a replacement for {names}"
    line = next((p.line for p in result.packages), None)
    return codes.finding(
        "R2C106",
        f"{rel} asks for system packages, which conda cannot install",
        hint=hint.rstrip("\n"),
        path=rel,
        line=line,
        column=1 if line else None,
        data={"conda": [spec for spec, _origin, _word in specs]},
    )

"""Check and document rees2conda's apt -> conda-forge table (rees2conda/rees/data/apt_conda.toml).

    python scripts/apt_conda_table.py check            # every conda name exists; coverage
    python scripts/apt_conda_table.py docs             # rewrite the table in docs/apt.md
    python scripts/apt_conda_table.py listing GITDIR   # refresh the conda-forge name listing

Where the conda names are checked. tests/fixtures/channels/conda-forge-2024 is real conda-forge
repodata, but of one environment only (339 packages), so it confirms only part of the table.
The rest is checked against tests/fixtures/apt/conda-forge-outputs.tsv.gz: every package name
conda-forge has registered, with the feedstock that builds it, extracted from the
conda-forge/feedstock-outputs repository (``outputs/<x>/<y>/<z>/<name>.json``, BSD-3-Clause,
commit and date in the file's first line; ``listing`` regenerates it from a clone). A name there
is a package conda-forge builds; it is not proof that a build exists for every platform.

How the 200 most used apt packages were measured (recorded in tests/fixtures/apt/sample.tsv).
The code corpus of the search tool rees2conda's developers use indexes public GitHub
repositories. Listing the repositories that hold ``apt.txt`` (>= 3,027), ``binder/apt.txt``
(>= 732) and ``.binder/apt.txt`` (>= 182) gave the first 100 of each (alphabetical); 115 of
those files were read (30 root apt.txt, one of them ageron/handson-ml2's, named by hand as
the example that asked for this table; 53 binder/, 32 .binder/). 3 were unreadable (Git LFS
pointers, a symlink), which leaves 112 files naming 421 distinct packages in 886 (file, package)
pairs. ``sample.tsv`` has, for each name, in how many of the 112 files it appears; the "top
200" are the 200 first by that count (ties by name). Measured with the table of this commit:
all 200 are in the table, 144 of them with an answer (conda-forge, not needed, or the host's;
the other 56 are desktops, browsers, TeX collections, bioconda tools conda-forge lacks), and
674 of the 886 pairs have an answer (547 map to conda-forge). ``check`` recomputes these.
The table also has common names outside the sample (``libboost-all-dev``, ``libsdl2-dev``, ...).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOT = FIXTURES / "channels" / "conda-forge-2024"
OUTPUTS = FIXTURES / "apt" / "conda-forge-outputs.tsv.gz"
SAMPLE = FIXTURES / "apt" / "sample.tsv"
DOC = ROOT / "docs" / "apt.md"
BEGIN, END = "<!-- table: begin -->", "<!-- table: end -->"

sys.path.insert(0, str(ROOT))
from rees2conda.rees.apt import AptEntry, load_table  # noqa: E402
from rees2conda.rees.condaspec import SpecProblem, parse_spec  # noqa: E402


def spec_name(spec: str) -> str:
    """The package name the reader parses from a table spec (the spec itself if it does not
    parse: :func:`problems` reports it)."""
    parsed = parse_spec(spec)
    return spec if isinstance(parsed, SpecProblem) else parsed.name


def snapshot_names() -> set[str]:
    """Package names of the real conda-forge repodata snapshot."""
    names = set()
    for subdir in ("linux-64", "noarch"):
        data = json.loads((SNAPSHOT / subdir / "repodata.json").read_text())
        for key in ("packages", "packages.conda"):
            names.update(r["name"] for r in data.get(key, {}).values())
    return names


def registered() -> dict[str, str]:
    """conda-forge package name -> the feedstock(s) that build it (the shipped listing)."""
    with gzip.open(OUTPUTS, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    return {name: feedstocks for name, feedstocks in rows}


def sample() -> list[tuple[str, int]]:
    """(apt package, number of sampled apt.txt files naming it), most used first."""
    rows = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, count = line.split("\t")
            rows.append((name, int(count)))
    return sorted(rows, key=lambda r: (-r[1], r[0]))


#: conda-forge names that exist but are other projects than the Debian package of the same
#: name: the listing cannot tell, so they are refused here (found by reading their feedstocks)
HOMONYMS = {
    "mesa": "conda-forge's mesa is projectmesa's agent-based modelling library (Mesa 3D: mesalib)",
    "meld": "conda-forge's meld is an OpenMM plugin, not the diff tool",
}


def problems(table: dict[str, AptEntry] | None = None) -> list[str]:
    """Every conda name the table uses that conda-forge does not have (or has as another
    project), and malformed rows."""
    out = []
    known = snapshot_names() | set(registered())
    for name, entry in (load_table() if table is None else table).items():
        out.extend(
            f"{name}: {s}: {HOMONYMS[spec_name(s)]}"
            for s in entry.conda
            if spec_name(s) in HOMONYMS
        )
        if not entry.debian:
            out.append(f"{name}: no source (debian = ...)")
        if entry.status == "conda" and not entry.conda:
            out.append(f"{name}: conda entry without conda specs")
        for spec in entry.conda:
            if isinstance(parse_spec(spec), SpecProblem):  # the reader would refuse its own spec
                out.append(f"{name}: {spec}: not a conda match spec")
            elif spec_name(spec) not in known:
                out.append(f"{name}: {spec}: not on conda-forge")
    return out


def coverage(top: int = 200) -> dict[str, int]:
    """How much of the measured sample the table answers."""
    table = load_table()
    rows = sample()
    lines = sum(n for _name, n in rows)

    def answered(name: str) -> bool:
        entry = table.get(name.lower())
        return entry is not None and entry.status != "missing"

    return {
        "sampled names": len(rows),
        "sampled names in the table": sum(name.lower() in table for name, _n in rows),
        f"top {top} in the table": sum(name.lower() in table for name, _n in rows[:top]),
        f"top {top} with an answer (conda, not needed, host)": sum(
            answered(name) for name, _n in rows[:top]
        ),
        "sampled package lines": lines,
        "lines with an answer": sum(n for name, n in rows if answered(name)),
        "lines mapped to conda-forge": sum(
            n for name, n in rows if (e := table.get(name.lower())) and e.status == "conda"
        ),
    }


def _check(_args: argparse.Namespace) -> int:
    found = problems()
    for line in found:
        print(line)
    table = load_table()
    names = {spec_name(s) for e in table.values() for s in e.conda}
    in_snapshot = names & snapshot_names()
    print(f"{len(table)} apt packages, {len(names)} conda names; {len(in_snapshot)} of them in the")
    print(f"conda-forge-2024 repodata snapshot, all {len(names)} checked against the listing")
    for key, value in coverage().items():
        print(f"  {key}: {value}")
    return 1 if found else 0


def _describe(entry: AptEntry, feedstocks: dict[str, str]) -> tuple[str, str]:
    if entry.status == "conda":
        what = ", ".join(f"`{s}`" for s in entry.conda)
        stocks = sorted({feedstocks.get(spec_name(s), "?") for s in entry.conda})
        return what, "feedstock " + ", ".join(stocks)
    if entry.status == "host":
        alt = f" (conda-forge: {', '.join(entry.conda)})" if entry.conda else ""
        return f"host{alt}", entry.reason
    return entry.status, entry.reason


def _docs(_args: argparse.Namespace) -> int:
    feedstocks = registered()
    rows = ["| apt package | in a conda env | why / conda-forge source | Debian |"]
    rows.append("|---|---|---|---|")
    for _name, entry in sorted(load_table().items()):
        what, why = _describe(entry, feedstocks)
        note = f"{why}; {entry.reason}" if entry.status == "conda" and entry.reason else why
        cells = [f"`{entry.name}`", what, note, entry.debian.removeprefix("Debian: ")]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + BEGIN + "\n" + "\n".join(rows) + "\n" + END + tail, encoding="utf-8")
    print(f"{DOC.relative_to(ROOT)}: {len(rows) - 2} rows")
    return 0


def _listing(args: argparse.Namespace) -> int:
    """Rebuild the listing from a clone (or bare git dir) of conda-forge/feedstock-outputs."""
    git = ["git", "--git-dir", args.gitdir]
    head = subprocess.run([*git, "log", "-1", "--format=%H %cI"], capture_output=True, text=True)
    tree = subprocess.run(
        [*git, "ls-tree", "-r", "HEAD", "outputs"], capture_output=True, text=True, check=True
    )
    blobs = [(line.split()[2], line.split("\t")[1]) for line in tree.stdout.splitlines()]
    batch = subprocess.run(
        [*git, "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha, _ in blobs).encode(),
        capture_output=True,
        check=True,
    ).stdout
    rows, pos = [], 0
    for _sha, path in blobs:
        end = batch.index(b"\n", pos)
        size = int(batch[pos:end].split()[2])
        body = json.loads(batch[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
        rows.append((Path(path).stem, ",".join(body["feedstocks"])))
    OUTPUTS.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTPUTS, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        f = io.TextIOWrapper(gz, encoding="utf-8")
        f.write(
            f"# conda-forge/feedstock-outputs {head.stdout.strip()} (BSD-3-Clause, "
            "Copyright (c) 2020, conda-forge): package name<TAB>feedstocks\n"
        )
        f.writelines(f"{name}\t{stocks}\n" for name, stocks in sorted(rows))
        f.flush()
        f.detach()
    print(f"{OUTPUTS.relative_to(ROOT)}: {len(rows)} names")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check").set_defaults(run=_check)
    sub.add_parser("docs").set_defaults(run=_docs)
    listing = sub.add_parser("listing")
    listing.add_argument("gitdir", help="git directory of a conda-forge/feedstock-outputs clone")
    listing.set_defaults(run=_listing)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())

"""check's match spec validator says yes exactly when lock's parser does (issue 7).

``check`` must not import py-rattler, so rees2conda/rees/condaspec.py re-implements rattler's
lenient grammar; here it is held to the real thing (py-rattler's ``MatchSpec`` after
``resolve.matchspec.solvable``, what ``lock`` runs) over a generated corpus of thousands of spec
strings: the forms users write and mutations of them. No solving: this is fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from condaspec_corpus import corpus, lock_parses

from rees2conda.rees.condaspec import spec_problem
from rees2conda.rees.environment import read_environment

#: refusals by design (the solve lock runs does not use these), whatever rattler says
DELIBERATE = (
    "rees2conda installs packages from channels",
    "is not supported by rees2conda",
    "nests too deeply",
    "pip environment marker",
)

#: forms from issue 7 and the grammar's corners, each with rattler's verdict computed live
EDGES = [
    "numpy =",
    "numpy!=",
    "numpy1.*",
    "numpy ==",
    "numpy >=1,",
    "numpy=~1.2",
    "numpy ~1",
    "numpy ===1",
    "*",
    "numpy=1.14.0=py36_0",
    "numpy 1.14.0 py36_0",
    "numpy 1.14|1.15",
    "conda-forge::numpy",
    "conda-forge/linux-64::numpy >=1",
    "numpy[version='>=1.2']",
    "numpy[version=' >=1.2']",
    "numpy[ version = 1 ]",
    "numpy[]",
    "numpy[ ]",
    "numpy[foo=bar]",
    "numpy[features=x]",
    "numpy[version=1][build=2]",
    "numpy 1.0[build=2]",
    "numpy[md5=0123456789abcdef0123456789abcdef]",
    "numpy[md5=abc]",
    "numpy[sha256=zz]",
    "numpy[build_number='>=3']",
    "numpy[extras=[plot, test]]",
    "numpy[extras=[Plot]]",
    "numpy *",
    "numpy=*",
    "numpy 1.2 py* extra",
    "numpy=1.2=3=4",
    "numpy (>=1)",
    "numpy (>=1|<0),<5",
    "numpy ((1)",
    "numpy 1.0$",
    "numpy ^1.0",
    "numpy 1.0 ^py.*$",
    "numpy 1.0 ^py($",
    "numpy 1.0 ^p3.$*$",
    "numpy 1.0 a**",
    "numpy 1.0 **",
    "numpy[build='a[]*']",
    "numpy[build='*[]]*']",
    "numpy 1..2",
    "numpy 1._",
    "numpy 1-2_3",
    "numpy 1+",
    "numpy 1+a",
    "numpy 1!2",
    "numpy 4294967296!1",
    "numpy 18446744073709551615",
    "numpy 18446744073709551616",
    "numpy 00000000000000000000000001",
    "numpy 1" + ".1" * 127 + "+1",
    "numpy 1" + ".1" * 126 + "+1",
    "numpy " + "1a" * 4096,
    "numpy " + "1a" * 4095,
    "numpy >1.0.*",
    "numpy !=1.0.*",
    "numpy <1.*.*",
    "numpy 2023.*.*",
    "numpy 2023.*.*.",
    "numpy=1.0.*.*",
    "numpy é",
    "numpy 1é",
    "numpy １",
    "numpy # comment",
    "numpy;x",
    "numpy; if x",
    "numpy 1.0;x",
    "numpy 1;a;b",
    "nu mpy",
    "nu$mpy",
    "a::b::c",
    "a:numpy",
    "numpy:x",
    "a[x]::numpy",
    "https://conda.an:aconda.org/c::numpy",
    "https:///conda.anaconda.org/c::numpy",
    "numpy[channel=conda-forge, version='1.*']",
]


def _verdict(spec: str) -> bool | None:
    """check's verdict: True (accepted), False (refused), None (refused by design)."""
    problem = spec_problem(spec)
    if problem is None:
        return True
    return None if any(d in problem.message for d in DELIBERATE) else False


@pytest.mark.parametrize("spec", EDGES)
def test_edge_cases_match_the_parser(spec: str) -> None:
    verdict = _verdict(spec)
    if verdict is not None:
        assert verdict == lock_parses(spec), spec_problem(spec)


def test_generated_corpus_matches_the_parser() -> None:
    specs = corpus(5000, seed=7)
    wrong = [(s, spec_problem(s)) for s in specs if _verdict(s) not in (None, lock_parses(s))]
    accepted = sum(_verdict(s) is True for s in specs)
    assert not wrong, wrong[:20]
    assert 1500 < accepted < 3500  # both verdicts are well represented


def test_deliberate_refusals_are_named() -> None:
    for spec in ("https://x.org/c/linux-64/numpy-1.0-0.tar.bz2", "/tmp/numpy-1.0-0.conda"):
        problem = spec_problem(spec)
        assert problem is not None and "from channels" in problem.message
    problem = spec_problem("numpy[when='python >=3']")
    assert problem is not None and "[when=…]" in problem.message
    problem = spec_problem("numpy " + "(" * 100 + "1" + ")" * 100)
    assert problem is not None


@pytest.mark.parametrize(
    ("dep", "column", "words"),
    [
        ("numpy =", 11, "operator '=' has no version"),
        ("numpy!=", 10, "operator '!=' has no version"),
        ("numpy1.*", 5, "is a pattern"),
        ("nu$mpy", 7, "'$' cannot be in a package name"),
        ("numpy[foo=bar]", 15, "unknown key 'foo'"),
        ("numpy 1.0 a**", 15, "'a**' is not a valid glob"),
        ("a[x]::numpy", 5, "'x' is not a conda platform"),
    ],
)
def test_refusal_is_located_and_named(dep: str, column: int, words: str) -> None:
    env = read_environment(f"dependencies:\n  - python\n  - {dep}\n", "environment.yml")
    found = [f for f in env.findings if f.code == "R2C407"]
    assert len(found) == 1, env.findings
    assert (found[0].line, found[0].column) == (3, column)
    assert words in found[0].message


def test_check_does_not_import_rattler(tmp_path: Path) -> None:
    specs = corpus(200, seed=3)
    deps = "".join(f"  - {json.dumps(s)}\n" for s in specs)
    (tmp_path / "environment.yml").write_text(f"dependencies:\n{deps}")
    code = (
        "import sys; from rees2conda.rees.reader import read_repository\n"
        f"read_repository({str(tmp_path)!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rattler', 'conda_lock')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

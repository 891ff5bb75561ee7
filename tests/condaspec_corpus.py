"""Generated conda match spec strings: the forms users write, and mutations of them.

Shared by tests/test_rees_condaspec.py (check's validator against py-rattler's parser) and
benchmarks/fuzz_check.py. Deterministic for a seed.
"""

from __future__ import annotations

import random

NAMES = [
    "numpy",
    "NumPy",
    "python",
    "r-base",
    "scikit-learn",
    "py_lib",
    "zope.interface",
    "a",
    "x1",
]
CHANNELS = [
    "conda-forge",
    "defaults",
    "bioconda",
    "conda-forge/linux-64",
    "conda-forge/noarch",
    "https://conda.anaconda.org/conda-forge",
    "file:///tmp/channel",
    "pkgs/main",
    "my-channel/label/dev",
]
VERSIONS = [
    "1.14.0",
    "1.14",
    "1.14.*",
    "1.*",
    "1.14.0a1",
    "1.14.0rc1",
    "1.14.0.post1",
    "1.0.dev0",
    "1!2.0",
    "2.0+local.1",
    "1_2_3",
    "1-2-3",
    "2023.*.*",
    "3.7b_",
    "*",
    "1.0.*.*",
]
OPERATORS = ["", "=", "==", ">=", "<=", ">", "<", "!=", "~="]
BUILDS = ["py36_0", "py36h3dfced4_1", "py*", "*_0", "^py3.*$", "0", "h1234567_0", "*mkl*"]
FORMS = [
    "{n}",
    "{n}={v}",
    "{n}=={v}",
    "{n}={v}={b}",
    "{n} {v}",
    "{n} {v} {b}",
    "{n} {o}{v}",
    "{n}{o}{v}",
    "{n} {o}{v},{o2}{v2}",
    "{n} {v}|{v2}",
    "{n} ({o}{v}|{o2}{v2}),{o}{v}",
    "{c}::{n}",
    "{c}::{n}={v}",
    "{c}::{n} {v} {b}",
    "{n}[version='{o}{v}']",
    '{n}[version="{o}{v},{o2}{v2}"]',
    "{n}[build={b}]",
    "{n}[version='{v}', build='{b}']",
    '{n}[channel={c}, version="{v}"]',
    "{n}[build_number='>=2']",
    "{n}[md5=0123456789abcdef0123456789abcdef]",
    "{n}[subdir=linux-64]",
    "{n}[license=MIT]",
    "{n}[fn=x.conda]",
    "{n}[extras=[plot, test]]",
    "{n} {v}[build={b}]",
    "{n} {o}{v} # a comment",
    "{n}  {o} {v}",
    "{n} >={v} <{v2}",
    "{n}={v}*",
    "{n} =={v} {b}",
    "{n}:{n}",
    "{c}:ns:{n}",
    "{n}[url=https://x/{n}-1.0-0.conda]",
    "https://x.org/c/linux-64/{n}-1.0-0.tar.bz2",
    "{n}[when='python >=3']",
    "{n}[flags=[a]]",
]
#: characters mutations insert: everything the grammar gives a meaning to, and a few it does not
ALPHABET = [*"=!<>~*.,|()[]:#;'\" $^+-_/@\\1a9ZxéK１\t", "==", "::", ".*", "[]", "1.0"]


def valid_form(rng: random.Random) -> str:
    """One spec in a form users write (valid or not: that is for the parser to say)."""
    return rng.choice(FORMS).format(
        n=rng.choice(NAMES),
        c=rng.choice(CHANNELS),
        v=rng.choice(VERSIONS),
        v2=rng.choice(VERSIONS),
        o=rng.choice(OPERATORS),
        o2=rng.choice(OPERATORS),
        b=rng.choice(BUILDS),
    )


def mutate(rng: random.Random, spec: str) -> str:
    """One to three edits: insert, delete, replace, duplicate, truncate, splice."""
    for _ in range(rng.randint(1, 3)):
        pos = rng.randint(0, len(spec))
        kind = rng.random()
        if kind < 0.35:
            spec = spec[:pos] + rng.choice(ALPHABET) + spec[pos:]
        elif kind < 0.55 and spec:
            spec = spec[:pos] + spec[pos + 1 :]
        elif kind < 0.75 and spec:
            spec = spec[:pos] + rng.choice(ALPHABET) + spec[pos + 1 :]
        elif kind < 0.85:
            end = rng.randint(pos, len(spec))
            spec = spec[:end] + spec[pos:end] + spec[end:]
        elif kind < 0.93:
            spec = spec[:pos]
        else:
            spec = spec[:pos] + valid_form(rng)[rng.randint(0, 5) :]
    return spec


def corpus(count: int, seed: int = 7) -> list[str]:
    """``count`` spec strings, about a third as written, the rest mutated; no duplicates."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        spec = valid_form(rng)
        if rng.random() < 0.7:
            spec = mutate(rng, spec)
        spec = spec.strip()
        if spec:
            out[spec] = None
    return list(out)


def lock_parses(spec: str) -> bool:
    """Whether ``lock`` parses ``spec``: py-rattler's lenient MatchSpec after the channel is
    made a URL, exactly as resolve/solve.py does (a panic is a refusal too)."""
    from rattler import MatchSpec

    from rees2conda.condarc import CondaConfig
    from rees2conda.rees.condaspec import qualified_channel
    from rees2conda.resolve.matchspec import solvable

    try:
        MatchSpec(solvable(spec, qualified_channel(spec), CondaConfig()), strict=False)
    except BaseException as exc:  # InvalidMatchSpecError, or pyo3's PanicException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return False
    return True

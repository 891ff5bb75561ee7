"""Which Python Binder would use: from environment.yml, runtime.txt or requires-python.

Binder (repo2docker) takes the first environment.yml dependency matching
``python\\s*=+\\s*([\\d.]*)`` at the start of the string (``python=3.11``, ``python==3.11.4``,
``python = 3.9.*``). ``python>=3.9`` or ``python 3.11`` are *not* pins for Binder: it builds its
default Python and lets the solver keep it when the constraint allows.
"""

from __future__ import annotations

import re

from rees2conda.model import DEFAULT_PYTHON

#: Pythons Binder supports, oldest first: repo2docker's ``SUPPORTED_PYTHON_VERSION`` (2025.12 and
#: 2026.4), the candidates ``requires-python`` may raise the default to.
BINDER_PYTHONS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

#: Older versions that still have a base environment (lockfile) on linux-64; 2.7, 3.5 and 3.6 get a
#: separate kernel environment there. Any other version makes Binder's build fail.
LEGACY_PYTHONS: tuple[str, ...] = ("2.7", "3.5", "3.6", "3.7")

#: Most digits a number in a version may have: uv and rattler keep version numbers in 64 bits,
#: and beyond 4,300 digits Python's int() (so packaging, so pip) fails outright.
MAX_VERSION_DIGITS = 19
_LONG_NUMBER_RE = re.compile(rf"(?<![A-Za-z0-9_])[0-9]{{{MAX_VERSION_DIGITS + 1},}}")

_BINDER_PIN_RE = re.compile(r"python\s*=+\s*([\d.]*)")
_PYTHON_DEP_RE = re.compile(r"^(?:[^\s:]+::)?python(?![\w.-])\s*(.*)$", re.IGNORECASE)
_MAJOR = {"2": "2.7", "3": DEFAULT_PYTHON}


def long_number(text: str) -> re.Match[str] | None:
    """The first number in ``text`` too long for a version number, if any."""
    return _LONG_NUMBER_RE.search(text)


def describe_number(m: re.Match[str]) -> str:
    """A long number for a message: its start and its length."""
    return f"a version number of {len(m.group())} digits ({m.group()[:8]}…)"


def binder_pin(dep: str) -> str | None:
    """The version Binder reads from one environment.yml dependency, or None.

    Returns the user's version without trailing dots/stars (``3.11.4``, ``3.9``); a bare major
    maps like repo2docker does (``3`` -> the default, ``2`` -> 2.7).
    """
    m = _BINDER_PIN_RE.match(dep)
    if not m or not m.group(1):
        return None
    version = m.group(1).strip(".")
    if not version:
        return None
    parts = [p for p in version.split(".") if p]
    if len(parts) == 1:
        return _MAJOR.get(parts[0], parts[0])
    return ".".join(parts)


def binder_pin_kind(dep: str) -> str:
    """How repo2docker reads one environment.yml dependency as its Python version.

    ``none`` (not ``python=…`` with digits: Binder keeps looking, then uses its default),
    ``pin`` (X.Y…: Binder takes X.Y), ``major`` (``2`` or ``3``: mapped to 2.7 / the default),
    ``bad-major`` (another single number: Binder fails), ``malformed`` (an empty component such
    as ``3.`` or ``.3``, or digits other than 0-9: Binder fails).
    """
    m = _BINDER_PIN_RE.match(dep)
    if not m or not m.group(1):
        return "none"
    if not m.group(1).isascii():  # `python=３.１１`: Binder reads it, no Python has it
        return "malformed"
    parts = m.group(1).split(".")
    if len(parts) == 1:
        return "major" if parts[0] in _MAJOR else "bad-major"
    if not parts[0] or not parts[1]:
        return "malformed"
    return "pin"


def is_python_dep(dep: str) -> bool:
    """True for any conda dependency on the ``python`` package (any form)."""
    return bool(_PYTHON_DEP_RE.match(dep.strip()))


def conda_python_constraint(dep: str) -> str | None:
    """The version part of a ``python`` conda dependency (build string dropped), or None."""
    m = _PYTHON_DEP_RE.match(dep.strip())
    if not m:
        return None
    rest = m.group(1).strip()
    if rest.startswith("["):
        vm = re.search(r"version\s*=\s*['\"]?([^'\"\],]+)", rest)
        return vm.group(1).strip() if vm else ""
    rest = rest.split("[", 1)[0].strip()
    if rest.startswith("=="):  # exact, maybe followed by =build
        return "==" + rest[2:].split("=", 1)[0].strip()
    if rest.startswith("="):  # fuzzy: python=3.11 means 3.11.*
        version = rest[1:].split("=", 1)[0].strip()
        return version if not version or "*" in version else version + ".*"
    return rest.split(None, 1)[0] if rest else ""


def conda_allows(constraint: str | None, version: str) -> bool | None:
    """Whether a conda version constraint allows ``version``; None when it cannot be told.

    Handles the common forms (``>=3.9``, ``>=3.9,<3.12``, ``3.11.*``, ``3.11``, ``==3.11.4``,
    ``a|b``) with :mod:`packaging.specifiers`.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    if constraint is None or constraint.strip() in ("", "*"):
        return True
    ok_any = False
    for alt in constraint.split("|"):
        parts = []
        for piece in alt.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if piece[0].isdigit():
                piece = "==" + (piece if "*" in piece else piece + ".*")
            elif piece.startswith("=") and not piece.startswith("=="):
                piece = "=" + piece
            parts.append(piece)
        try:
            spec = SpecifierSet(",".join(parts))
            if spec.contains(Version(version), prereleases=True):
                ok_any = True
        except (InvalidSpecifier, ValueError):  # ValueError: numbers too long for int()
            return None
    return ok_any


def highest_allowed(requires_python: str) -> str | None:
    """The highest of :data:`BINDER_PYTHONS` allowed by a requires-python specifier.

    Raises ``packaging.specifiers.InvalidSpecifier`` when the specifier is invalid.
    """
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    spec = SpecifierSet(requires_python)
    for candidate in reversed(BINDER_PYTHONS):
        if spec.contains(Version(candidate), prereleases=True):
            return candidate
    return None


def allowed_by(requires_python: str, version: str) -> bool:
    """Whether ``version`` satisfies requires-python (raises InvalidSpecifier when invalid)."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    return SpecifierSet(requires_python).contains(Version(version), prereleases=True)


def known_to_binder(version: str) -> bool:
    """True when Binder has a base environment for this X.Y (or X.Y.Z) version (else it fails)."""
    minor = ".".join(version.split(".")[:2])
    return minor in BINDER_PYTHONS or minor in LEGACY_PYTHONS


def separate_kernel_env(version: str) -> bool:
    """Whether Binder gives this Python a kernel environment of its own (older than 3.7), with
    its Jupyter server on the default Python (where requirements3.txt goes)."""
    try:
        major, minor = (int(p) for p in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (3, 7)

"""pip on top of conda: the conda packages a pip pin replaces leave the lock, kernel kept working.

On Binder ``pip install`` replaces a conda-installed distribution whose version misses a pin;
the lock records that end state: the pip entry, without the conda record (so ``build`` and
conda-lock's installer never put two ``.dist-info`` of one name into the environment). pip does
not check that the remaining conda packages still accept the new version; the kernel must, so a
replacement that breaks what ``ipykernel`` needs is an error naming the pip line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rees2conda.errors import UserError
from rees2conda.model import PipLine
from rees2conda.resolve.condadist import normalize

if TYPE_CHECKING:
    from rattler import RepoDataRecord

    from rees2conda.resolve.pypi import ResolvedPip

#: ``python -m ipykernel_launcher`` (what the kernelspec runs) exists from ipykernel 4.6 on
MIN_IPYKERNEL = "4.6"


def _closure(records: Sequence[RepoDataRecord], root: str) -> set[str]:
    """Names of ``root`` and everything it depends on among ``records``."""
    from rees2conda.resolve.solve import spec_name

    by_name = {r.name.normalized: r for r in records}
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(spec_name(d) for d in by_name[name].depends)
    return seen


def _lines_for(name: str, lines: Sequence[PipLine]) -> list[str]:
    """``file:line: text`` of the pip lines that name distribution ``name``."""
    out = []
    for pip in lines:
        if pip.name is not None and normalize(pip.name) == name:
            where = pip.origin.path + (f":{pip.origin.line}" if pip.origin.line else "")
            out.append(f"{where}: {pip.line}")
    return out


def _accepts(depend: str, version: str) -> bool:
    """Whether conda dependency ``depend`` (``traitlets >=5.4``) accepts pip's ``version``."""
    from rattler import MatchSpec, Version, VersionSpec

    try:
        spec = MatchSpec(depend, strict=False)
        if spec.version is None:
            return True
        return VersionSpec(str(spec.version)).matches(Version(version))
    except Exception:
        return True


def apply_pip_overlay(
    records: Sequence[RepoDataRecord],
    pip: Sequence[ResolvedPip],
    lines: Sequence[PipLine],
    platform: str,
    *,
    kernel: bool,
) -> list[RepoDataRecord]:
    """``records`` without the conda packages pip replaces; an error when the kernel breaks."""
    from rees2conda.resolve.solve import spec_name

    replaced = {p.replaces: p for p in pip if p.replaces}
    if not replaced:
        return list(records)
    broken: dict[str, list[str]] = {}  # replaced distribution -> what in the kernel it breaks
    if kernel:
        needed = _closure(records, "ipykernel")
        for record in records:
            if record.name.normalized not in needed or record.name.normalized in replaced:
                continue
            for depend in record.depends:
                new = replaced.get(spec_name(depend))
                if new is not None and not _accepts(depend, new.version):
                    broken.setdefault(new.replaces or new.name, []).append(
                        f"{record.name.normalized} {record.version} needs {depend}"
                    )
        ipykernel = replaced.get("ipykernel")
        minimum = f"ipykernel >={MIN_IPYKERNEL}"
        if ipykernel is not None and not _accepts(minimum, ipykernel.version):
            broken.setdefault("ipykernel", []).append(
                f"the kernel (python -m ipykernel_launcher) needs ipykernel >={MIN_IPYKERNEL}"
            )
    problems: list[str] = []
    for conda_name, needs in broken.items():
        new = replaced[conda_name]
        where = _lines_for(new.name, lines) or ["(needed by the pip requirements)"]
        problems.append(
            f"{', '.join(where)} installs {new.name} {new.version} in place of conda's "
            f"{conda_name}, but " + "; ".join(needs)
        )
    if problems:
        raise UserError(
            f"the pip requirements break the Jupyter kernel on {platform}:\n"
            + "\n".join(f"  {p}" for p in problems),
            hint="relax or drop the pins named above (or build with --no-kernel)",
        )
    return [r for r in records if r.name.normalized not in replaced]

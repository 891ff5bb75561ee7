"""What ``rees2conda lock`` prints for a result (standard library only: the CLI's fast path)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rees2conda.resolve.api import LockResult


def lock_summary(result: LockResult, check_only: bool) -> str:
    """One line: where the lock is and what was done, or (--check) whether it is fresh."""
    where = result.lockfile
    if check_only:
        if result.up_to_date:
            return f"{where} is up to date"
        if not where.exists():
            return f"{where} does not exist; run: rees2conda lock"
        return f"{where} is stale; run: rees2conda lock"
    counts = ", ".join(f"{p}: {n} packages" for p, n in result.packages.items())
    verb = "up to date, reused" if result.reused else "written"
    return f"{where} {verb} ({counts})"


def lock_json(result: LockResult) -> str:
    """The ``--json`` summary."""
    return json.dumps(result.to_json(), indent=2)

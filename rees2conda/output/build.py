"""What ``rees2conda build`` prints for a result: the same lines from the CLI and its fast path.

Standard library only: the no-op path of :mod:`rees2conda.entry` prints through this without
importing click.
"""

from __future__ import annotations

import json

from rees2conda.env.quick import script_warning

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from rees2conda.env.result import BuildResult


def build_summary(
    result: BuildResult, *, quiet: bool, as_json: bool, opening: list[str] | None = None
) -> list[tuple[bool, str]]:
    """The lines summing up ``result``, in order, each with whether it goes to stderr.

    ``opening``: lines about a fetched source (where it came from, how to open it).
    """
    if as_json:
        return [(False, json.dumps(result.to_json(), indent=2))]
    lines = [(True, script_warning(rel)) for rel in result.scripts_skipped]
    lines += [(True, f"warning: {warning}") for warning in result.warnings]
    broken = [
        (True, f"warning: {rel}: not retargeted: {why}") for rel, why in result.notebooks_broken
    ]
    if quiet:
        return lines + broken
    opened = [(line.startswith("warning:"), line) for line in opening or []]
    notebooks = [(False, f"retargeted {rel}") for rel in result.notebooks_changed]
    notebooks += [(False, f"left {rel}: {why}") for rel, why in result.notebooks_skipped]
    notebooks += broken
    if result.action == "unchanged":
        return [
            *lines,
            (False, f"{result.name}: up to date ({result.prefix})"),
            *opened,
            *notebooks,
        ]
    packages = f"{result.conda_packages} conda"
    if result.pip_packages:
        packages += f" + {result.pip_packages} pip"
    lines.append(
        (
            False,
            f"{result.action} {result.name} at {result.prefix} ({packages} packages, "
            f"{result.seconds.get('total', 0):.1f} s)",
        )
    )
    kernels: list[dict[str, str | None]] = [dict(k) for k in result.kernels] or (
        [{"name": result.kernel_name, "display_name": result.display_name}]
        if result.kernel_name
        else []
    )
    lines += [(False, f"kernel: {k['name']} ({k['display_name']})") for k in kernels]
    return lines + notebooks + opened

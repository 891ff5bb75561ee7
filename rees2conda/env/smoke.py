"""The last check before an env is stamped good: its python starts and imports the kernel package.

Linking can succeed while the env does not work (a package left in another Python's
site-packages, a file damaged behind rattler's back). Run only on the work path, never on the
no-op path; a failure leaves the incomplete marker so the next build repairs the env.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from rees2conda.errors import UserError

TIMEOUT = 120  # seconds; importing ipykernel takes about one on a cold shared filesystem


def smoke_test(prefix: Path, python: Path, *, kernel: bool) -> None:
    """Raise ``UserError`` unless ``python`` runs (and imports ipykernel when ``kernel``).

    Isolated mode (``-I``): neither ``PYTHONPATH`` nor the user's site-packages may hide a
    broken env. Python 2 has no ``-I`` (it stops at "Unknown option"): there ``-E -s``, the
    parts of it that matter here, as ``-c`` puts only the working directory (the prefix) first.
    """
    if not python.exists():
        return  # an env without python (``--no-kernel``): nothing to run
    code = "import ipykernel" if kernel else "pass"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    isolated = ["-E", "-s"] if python.resolve().name.startswith("python2") else ["-I"]
    try:
        proc = subprocess.run(
            [str(python), *isolated, "-c", code],
            env=env,
            cwd=prefix,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        detail = f"no answer in {TIMEOUT} s"
    except OSError as exc:
        detail = exc.strerror or str(exc)
    else:
        if proc.returncode == 0:
            return
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        detail = lines[-1] if lines else f"exit status {proc.returncode}"
        if proc.returncode < 0:
            detail = f"killed by signal {-proc.returncode}" + (f" ({detail})" if lines else "")
    raise UserError(
        f"{prefix}: the environment does not work: `python -c '{code}'` failed: {detail}",
        hint="it is marked incomplete and was not stamped; run the build with --force to relink "
        "it, and if that fails too, the locked packages do not run on this machine",
    )

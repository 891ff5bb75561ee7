"""What ``conda activate`` sets for an environment, as a mapping, for the kernelspec's ``env``.

rattler writes the activation script (``CONDA_PREFIX``, PATH, ``etc/conda/env_vars.d``,
``conda-meta/state`` variables, sourcing ``etc/conda/activate.d/*.sh``); running it in bash and
diffing the environment before and after gives the variables packages' activation scripts set.
Only called when a build has work to do (it imports rattler).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: variables that describe the shell, not the environment
_SHELL_NOISE = {
    "_",
    "SHLVL",
    "PWD",
    "OLDPWD",
    "PS1",
    "PATH",
    "CONDA_SHLVL",
    "CONDA_PROMPT_MODIFIER",
    "BASH_EXECUTION_STRING",
}


def _env_after(script: str, base: dict[str, str]) -> dict[str, str]:
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script + "\nenv -0\n"],
        env=base,
        capture_output=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip() or "activation failed")
    out: dict[str, str] = {}
    for item in proc.stdout.decode(errors="replace").split("\0"):
        key, sep, value = item.partition("=")
        if sep:
            out[key] = value
    return out


def activation_env(prefix: str | os.PathLike[str]) -> dict[str, str]:
    """Variables that activating ``prefix`` adds or changes (PATH excluded: the caller sets it)."""
    from rattler.shell import ActivationVariables, Shell, activate

    prefix = Path(prefix)
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONDA_")}
    has_scripts = (
        any((prefix / "etc" / "conda" / d).is_dir() for d in ("activate.d", "env_vars.d"))
        or (prefix / "conda-meta" / "state").is_file()
    )
    if not has_scripts:
        return {}
    result = activate(
        prefix, ActivationVariables(None, base.get("PATH", "").split(os.pathsep)), Shell.bash
    )
    before = _env_after(":", base)
    after = _env_after(result.script, base)
    return {
        k: v
        for k, v in after.items()
        if k not in _SHELL_NOISE and before.get(k) != v and not k.startswith("BASH_")
    }

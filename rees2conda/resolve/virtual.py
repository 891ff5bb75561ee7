"""Virtual packages (``__glibc``, ``__osx``, ...) each target platform is solved with.

Every platform, the host included, gets fixed, conservative defaults (those of conda-lock:
glibc 2.17, macOS 10.15 / 11.0) rather than what the host machine detects: a committed lock
must install on the recipients' machines and on Binder, not only on the author's, and must not
go stale because it is opened on another computer. conda's ``CONDA_OVERRIDE_GLIBC``,
``CONDA_OVERRIDE_OSX`` and ``CONDA_OVERRIDE_CUDA`` change them (and so the content hash).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from rees2conda.errors import UsageError

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from rattler import GenericVirtualPackage

PLATFORMS = (
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "osx-64",
    "osx-arm64",
    "win-64",
)
DEFAULT_GLIBC = "2.17"
DEFAULT_OSX = {"osx-64": "10.15", "osx-arm64": "11.0"}
_ARCHSPEC = {
    "linux-64": "x86_64",
    "linux-aarch64": "aarch64",
    "linux-ppc64le": "ppc64le",
    "osx-64": "x86_64",
    "osx-arm64": "arm64",
    "win-64": "x86_64",
}


def _platform_machine() -> str:
    import platform

    return platform.machine()


def host_platform() -> str:
    """The conda subdir of this machine (``linux-64``, ``osx-arm64``, ...)."""
    # os.uname is what platform.machine() reads on POSIX, without importing platform
    machine = (os.uname().machine if hasattr(os, "uname") else _platform_machine()).lower()
    arch = {"x86_64": "64", "amd64": "64", "arm64": "arm64", "aarch64": "aarch64"}.get(
        machine, machine
    )
    if sys.platform.startswith("linux"):
        return f"linux-{arch}"
    if sys.platform == "darwin":
        return "osx-arm64" if arch in ("arm64", "aarch64") else "osx-64"
    if sys.platform == "win32":
        return "win-64"
    return f"{sys.platform}-{arch}"


def check_platform(name: str) -> str:
    """Validate a ``-p`` value, naming the supported ones."""
    if name not in PLATFORMS:
        raise UsageError(
            f"unsupported platform {name!r}", hint=f"choose from {', '.join(PLATFORMS)}"
        )
    return name


def overrides(platform: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``CONDA_OVERRIDE_*`` values that apply to ``platform`` (part of the content hash)."""
    env = os.environ if env is None else env
    out: dict[str, str] = {}
    keys = ["CUDA"]
    if platform.startswith("linux-"):
        keys.append("GLIBC")
    if platform.startswith("osx-"):
        keys.append("OSX")
    for key in keys:
        value = env.get(f"CONDA_OVERRIDE_{key}")
        if value is not None:
            out[key.lower()] = value.strip()
    return out


def virtual_package_specs(platform: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Virtual package name -> version for ``platform`` (pure data, for messages and tests)."""
    ov = overrides(platform, env)
    out: dict[str, str] = {}
    if platform.startswith(("linux-", "osx-")):
        out["__unix"] = "0"
    if platform.startswith("linux-"):
        out["__linux"] = "5.10"
        if ov.get("glibc", DEFAULT_GLIBC):
            out["__glibc"] = ov.get("glibc", DEFAULT_GLIBC)
    if platform.startswith("osx-"):
        osx = ov.get("osx", DEFAULT_OSX.get(platform, "10.15"))
        if osx:
            out["__osx"] = osx
    if platform.startswith("win-"):
        out["__win"] = "0"
    if ov.get("cuda"):
        out["__cuda"] = ov["cuda"]
    if platform in _ARCHSPEC:
        out["__archspec"] = "1"
    return out


def virtual_packages(
    platform: str, env: Mapping[str, str] | None = None
) -> list[GenericVirtualPackage]:
    """rattler objects for :func:`virtual_package_specs` (``__archspec`` carries the arch)."""
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    out = []
    for name, version in virtual_package_specs(platform, env).items():
        build = _ARCHSPEC[platform] if name == "__archspec" else "0"
        out.append(GenericVirtualPackage(PackageName(name), Version(version), BuildString(build)))
    return out

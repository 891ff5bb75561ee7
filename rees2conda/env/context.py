"""Everything ``build`` derives from its options and the machine, computed once.

The phases (:mod:`rees2conda.env.phases`) and the no-op test (:mod:`rees2conda.env.decide`)
read this value instead of recomputing names, paths and configuration. Import-light: the no-op
path builds it (conda configuration, paths and names only; no engine).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rees2conda.env.location import Target, resolve_target
from rees2conda.env.options import BuildOptions, KernelOptions
from rees2conda.errors import require_directory
from rees2conda.kernel.spec import kernel_dir, kernel_name_for
from rees2conda.observe import SILENT, Observer
from rees2conda.paths import home_dir

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from typing import Any

    from rees2conda.condarc import CondaConfig
    from rees2conda.resolve.api import LockOptions


@dataclass(frozen=True)
class KernelTarget:
    """The kernel a build registers: its name, its folder, and the display name chosen."""

    name: str
    dir: Path
    display_name: str | None  # the user's; else :meth:`display_name_for` once Python is known

    def display_name_for(self, env_name: str, python_version: str | None) -> str:
        """``Python 3.11 (env)``, unless the user gave a display name."""
        if self.display_name:
            return self.display_name
        if python_version:
            return f"Python {python_version} ({env_name})"
        return f"Python ({env_name})"


def kernel_target(
    options: KernelOptions, env_name: str, env: Mapping[str, str]
) -> KernelTarget | None:
    """The one place a build's kernel name and folder come from (None: no kernel)."""
    if not options.register:
        return None
    name = (options.name or kernel_name_for(env_name)).lower()  # Jupyter lower-cases names
    return KernelTarget(name, kernel_dir(name, env), options.display_name)


@dataclass
class BuildContext:
    """One build's inputs: repository identity, target, configuration, kernel, platform."""

    repo: Path  # the real path: a symlinked checkout is the same repository
    options: BuildOptions
    env: Mapping[str, str]
    home: Path
    config: CondaConfig
    target: Target
    platform: str
    kernel: KernelTarget | None
    given_lock: Path | None  # --lockfile, absolute
    observer: Observer = SILENT  # progress goes here, never straight to stderr
    started: float = field(default_factory=time.perf_counter)

    @property
    def prefix(self) -> Path:
        return self.target.prefix

    def say(self, message: str) -> None:
        """Progress for the user (the observer decides whether and where it shows)."""
        self.observer.message(message)

    def options_key(self) -> dict[str, Any]:
        """The options that decide what gets built; the stamp keeps it and compares it whole."""
        kernel = self.options.kernel
        key: dict[str, Any] = {
            "kernel": kernel.register,
            "kernel_name": kernel.name,
            "display_name": kernel.display_name,
            "mode": self.options.lock_mode if self.given_lock is None else "lockfile",
            "lockfile": str(self.given_lock) if self.given_lock else None,
            "platform": self.platform,
        }
        if self.options.apt != "refuse":  # only then: stamps of builds without it stay valid
            key["apt"] = self.options.apt
        # channel *names* decide what gets built; mirrors, aliases and tokens (conda's
        # configuration, --channel-alias) are transport: a login shell whose settings differ
        # from the shell that built the env must still find nothing to do
        channels = self.options.channels
        if channels.channels or channels.override_channels:
            key["channels"] = [list(channels.channels), channels.override_channels]
        return key

    def lock_options(self) -> LockOptions:
        """How this build locks (imports the resolver's API: only once there is work)."""
        from rees2conda.resolve.api import LockOptions

        channels = self.options.channels
        return LockOptions(
            platforms=[self.platform],
            kernel=self.kernel is not None,
            channels=channels.channels,
            channel_alias=channels.channel_alias,
            override_channels=channels.override_channels,
            offline=self.options.offline,
            quiet=self.options.quiet,
            config=self.config,
            apt=self.options.apt,
            observer=self.observer,
        )


def make_context(
    path: str | os.PathLike[str],
    options: BuildOptions,
    *,
    env: Mapping[str, str] | None = None,
    observer: Observer = SILENT,
) -> BuildContext:
    """Resolve the repository, target and configuration for ``options`` (no engine import)."""
    from rees2conda.condarc import load_conda_config
    from rees2conda.resolve.virtual import host_platform

    started = time.perf_counter()
    env = os.environ if env is None else env
    # the real path identifies the repository (a symlinked checkout is the same one); the name
    # the user sees (and the default env name) comes from the path as given
    require_directory(path)
    repo = Path(os.path.realpath(path))
    home = home_dir(env)
    config = load_conda_config(env=env, home=home)
    target = resolve_target(
        os.path.abspath(path), name=options.name, prefix=options.prefix, env=env, config=config
    )
    given = Path(os.path.abspath(options.lockfile)) if options.lockfile is not None else None
    return BuildContext(
        repo=repo,
        options=options,
        env=env,
        home=home,
        config=config,
        target=target,
        platform=host_platform(),
        kernel=kernel_target(options.kernel, target.name, env),
        given_lock=given,
        observer=observer,
        started=started,
    )

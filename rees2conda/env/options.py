"""What the user chose for ``build``: one typed value, validated once.

A new ``build`` flag is a field here (plus, when it changes what gets built, an entry in
``BuildContext.options_key`` so that the no-op path notices it). Import-light: the no-op path
builds this value.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from rees2conda.errors import UsageError

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from typing import Any, Literal

    #: how ``build`` gets its lock: resolve when stale (default), fail when stale (locked),
    #: install the repository's lock as is (frozen), install a given file as is (lockfile)
    LockMode = Literal["default", "locked", "frozen", "lockfile"]


@dataclass(frozen=True)
class KernelOptions:
    """The Jupyter kernel: whether to register one, under which name and display name."""

    register: bool = True
    name: str | None = None  # None -> from the environment name (``kernel_name_for``)
    display_name: str | None = None  # None -> ``Python X.Y (env name)``

    def __post_init__(self) -> None:
        from rees2conda.kernel.spec import valid_kernel_name

        if self.name is not None and not valid_kernel_name(self.name):
            raise UsageError(
                f"invalid kernel name {self.name!r}", hint="use letters, digits, '.', '_' and '-'"
            )


@dataclass(frozen=True)
class ChannelOptions:
    """Channel settings on top of conda's configuration (as ``lock -c/--channel-alias`` take)."""

    channels: Sequence[str] = ()  # highest priority
    channel_alias: str | None = None
    override_channels: bool = False

    @property
    def is_default(self) -> bool:
        return not self.channels and not self.channel_alias and not self.override_channels


@dataclass(frozen=True)
class BuildOptions:
    """Everything ``rees2conda build`` takes besides the repository path."""

    name: str | None = None  # -n; None -> the repository folder's name
    prefix: str | os.PathLike[str] | None = None  # -p
    lock_mode: LockMode = "default"
    lockfile: str | os.PathLike[str] | None = None  # with lock_mode "lockfile"
    kernel: KernelOptions = field(default_factory=KernelOptions)
    #: point the repository's notebooks at the kernels (None: only in a folder with Binder files)
    retarget: bool | None = None
    force: bool = False  # install over an env that is not ours / from elsewhere; rebuild
    offline: bool = False
    quiet: bool = False
    channels: ChannelOptions = field(default_factory=ChannelOptions)
    #: run the repository's postBuild and wrap kernels in its start (remembered by content)
    trust: bool = False
    #: where a fetched repository came from (URL and commit, or record and version): recorded
    #: in the stamp; a new origin alone refreshes the stamp and rebuilds nothing
    origin: dict[str, Any] | None = None
    #: ``conda``: apt.txt's conda-forge equivalents join the environment (``rees.apt``)
    apt: str = "refuse"
    allow_foreign_urls: bool = False  # install locked URLs outside the lock's channels

    def __post_init__(self) -> None:
        if (self.lock_mode == "lockfile") != (self.lockfile is not None):
            raise UsageError("a lock file is given exactly with lock mode 'lockfile'")

    @classmethod
    def from_flags(
        cls,
        *,
        name: str | None = None,
        prefix: str | os.PathLike[str] | None = None,
        lockfile: str | os.PathLike[str] | None = None,
        locked: bool = False,
        frozen: bool = False,
        kernel: bool = True,
        kernel_name: str | None = None,
        display_name: str | None = None,
        retarget: bool | None = None,
        force: bool = False,
        offline: bool = False,
        quiet: bool = False,
        channels: ChannelOptions | None = None,
        trust: bool = False,
        apt: str = "refuse",
        allow_foreign_urls: bool = False,
    ) -> BuildOptions:
        """The options from the command line's flags (and ``rees2conda.build``'s keywords)."""
        if locked and frozen:
            raise UsageError("give either --locked or --frozen, not both")
        if lockfile is not None and (locked or frozen):
            raise UsageError("--lockfile installs the given file as is: drop --locked/--frozen")
        mode: LockMode = (
            "lockfile"
            if lockfile is not None
            else "frozen"
            if frozen
            else "locked"
            if locked
            else "default"
        )
        return cls(
            name=name,
            prefix=prefix,
            lock_mode=mode,
            lockfile=lockfile,
            kernel=KernelOptions(register=kernel, name=kernel_name, display_name=display_name),
            retarget=retarget,
            force=force,
            offline=offline,
            quiet=quiet,
            channels=channels or ChannelOptions(),
            trust=trust,
            apt=apt,
            allow_foreign_urls=allow_foreign_urls,
        )

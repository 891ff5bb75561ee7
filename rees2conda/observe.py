"""How library code reports progress: it tells an observer; only the CLI prints.

Library functions never write to stderr by themselves. Those that take a while take an
:class:`Observer`; the base class is silent (messages dropped, tools' output captured), so a
library caller sees nothing unless it asks. The CLI passes
:class:`rees2conda.output.progress.TerminalObserver`. Standard library only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from typing import Any, TextIO


class Observer:
    """Silent: override what you want to show."""

    def message(self, text: str) -> None:
        """One line of progress or a warning (``resolving … for linux-64``)."""

    def status(self, text: str) -> contextlib.AbstractContextManager[object]:
        """A live status shown while a long step (a solve) runs."""
        return contextlib.nullcontext()

    def install_reporter(self) -> Any | None:
        """A ``rattler.install.InstallerReporter`` for package downloads and linking, or None."""
        return None

    def tool_output(self) -> TextIO | None:
        """Where tools' output (uv) goes: a stream with a file descriptor; None captures it."""
        return None


class Messages(Observer):
    """An observer that passes messages to a function (``build(progress=print)``)."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    def message(self, text: str) -> None:
        self.say(text)


#: the default: reports nothing
SILENT = Observer()

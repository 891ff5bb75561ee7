"""Progress on the terminal: the CLI's observer, and rich displays for solving and installing.

rich is imported only when stderr is a terminal and output is not quiet, so never on the no-op
path or in scripts.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, TextIO

import click

from rees2conda.observe import Observer


class TerminalObserver(Observer):
    """What the CLI shows: messages on stderr, live displays and tools' output on a terminal.

    ``messages``: print progress lines and warnings; ``live``: rich status/progress displays
    (when stderr is a terminal) and the tools' own output.
    """

    def __init__(self, *, messages: bool = True, live: bool = True) -> None:
        self.messages = messages
        self.live = live

    def message(self, text: str) -> None:
        if self.messages:
            click.echo(text, err=True)

    def status(self, text: str) -> contextlib.AbstractContextManager[object]:
        if not (self.live and sys.stderr.isatty()):
            return contextlib.nullcontext()
        from rich.console import Console

        return Console(stderr=True).status(text)

    def install_reporter(self) -> Any | None:
        return make_reporter() if self.live and sys.stderr.isatty() else None

    def tool_output(self) -> TextIO | None:
        return sys.stderr if self.live else None


def make_reporter(console: Any | None = None) -> Any:
    """A ``rattler.install.InstallerReporter`` drawing a rich progress display on stderr."""
    from rattler.install import InstallerReporter
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
    )

    class RichReporter(InstallerReporter):
        def __init__(self) -> None:
            self.console = console or Console(stderr=True)
            self.links = self._bar(MofNCompleteColumn())
            self.downloads = self._bar(DownloadColumn())
            self._names: dict[int, str] = {}
            self._next = 0
            self._link_task: Any = None
            self._started = False

        def _bar(self, count: Any) -> Any:
            """A transient ``name [bar] count`` display; ``count`` says packages or bytes."""
            return Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                count,
                console=self.console,
                transient=True,
            )

        def _token(self, name: str) -> int:
            self._next += 1
            self._names[self._next] = name
            return self._next

        def on_transaction_start(self, total_operations: int) -> None:
            from rich.console import Group
            from rich.live import Live

            self._live = Live(
                Group(self.downloads, self.links),
                console=self.console,
                transient=True,
                refresh_per_second=10,
            )
            self._live.start()
            self._started = True
            self._link_task = self.links.add_task("installing", total=total_operations)

        def on_populate_cache_start(self, operation: int, package_name: str) -> int:
            return self._token(package_name)

        def on_download_start(self, cache_entry: int) -> int:
            name = self._names.get(cache_entry, "package")
            return int(self.downloads.add_task(f"downloading {name}", total=None))

        def on_download_progress(self, download_idx: int, progress: int, total: int | None) -> None:
            self.downloads.update(download_idx, completed=progress, total=total)

        def on_download_completed(self, download_idx: int) -> None:
            self.downloads.remove_task(download_idx)

        def on_link_start(self, operation: int, package_name: str) -> int:
            if self._link_task is not None:
                self.links.update(self._link_task, description=f"linking {package_name}")
            return 0

        def on_transaction_operation_complete(self, operation: int) -> None:
            if self._link_task is not None:
                self.links.advance(self._link_task)

        def on_transaction_complete(self) -> None:
            if self._started:
                self._live.stop()
                self._started = False

    return RichReporter()  # type: ignore[abstract]  # rattler's Reporter methods are no-ops

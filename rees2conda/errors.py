"""Errors a user can cause: printed as one line with a non-zero exit, never a traceback."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from rees2conda.model import Report


class UserError(Exception):
    """A problem with the user's input or environment, with an exit code and an optional hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(UserError):
    """Bad command-line usage (missing path and the like): exit code 2, like click."""

    exit_code = 2


def require_directory(path: object) -> None:
    """The one check every command makes of its PATH argument: same words, exit 2."""
    import os

    text = os.fspath(path)  # type: ignore[call-overload]
    if not os.path.exists(text):
        raise UsageError(f"{text}: no such directory", hint="give the path of a repository folder")
    if not os.path.isdir(text):
        raise UsageError(
            f"{text}: not a directory", hint="give the repository folder, not a file in it"
        )


class Refused(UserError):
    """``check`` found errors: the repository cannot be locked or built as Binder would build it.

    Carries the report: the CLI prints its errors as ``check`` does
    (:func:`rees2conda.output.findings.render_refusal`), then this message.
    """

    def __init__(self, report: Report, doing: str) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(
            f"not {doing}: {report.path} has {n} error{'s' * (n != 1)} that conda cannot satisfy"
            + "; --apt conda adds apt.txt's conda-forge equivalents"
            * any(f.code == "R2C106" for f in report.errors),
            hint="run `rees2conda check` for all findings",
        )

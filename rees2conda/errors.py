"""Errors a user can cause: printed as one line with a non-zero exit, never a traceback."""

from __future__ import annotations


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

"""The one table of finding codes: stable code, default severity, short title, default hint.

Codes never change meaning once released; ``docs/codes.md`` documents every one of them and a test
keeps the two in step. Findings are made only through :func:`finding` so that the severity and the
default hint come from this table and messages stay consistent.

Numbering: ``R2C0xx`` rees2conda itself, ``R2C1xx`` layout and which file decides, ``R2C2xx``
reading files safely, ``R2C3xx`` runtime.txt, ``R2C4xx`` environment.yml, ``R2C5xx`` pip
requirement files, ``R2C6xx`` Python version and local packages, ``R2C7xx`` scripts Binder runs.
"""

from __future__ import annotations

from typing import Any

from rees2conda.model import Finding, Severity
from rees2conda.record import record

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@record(frozen=True)
class Code:
    """One row of the table."""

    code: str
    severity: Severity
    title: str
    hint: str


_ROWS: tuple[Code, ...] = (
    # --- rees2conda itself ------------------------------------------------------------------
    Code(
        "R2C001",
        E,
        "internal error while reading",
        "This is a bug in rees2conda: please report it with this message and, if you can, the "
        "file it concerns.",
    ),
    # --- layout and precedence -------------------------------------------------------------
    Code(
        "R2C101",
        E,
        "Dockerfile decides the build",
        "Binder builds the Dockerfile and ignores every other file. Translate what it installs "
        "into binder/environment.yml (conda) or requirements.txt (pip) to use rees2conda.",
    ),
    Code(
        "R2C102",
        E,
        "Julia project",
        "Binder builds a Julia environment (Project.toml, JuliaProject.toml or REQUIRE), which "
        "conda cannot reproduce. Use Julia's own tooling, or move Python needs into "
        "environment.yml in a repository without Julia files.",
    ),
    Code(
        "R2C103",
        E,
        "Nix build (default.nix)",
        "Binder builds with Nix, which conda cannot reproduce. Use nix-shell, or describe the "
        "Python environment in environment.yml instead.",
    ),
    Code(
        "R2C104",
        E,
        "R build (runtime.txt with a date, or DESCRIPTION)",
        "Binder installs R from a dated CRAN snapshot, not from conda. To use conda, list R "
        "packages as r-* dependencies in environment.yml and remove the dated runtime.txt.",
    ),
    Code(
        "R2C105",
        E,
        "Pipfile decides the build",
        "Binder installs with pipenv. Export the packages to requirements.txt "
        "(`pipenv requirements > requirements.txt`) and remove Pipfile/Pipfile.lock, or add an "
        "environment.yml.",
    ),
    Code(
        "R2C106",
        E,
        "apt.txt needs system packages",
        "System packages need root and are not conda packages. Replace each apt package with its "
        "conda-forge equivalent in environment.yml (e.g. libgl1 -> libgl), or run with "
        "--apt conda to add the equivalents rees2conda knows.",
    ),
    Code(
        "R2C107",
        E,
        "both binder/ and .binder/",
        "Binder refuses to build when both folders exist: keep one of them.",
    ),
    Code(
        "R2C108",
        W,
        "root files ignored because of the binder folder",
        "Binder reads only the binder folder when it exists. Move the file into it, or remove "
        "the folder if the root files are the ones you mean.",
    ),
    Code(
        "R2C109",
        I,
        "nothing configured: default build",
        "Binder builds its default environment (Python and Jupyter only). Add environment.yml or "
        "requirements.txt to install packages.",
    ),
    Code(
        "R2C110",
        E,
        "legacy Binder Dockerfile",
        "A root Dockerfile built FROM andrewosh/binder-base makes Binder stop with an error, even "
        "when a binder folder exists. Delete it or base it on another image.",
    ),
    Code(
        "R2C111",
        I,
        "apt package with a conda-forge equivalent",
        "Add the conda-forge package(s) to environment.yml's dependencies, or run with "
        "--apt conda.",
    ),
    Code(
        "R2C112",
        I,
        "apt package not needed in a conda environment",
        "Nothing to do: a conda environment needs no root or apt, and tools of the system you "
        "log in to (git, editors, shells) are not added.",
    ),
    Code(
        "R2C113",
        E,
        "apt package without a known conda-forge equivalent",
        "Look for the program or library on conda-forge (`rees2conda` knows no equivalent) and "
        "add it to environment.yml, or remove the line if the notebooks do not need it; "
        "--apt conda refuses while such a line remains.",
    ),
    Code(
        "R2C114",
        E,
        "apt.txt line Binder rejects",
        "Binder accepts only lines that start with a lower-case Debian package name (comments "
        "after #). Fix or remove the line.",
    ),
    Code(
        "R2C115",
        E,
        "configuration folder cannot be read",
        "Give the folder read and search permission (e.g. `chmod a+rx binder`): Binder copies "
        "the whole repository and reads its configuration from there.",
    ),
    # --- reading files ---------------------------------------------------------------------
    Code(
        "R2C201",
        E,
        "file cannot be read",
        "Make it a regular, readable file (not a directory, device or broken symlink).",
    ),
    Code(
        "R2C202",
        E,
        "file too large",
        "REES files are small text files; check that the right file was committed.",
    ),
    Code(
        "R2C203",
        E,
        "symlink leaves the repository",
        "Binder builds from the repository alone; the target is not there. Replace the symlink "
        "with the file itself.",
    ),
    Code("R2C204", E, "not a text file in a known encoding", "Save the file as UTF-8 text."),
    Code(
        "R2C205",
        E,
        "include or path leaves the repository",
        "Only files inside the repository exist when Binder builds it. Copy the file into the "
        "repository and refer to it with a relative path.",
    ),
    Code(
        "R2C206",
        E,
        "include cycle",
        "Remove the -r/-c line that includes a file already being read.",
    ),
    Code(
        "R2C207",
        E,
        "included file or path not found",
        "Fix the path: -r/-c paths are relative to the file that contains them; other paths are "
        "relative to the folder pip runs in.",
    ),
    Code(
        "R2C208",
        E,
        "too many includes",
        "Includes are nested too deeply or expand to too many lines; simplify the -r chain.",
    ),
    # --- runtime.txt -----------------------------------------------------------------------
    Code(
        "R2C301",
        E,
        "invalid runtime.txt",
        "Write one line like `python-3.11` (name-version, optionally followed by -YYYY-MM-DD).",
    ),
    Code(
        "R2C302",
        W,
        "runtime.txt ignored (not a Python runtime Binder uses)",
        "Binder ignores this runtime and uses its default Python. Write `python-3.11` to choose "
        "Python, or delete the file.",
    ),
    Code(
        "R2C303",
        W,
        "runtime.txt python-X.Y.Z",
        "Binder accepts only `python-X.Y` and fails on a patch version; rees2conda pins the exact "
        "version. Write `python-X.Y` for the repository to build on Binder.",
    ),
    Code(
        "R2C304",
        W,
        "runtime.txt ignored next to environment.yml",
        "Binder never reads runtime.txt when environment.yml exists. Pin Python in "
        "environment.yml (`- python=3.11`) and delete runtime.txt.",
    ),
    Code(
        "R2C305",
        W,
        "Python version without a Binder base environment",
        "Binder has base environments only for Python 2.7 and 3.5 to 3.14 and fails on other "
        "versions; rees2conda pins the version asked for. Choose a version Binder has for the "
        "repository to build there too.",
    ),
    # --- environment.yml -------------------------------------------------------------------
    Code(
        "R2C401",
        E,
        "YAML syntax error",
        "Fix the YAML at the position shown (a YAML linter helps).",
    ),
    Code(
        "R2C402",
        E,
        "environment.yml has the wrong shape",
        "environment.yml is a mapping with `channels:` (a list of names) and `dependencies:` (a "
        "list of match specs and at most one `pip:` list of strings).",
    ),
    Code(
        "R2C403",
        W,
        "`defaults` channel",
        "Anaconda's `defaults` channel has licensing terms and Binder no longer adds it. Use "
        "conda-forge (and `nodefaults`).",
    ),
    Code(
        "R2C404",
        W,
        "build strings pinned (looks like `conda env export`)",
        "Build strings are platform-specific and often do not exist on Linux. Regenerate with "
        "`conda env export --from-history` or drop the `=build` parts.",
    ),
    Code(
        "R2C405",
        I,
        "environment.yaml ignored because environment.yml exists",
        "Binder uses environment.yml when both exist; delete the one you do not mean.",
    ),
    Code(
        "R2C406",
        E,
        "YAML too complex (alias bomb or deep nesting)",
        "environment.yml should be a short, flat file; remove anchors/aliases and deep nesting.",
    ),
    Code(
        "R2C407",
        E,
        "invalid conda match spec",
        "Write the dependency as `name`, `name=version`, `name>=version` or `channel::name`.",
    ),
    Code(
        "R2C408",
        I,
        "R packages: Binder adds r-base and IRkernel",
        "Binder installs r-base, r-irkernel and r-devtools when a dependency starts with `r-`; "
        "rees2conda adds them too.",
    ),
    Code(
        "R2C409",
        I,
        "key ignored",
        "Binder ignores `name:` and `prefix:`; the environment is named after the repository.",
    ),
    Code(
        "R2C410",
        W,
        "platform-specific package",
        "This package exists only for macOS or Windows; remove it (it usually came from "
        "`conda env export`).",
    ),
    Code(
        "R2C411",
        I,
        "`-r` inside the pip section",
        "Binder's micromamba may fail on `-r` in environment.yml (mamba-org/mamba#1726); "
        "rees2conda expands it itself.",
    ),
    # --- pip requirement files -------------------------------------------------------------
    Code(
        "R2C501",
        E,
        "invalid requirement line",
        "pip cannot parse this line. Write it as `name[extras] specifier ; marker`, a URL, a "
        "path or an option such as `-r file`.",
    ),
    Code(
        "R2C502",
        E,
        "unknown or unsupported pip option",
        "pip refuses this option in a requirements file; remove it.",
    ),
    Code(
        "R2C503",
        W,
        "requirements.txt ignored next to environment.yml",
        "Binder never installs requirements.txt when environment.yml exists. Add `- pip` and "
        "`- pip: [-r requirements.txt]` to environment.yml, or delete requirements.txt.",
    ),
    Code(
        "R2C504",
        W,
        "remote include not expanded",
        "rees2conda does not download requirement files; the line is passed to pip as written.",
    ),
    # --- python and local packages ---------------------------------------------------------
    Code(
        "R2C601",
        W,
        "no Python version pinned",
        "Binder's default Python (3.10) is used and will change in a future release. Pin it: "
        "`- python=3.11` in environment.yml or `python-3.11` in runtime.txt.",
    ),
    Code(
        "R2C602",
        W,
        "local package not installed next to environment.yml",
        "Binder does not run `pip install .` when environment.yml exists. Add `- pip: [.]` to "
        "environment.yml's dependencies if the package should be installed.",
    ),
    Code(
        "R2C603",
        I,
        "pyproject.toml is not an installable package",
        "Binder installs a root pyproject.toml only when it has both [project] and [build-system].",
    ),
    Code(
        "R2C604",
        E,
        "invalid pyproject.toml",
        "Binder reads the root pyproject.toml and fails on it; fix the TOML or the field shown.",
    ),
    Code(
        "R2C605",
        I,
        "requires-python raised the default Python",
        "Binder picks the highest supported Python allowed by requires-python; pin it with "
        "runtime.txt to make it explicit.",
    ),
    Code(
        "R2C606",
        E,
        "Python version not allowed by requires-python",
        "Binder fails when the Python it would use is outside pyproject.toml's requires-python. "
        "Change runtime.txt or requires-python.",
    ),
    Code(
        "R2C607",
        I,
        "local package installed with pip",
        "Binder runs `pip install .` for this package after the requirements.",
    ),
    # --- scripts ---------------------------------------------------------------------------
    Code(
        "R2C701",
        W,
        "postBuild is not run unless trusted",
        "rees2conda runs postBuild only with `rees2conda build --trust` (remembered for this "
        "exact script). Better: move what it installs into environment.yml or requirements.txt.",
    ),
    Code(
        "R2C702",
        W,
        "start is not applied unless trusted",
        "Binder runs start before every session; rees2conda wraps the kernel in it only with "
        "`rees2conda build --trust` (remembered for this exact script).",
    ),
    Code(
        "R2C703",
        W,
        "install.R is ignored",
        "Binder runs install.R only with an R runtime. List the R packages as r-* conda "
        "dependencies in environment.yml instead.",
    ),
    Code(
        "R2C704",
        I,
        "requirements3.txt not used",
        "requirements3.txt goes into Binder's notebook-server environment for kernels older than "
        "Python 3.7; "
        "rees2conda builds only the kernel environment.",
    ),
    Code(
        "R2C705",
        W,
        'start does not exec "$@"',
        'Binder execs the session through start: end it with `exec "$@"`, or nothing starts.',
    ),
    Code(
        "R2C706",
        I,
        "postBuild line installs packages",
        "List the packages in environment.yml or requirements.txt: rees2conda installs them "
        "without running any script.",
    ),
)

CODES: dict[str, Code] = {row.code: row for row in _ROWS}


#: Longest message a finding carries (see :func:`finding`).
MAX_MESSAGE = 400


def finding(
    code: str,
    message: str,
    *,
    path: str | None = None,
    line: int | None = None,
    column: int | None = None,
    hint: str | None = None,
    severity: Severity | None = None,
    data: dict[str, Any] | None = None,
) -> Finding:
    """Make a Finding for ``code`` with the table's severity and hint unless overridden.

    Messages quote repository content, which may be megabytes on one line: a long message
    keeps its start and end around an ellipsis that says how much was left out.
    """
    row = CODES[code]
    if len(message) > MAX_MESSAGE:
        removed = len(message) - 320
        message = f"{message[:240]}…[{removed} characters]…{message[-80:]}"
    return Finding(
        code=code,
        severity=severity or row.severity,
        message=message,
        hint=row.hint if hint is None else hint,
        path=path,
        line=line,
        column=column,
        data=data,
    )

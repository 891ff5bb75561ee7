"""The read context every route works on: the repository, its layout, records and findings.

One :class:`ReadContext` per reading. Routes (``routes.ROUTES``) are stateless objects that
``detect`` and ``read`` against it; files several routes ask about (runtime.txt,
pyproject.toml) are parsed once here and cached, so a route's ``detect`` costs nothing twice.
Keeping the records here lets every route say what Binder does with each file in the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from rees2conda import codes
from rees2conda.model import EnvSpec, FileRecord, Finding, Report
from rees2conda.rees import python as py
from rees2conda.rees.layout import Layout
from rees2conda.rees.runtime import InvalidRuntime, Runtime, parse_runtime
from rees2conda.rees.textfile import Repo, read_text

if TYPE_CHECKING:
    from rees2conda.rees.apt import AptReview
    from rees2conda.rees.local_package import Pyproject

#: The only values of ``--apt``: refuse apt.txt (the default) or map it to conda-forge. Here, not
#: in ``rees.apt``, so that reading a repository without apt.txt never imports that module.
APT_MODES: tuple[str, ...] = ("refuse", "conda")
#: Every finding code ``rees.apt`` makes (the refused routes filter them as one group).
APT_CODES = frozenset({"R2C106", "R2C111", "R2C112", "R2C113", "R2C114"})

T = TypeVar("T")
_RANK = {"ignored": 1, "used": 2, "rejected": 3}


class _Parsed:
    """Files parsed once per reading, shared with the Python part of a refused build."""

    __slots__ = ("other", "pyproject", "runtime", "runtime_read")

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self.runtime_read = False
        self.pyproject: Pyproject | None = None
        self.other: dict[str, object] = {}


class ReadContext:
    """Records and findings of one reading of one repository, and its parsed files."""

    __slots__ = ("_parsed", "apt_mode", "apt_review", "layout", "records", "repo", "report")

    def __init__(self, path: str, apt: str = "refuse") -> None:
        self.repo = Repo.at(path)
        self.report = Report(path=path)
        self.records: dict[str, FileRecord] = {}
        self.layout: Layout = Layout()
        self.apt_mode = apt  # "refuse" (default) or "conda" (map apt.txt to conda-forge)
        self.apt_review: AptReview | None = None
        self._parsed = _Parsed()

    def part(self) -> ReadContext:
        """A context for one part of a build (the Python part of Binder's Julia and R builds):
        same repository, layout and parsed files, records and findings of its own, which the
        caller reads and never merges wholesale."""
        self.runtime()  # parsed here first: its findings belong to this reading, not the part's
        part = ReadContext(self.report.path, self.apt_mode)
        part.repo, part.layout, part._parsed = self.repo, self.layout, self._parsed
        part.report.config_dir = self.report.config_dir
        return part

    # --- bookkeeping ---------------------------------------------------------------------------
    def record(self, rel: str, status: str, reason: str | None = None) -> None:
        """Record a file; a stronger status (rejected > used > ignored) replaces a weaker one."""
        old = self.records.get(rel)
        if old is None or _RANK[status] > _RANK[old.status]:
            self.records[rel] = FileRecord(rel, status, reason)  # type: ignore[arg-type]

    def add(self, *found: Finding) -> None:
        self.report.findings.extend(found)

    def rel(self, name: str) -> str:
        return self.layout.rel(name)

    def read_or_reject(self, rel: str) -> str | None:
        """The text of ``rel``, or None after reporting why it cannot be read (file rejected)."""
        text, problem = read_text(self.repo, rel)
        if problem is not None:
            self.add(problem)
            self.record(rel, "rejected", problem.message)
            return None
        return text

    def has(self, name: str) -> bool:
        return self.layout.has(name)

    def pyproject(self) -> Pyproject:
        """The root pyproject.toml, read and parsed once per reading (several routes ask)."""
        parsed = self._parsed
        if parsed.pyproject is None:
            from rees2conda.rees.local_package import read_pyproject

            parsed.pyproject = read_pyproject(self.repo)
        return parsed.pyproject

    def runtime(self) -> Runtime | None:
        """runtime.txt, parsed once per reading; None when absent, unreadable or invalid (then
        reported, once, by the first route that asks: the R route's ``detect``)."""
        parsed = self._parsed
        if not parsed.runtime_read:
            parsed.runtime_read = True
            parsed.runtime = self._parse_runtime()
        return parsed.runtime

    def _parse_runtime(self) -> Runtime | None:
        if not self.has("runtime.txt"):
            return None
        rel = self.rel("runtime.txt")
        text = self.read_or_reject(rel)
        if text is None:
            return None
        try:
            return parse_runtime(text)
        except InvalidRuntime as exc:
            self.add(codes.finding("R2C301", f"{exc}", path=rel, line=1, column=1))
            self.record(rel, "rejected", "invalid runtime.txt: Binder fails")
            return None

    def once(self, key: str, compute: Callable[[ReadContext], T]) -> T:
        """``compute(self)``, computed once per reading under ``key`` (a route's own parse that
        both its ``detect`` and its ``read`` need)."""
        other = self._parsed.other
        if key not in other:
            other[key] = compute(self)
        return other[key]  # type: ignore[return-value]

    def is_python_package(self) -> bool:
        """A root package Binder installs with ``pip install .``: setup.py, or a pyproject.toml
        with both ``[project]`` and ``[build-system]``; never with a binder folder."""
        if self.layout.config_dir != ".":
            return False
        return self.has("setup.py") or (self.has("pyproject.toml") and self.pyproject().is_package)

    def ignore_rest(self, reason: str) -> None:
        """Record every present file not yet recorded as ignored with ``reason``."""
        for name in self.layout.present:
            self.record(self.rel(name), "ignored", reason)

    def refused_build(self, build: str, names: list[str]) -> None:
        """Record the files Binder also uses in a build rees2conda refuses (Julia, Nix, R, pipenv).

        They are ``rejected`` (Binder uses them, conda cannot reproduce the build); the rest is
        ``ignored``. The error that refuses the build explains it, so no finding is added here
        except for apt.txt, which is an error of its own.
        """
        self.reject_apt()
        for name in names:
            if self.has(name):
                self.record(
                    self.rel(name),
                    "rejected",
                    f"Binder uses it in its {build} build, which conda cannot reproduce",
                )
        self.ignore_rest(f"not used by Binder's {build} build")

    def reject_apt(self) -> None:
        """apt.txt, package by package (``rees.apt``): an error unless ``--apt conda`` maps
        every package to conda-forge or to nothing."""
        if not self.has("apt.txt"):
            return
        from rees2conda.rees.apt import review

        rel = self.rel("apt.txt")
        result = review(self.repo, rel, mode=self.apt_mode)  # type: ignore[arg-type]
        self.apt_review = result
        self.add(*result.findings)
        if self.apt_mode == "conda" and result.mappable:
            self.record(rel, "used", "mapped to conda-forge packages (--apt conda)")
        else:
            self.record(rel, "rejected", "system packages (apt) need root; not conda packages")

    # --- scripts and files every route shares ---------------------------------------------
    def common(self) -> None:
        self.reject_apt()
        if self.has("postBuild"):
            rel = self.rel("postBuild")
            self.record(rel, "rejected", "a script Binder runs after the build; not conda")
            self.add(
                codes.finding(
                    "R2C701",
                    f"{rel} is run by Binder after the build; rees2conda runs it only with "
                    "`build --trust`",
                    path=rel,
                )
            )
            from rees2conda.rees.scripts_check import check_post_build

            self._scripts(rel, check_post_build)
        if self.has("start"):
            rel = self.rel("start")
            self.record(rel, "rejected", "a wrapper Binder runs at every start; not conda")
            self.add(
                codes.finding(
                    "R2C702",
                    f"{rel} wraps every Binder session; rees2conda applies it to the kernel "
                    "only with `build --trust`",
                    path=rel,
                )
            )
            from rees2conda.rees.scripts_check import check_start

            self._scripts(rel, check_start)
        if self.has("install.R"):
            rel = self.rel("install.R")
            self.record(rel, "ignored", "install.R runs only with an R runtime (runtime.txt r-…)")
            self.add(
                codes.finding(
                    "R2C703",
                    f"{rel} is not run: there is no R runtime (runtime.txt `r-<date>`)",
                    path=rel,
                )
            )

    def _scripts(self, rel: str, check: Callable[[str, str], Iterable[Finding]]) -> None:
        """Findings about a script's text (never run); unreadable scripts get none."""
        text, _problem = read_text(self.repo, rel)
        if text is not None:
            for finding in check(rel, text):
                self.add(finding)

    def python_known(self, spec: EnvSpec) -> None:
        if not py.known_to_binder(spec.python):
            origin = spec.python_origin
            self.add(
                codes.finding(
                    "R2C305",
                    f"Python {spec.python} has no Binder base environment, so Binder's build "
                    f"fails (it has {', '.join(py.LEGACY_PYTHONS + py.BINDER_PYTHONS)}); "
                    f"rees2conda pins {spec.python}",
                    path=origin.path if origin else None,
                    line=origin.line if origin else None,
                    column=origin.column if origin else None,
                )
            )

"""Git sources: clone or update a checkout with the ``git`` command, running nothing from it.

Every call passes configuration that keeps the repository's content inert: hooks off
(``core.hooksPath=/dev/null``), no fsmonitor, no submodule recursion, only the http(s), ssh
and file transports (``GIT_ALLOW_PROTOCOL``; ``ext::`` would run a command), no prompts
(``GIT_TERMINAL_PROMPT=0``; ssh in batch mode when there is no terminal). The URL's credentials
are used to fetch but never written to ``.git/config``: the remote keeps the URL without them
and each fetch passes the full URL explicitly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rees2conda.errors import UserError
from rees2conda.sources.urls import redact, strip_credentials

SAFE_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.http.allow=always",
    "protocol.ssh.allow=always",
    "protocol.file.allow=always",
    "advice.detachedHead=false",
    "init.defaultBranch=main",
)
_HEX = re.compile(r"^[0-9a-fA-F]{4,40}$")


@dataclass
class GitCheckout:
    """Where a git source landed and at which commit."""

    path: Path
    commit: str
    branch: str | None  # the branch checked out, None when detached at a tag or commit
    modified: bool  # local changes (kept) in the checkout that was built


class GitError(Exception):
    """A git command failed; ``reason`` is its last message line, credentials removed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def git_available() -> bool:
    return shutil.which("git") is not None


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")
    }
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_ALLOW_PROTOCOL"] = "http:https:ssh:file"
    env["LC_ALL"] = "C"
    if not sys.stdin.isatty() and "GIT_SSH_COMMAND" not in env:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def git(args: list[str], cwd: Path | None = None, *, check: bool = True) -> str:
    """Run ``git ARGS`` with the safe configuration; stdout, or :class:`GitError`."""
    cmd = ["git"]
    for item in SAFE_CONFIG:
        cmd += ["-c", item]
    try:
        proc = subprocess.run(
            cmd + args,
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise UserError(
            "git is not installed; it is needed for git sources and Binder links",
            hint="install git (apt-get install git, conda install git, module load git)",
        ) from None
    if check and proc.returncode != 0:
        raise GitError(_last_reason(proc.stderr) or f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


def _last_reason(stderr: str) -> str:
    lines = [ln.strip() for ln in redact(stderr).splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    line = (fatal or lines or [""])[-1 if not fatal else 0]
    return re.sub(r"^(fatal|error):\s*", "", line)


def _rev(repo: Path, name: str) -> str | None:
    out = git(["rev-parse", "--verify", "--quiet", "--end-of-options", name], repo, check=False)
    return out.strip() or None


def same_remote(a: str, b: str) -> bool:
    """Two spellings of one remote (credentials, trailing ``/`` and ``.git`` ignored)."""

    def norm(u: str) -> str:
        return strip_credentials(u).rstrip("/").removesuffix(".git").lower()

    return norm(a) == norm(b)


def checkout(
    url: str,
    ref: str | None,
    dest: Path,
    *,
    offline: bool = False,
    progress: Callable[[str], None] | None = None,
) -> GitCheckout:
    """Clone ``url`` into ``dest`` or update the checkout there to ``ref``; see the module doc."""
    shown = redact(url)
    say = progress or (lambda _m: None)
    fresh = not dest.exists() or (dest.is_dir() and not any(dest.iterdir()))
    if fresh:
        if offline:
            raise UserError(f"{dest}: no checkout of {shown} to use (--offline)")
        say(f"cloning {shown} into {dest} …")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.rees2conda-clone-", dir=dest.parent))
        try:
            _clone(url, tmp)
            commit, branch = _resolve(tmp, ref, url, offline)
            _switch(tmp, commit, branch, ref, fresh=True)
            if dest.exists():
                dest.rmdir()  # empty
            os.rename(tmp, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return GitCheckout(dest, commit, branch, modified=False)
    _check_is_checkout_of(dest, url)
    if not offline:
        say(f"fetching {shown} …")
        _fetch(url, dest, default_branch=ref is None)
    commit, branch = _resolve(dest, ref, url, offline)
    head = _rev(dest, "HEAD")
    current_branch = git(["symbolic-ref", "-q", "--short", "HEAD"], dest, check=False).strip()
    if head == commit and (branch is None or current_branch == branch):
        return GitCheckout(dest, commit, branch, modified=bool(local_changes(dest)[0]))
    _refuse_to_lose_work(dest, shown, branch, head)
    _switch(dest, commit, branch, ref, fresh=False)
    return GitCheckout(dest, commit, branch, modified=False)


def _switch(repo: Path, commit: str, branch: str | None, ref: str | None, *, fresh: bool) -> None:
    """Check out ``branch`` (tracking the remote's) or ``commit`` detached.

    A fresh clone has nothing to lose (``-f``); an existing checkout is switched without force,
    so git itself refuses to overwrite untracked files in the way.
    """
    flags = ["-f"] if fresh else []
    try:
        if branch is not None:
            git(["checkout", "-q", *flags, "-B", branch, f"refs/remotes/origin/{branch}"], repo)
            git(["branch", "-q", f"--set-upstream-to=origin/{branch}", branch], repo, check=False)
        else:
            git(["checkout", "-q", *flags, "--detach", commit], repo)
    except GitError as exc:
        raise UserError(
            f"{repo}: cannot check out {ref or branch}: {exc.reason}",
            hint="files in the way are kept; move them, or use another --dest",
        ) from None


def _clone(url: str, tmp: Path) -> None:
    """Clone into ``tmp`` (the caller renames it into place once checked out)."""
    try:
        git(["clone", "-q", "--no-checkout", "--no-recurse-submodules", "--", url, str(tmp)])
    except GitError as exc:
        raise UserError(f"cannot clone {redact(url)}: {exc.reason}") from None
    stored = strip_credentials(url)
    if stored != url:
        git(["remote", "set-url", "origin", stored], tmp)


def _fetch(url: str, repo: Path, *, default_branch: bool) -> None:
    refspec = "+refs/heads/*:refs/remotes/origin/*"
    try:
        git(["fetch", "-q", "--prune", "--force", "--tags", "--", url, refspec], repo)
        if default_branch:
            out = git(["ls-remote", "--symref", "--", url, "HEAD"], repo)
            m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.M)
            if m:
                git(
                    ["symbolic-ref", "refs/remotes/origin/HEAD", f"refs/remotes/origin/{m[1]}"],
                    repo,
                )
    except GitError as exc:
        raise UserError(f"cannot fetch {redact(url)}: {exc.reason}") from None


def _check_is_checkout_of(dest: Path, url: str) -> None:
    if not dest.is_dir() or not (dest / ".git").exists():
        raise UserError(
            f"{dest} exists and is not a git checkout; not touching it",
            hint="give another --dest, or move it away",
        )
    origin = git(["config", "--get", "remote.origin.url"], dest, check=False).strip()
    if not same_remote(origin, url):
        raise UserError(
            f"{dest} is a checkout of {redact(origin) or 'another repository'}, "
            f"not of {redact(url)}",
            hint="give another --dest",
        )


def _resolve(repo: Path, ref: str | None, url: str, offline: bool) -> tuple[str, str | None]:
    """(commit, branch or None) that ``ref`` names in the fetched remote."""
    if ref is None:
        head = git(["symbolic-ref", "-q", "refs/remotes/origin/HEAD"], repo, check=False).strip()
        branch = head.removeprefix("refs/remotes/origin/") if head else None
        commit = _rev(repo, f"{head}^{{commit}}") if head else None
        if branch is None or commit is None:
            raise UserError(f"{redact(url)} has no default branch", hint="give --ref")
        return commit, branch
    commit = _rev(repo, f"refs/remotes/origin/{ref}^{{commit}}")
    if commit:
        return commit, ref
    commit = _rev(repo, f"refs/tags/{ref}^{{commit}}")
    if commit:
        return commit, None
    if _HEX.match(ref):
        commit = _rev(repo, f"{ref}^{{commit}}")
        if commit is None and len(ref) == 40 and not offline:
            # a commit no branch or tag reaches: servers that allow it hand it out by id
            git(["fetch", "-q", "--", url, ref], repo, check=False)
            commit = _rev(repo, f"{ref}^{{commit}}")
        if commit:
            return commit, None
    raise UserError(f"ref {ref!r} not found in {redact(url)}", hint=_known_refs(repo))


def _known_refs(repo: Path) -> str:
    branches = git(
        ["for-each-ref", "--format=%(refname:lstrip=3)", "refs/remotes/origin/"], repo, check=False
    ).split()
    tags = git(["for-each-ref", "--format=%(refname:lstrip=2)", "refs/tags/"], repo, check=False)
    names = [b for b in branches if b != "HEAD"][:8]
    hint = "branches: " + (", ".join(names) or "none")
    tag_names = tags.split()[:8]
    if tag_names:
        hint += "; tags: " + ", ".join(tag_names)
    return hint


def local_changes(repo: Path) -> tuple[list[str], list[str]]:
    """(changed files, notebooks whose only change is ``metadata.kernelspec``).

    ``build`` points notebooks at its kernel; those edits are ours and may be undone before an
    update (the next build redoes them). Anything else is the user's and is never overwritten.
    """
    out = git(
        ["status", "--porcelain=v1", "-z", "--untracked-files=no", "--ignore-submodules=all"],
        repo,
        check=False,
    )
    entries = out.split("\0")
    changed: list[str] = []
    ours: list[str] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            i += 1  # the rename's source follows
        if status == " M" and path.endswith(".ipynb") and _kernelspec_only(repo, path):
            ours.append(path)
        else:
            changed.append(path)
    return changed, ours


def _kernelspec_only(repo: Path, rel: str) -> bool:
    try:
        now = json.loads((repo / rel).read_text(encoding="utf-8"))
        before = json.loads(git(["show", f"HEAD:{rel}"], repo))
    except (OSError, ValueError, GitError):
        return False
    if not isinstance(now, dict) or not isinstance(before, dict):
        return False
    for nb in (now, before):
        meta = nb.get("metadata")
        if isinstance(meta, dict):
            meta.pop("kernelspec", None)
    return now == before


def _refuse_to_lose_work(repo: Path, shown: str, branch: str | None, head: str | None) -> None:
    """Raise when moving the checkout would drop local edits or commits; undo our own edits."""
    changed, ours = local_changes(repo)
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise UserError(
            f"{repo} has local changes ({changed[0]}{more}); not updating it to {shown}",
            hint=f"commit or stash them, or build it as it is: rees2conda build {repo}",
        )
    if branch is not None and _rev(repo, f"refs/heads/{branch}"):
        ahead = git(
            ["rev-list", "--count", f"refs/remotes/origin/{branch}..refs/heads/{branch}"],
            repo,
            check=False,
        ).strip()
        if ahead not in ("", "0"):
            raise UserError(
                f"{repo}: branch {branch} has {ahead} local commit(s) not on the remote; "
                "not updating it",
                hint=f"push or move them, or build it as it is: rees2conda build {repo}",
            )
    if head and not git(["symbolic-ref", "-q", "HEAD"], repo, check=False).strip():
        reached = git(
            ["for-each-ref", "--contains", head, "--count=1", "refs/remotes/", "refs/tags/"],
            repo,
            check=False,
        ).strip()
        if not reached:
            raise UserError(
                f"{repo}: the checked-out commit {head[:12]} is on no remote branch or tag; "
                "not moving away from it",
                hint=f"put it on a branch, or build it as it is: rees2conda build {repo}",
            )
    if ours:
        git(["checkout", "-q", "--", *ours], repo)

"""The no-op test on plain data: the stamp as a dict, paths as strings, standard library only.

A login script runs ``rees2conda build -q`` at every login, so the no-op answer must cost little
more than starting Python. Dataclasses (``import dataclasses`` plus defining them costs about two
interpreter starts), ``pathlib``, ``typing`` and YAML stay off this path: this module imports
``os``, ``sys``, ``json`` and ``hashlib`` only.

Two callers share :func:`stamp_matches`, the one statement of what "nothing to do" means:

- :mod:`rees2conda.env.noop` (in-process ``build``), with values from the ``BuildContext``;
- :func:`quick_build` (the console entry's fast path), with the values a full build recorded in a
  *no-op record* (``~/.cache/rees2conda/noop/<key>.json``): the target prefix, kernel folder and
  options key that an invocation (working folder, arguments, ``CONDA_*``/``XDG_*``/``JUPYTER_*``
  variables, machine) led to, with the content of every conda configuration file that decided
  them. Anything that differs, or any doubt, answers None: the full path then runs, never a
  wrong "up to date".
"""

from __future__ import annotations

import os

from rees2conda import records
from rees2conda.kernel.installed import kernel_intact, kernel_owner
from rees2conda.kernel.installed import python_executable as python_path
from rees2conda.records import file_sha256, home_of, read_json

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

STAMP_NAME = "rees2conda.stamp"
MARKER_NAME = "rees2conda.incomplete"
NOTEBOOKS_NAME = "rees2conda.notebooks"
#: bump when the stamp layout changes incompatibly; an older stamp then means "rebuild"
STAMP_FORMAT = 1
SCRIPT_NAMES = ("postBuild", "start")

_NONE = type(None)
#: the stamp's fields and their JSON types (``Stamp`` in :mod:`rees2conda.env.stamp` checks
#: these too); the first block is required, the rest has defaults
REQUIRED: dict[str, tuple[type, ...]] = {
    "source": (str,),
    "name": (str,),
    "prefix": (str,),
    "platform": (str,),
    "options": (dict,),
    "spec_hash": (str,),
    "fingerprint": (dict,),
    "lockfile": (str,),
    "lock_source": (str,),
    "lock_sha256": (str, _NONE),
    "given_lock_sha256": (str, _NONE),
    "conda_packages": (int,),
    "has_python": (bool,),
}
OPTIONAL: dict[str, tuple[type, ...]] = {
    "pip": (list,),
    "kernel_name": (str, _NONE),
    "display_name": (str, _NONE),
    "kernel_dir": (str, _NONE),
    "kernels": (list,),
    "built": (int, float),
    "version": (str,),
    "tool": (str,),
    "scripts": (dict,),
    "pip_replaced": (dict,),
    "origin": (dict, _NONE),
}


def valid_stamp(data: object) -> dict[str, Any] | None:
    """``data`` when it is a stamp of the current layout (required fields, JSON types), else
    None (then: rebuild). ``Stamp.from_json`` accepts exactly these."""
    if not isinstance(data, dict) or data.get("format") != STAMP_FORMAT:
        return None
    for key, types in REQUIRED.items():
        if key not in data or not isinstance(data[key], types):
            return None
    for key, types in OPTIONAL.items():
        if key in data and not isinstance(data[key], types):
            return None
    return data


def read_stamp(prefix: str) -> dict[str, Any] | None:
    return valid_stamp(read_json(os.path.join(prefix, "conda-meta", STAMP_NAME)))


# -- what a repository's names say ------------------------------------------------------------
def config_dir(repo: str, names: list[str]) -> str:
    """The folder Binder reads (``.binder`` over ``binder`` over the root), from the
    fingerprint's names (as ``rees.layout.find_layout`` decides it)."""
    for folder in (".binder", "binder"):
        if folder in names and os.path.isdir(os.path.join(repo, folder)):
            return folder
    return "."


def script_names(repo: str, names: list[str]) -> list[str]:
    """The scripts Binder would run (``postBuild``, ``start`` in the configuration folder only,
    as :func:`rees2conda.env.trust.script_hashes` counts them), from the fingerprint's names."""
    folder = config_dir(repo, names)
    wanted = [n if folder == "." else f"{folder}/{n}" for n in SCRIPT_NAMES]
    return [n for n in wanted if n in names]


def skipped_scripts(stamp: Mapping[str, Any]) -> list[str]:
    """Scripts present at the last build that it did not run (not trusted)."""
    names = (stamp.get("fingerprint") or {}).get("names") or []
    applied = stamp.get("scripts") or {}
    return [n for n in script_names(str(stamp.get("source")), names) if n not in applied]


# -- where a fetched repository came from -----------------------------------------------------
def origin_identity(origin: Mapping[str, Any] | None) -> tuple[object, ...] | None:
    """What says a fetch brought other content: the commit, or the record's version. How the
    source was spelled, the notebook a link opens, or a local-changes flag do not."""
    if not origin:
        return None
    if origin.get("kind") == "git":
        return ("git", origin.get("commit"))
    return (origin.get("kind"), origin.get("provider"), origin.get("content_id"))


def same_origin(recorded: Mapping[str, Any] | None, given: Mapping[str, Any] | None) -> bool:
    """Whether building from ``given`` finds the content the stamp's origin says it has.

    A local folder (``given`` None) is whatever it holds: its build compares fingerprints, and the
    stamp keeps the origin of the fetch that made the folder. A fetch of the same commit (or
    record version) is the same; a fetch after a local build is new (once: then recorded).
    """
    return given is None or origin_identity(recorded) == origin_identity(given)


# -- the environment and its kernels ----------------------------------------------------------
def conda_meta_count(prefix: str) -> int:
    """Package records in ``conda-meta`` (-1 without one): a cheap test of a damaged env."""
    try:
        names = os.listdir(os.path.join(prefix, "conda-meta"))
    except OSError:
        return -1
    return sum(1 for n in names if n.endswith(".json"))


def registered(prefix: str, home: str) -> bool:
    """``prefix`` is listed in ``~/.conda/environments.txt``."""
    want = os.path.normpath(os.path.abspath(prefix))
    try:
        with open(os.path.join(home, ".conda", "environments.txt"), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return False
    return any(s and os.path.normpath(os.path.abspath(s)) == want for s in map(str.strip, lines))


def env_intact(stamp: Mapping[str, Any], prefix: str, kernel_dir: str | None) -> bool:
    """A few ``stat`` calls that catch a damaged or half-removed env and a deleted kernel."""
    if os.path.exists(os.path.join(prefix, "conda-meta", MARKER_NAME)):
        return False
    if stamp["prefix"] != prefix or conda_meta_count(prefix) != stamp["conda_packages"]:
        return False
    if stamp["has_python"] and not os.path.exists(python_path(prefix)):
        return False
    if kernel_dir is not None and (
        stamp.get("kernel_dir") != kernel_dir or not kernel_intact(kernel_dir, prefix)
    ):
        return False
    # the env's other kernels (R, bash, ...): still there and still ours
    for k in stamp.get("kernels") or []:
        if not isinstance(k, dict) or kernel_owner(str(k.get("dir"))) != prefix:
            return False
    return kernel_dir is not None or stamp.get("kernel_dir") is None


def same_build(
    stamp: Mapping[str, Any],
    *,
    repo: str,
    prefix: str,
    kernel_dir: str | None,
    options_key: Mapping[str, Any],
    home: str,
) -> bool:
    """Same repository and options, env intact and registered."""
    return (
        stamp["source"] == repo
        and stamp["options"] == options_key
        and env_intact(stamp, prefix, kernel_dir)
        and registered(prefix, home)
    )


def _trusted_since(stamp: Mapping[str, Any], repo: str, env: Mapping[str, str]) -> bool:
    """A script the last build skipped is trusted now (``build --trust`` of another env of
    this repository): the full path runs it."""
    skipped = skipped_scripts(stamp)
    if not skipped:
        return False
    base = env.get("XDG_CONFIG_HOME") or os.path.join(home_of(env), ".config")
    data = read_json(os.path.join(base, "rees2conda", "trust.json"))
    repos = data.get("repositories") if isinstance(data, dict) else None
    recorded = repos.get(repo) if isinstance(repos, dict) else None
    if not isinstance(recorded, dict):
        return False
    files = (stamp.get("fingerprint") or {}).get("files") or {}
    return any(
        recorded.get(rel) is not None and recorded.get(rel) == files.get(rel) for rel in skipped
    )


#: names whose appearance or disappearance can change what Binder (and so the reader) does:
#: ``rees.layout``'s REES_NAMES and ROOT_ONLY plus what else the reader or ``build`` looks at.
#: Spelled out, not imported, so that the no-op build never imports the reader's modules.
REES_NAMES = frozenset(
    {
        "environment.yml",
        "environment.yaml",
        "requirements.txt",
        "requirements3.txt",
        "runtime.txt",
        "Pipfile",
        "Pipfile.lock",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
        "DESCRIPTION",
        "Project.toml",
        "JuliaProject.toml",
        "REQUIRE",
        "default.nix",
        "Dockerfile",
        "apt.txt",
        "postBuild",
        "start",
        "install.R",
        "conda-lock.yml",
        "binder",
        ".binder",
    }
)


def rees_names(repo: str) -> list[str]:
    """The REES names present at the root and in ``binder/``/``.binder/``, sorted."""
    out: list[str] = []
    for sub in ("", "binder", ".binder"):
        try:
            listed = os.listdir(os.path.join(repo, sub) if sub else repo)
        except OSError:
            continue
        out.extend(f"{sub}/{n}" if sub else n for n in listed if n in REES_NAMES)
    return sorted(out)


def fingerprint_matches(repo: str, recorded: object) -> bool:
    """Whether the repository still has the fingerprint ``recorded`` (names present at the root
    and in ``binder/``/``.binder/``, the sha256 of the files used, and the state of the paths
    the reader only looked at)."""
    if not isinstance(recorded, dict):
        return False
    files = recorded.get("files")
    if not isinstance(files, dict) or recorded.get("names") != rees_names(repo):
        return False
    if not all(file_sha256(os.path.join(repo, f)) == sha for f, sha in files.items()):
        return False
    # paths the reader only looked at (stamps written before they were kept have none)
    stats = recorded.get("stats", {})
    if not isinstance(stats, dict):
        return False
    return all(records.path_state(os.path.join(repo, r)) == s for r, s in stats.items())


def stamp_matches(
    stamp: Mapping[str, Any] | None,
    *,
    repo: str,
    prefix: str,
    kernel_dir: str | None,
    options_key: Mapping[str, Any],
    home: str,
    env: Mapping[str, str],
    given_lock: str | None = None,
    trust: bool = False,
    origin: Mapping[str, Any] | None = None,
) -> bool:
    """The no-op test: same source, options, origin and repository fingerprint, env intact."""
    if stamp is None:
        return False
    if not same_build(
        stamp, repo=repo, prefix=prefix, kernel_dir=kernel_dir, options_key=options_key, home=home
    ):
        return False
    if given_lock is not None and file_sha256(given_lock) != stamp["given_lock_sha256"]:
        return False
    # --trust: a script the stamp did not apply is to be run; without: one trusted since
    if skipped_scripts(stamp) if trust else _trusted_since(stamp, repo, env):
        return False
    if not same_origin(stamp.get("origin"), origin):
        return False
    return fingerprint_matches(repo, stamp["fingerprint"])


def notebooks_unchanged(repo: str, prefix: str) -> bool:
    """No notebook folder changed since the last retarget (else ``notebooks.refresh`` works)."""
    record = read_json(os.path.join(prefix, "conda-meta", NOTEBOOKS_NAME))
    if not isinstance(record, dict) or record.get("format") != 1:
        return True  # no record: the build left notebooks alone (refresh does nothing)
    if not (record.get("enabled") and record.get("root") == repo):
        return True
    dirs = record.get("dirs") or {}
    for rel, mtime in dirs.items():
        try:
            if os.stat(os.path.join(repo, rel)).st_mtime_ns != mtime:
                return False
        except OSError:
            return False
    return True


# -- the no-op record: what a full build found for an invocation ------------------------------
def still_valid(record: Mapping[str, Any], inv: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """The record is of this invocation, and nothing it was computed from changed on disk."""
    if record.get("inputs") != inv or not records.signatures_hold(record.get("config"), env):
        return False
    if os.path.realpath(home_of(env)) != record.get("home_real"):
        return False
    # conda's rule: an existing env of the name in an earlier envs folder would win
    name = record.get("name")
    earlier = record.get("earlier")
    if not isinstance(name, str) or not isinstance(earlier, list):
        return False
    return not any(os.path.isdir(os.path.join(str(d), name, "conda-meta")) for d in earlier)


def quick_build(
    path: str, fields: Mapping[str, Any], quiet: bool
) -> tuple[list[str], list[str]] | None:
    """What a no-op ``build`` prints, (stdout lines, stderr lines), or None when this cannot tell
    that there is nothing to do (then the full path decides). Quiet: nothing."""
    env = os.environ
    if not os.path.isdir(path):
        return None
    try:
        inv = records.invocation(path, fields, env)
    except OSError:  # no working folder
        return None
    record = records.read_record(records.record_path(inv, env))
    if not isinstance(record, dict) or not still_valid(record, inv, env):
        return None
    repo, prefix, kdir = record.get("repo"), record.get("prefix"), record.get("kernel_dir")
    options_key = record.get("options_key")
    if not (isinstance(repo, str) and isinstance(prefix, str) and isinstance(options_key, dict)):
        return None
    if repo != os.path.realpath(path) or not (kdir is None or isinstance(kdir, str)):
        return None
    stamp = read_stamp(prefix)
    lockfile = fields.get("lockfile")
    given_lock = os.path.abspath(lockfile) if isinstance(lockfile, str) else None
    if not stamp_matches(
        stamp,
        repo=repo,
        prefix=prefix,
        kernel_dir=kdir,
        options_key=options_key,
        home=home_of(env),
        env=env,
        given_lock=given_lock,
    ):
        return None
    assert stamp is not None
    retargets = fields.get("retarget") is not False and kdir is not None
    if retargets and not notebooks_unchanged(repo, prefix):
        return None
    if quiet:
        return [], []
    warnings = [script_warning(rel) for rel in skipped_scripts(stamp)]
    return [f"{record.get('name')}: up to date ({prefix})"], warnings


def script_warning(rel: str) -> str:
    return (
        f"warning: {rel} not run: scripts run only when you trust them; review it, then "
        "`rees2conda build --trust`"
    )


def fields_from_flags(given: Mapping[str, object]) -> dict[str, Any] | None:
    """The record's ``fields`` for the console entry's parsed flags (None: let the CLI decide);
    :func:`rees2conda.env.noop.fields_from_options` says the same for a ``BuildOptions``."""
    locked, frozen, lockfile = given.get("locked"), given.get("frozen"), given.get("lockfile")
    if sum(bool(x) for x in (locked, frozen, lockfile)) > 1:
        return None
    mode = "lockfile" if lockfile else "frozen" if frozen else "locked" if locked else "default"
    return {
        "name": given.get("name"),
        "prefix": given.get("prefix"),
        "lockfile": lockfile,
        "mode": mode,
        "kernel": given.get("kernel", True),
        "kernel_name": given.get("kernel_name"),
        "display_name": given.get("display_name"),
        "retarget": given.get("retarget"),
        "offline": bool(given.get("offline")),
    }

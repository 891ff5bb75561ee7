"""Pip lines for the Pythons uv cannot target (2.7, 3.5), resolved by pip for the target."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lock_helpers import options
from py27_helpers import python27_env

from rees2conda.rees.reader import read_repository
from rees2conda.resolve.api import lock_report, read_locked_packages
from rees2conda.resolve.condadist import conda_dists
from rees2conda.resolve.legacy_pip import marker_environment, needs_pip_resolver

pytestmark = pytest.mark.pypi


def _lock(repo: Path) -> tuple[dict[str, str], dict]:
    result = lock_report(read_repository(repo), repo, options=options())
    env = read_locked_packages(result.lockfile, "linux-64")
    conda = {r.name.normalized: str(r.version) for r in env.conda}
    assert not set(conda_dists(env.conda)) & {p.name for p in env.pip}  # one copy per name
    return conda, {p.name: p for p in env.pip}


def test_which_pythons_go_through_pip() -> None:
    assert needs_pip_resolver("2.7") and needs_pip_resolver("3.5")
    assert not needs_pip_resolver("3.6") and not needs_pip_resolver("3.12")
    markers = marker_environment("linux-64", "2.7.15")
    assert markers["python_version"] == "2.7" and markers["sys_platform"] == "linux"
    assert marker_environment("win-64", "3.5.6")["platform_machine"] == "AMD64"


def test_python27_pins_win_and_markers_are_the_targets(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=2.7\n  - pip:\n"
        "    - six==1.10.0\n    - requests==2.20.0\n"
        '    - backports.functools_lru_cache ; python_version < "3"\n'
        '    - tomli ; python_version >= "3"\n'
    )
    conda, pip = _lock(tmp_path)
    assert conda["python"].startswith("2.7.")
    assert pip["six"].version == "1.10.0" and "six" not in conda  # the pin replaced conda's
    assert pip["requests"].version == "2.20.0" and "urllib3" in pip
    assert "backports-functools-lru-cache" in pip and "tomli" not in pip  # 2.7's markers
    for p in pip.values():
        assert p.url.startswith("https://files.pythonhosted.org/") and len(p.sha256 or "") == 64
        assert p.url.endswith(".whl")


def test_python27_local_package_and_its_sdist_dependency(tmp_path: Path) -> None:
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n"
        'setup(name="mypkg", version="0.3", packages=["mypkg"],\n'
        '      install_requires=["six>=1.10", "toolz==0.9.0", \'futures; python_version<"3"\'])\n'
    )
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=2.7\n  - pip:\n    - -e .\n"
    )
    conda, pip = _lock(tmp_path)
    assert pip["mypkg"].editable and pip["mypkg"].local_path == str(tmp_path)
    assert pip["toolz"].url.endswith("/toolz-0.9.0.tar.gz")  # no wheel: the sdist, hashed
    assert len(pip["toolz"].sha256) == 64
    assert "six" in conda and "six" not in pip  # conda's six satisfies six>=1.10
    assert "futures" in conda or "futures" in pip  # the 2.7 marker holds


def test_python35_sdist_only_package_is_locked_with_its_hash(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("python-3.5\n")
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3.1\n")
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=3.5\n  - pip:\n"
        "    - pyyaml==5.3.1\n    - six\n"
    )
    conda, pip = _lock(tmp_path)
    assert pip["pyyaml"].url.endswith("/PyYAML-5.3.1.tar.gz") and len(pip["pyyaml"].sha256) == 64
    assert "six" not in pip and "six" in conda  # conda's six satisfies `six`: it stays


def test_python27_environment_installs_with_its_own_pip(tmp_path: Path) -> None:
    from rees2conda.env.install import install_pip, uninstall_pip
    from rees2conda.resolve.lockfile import LockedPip

    python = python27_env(tmp_path / "env")
    url = (
        "https://files.pythonhosted.org/packages/c8/0a/"
        "b6723e1bc4c516cb687841499455a8505b44607ab535be01091c0f24f079/six-1.10.0-py2.py3-none-any.whl"
    )
    sha = "0ff78c403d9bccf5a425a6d31a12aa6b47f1c21ca4dc2573a7e2f32a97335eb1"
    install_pip([LockedPip("six", "1.10.0", url, sha)], python)
    site = tmp_path / "env" / "lib" / "python2.7" / "site-packages"
    assert (site / "six-1.10.0.dist-info").is_dir()
    out = subprocess.run(
        [str(python), "-c", "import six; print(six.__version__)"], capture_output=True, text=True
    )
    assert out.stdout.strip() == "1.10.0"
    uninstall_pip(["six"], python)
    assert not (site / "six.py").exists()

    # the repository's own package, with the environment's pip (setup.py, as in 2018)
    from rees2conda.env.install import install_local

    repo = tmp_path / "repo"
    (repo / "hello27").mkdir(parents=True)
    (repo / "hello27" / "__init__.py").write_text("GREETING = 'hi from 2.7'\n")
    (repo / "setup.py").write_text(
        "from setuptools import setup\nsetup(name='hello27', version='1.0', packages=['hello27'])\n"
    )
    install_local([(repo, False)], python)
    out = subprocess.run(
        [str(python), "-c", "import hello27; print(hello27.GREETING); print(hello27.__file__)"],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
    )
    assert out.stdout.splitlines()[0] == "hi from 2.7"
    assert out.stdout.splitlines()[1].startswith(str(site))
    assert not list(repo.glob("*.egg-info")) and not (repo / "build").exists()


def _git_package(root: Path) -> tuple[str, str]:
    """A package in a local git repository, tagged v0.2: (its URL, the tag's commit)."""
    from sources_helpers import GitRemote

    setup = (
        "from setuptools import setup\n"
        "setup(name='gitpkg27', version='0.2', packages=['gitpkg27'],\n"
        "      install_requires=['toolz==0.9.0', 'six'])\n"
    )
    remote = GitRemote(root, "gitpkg27", {"gitpkg27/__init__.py": "V = 2\n", "setup.py": setup})
    remote.tag("v0.2")
    commit = remote.commit({"gitpkg27/__init__.py": "V = 3\n"}, "after the tag")
    assert commit  # main moved on: the lock must pin the tag's commit, not main's
    from sources_helpers import run_git

    return remote.url, run_git(["rev-list", "-n", "1", "v0.2"], remote.work)


def test_python27_vcs_lines_lock_as_for_newer_pythons(tmp_path: Path) -> None:
    """``git+…@rev#egg=name`` for 2.7 is checked out by pip and recorded as uv records it for
    3.6 (``git+<url>@<commit>``); its dependencies are resolved for 2.7; the environment's own
    pip installs it from the lock."""
    url, commit = _git_package(tmp_path / "git")
    locked = {}
    for python in ("2.7", "3.6"):
        repo = tmp_path / python
        repo.mkdir()
        (repo / "environment.yml").write_text(
            f"channels:\n  - defaults-2018\ndependencies:\n  - python={python}\n  - pip:\n"
            f"    - git+{url}@v0.2#egg=gitpkg27\n"
        )
        assert read_repository(repo).ok
        conda, pip = _lock(repo)
        locked[python] = pip["gitpkg27"]
        assert pip["toolz"].url.endswith("/toolz-0.9.0.tar.gz")  # its dependency, resolved
        assert "six" in conda and "six" not in pip
    assert locked["2.7"].url == locked["3.6"].url == f"git+{url}@{commit}"
    assert locked["2.7"].version == "0.2" and locked["2.7"].sha256 is None

    from rees2conda.env.install import install_pip

    python = python27_env(tmp_path / "env")
    install_pip([locked["2.7"]], python)
    out = subprocess.run(
        [str(python), "-c", "import gitpkg27; print(gitpkg27.V)"], capture_output=True, text=True
    )
    assert out.stdout.strip() == "2", out.stderr


def test_python27_vcs_line_that_cannot_be_checked_out_is_named(tmp_path: Path) -> None:
    from rees2conda.errors import UserError

    url, _ = _git_package(tmp_path / "git")
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=2.7\n  - pip:\n"
        f"    - git+{url}@no-such-tag#egg=gitpkg27\n"
    )
    with pytest.raises(UserError) as caught:
        _lock(tmp_path)
    assert caught.value.message.startswith("environment.yml:6: pip cannot check out")


@pytest.mark.parametrize(
    "line", ["gitpkg27 @ git+{url}@v0.2", "-e git+{url}@v0.2#egg=gitpkg27"], ids=["at", "editable"]
)
def test_python27_other_vcs_forms_pin_the_commit(tmp_path: Path, line: str) -> None:
    url, commit = _git_package(tmp_path / "git")
    (tmp_path / "environment.yml").write_text(
        "channels:\n  - defaults-2018\ndependencies:\n  - python=2.7\n  - pip:\n"
        f"    - {line.format(url=url)}\n"
    )
    _, pip = _lock(tmp_path)
    assert pip["gitpkg27"].url == f"git+{url}@{commit}" and "toolz" in pip


def test_vcs_lines_expand_only_what_the_lock_writer_puts_back() -> None:
    """pip expands ``${VAR}`` with upper-case names only, and the lock writer puts back exactly
    those (rees2conda.resolve.credentials): a lower-case name expanded here would leave its value
    (a token) in the committed lock."""
    from rees2conda.resolve.credentials import referenced_values
    from rees2conda.resolve.legacy_pip import expand_vars

    env = {"TOKEN": "s3cret", "token": "l0wer"}
    line = "git+https://host/${TOKEN}/${token}/r.git"
    expanded = expand_vars(line, env)
    assert expanded == "git+https://host/s3cret/${token}/r.git"
    assert set(referenced_values([line], env).values()) == {"s3cret"}

"""conda's configuration as conda reads it: search path, precedence, merge rules, flags, $VAR.

The system locations (``/etc/conda``, ``/var/lib/conda``) are read under
``$REES2CONDA_SYSTEM_ROOT``, a temporary folder here: nothing in these tests touches ``/etc``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rees2conda.condarc import load_conda_config
from rees2conda.condarc_files import SYSTEM_ROOT_VAR, expand_vars, search_path
from rees2conda.errors import UserError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Path]:
    """A system root, a conda root and a home, all empty."""
    paths = {name: tmp_path / name for name in ("sys", "conda_root", "home")}
    for p in paths.values():
        p.mkdir()
    (paths["sys"] / "etc" / "conda" / "condarc.d").mkdir(parents=True)
    return paths


def _env(site: dict[str, Path], **extra: str) -> dict[str, str]:
    return {
        SYSTEM_ROOT_VAR: str(site["sys"]),
        "CONDA_ROOT": str(site["conda_root"]),
        "HOME": str(site["home"]),
        **extra,
    }


def test_search_path_is_condas_order(site: dict[str, Path]) -> None:
    env = _env(site, XDG_CONFIG_HOME="/xdg", CONDA_PREFIX="/env", CONDARC="/my/rc")
    paths = [str(p) for p in search_path(env, site["home"])]
    sysroot, root, home = (str(site[k]) for k in ("sys", "conda_root", "home"))
    assert paths[:3] == [
        f"{sysroot}/etc/conda/.condarc",
        f"{sysroot}/etc/conda/condarc",
        f"{sysroot}/etc/conda/condarc.d",
    ]
    order = [
        f"{sysroot}/var/lib/conda/condarc.d",
        f"{root}/.condarc",
        "/xdg/conda/condarc",
        f"{home}/.config/conda/condarc.d",
        f"{home}/.conda/condarc",
        f"{home}/.condarc",
        "/env/condarc.d",
        "/my/rc",
    ]
    assert [p for p in paths if p in order] == order
    restricted = search_path({**env, "CONDA_RESTRICT_RC_SEARCH_PATH": "1"}, site["home"])
    assert [str(p) for p in restricted] == ["/my/rc"]


def test_system_files_and_dropins_are_read(site: dict[str, Path]) -> None:
    etc = site["sys"] / "etc" / "conda"
    (etc / "condarc").write_text("channel_alias: https://mirror.site/conda\n")
    (etc / "condarc.d" / "20-bio.yml").write_text("custom_channels:\n  bioconda: https://bio\n")
    (etc / "condarc.d" / "10-pkgs.yaml").write_text("pkgs_dirs: [/shared/pkgs]\n")
    (etc / "condarc.d" / "README").write_text("channel_alias: ignored, not *.yml\n")
    (site["conda_root"] / ".condarc").write_text("envs_dirs: [/project/envs]\n")
    cfg = load_conda_config(env=_env(site), home=site["home"])
    assert cfg.channel_url("conda-forge") == "https://mirror.site/conda/conda-forge"
    assert cfg.channel_url("bioconda") == "https://bio/bioconda"
    assert cfg.pkgs_dirs == ["/shared/pkgs"]
    assert cfg.envs_dirs == ["/project/envs"]
    assert cfg.sources == [
        str(etc / "condarc"),
        str(etc / "condarc.d" / "10-pkgs.yaml"),
        str(etc / "condarc.d" / "20-bio.yml"),
        str(site["conda_root"] / ".condarc"),
    ]
    assert cfg.origins["channel_alias"] == [str(etc / "condarc")]


def test_user_files_win_scalars_lists_merge_maps_merge(site: dict[str, Path]) -> None:
    etc = site["sys"] / "etc" / "conda"
    (etc / ".condarc").write_text(
        "channel_alias: https://site\n"
        "channels: [site-ch]\n"
        "custom_channels: {a: https://a-site, b: https://b-site}\n"
    )
    xdg = site["home"] / ".config" / "conda"
    xdg.mkdir(parents=True)
    (xdg / "condarc").write_text("channels: [xdg-ch]\n")
    (site["home"] / ".condarc").write_text(
        "channel_alias: https://user\nchannels: [user-ch, site-ch]\ncustom_channels: {b: https://b}\n"
    )
    cfg = load_conda_config(env=_env(site), home=site["home"])
    assert cfg.channel_alias == "https://user"
    # conda: the higher-precedence source's items first, duplicates dropped
    assert cfg.channels == ["user-ch", "site-ch", "xdg-ch"]
    assert cfg.custom_channels == {"a": "https://a-site", "b": "https://b"}
    assert cfg.origins["channels"] == [
        str(etc / ".condarc"),
        str(xdg / "condarc"),
        str(site["home"] / ".condarc"),
    ]


def test_final_and_top_bottom_flags(site: dict[str, Path]) -> None:
    etc = site["sys"] / "etc" / "conda"
    (etc / "condarc").write_text(
        "channel_alias: https://site  #!final\n"
        "default_channels:  #!final\n"
        "  - https://site/main\n"
        "channels:\n"
        "  - first  #!top\n"
        "  - last  #!bottom\n"
        "  - middle\n"
    )
    (site["home"] / ".condarc").write_text(
        "channel_alias: https://user\ndefault_channels: [https://user/main]\nchannels: [mine]\n"
    )
    env = _env(site, CONDA_CHANNEL_ALIAS="https://env")
    cfg = load_conda_config(env=env, home=site["home"])
    assert cfg.channel_alias == "https://site"  # final: neither the user file nor the variable
    assert cfg.default_channels == ["https://site/main"]
    assert cfg.channels == ["first", "mine", "middle", "last"]


def test_variables_expand(site: dict[str, Path], tmp_path: Path) -> None:
    (site["home"] / ".condarc").write_text(
        "pkgs_dirs: [/scratch/$USER/conda-pkgs, '${SCRATCH}/pkgs']\n"
        "envs_dirs: [~/envs]\n"
        "channel_alias: file://${MIRROR}\n"
        "custom_channels: {bio: '$BIO_URL'}\n"
        "ssl_verify: ${CA_DIR}/ca.pem\n"
    )
    env = _env(site, USER="ada", SCRATCH="/lustre/ada", MIRROR="/srv/mirror", CA_DIR="/etc/ca")
    cfg = load_conda_config(env=env, home=site["home"])
    assert cfg.pkgs_dirs == ["/scratch/ada/conda-pkgs", "/lustre/ada/pkgs"]
    assert cfg.envs_dirs == [str(site["home"] / "envs")]
    assert cfg.channel_alias == "file:///srv/mirror"
    assert cfg.custom_channels == {"bio": "$BIO_URL"}  # unset: kept, as conda does
    assert cfg.ssl_verify == "/etc/ca/ca.pem"
    assert expand_vars("a-${X}-$X-$Y", {"X": "1"}) == "a-1-1-$Y"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("strict", "strict"),
        ("flexible", "flexible"),
        ("disabled", "disabled"),
        ("true", "flexible"),
        ("false", "disabled"),
    ],
)
def test_channel_priority(site: dict[str, Path], value: str, expected: str) -> None:
    assert load_conda_config(env=_env(site), home=site["home"]).channel_priority == "flexible"
    (site["home"] / ".condarc").write_text(f"channel_priority: {value}\n")
    assert load_conda_config(env=_env(site), home=site["home"]).channel_priority == expected
    env = _env(site, CONDA_CHANNEL_PRIORITY="strict")
    assert load_conda_config(env=env, home=site["home"]).channel_priority == "strict"


def test_bad_values_are_located_errors(site: dict[str, Path]) -> None:
    rc = site["home"] / ".condarc"
    rc.write_text("channel_priority: sometimes\n")
    with pytest.raises(UserError, match=r"\.condarc: channel_priority: 'sometimes'"):
        load_conda_config(env=_env(site), home=site["home"])
    rc.write_text("channels: {a: b}\n")
    with pytest.raises(UserError, match="channels: expected a list"):
        load_conda_config(env=_env(site), home=site["home"])
    rc.write_text("channels: [a\n")
    with pytest.raises(UserError, match=r"\.condarc:\d+:\d+: invalid conda configuration"):
        load_conda_config(env=_env(site), home=site["home"])


def test_config_command_shows_values_and_sources(site: dict[str, Path]) -> None:
    etc = site["sys"] / "etc" / "conda"
    (etc / "condarc").write_text("channel_alias: https://mirror.site\n")
    (site["home"] / ".condarc").write_text("pkgs_dirs: [/scratch/$USER/pkgs]\n")
    env = {**os.environ, **_env(site, USER="ada")}
    env.pop("CONDARC", None)
    run = [sys.executable, "-m", "rees2conda", "config"]
    out = subprocess.run([*run, "--json"], env=env, capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["values"]["channel_alias"] == "https://mirror.site"
    assert data["values"]["pkgs_dirs"] == ["/scratch/ada/pkgs"]
    assert data["origins"]["channel_alias"] == [str(etc / "condarc")]
    text = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert "channel_alias: https://mirror.site" in text
    assert f"# {etc / 'condarc'}" in text
    assert "- /scratch/ada/pkgs" in text


def test_lock_through_a_system_mirror_named_by_a_variable(
    site: dict[str, Path], tmp_path: Path
) -> None:
    """The centre's file sets ``channel_alias: file://${SITE_MIRROR}``; lock solves through it
    (offline snapshot), and no file or folder with a literal ``$`` appears anywhere."""
    etc = site["sys"] / "etc" / "conda"
    (etc / "condarc").write_text("channel_alias: file://${SITE_MIRROR}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "environment.yml").write_text(
        "channels: [conda-forge-2024]\ndependencies:\n  - python=3.9\n  - six\n"
    )
    env = {**os.environ, **_env(site, SITE_MIRROR=str(FIXTURES / "channels"))}
    env.pop("CONDARC", None)
    proc = subprocess.run(
        [sys.executable, "-m", "rees2conda", "lock", str(repo), "--no-kernel", "-p", "linux-64"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    text = (repo / "conda-lock.yml").read_text()
    assert f"{(FIXTURES / 'channels').as_uri()}/conda-forge-2024" in text
    assert not [p for p in tmp_path.rglob("*") if "$" in p.name]

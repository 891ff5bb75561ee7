"""conda's configuration conventions: condarc files, CONDA_* variables, channel resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from rees2conda.condarc import DEFAULT_CHANNEL_ALIAS, CondaConfig, load_conda_config
from rees2conda.errors import UserError
from rees2conda.model import EnvSpec
from rees2conda.resolve.channels import channel_names, resolve_channels


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    cfg = load_conda_config(env={}, home=tmp_path)
    assert cfg.channel_alias == DEFAULT_CHANNEL_ALIAS
    assert cfg.channel_url("conda-forge") == "https://conda.anaconda.org/conda-forge"
    assert cfg.expand("defaults") == [
        "https://repo.anaconda.com/pkgs/main",
        "https://repo.anaconda.com/pkgs/r",
    ]
    assert cfg.sources == []


def test_user_condarc_then_condarc_variable_then_env_vars(tmp_path: Path) -> None:
    (tmp_path / ".condarc").write_text(
        "channel_alias: https://mirror.example/conda/\n"
        "custom_channels:\n  bioconda: https://bio.example\n"
        "default_channels: [https://mirror.example/main]\n"
        "pkgs_dirs: [~/pkgs]\n"
        "envs_dirs: [/scratch/envs]\n"
    )
    extra = tmp_path / "site.condarc"
    extra.write_text("channel_alias: file:///srv/mirror\n")
    cfg = load_conda_config(env={"CONDARC": str(extra)}, home=tmp_path)
    assert cfg.channel_alias == "file:///srv/mirror"  # $CONDARC read last, wins
    assert cfg.channel_url("conda-forge") == "file:///srv/mirror/conda-forge"
    assert cfg.channel_url("bioconda") == "https://bio.example/bioconda"
    assert cfg.channel_url("bioconda/label/dev") == "https://bio.example/bioconda/label/dev"
    assert cfg.expand("defaults") == ["https://mirror.example/main"]
    assert cfg.pkgs_dirs == [str(tmp_path / "pkgs")]
    assert cfg.envs_dirs == ["/scratch/envs"]
    assert cfg.sources == [str(tmp_path / ".condarc"), str(extra)]
    env = {
        "CONDARC": str(extra),
        "CONDA_CHANNEL_ALIAS": "https://env.example",
        "CONDA_DEFAULT_CHANNELS": "https://a.example/main,https://a.example/r",
        "CONDA_ENVS_PATH": "/x:/y",
        "CONDA_PKGS_DIRS": "/p",
    }
    cfg = load_conda_config(env=env, home=tmp_path)
    assert cfg.channel_url("conda-forge") == "https://env.example/conda-forge"
    # lists merge as in conda: the variables' items first, then the files'
    assert cfg.default_channels == [
        "https://a.example/main",
        "https://a.example/r",
        "https://mirror.example/main",
    ]
    assert cfg.envs_dirs == ["/x", "/y", "/scratch/envs"]
    assert cfg.pkgs_dirs == ["/p", str(tmp_path / "pkgs")]


def test_urls_and_paths_kept(tmp_path: Path) -> None:
    cfg = CondaConfig()
    assert cfg.channel_url("https://x.example/ch/") == "https://x.example/ch"
    assert cfg.channel_url("file:///srv/ch") == "file:///srv/ch"
    assert cfg.channel_url(str(tmp_path)) == tmp_path.as_uri()
    assert cfg.with_channel_alias("file:///m/").channel_url("r") == "file:///m/r"


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / ".condarc").write_text("channels:\n  - conda-forge\nchannel_alias: [unclosed\n")
    with pytest.raises(UserError) as info:
        load_conda_config(env={}, home=tmp_path)
    assert f"{tmp_path / '.condarc'}:" in info.value.message
    assert ":4:" in info.value.message or ":3:" in info.value.message


def test_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / ".condarc").write_text("- a\n- b\n")
    with pytest.raises(UserError, match=r"\.condarc:1:1: .*mapping"):
        load_conda_config(env={}, home=tmp_path)


def test_condarc_is_import_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rees2conda.condarc, rees2conda.resolve.hashing, rees2conda.resolve.channels;"
        "print(sorted(m for m in ('rattler','conda_lock','pydantic','rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_channel_order_and_override() -> None:
    spec = EnvSpec(channels=["conda-forge", "bioconda"])
    assert channel_names(spec) == ["conda-forge", "bioconda"]
    assert channel_names(spec, ["mine", "conda-forge"]) == ["mine", "conda-forge", "bioconda"]
    assert channel_names(spec, ["mine"], override_channels=True) == ["mine"]
    assert channel_names(EnvSpec(channels=[])) == ["conda-forge"]
    with pytest.raises(UserError):
        channel_names(spec, [], override_channels=True)
    cfg = CondaConfig(channel_alias="file:///m", default_channels=["file:///d/main"])
    assert resolve_channels(EnvSpec(channels=["conda-forge", "defaults"]), cfg) == [
        "file:///m/conda-forge",
        "file:///d/main",
    ]


def test_condarc_parse_is_cached_per_content(tmp_path: Path) -> None:
    """The no-op build reads conda's configuration without a YAML parser once it was parsed."""
    rc = tmp_path / ".condarc"
    rc.write_text("channels: [conda-forge]\nenvs_dirs:\n  - ~/envs\n")
    first = load_conda_config(env={}, home=tmp_path)
    entries = list((tmp_path / ".cache" / "rees2conda" / "condarc").iterdir())
    assert len(entries) == 1
    assert load_conda_config(env={}, home=tmp_path) == first
    entries[0].write_text('{"sha256": "stale", "data": {"channels": ["other"]}}')
    assert load_conda_config(env={}, home=tmp_path).channels == ["conda-forge"]  # re-parsed
    rc.write_text("channels: [bioconda]\n")
    assert load_conda_config(env={}, home=tmp_path).channels == ["bioconda"]
    rc.write_text("channels: [a\n")
    for _ in range(2):  # an invalid file is reported every time, never cached
        with pytest.raises(UserError, match="invalid conda configuration"):
            load_conda_config(env={}, home=tmp_path)
    rc.write_text("channels: [conda-forge]\nwhen: 2024-01-01\n")  # a date: not JSON, not kept
    assert load_conda_config(env={}, home=tmp_path).channels == ["conda-forge"]
    assert "2024" not in entries[0].read_text()

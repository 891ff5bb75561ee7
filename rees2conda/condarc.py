"""conda's configuration conventions (``.condarc`` files and ``CONDA_*`` variables), without conda.

HPC centres point users at mirrors through ``channel_alias``, ``custom_channels`` and
``default_channels``; honouring them lets ``lock`` and ``build`` work there unchanged. Kept
import-light (ruamel.yaml only) because the no-op ``build`` path reads it.

Precedence follows conda: files in search order (later files win per key, lists replace), then
``CONDA_*`` environment variables, then command-line options (applied by the caller).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rees2conda.errors import UserError

DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
DEFAULT_DEFAULT_CHANNELS = (
    "https://repo.anaconda.com/pkgs/main",
    "https://repo.anaconda.com/pkgs/r",
)
#: env vars holding lists use conda's separator: a comma (and os.pathsep for path lists)
_LIST_VARS = {
    "CONDA_CHANNELS": "channels",
    "CONDA_DEFAULT_CHANNELS": "default_channels",
    "CONDA_ENVS_DIRS": "envs_dirs",
    "CONDA_ENVS_PATH": "envs_dirs",
    "CONDA_PKGS_DIRS": "pkgs_dirs",
}


@dataclass
class CondaConfig:
    """The subset of conda's settings that decides where packages come from and go to."""

    channel_alias: str = DEFAULT_CHANNEL_ALIAS
    custom_channels: dict[str, str] = field(default_factory=dict)
    default_channels: list[str] = field(default_factory=lambda: list(DEFAULT_DEFAULT_CHANNELS))
    envs_dirs: list[str] = field(default_factory=list)
    pkgs_dirs: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    #: the files that were read, in order (for messages and debugging)
    sources: list[str] = field(default_factory=list)

    def with_channel_alias(self, alias: str | None) -> CondaConfig:
        """A copy with ``channel_alias`` replaced (the ``--channel-alias`` option)."""
        if not alias:
            return self
        return replace(self, channel_alias=_strip(alias))

    def channel_url(self, name: str) -> str:
        """The base URL of a channel as conda would resolve it.

        ``conda-forge`` -> ``<channel_alias>/conda-forge``; a ``custom_channels`` entry ->
        ``<its url>/<name>``; full URLs and ``file://`` kept; an absolute local path becomes a
        ``file://`` URL. ``defaults`` expands to several channels: use :meth:`expand`.
        """
        name = name.strip()
        if "://" in name:
            return _strip(name)
        if name.startswith(("/", "~")) or (len(name) > 2 and name[1] == ":"):
            return Path(name).expanduser().resolve().as_uri()
        head, _, _rest = name.partition("/")
        if head in self.custom_channels:
            return f"{_strip(self.custom_channels[head])}/{name}"
        return f"{_strip(self.channel_alias)}/{name}"

    def expand(self, name: str) -> list[str]:
        """Channel URLs for one channel name (``defaults`` gives ``default_channels``)."""
        if name == "defaults":
            return [self.channel_url(c) for c in self.default_channels]
        return [self.channel_url(name)]


def _strip(url: str) -> str:
    return url.rstrip("/")


def condarc_paths(env: Mapping[str, str], home: Path) -> list[Path]:
    """conda's search path for condarc files (user and environment level), in precedence order."""
    paths = [
        home / ".config" / "conda" / ".condarc",
        home / ".config" / "conda" / "condarc",
        home / ".conda" / ".condarc",
        home / ".conda" / "condarc",
        home / ".condarc",
    ]
    if env.get("CONDA_PREFIX"):
        paths.append(Path(env["CONDA_PREFIX"]) / ".condarc")
    if env.get("CONDARC"):
        paths.append(Path(env["CONDARC"]).expanduser())
    return paths


def _read_yaml(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read conda configuration: {exc.strerror}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError(
            f"{where}: invalid conda configuration: {problem}", hint="fix or remove the file"
        ) from None
    except YAMLError as exc:
        raise UserError(f"{path}: invalid conda configuration: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}:1:1: invalid conda configuration: expected a mapping")
    return data


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _expand_home(path: str, home: Path) -> str:
    if path == "~" or path.startswith("~/"):
        return str(home / path[2:]) if len(path) > 1 else str(home)
    return path


def _split_env_list(value: str, key: str) -> list[str]:
    seps = [","] + ([os.pathsep] if key in ("envs_dirs", "pkgs_dirs") else [])
    items = [value]
    for sep in seps:
        items = [part for item in items for part in item.split(sep)]
    return [item.strip() for item in items if item.strip()]


def load_conda_config(
    env: Mapping[str, str] | None = None, home: Path | None = None
) -> CondaConfig:
    """Read condarc files and ``CONDA_*`` variables into a :class:`CondaConfig`.

    ``env`` and ``home`` default to the process environment and ``Path.home()``; tests pass
    their own so that the user's real configuration never leaks in.
    """
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home()) if home is None else home
    cfg = CondaConfig()
    for path in condarc_paths(env, home):
        if not path.is_file():
            continue
        data = _read_yaml(path)
        cfg.sources.append(str(path))
        if data.get("channel_alias"):
            cfg.channel_alias = _strip(str(data["channel_alias"]))
        if isinstance(data.get("custom_channels"), dict):
            cfg.custom_channels.update({str(k): str(v) for k, v in data["custom_channels"].items()})
        for key in ("default_channels", "channels", "pkgs_dirs"):
            if key in data:
                setattr(cfg, key, _as_list(data[key]))
        if "envs_dirs" in data or "envs_path" in data:
            cfg.envs_dirs = _as_list(data.get("envs_dirs", data.get("envs_path")))
    if env.get("CONDA_CHANNEL_ALIAS"):
        cfg.channel_alias = _strip(env["CONDA_CHANNEL_ALIAS"])
    if env.get("CONDA_CUSTOM_CHANNELS"):
        # conda has no such variable for a mapping; accept "name=url,name=url" for scripts.
        for item in env["CONDA_CUSTOM_CHANNELS"].split(","):
            name, sep, url = item.partition("=")
            if sep and name.strip() and url.strip():
                cfg.custom_channels[name.strip()] = url.strip()
    for var, key in _LIST_VARS.items():
        if env.get(var):
            setattr(cfg, key, _split_env_list(env[var], key))
    cfg.envs_dirs = [_expand_home(p, home) for p in cfg.envs_dirs]
    cfg.pkgs_dirs = [_expand_home(p, home) for p in cfg.pkgs_dirs]
    return cfg

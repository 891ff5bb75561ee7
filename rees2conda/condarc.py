"""conda's configuration conventions (``.condarc`` files and ``CONDA_*`` variables), without conda.

HPC centres point users at mirrors through ``channel_alias``, ``custom_channels`` and
``default_channels`` in system files; honouring them lets ``lock`` and ``build`` work there
unchanged. Kept import-light (ruamel.yaml only) because the no-op ``build`` path reads it.

Precedence and merging follow conda (see :func:`load_conda_config`); which files are read and
their ``#!final``/``#!top``/``#!bottom`` flags: :mod:`rees2conda.condarc_files`. Command-line
options are applied last, by the caller.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rees2conda.condarc_files import expand_vars
from rees2conda.errors import UserError
from rees2conda.paths import cache_home, home_dir

TYPE_CHECKING = False  # as typing's, without importing typing on the no-op path

if TYPE_CHECKING:
    from typing import Any

    from rees2conda.condarc_files import RawFile

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
#: the settings rees2conda reads, by how conda merges them across sources
_PRIMITIVES = ("channel_alias", "channel_priority", "ssl_verify")
_MAPS = ("custom_channels", "proxy_servers")
_SEQUENCES = ("channels", "default_channels", "envs_dirs", "pkgs_dirs")


@dataclass
class CondaConfig:
    """The subset of conda's settings that decides where packages come from and go to."""

    channel_alias: str = DEFAULT_CHANNEL_ALIAS
    custom_channels: dict[str, str] = field(default_factory=dict)
    default_channels: list[str] = field(default_factory=lambda: list(DEFAULT_DEFAULT_CHANNELS))
    envs_dirs: list[str] = field(default_factory=list)
    pkgs_dirs: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    #: conda's default is flexible; ``lock`` and ``build`` solve with what is configured
    channel_priority: str = "flexible"
    #: True, False, or the path of a CA bundle
    ssl_verify: bool | str = True
    proxy_servers: dict[str, str] = field(default_factory=dict)
    #: the files that were read, in order (for messages and debugging)
    sources: list[str] = field(default_factory=list)
    #: setting -> the sources (file paths, ``envvars``) its effective value comes from
    origins: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Effective values and where each came from (``rees2conda config --json``)."""
        values = {k: getattr(self, k) for k in (*_PRIMITIVES, *_MAPS, *_SEQUENCES)}
        return {"files": list(self.sources), "values": values, "origins": dict(self.origins)}

    def with_channel_alias(self, alias: str | None) -> CondaConfig:
        """A copy with ``channel_alias`` replaced (the ``--channel-alias`` option)."""
        if not alias:
            return self
        origins = {**self.origins, "channel_alias": ["--channel-alias"]}
        return replace(self, channel_alias=_strip(alias), origins=origins)

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

    def url_origin(self, name: str) -> str:
        """Which setting chose the URL of channel ``name``, for error messages."""
        name = name.strip()

        def source(key: str) -> str:
            files = self.origins.get(key)
            return f" from {files[-1]}" if files else " (conda's default)"

        if "://" in name or name.startswith(("/", "~")):
            return f"{name}: a URL given as the channel"
        if name.partition("/")[0] in self.custom_channels:
            return f"{name} via custom_channels{source('custom_channels')}"
        return f"{name} via channel_alias{source('channel_alias')}"

    def expand(self, name: str) -> list[str]:
        """Channel URLs for one channel name (``defaults`` gives ``default_channels``)."""
        if name == "defaults":
            return [self.channel_url(c) for c in self.default_channels]
        return [self.channel_url(name)]


def _strip(url: str) -> str:
    return url.rstrip("/")


def condarc_paths(env: Mapping[str, str], home: Path) -> list[Path]:
    """The condarc files conda would read, in precedence order (later wins)."""
    from rees2conda.condarc_files import expand_dirs, search_path

    return expand_dirs(search_path(env, home))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int | float | bool):
        return [str(value)]
    if isinstance(value, dict):
        raise ValueError("expected a list")
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


def _env_source(env: Mapping[str, str]) -> RawFile | None:
    """``CONDA_*`` variables as one more source, above every file (conda's ``envvars``)."""
    from rees2conda.condarc_files import RawFile

    data: dict[str, Any] = {}
    for key in _PRIMITIVES:
        value = env.get(f"CONDA_{key.upper()}")
        if value:
            data[key] = value
    for var, key in _LIST_VARS.items():
        if env.get(var):
            data[key] = _split_env_list(env[var], key)
    if env.get("CONDA_CUSTOM_CHANNELS"):
        # conda has no such variable for a mapping; accept "name=url,name=url" for scripts.
        custom = {}
        for item in env["CONDA_CUSTOM_CHANNELS"].split(","):
            name, sep, url = item.partition("=")
            if sep and name.strip() and url.strip():
                custom[name.strip()] = url.strip()
        data["custom_channels"] = custom
    return RawFile("envvars", data) if data else None


def _relevant(key: str, sources: list[RawFile]) -> list[RawFile]:
    """Sources that set ``key``, up to and including the first one marking it ``#!final``."""
    out = []
    for src in sources:
        if key in src.data:
            out.append(src)
            if key in src.final:
                break
    return out


def _merge_sequence(key: str, sources: list[RawFile], env: Mapping[str, str]) -> list[str]:
    """conda's list merge: ``#!top`` items, then items of the highest-precedence source first,
    then ``#!bottom`` items; duplicates dropped."""
    top = [i for s in sources for i in s.top.get(key, [])]
    bottom = [i for s in reversed(sources) for i in s.bottom.get(key, [])]
    middle = [i for s in reversed(sources) for i in _typed_list(s, key) if i not in top + bottom]
    merged: list[str] = []
    for item in [*top, *middle, *bottom]:
        item = expand_vars(item, env)
        if item not in merged:
            merged.append(item)
    return merged


def _typed_list(src: RawFile, key: str) -> list[str]:
    try:
        return _as_list(src.data[key])
    except (TypeError, ValueError):
        raise UserError(f"{src.name}: {key}: expected a list of strings") from None


def _typed_map(src: RawFile, key: str) -> dict[str, str]:
    value = src.data[key]
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(f"{src.name}: {key}: expected a mapping")
    return {str(k): str(v) for k, v in value.items()}


def load_conda_config(
    env: Mapping[str, str] | None = None, home: Path | None = None
) -> CondaConfig:
    """Read conda's configuration files and ``CONDA_*`` variables into a :class:`CondaConfig`.

    Search path, precedence and merge rules are conda's: files in search order then
    ``CONDA_*`` variables (later wins); scalars override, lists merge (the higher source's
    items first) and maps merge per key; ``#!final`` stops later sources; ``$VAR``/``${VAR}``
    expand. ``env`` and ``home`` default to the process's; tests pass their own so that the
    user's real configuration never leaks in.
    """
    from rees2conda.condarc_files import read_file

    env = os.environ if env is None else env
    home = home_dir(env) if home is None else home
    files = condarc_paths(env, home)
    cache = cache_home(env, home) / "condarc"  # parses kept as JSON: no YAML parser on no-op
    sources = [read_file(path, cache) for path in files]
    envvars = _env_source(env)
    if envvars is not None:
        sources.append(envvars)
    cfg = CondaConfig(sources=[str(p) for p in files])
    for src in sources:
        if "envs_path" in src.data and "envs_dirs" not in src.data:
            src.data["envs_dirs"] = src.data.pop("envs_path")
            if "envs_path" in src.final:
                src.final.add("envs_dirs")
    for key in _PRIMITIVES:
        relevant = _relevant(key, sources)
        if not relevant:
            continue
        # the first #!final source wins, else the last one
        src = relevant[-1]
        value = src.data[key]
        cfg.origins[key] = [src.name]
        if key == "channel_priority":
            cfg.channel_priority = _priority(value, src.name)
        elif key == "ssl_verify":
            cfg.ssl_verify = _ssl_verify(value, env)
        elif value not in (None, ""):
            cfg.channel_alias = _strip(expand_vars(str(value), env))
    for key in _MAPS:
        relevant = _relevant(key, sources)
        merged: dict[str, str] = {}
        for src in relevant:
            merged.update({k: expand_vars(v, env) for k, v in _typed_map(src, key).items()})
        if relevant:
            setattr(cfg, key, merged)
            cfg.origins[key] = [s.name for s in relevant]
    for key in _SEQUENCES:
        relevant = _relevant(key, sources)
        if relevant:
            setattr(cfg, key, _merge_sequence(key, relevant, env))
            cfg.origins[key] = [s.name for s in relevant]
    cfg.envs_dirs = [_expand_home(p, home) for p in cfg.envs_dirs]
    cfg.pkgs_dirs = [_expand_home(p, home) for p in cfg.pkgs_dirs]
    return cfg


def _priority(value: Any, where: str) -> str:
    """conda's ``channel_priority``: strict, flexible or disabled (true/false accepted)."""
    if value is True or str(value).lower() == "true":
        return "flexible"
    if value is False or str(value).lower() == "false":
        return "disabled"
    text = str(value).strip().lower()
    if text not in ("strict", "flexible", "disabled"):
        raise UserError(f"{where}: channel_priority: {value!r} is not strict, flexible or disabled")
    return text


def _ssl_verify(value: Any, env: Mapping[str, str]) -> bool | str:
    """``true``/``false``, or the path of a CA bundle (conda's ``ssl_verify``)."""
    if isinstance(value, bool):
        return value
    text = expand_vars(str(value).strip(), env)
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    return text

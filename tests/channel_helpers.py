"""tests/fixtures/make_channel.py as a module (tests/fixtures is no package), imported once."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

MAKE_CHANNEL = Path(__file__).parent / "fixtures" / "make_channel.py"
_NAME = "_rees2conda_make_channel"


def make_channel() -> ModuleType:
    """The local channel maker; one module object shared by conftest and the tests."""
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, MAKE_CHANNEL)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


def channel_cache() -> Path:
    """Where built channels are kept across sessions (``$REES2CONDA_TEST_CACHE``)."""
    env = os.environ.get("REES2CONDA_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "rees2conda-tests"


def cached_channel(kind: str, pythons: list[str]) -> Path:
    """``<cache>/<kind>-<key>/conda-forge`` for ``pythons``, built once: the key is this
    script's content and the interpreters' versions. Built beside the final place, then
    renamed: atomic, and a concurrent session that wins the race makes our copy redundant."""
    mc = make_channel()
    versions = {py: mc.find_interpreter(py).version for py in pythons}
    key = hashlib.sha256(
        MAKE_CHANNEL.read_bytes() + json.dumps(versions, sort_keys=True).encode()
    ).hexdigest()[:16]
    cache = channel_cache()
    root = cache / f"{kind}-{key}"
    if not (root / "channel.json").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".building-{kind}-{key}-", dir=cache))
        tmp.chmod(0o755)
        try:
            mc.build_channel(tmp / "conda-forge", pythons)
            info = {"pythons": pythons, "versions": versions, "key": key}
            (tmp / "channel.json").write_text(json.dumps(info, indent=2))
            try:
                os.rename(tmp, root)
            except OSError:
                if not (root / "channel.json").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return root / "conda-forge"

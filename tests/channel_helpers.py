"""tests/fixtures/make_channel.py as a module (tests/fixtures is no package), imported once."""

from __future__ import annotations

import importlib.util
import sys
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

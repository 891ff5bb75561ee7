"""Resolving an EnvSpec into a multi-platform ``conda-lock.yml`` (issue 3).

``api`` is the entry point (``lock``, ``lock_is_fresh``, ``read_locked_packages``); ``hashing``,
``channels`` and ``virtual`` are import-light (the reuse and no-op build paths use them);
``solve`` (py-rattler), ``pypi`` (uv) and ``lockfile``/``yamlout`` (the file) do the work.
"""

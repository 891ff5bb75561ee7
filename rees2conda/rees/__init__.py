"""Reading a repository the way Binder (repo2docker) does: ``read_repository(path) -> Report``.

Modules, one concern each:

- ``reader``: the first route that detects reads the repository into the Report;
- ``routes``: ``ROUTES``, one route per Binder build in repo2docker's order (binder-rules §2);
- ``context``: ``ReadContext``, the records, findings and parsed files the routes share;
- ``conda_route``: environment.yml decides (and what it makes Binder ignore);
- ``python_route``: runtime.txt, requirements.txt, the root package, the default build;
- ``refused_route``: the builds conda cannot reproduce (Dockerfile, Julia, Nix, R, pipenv), one
  parametrised route, and the two failures before any build (legacy Dockerfile, both folders);
- ``layout``: ``binder/``, ``.binder/`` or the root, and which REES files are present;
- ``textfile``: safe reading (inside the repository only, size limit, encodings, no FIFOs);
- ``runtime``: runtime.txt grammar;
- ``environment``: environment.yml/.yaml with positions;
- ``requirements``: pip requirement files in full pip syntax, includes expanded;
- ``python``: which Python Binder would use;
- ``local_package``: the root setup.py / pyproject.toml.

Only ``reader.read_repository`` is the public entry point (also as ``rees2conda.check``).
"""

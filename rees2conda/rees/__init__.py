"""Reading a repository the way Binder (repo2docker) does: ``read_repository(path) -> Report``.

Modules, one concern each:

- ``reader``: the order of decisions (docs/binder-rules.md §2) and the resulting Report;
- ``collector``: file records and findings shared by the routes;
- ``conda_route``: environment.yml decides (and what it makes Binder ignore);
- ``python_route``: runtime.txt, requirements.txt, the root package, the default build;
- ``refused_route``: what the Julia, Nix, R and pipenv builds (and a legacy Dockerfile) use;
- ``layout``: ``binder/``, ``.binder/`` or the root, and which REES files are present;
- ``textfile``: safe reading (inside the repository only, size limit, encodings, no FIFOs);
- ``runtime``: runtime.txt grammar;
- ``environment``: environment.yml/.yaml with positions;
- ``requirements``: pip requirement files in full pip syntax, includes expanded;
- ``python``: which Python Binder would use;
- ``local_package``: the root setup.py / pyproject.toml.

Only ``reader.read_repository`` is the public entry point (also as ``rees2conda.check``).
"""

"""Base URLs of the services sources come from, each overridable by an environment variable.

The defaults are the public services; a site mirror, a private GitLab or a test server on
127.0.0.1 replaces one by setting its variable (no trailing slash needed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: variable -> default base URL
DEFAULTS: dict[str, str] = {
    "REES2CONDA_GITHUB_URL": "https://github.com",
    "REES2CONDA_GITLAB_URL": "https://gitlab.com",
    "REES2CONDA_GIST_URL": "https://gist.github.com",
    "REES2CONDA_DOI_URL": "https://doi.org",
    "REES2CONDA_ZENODO_URL": "https://zenodo.org",
    "REES2CONDA_FIGSHARE_URL": "https://figshare.com",
    "REES2CONDA_FIGSHARE_API_URL": "https://api.figshare.com/v2",
    "REES2CONDA_HYDROSHARE_URL": "https://www.hydroshare.org",
}


def base(variable: str, env: Mapping[str, str] | None = None) -> str:
    """The base URL for ``variable`` (its value when set, else the public default)."""
    env = os.environ if env is None else env
    return (env.get(variable) or DEFAULTS[variable]).rstrip("/")


def same_site(url: str, site: str) -> str | None:
    """The rest of ``url`` after ``site`` (http and https alike, ``www.`` optional), or None."""

    def norm(u: str) -> str:
        u = u.split("://", 1)[-1]
        return u.removeprefix("www.")

    u, s = norm(url), norm(site)
    if u == s:
        return ""
    if u.startswith(s + "/"):
        return u[len(s) :]
    return None

"""The conformance run (a package, so that its script named repo2docker.py never shadows the
real repo2docker for the other tests)."""

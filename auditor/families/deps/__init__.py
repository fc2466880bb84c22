"""Dependency audit, shaped like pip-audit: dependency sources and vulnerability services.

- :mod:`.sources`: where pinned dependencies come from (requirements files, lock files,
  ``pyproject.toml``, the environment); each dependency keeps its file and line.
- :mod:`.services`: where vulnerabilities come from (pip-audit's online services, or an
  offline OSV database implemented as a pip-audit ``VulnerabilityService``).
- :mod:`.audit`: query the service for every pin and build the model the DEP rules read.
"""

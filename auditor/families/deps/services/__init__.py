"""Vulnerability services: pip-audit's online ones, and an offline OSV database.

Importing pip-audit is slow (it runs ``pip --version`` at import time), so the
modules that need it are imported only when an audit runs.
"""

SERVICES = ("pypi", "osv")
"""Names of the online services accepted by ``--service``."""

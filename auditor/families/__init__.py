"""The audit families, one package each (the registry is :mod:`auditor.core.registry`)."""

"""Vulnerability services: pip-audit's online ones, and an offline OSV database."""

"""auditor: a security and compliance audit tool for PostgreSQL-backed projects."""

__version__ = "0.1.0"

"""Errors of vulnerability services."""

from __future__ import annotations

from auditor.core.errors import AuditorError


class ServiceUnreachable(AuditorError):
    """The vulnerability service cannot be reached or failed: the audit is incomplete."""


class DatabaseError(AuditorError):
    """The offline advisory database cannot be opened at all."""

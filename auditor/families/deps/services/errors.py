"""Errors of vulnerability services."""

from __future__ import annotations


class ServiceUnreachable(Exception):
    """The vulnerability service cannot be reached or failed: the audit is incomplete."""


class DatabaseError(Exception):
    """The offline advisory database cannot be opened at all."""

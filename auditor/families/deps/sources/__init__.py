"""Dependency sources: each turns one kind of input into :class:`~..model.Pin` values."""

from auditor.families.deps.sources.interface import DependencySource, SourceError

__all__ = ["DependencySource", "SourceError"]

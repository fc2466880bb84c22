"""The frozen result of the static builder: the catalog model and what could not be modeled.

Checks and families read these records; the builder that makes them lives beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.catalog.model import CatalogModel


@dataclass(frozen=True)
class Unmodeled:
    """A statement the static builder could not replay: the model may differ from PostgreSQL."""

    file: str
    line: int
    first_words: str
    reason: str
    tables: tuple[str, ...] = ()
    """Qualified tables the statement names; empty when it could affect any table."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.first_words} ({self.reason})"


@dataclass(frozen=True)
class StaticModel:
    """The static catalog model plus what could not be modeled."""

    model: CatalogModel
    unmodeled: tuple[Unmodeled, ...] = ()
    statements: int = 0
    """Statements read in every up script."""
    files: int = 0
    """Up scripts read."""
    bytes: int = 0
    """Size of the SQL read."""

    @property
    def modeled(self) -> int:
        """Statements replayed (including those with no schema effect, such as INSERT)."""
        return self.statements - len(self.unmodeled)

    def uncertain_reasons(self, table: str) -> tuple[Unmodeled, ...]:
        """The unmodeled statements that could have changed ``table`` (``schema.table``)."""
        if "." not in table:
            table = f"public.{table}"
        return tuple(u for u in self.unmodeled if not u.tables or table in u.tables)

    def uncertain(self, table: str) -> bool:
        """True when a verdict on ``table`` could depend on an unmodeled statement."""
        return bool(self.uncertain_reasons(table))

"""What each migration does to the static schema model: the input of LNT035 and LNT037.

The migrations are replayed in order with the static builder (sqlglot, no database).
For each migration, the model before it, after its up.sql and after its up.sql then
its down.sql are compared:

- a rule-pack requirement satisfied before up.sql and not after it was dropped by
  the migration (LNT035);
- a model after up+down that differs from the model before means the down.sql does
  not reverse the up.sql (LNT037).

A statement the static builder could not model makes the comparison uncertain: the
migration is then skipped (with a reason), never passed or failed on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.catalog.model import CatalogModel, diff_models
from auditor.families.schema.rulepacks import Requirement
from auditor.families.schema.rules import evaluate
from auditor.migrate.layouts import Migration

if TYPE_CHECKING:  # the replay imports the static builder (and sqlglot) only when it runs
    from auditor.catalog.static import StaticModel, Unmodeled

_BENIGN = re.compile(
    r"^(?:SET\s+(?!(?:LOCAL\s+|SESSION\s+)?search_path\b)|RESET\b|TRUNCATE\b|VACUUM\b|ANALYZE\b|"
    r"GRANT\b|REVOKE\b|COMMENT\b|SELECT\b|INSERT\b|UPDATE\b|DELETE\b|"
    r"(?:CREATE|ALTER|DROP)\s+(?:ROLE|USER|GROUP)\b|(?:CREATE|ALTER|DROP)\s+USER\s+MAPPING\b)",
    re.IGNORECASE,
)
"""Statements the static builder does not model because they do not change the schema."""


@dataclass(frozen=True)
class LostRequirement:
    """A rule-pack requirement that a migration's up.sql stops satisfying."""

    id: str
    table: str
    describe: str


@dataclass(frozen=True)
class MigrationFacts:
    """What the static replay says about one migration."""

    lost: tuple[LostRequirement, ...] = ()
    reversal_diff: tuple[str, ...] = ()
    """How the model after up+down differs from the model before up (empty: reversed)."""
    uncertain: str | None = None
    """Why the comparison could not be made (unmodeled statements), or None."""


@dataclass(frozen=True)
class History:
    """Facts per migration label."""

    facts: dict[str, MigrationFacts] = field(default_factory=dict)


def _relevant(items: Sequence[Unmodeled]) -> list[Unmodeled]:
    return [u for u in items if not _BENIGN.match(u.first_words)]


_SCHEMA_CHANGE = re.compile(
    r"\b(?:CREATE|ALTER|DROP|RENAME|COMMENT|DO|EXECUTE|CALL|IMPORT|SECURITY|CLUSTER|REINDEX)\b",
    re.IGNORECASE,
)


def _changes_schema(text: str) -> bool:
    """False only for a script that certainly leaves the schema alone (SELECT, INSERT, ...)."""
    from auditor.sql.ddl import mask

    return bool(_SCHEMA_CHANGE.search(mask(text)))


def replay(
    migrations: Sequence[Migration],
    root: Path,
    requirements: Sequence[Requirement],
    *,
    reversal: bool = True,
    only: frozenset[str] | None = None,
) -> History:
    """Replay ``migrations`` and compare models around each one (or each label in ``only``).

    The replay starts from the shared state before the first migration judged
    (:func:`~auditor.families.lint.shared.builder_at`). The history is replayed once,
    forward, with cheap snapshots (:mod:`.snapshots`): a
    model reuses the frozen record of every table the migration did not touch, and a
    down.sql is applied to the builder and then undone (none is needed when the down.sql
    changes no schema: the model stays as after up.sql).
    """
    from auditor.families.lint.shared import builder_at, keep

    first = next(
        (i for i, m in enumerate(migrations) if only is None or m.label in only), len(migrations)
    )
    builder = builder_at(migrations, root, first)  # the history before: shared, cached
    watched = _watched_tables(requirements)
    facts: dict[str, MigrationFacts] = {}
    before: StaticModel | None = None
    satisfied_before: frozenset[str] | None = None
    for migration in migrations[first:]:
        if only is not None and migration.label not in only:
            builder.add_script(migration.up)
            before = satisfied_before = None
            continue
        if before is None:
            before = builder.snapshot()
        if satisfied_before is None:
            satisfied_before = _satisfied(requirements, before, watched)
        start = len(builder.unmodeled)
        builder.add_script(migration.up)
        after = builder.snapshot()
        up_unmodeled = _relevant(builder.unmodeled[start:])
        satisfied_after = _satisfied(requirements, after, watched)
        lost = tuple(
            LostRequirement(req.id, req.table, req.describe())
            for req in requirements
            if req.id in satisfied_before and req.id not in satisfied_after
        )
        if up_unmodeled:
            lost = tuple(r for r in lost if not after.uncertain(r.table))
        diff: tuple[str, ...] = ()
        uncertain = None
        if up_unmodeled:
            uncertain = f"up.sql has {len(up_unmodeled)} statement(s) the static model cannot replay, first {up_unmodeled[0]}"
        if reversal and migration.down is not None and not migration.down.is_empty:
            if _changes_schema(migration.down.text):
                reverted, mark = builder.revert_model(migration.down)
                down_unmodeled = _relevant(reverted.unmodeled[mark:])
                if down_unmodeled and uncertain is None:
                    uncertain = f"down.sql has {len(down_unmodeled)} statement(s) the static model cannot replay, first {down_unmodeled[0]}"
            else:
                reverted = after
            if uncertain is None:
                diff = tuple(_diff(before.model, reverted.model))
        facts[migration.label] = MigrationFacts(lost=lost, reversal_diff=diff, uncertain=uncertain)
        before, satisfied_before = after, satisfied_after
    if first < len(migrations):
        keep(migrations, root, builder)  # the whole history replayed: for the static family
    return History(facts)


def _diff(before: CatalogModel, after: CatalogModel) -> list[str]:
    """``diff_models`` of the two, leaving out the tables both hold as the same record."""
    if before.tables != after.tables:
        same = {id(t) for t in before.tables} & {id(t) for t in after.tables}
        before = replace(before, tables=tuple(t for t in before.tables if id(t) not in same))
        after = replace(after, tables=tuple(t for t in after.tables if id(t) not in same))
    return diff_models(before, after, ("before up.sql", "after down.sql"))


def _watched_tables(requirements: Sequence[Requirement]) -> frozenset[str]:
    """The tables a requirement's verdict reads: its own and the one it references."""
    names = set()
    for req in requirements:
        for name in (req.table, req.references):
            if name:
                names.add(name if "." in name else f"public.{name}")
    return frozenset(names)


def _satisfied(
    requirements: Sequence[Requirement], model: StaticModel, watched: frozenset[str]
) -> frozenset[str]:
    """The requirements ``model`` satisfies, judged on the tables they read (``watched``)."""
    if not requirements:
        return frozenset()
    small = replace(
        model.model, tables=tuple(t for t in model.model.tables if t.qualified in watched)
    )
    return frozenset(r.id for r in requirements if evaluate(r, small).satisfied)

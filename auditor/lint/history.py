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

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.catalog.model import diff_models
from auditor.catalog.static import StaticBuilder, Unmodeled
from auditor.checks.schema import evaluate
from auditor.migrate.layouts import Migration
from auditor.rulepacks import Requirement

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


def replay(
    migrations: Sequence[Migration],
    root: Path,
    requirements: Sequence[Requirement],
    *,
    reversal: bool = True,
    only: frozenset[str] | None = None,
) -> History:
    """Replay ``migrations`` and compare models around each one (or each label in ``only``)."""
    builder = StaticBuilder(root)
    facts: dict[str, MigrationFacts] = {}
    for migration in migrations:
        if only is not None and migration.label not in only:
            builder.add_script(migration.up)
            continue
        before = builder.build()
        start = len(builder.unmodeled)
        fork = copy.deepcopy(builder)
        fork.add_script(migration.up)
        after = fork.build()
        after_up = len(fork.unmodeled)
        up_unmodeled = _relevant(fork.unmodeled[start:after_up])
        lost = tuple(
            LostRequirement(req.id, req.table, req.describe())
            for req in requirements
            if evaluate(req, before.model).satisfied and not evaluate(req, after.model).satisfied
        )
        if up_unmodeled:
            lost = tuple(r for r in lost if not after.uncertain(r.table))
        diff: tuple[str, ...] = ()
        uncertain = None
        if up_unmodeled:
            uncertain = f"up.sql has {len(up_unmodeled)} statement(s) the static model cannot replay, first {up_unmodeled[0]}"
        if reversal and migration.down is not None and not migration.down.is_empty:
            fork.add_script(migration.down)
            reverted = fork.build()
            down_unmodeled = _relevant(fork.unmodeled[after_up:])
            if down_unmodeled and uncertain is None:
                uncertain = f"down.sql has {len(down_unmodeled)} statement(s) the static model cannot replay, first {down_unmodeled[0]}"
            if uncertain is None:
                diff = tuple(
                    diff_models(before.model, reverted.model, ("before up.sql", "after down.sql"))
                )
        facts[migration.label] = MigrationFacts(lost=lost, reversal_diff=diff, uncertain=uncertain)
        builder.add_script(migration.up)
    return History(facts)

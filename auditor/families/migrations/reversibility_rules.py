"""Reversibility rules: does every down.sql exactly undo its up.sql?

Input: a :class:`ReversibilitySubject`, the result of
:func:`auditor.migrate.verify.verify_reversibility` on a scratch database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule

if TYPE_CHECKING:  # the check itself does no I/O and needs no database driver
    from auditor.migrate.verify import ReversibilityReport

FAMILY = "reversibility"


@dataclass(frozen=True)
class ReversibilitySubject:
    """The reversibility check's result and the project root (for relative paths)."""

    project: Path
    report: ReversibilityReport

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.project.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def _hits(subject: ReversibilitySubject, kind: str, what: str, fix: str) -> Iterator[Hit]:
    for issue in subject.report.issues:
        if issue.kind != kind:
            continue
        yield Hit(
            message=f"migration {issue.migration.label}: {what}: " + "; ".join(issue.differences),
            location=Location(file=subject.relative(issue.script)),
            fix=fix,
            key=issue.migration.version,
            evidence=tuple(("difference", d) for d in issue.differences[:20]),
        )


@rule("REV001", FAMILY, Severity.HIGH, "down.sql restores exactly the schema before up.sql")
def residue(subject: ReversibilitySubject) -> Iterator[Hit]:
    """After running a migration's down.sql the schema differs from the schema before its up.sql.

    Residue (an index, a column, a constraint left behind) or too much dropped means a
    rollback leaves the database in a state no migration describes.

    Bad:

        -- up.sql
        ALTER TABLE users ADD COLUMN nickname TEXT;
        CREATE INDEX users_email_created_idx ON users (email, created_at);
        -- down.sql (forgets the index)
        ALTER TABLE users DROP COLUMN nickname;

    Good:

        -- down.sql
        DROP INDEX users_email_created_idx;
        ALTER TABLE users DROP COLUMN nickname;
    """
    yield from _hits(
        subject,
        "residue",
        "down.sql does not restore the schema before up.sql",
        "make down.sql drop (or restore) exactly what up.sql created (or dropped)",
    )


@rule("REV002", FAMILY, Severity.MEDIUM, "Re-applying up.sql after down.sql gives the same schema")
def redo_differs(subject: ReversibilitySubject) -> Iterator[Hit]:
    """Running up.sql again after down.sql produced another schema than the first time.

    Typically ``CREATE ... IF NOT EXISTS`` hiding a leftover object, or an up.sql that
    depends on state down.sql changed.

    Bad:

        -- up.sql
        ALTER TABLE users ADD COLUMN ticket SERIAL;
        -- down.sql (keeps the sequence, which the schema comparison does not see)
        ALTER SEQUENCE users_ticket_seq OWNED BY NONE;
        ALTER TABLE users DROP COLUMN ticket;
        -- re-applied, up.sql makes users_ticket_seq1: the column default differs

    Good:

        -- down.sql
        ALTER TABLE users DROP COLUMN ticket;   -- its sequence goes with it
    """
    yield from _hits(
        subject,
        "redo",
        "re-applying up.sql gives another schema",
        "make up.sql independent of leftovers (no IF NOT EXISTS over residue)",
    )


@rule("REV003", FAMILY, Severity.HIGH, "Every migration applies and reverts on a scratch database")
def failed(subject: ReversibilitySubject) -> Iterator[Hit]:
    """A migration's up.sql or down.sql failed during the reversibility check.

    Bad:

        -- up.sql
        CREATE TABLE archive (id BIGINT PRIMARY KEY);
        CREATE TABLE archive_items (archive_id BIGINT REFERENCES archive (id));
        -- down.sql
        DROP TABLE archive;   -- fails: archive_items still references it

    Good:

        -- down.sql
        DROP TABLE archive_items;
        DROP TABLE archive;
    """
    yield from _hits(
        subject, "failed", "failed during the reversibility check", "fix the failing script"
    )


@rule("REV004", FAMILY, Severity.INFO, "down.sql restores the column order")
def column_order(subject: ReversibilitySubject) -> Iterator[Hit]:
    """A down.sql restored every column of a table, but not their order (a note, not a failure).

    PostgreSQL appends a re-added column at the end: a down.sql that undoes a
    ``DROP COLUMN`` cannot put it back in place. Nothing that names its columns notices;
    ``SELECT *`` and positional ``INSERT`` or ``COPY`` without a column list do.

    Bad:

        -- up.sql
        ALTER TABLE users DROP COLUMN password_hash;
        -- down.sql (password_hash comes back after created_at, the last column)
        ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL;

    Good:

        -- up.sql
        ALTER TABLE users ADD COLUMN nickname TEXT;
        -- down.sql
        ALTER TABLE users DROP COLUMN nickname;
    """
    yield from _hits(
        subject,
        "order",
        "down.sql restores the columns in another order",
        "name the columns in queries, INSERT and COPY (the order cannot be restored)",
    )

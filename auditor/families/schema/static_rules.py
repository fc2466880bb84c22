"""STA rules: the schema audit run on the static model (migration files, no database).

The SCH rules of :mod:`auditor.families.schema.rules` run unchanged on the static model; these
rules add what only the static side knows: statements that could not be modeled
(STA001) and requirements whose verdict could depend on them (STA002, *uncertain*:
never reported as a pass).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.schema.rulepacks import Requirement

if TYPE_CHECKING:  # sqlglot: registering these rules must not import the static builder
    from auditor.catalog.static import StaticModel

FAMILY = "static"


@dataclass(frozen=True)
class StaticSubject:
    """What the STA rules read."""

    static: StaticModel
    requirements: tuple[Requirement, ...] = ()


def uncertain_requirements(subject: StaticSubject) -> list[Requirement]:
    """Requirements on a table that an unmodeled statement may have changed."""
    return [r for r in subject.requirements if subject.static.uncertain(r.table)]


@rule("STA001", FAMILY, Severity.MEDIUM, "Every migration statement is modeled")
def unmodeled_statement(subject: StaticSubject) -> Iterator[Hit]:
    """A migration statement the static model cannot replay (a ``DO`` block, a function
    body that runs DDL, dynamic SQL, syntax sqlglot does not know). The static model may
    differ from the database there: prefer plain DDL the audit can read.

    Bad:

        CREATE TABLE users (email TEXT);
        DO $$ BEGIN
          ALTER TABLE users ADD CONSTRAINT users_email_length CHECK (length(email) <= 254);
        END $$;

    Good:

        CREATE TABLE users (email TEXT);
        ALTER TABLE users ADD CONSTRAINT users_email_length CHECK (length(email) <= 254);
    """
    for entry in subject.static.unmodeled:
        yield Hit(
            message=f"statement not modeled ({entry.reason}): {entry.first_words}",
            location=Location(file=entry.file, line=entry.line),
            key=entry.first_words,
            evidence=(("tables", ", ".join(entry.tables) or "any"),),
        )


@rule("STA002", FAMILY, Severity.HIGH, "A requirement's verdict does not hinge on unmodeled SQL")
def uncertain_requirement(subject: StaticSubject) -> Iterator[Hit]:
    """A requirement on a table that an unmodeled statement may have changed: the static
    audit cannot tell whether it holds, so it is *uncertain*, not passed, and it fails
    the default gate (``high``) like a requirement that is missing: a required
    constraint nobody could verify must not pass silently. Run the audit on a database
    (``--db``), replace the statement with plain DDL, or waive it with a reason.

    Bad:

        CREATE TABLE users (username TEXT);
        DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD CHECK (length(username) <= 64)'; END $$;

    Good:

        CREATE TABLE users (username TEXT);
        ALTER TABLE users ADD CHECK (length(username) <= 64);
    """
    for req in uncertain_requirements(subject):
        reasons = subject.static.uncertain_reasons(req.table)
        first = reasons[0]
        yield Hit(
            message=(
                f"uncertain: {req.describe()} ({req.reason}) may depend on "
                f"{len(reasons)} unmodeled statement(s), first {first.file}:{first.line}"
            ),
            location=Location(file=first.file, line=first.line, object=req.target),
            key=req.id,
            evidence=(("requirement", req.id), ("pack", req.pack)),
        )

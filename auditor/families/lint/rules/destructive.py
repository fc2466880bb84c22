"""Data-loss rules: renames and drops that lose data, break running code or drop a guarantee."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import (
    DROP_COLUMN,
    altered_columns,
    column_actions,
    dropped_tables,
    hit,
    names_in,
    quoted,
    statements_matching,
)
from auditor.sql.ddl import QNAME, base_name

_RENAME_COLUMN = re.compile(
    rf"^RENAME\s+(?:COLUMN\s+)?(?!TO\b|CONSTRAINT\b)({QNAME})\s+TO\s+({QNAME})", re.IGNORECASE
)
_RENAME_TABLE = re.compile(rf"^RENAME\s+TO\s+({QNAME})", re.IGNORECASE)
_DROP_SCHEMA_DB = re.compile(
    rf"^DROP\s+(SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?({QNAME})", re.IGNORECASE
)
_ADD_NAMED = re.compile(rf"^ADD\s+CONSTRAINT\s+({QNAME})", re.IGNORECASE)
_DROP_NOT_NULL = re.compile(r"DROP\s+NOT\s+NULL\b", re.IGNORECASE)


@rule("LNT010", FAMILY, Severity.MEDIUM, "Tables and columns in use are not renamed")
def rename(file: LintFile) -> Iterator[Hit]:
    """Renaming a table or column breaks every running instance of the application.

    During a deploy the old code still queries the old name. Add the new name,
    move readers and writers, then drop the old one.

    Bad:

        ALTER TABLE users RENAME COLUMN mail TO email;

    Good:

        ALTER TABLE users ADD COLUMN email TEXT;
        -- dual-write, backfill, switch readers; later: DROP COLUMN mail
    """
    for statement, table, action in file.existing_table_actions:
        renamed_table = _RENAME_TABLE.match(action)
        if renamed_table:
            yield hit(
                file,
                statement,
                f"table {quoted(table)} is renamed to {quoted(base_name(renamed_table.group(1)))} (breaks running code)",
                "create the new table or a view under the new name; migrate readers first",
                key=table,
            )
            continue
        renamed = _RENAME_COLUMN.match(action)
        if renamed:
            column = base_name(renamed.group(1))
            if file.is_new_column(table, column, statement):
                continue
            yield hit(
                file,
                statement,
                f"column {quoted(table)}.{quoted(column)} is renamed to {quoted(base_name(renamed.group(2)))} (breaks running code)",
                "add the new column, dual-write and backfill, switch readers, then drop the old one",
                key=f"{table}.{column}",
            )


@rule("LNT011", FAMILY, Severity.HIGH, "Existing tables are not dropped by a migration")
def drop_table(file: LintFile) -> Iterator[Hit]:
    """``DROP TABLE`` on a table this migration did not create loses its data for good.

    A down.sql that drops the table its own up.sql created is fine and not reported.

    Bad:

        DROP TABLE legacy_orders;

    Good:

        ALTER TABLE legacy_orders RENAME TO legacy_orders_deprecated_2024;  -- after readers are gone
        -- or keep a verified backup and ignore with a reason:
        -- auditor-ignore LNT011: archived to s3://backups/legacy_orders (ticket OPS-12)
        DROP TABLE legacy_orders;
    """
    for statement in file.statements:
        if not statement.upper.startswith("DROP TABLE"):
            continue
        for name in dropped_tables(statement):
            if file.is_new_table(name, statement):
                continue
            yield hit(
                file,
                statement,
                f"existing table {quoted(name)} is dropped (its data is lost)",
                "stop using the table first, keep a backup, and drop it in a later, separate migration",
                key=name,
            )


@rule("LNT012", FAMILY, Severity.HIGH, "Columns of existing tables are not dropped in use")
def drop_column(file: LintFile) -> Iterator[Hit]:
    """``DROP COLUMN`` loses the column's data and breaks code that still reads it.

    Bad:

        ALTER TABLE users DROP COLUMN legacy_token;

    Good:

        -- release 1: stop reading and writing legacy_token
        -- release 2 (this migration, with a reason):
        -- auditor-ignore LNT012: unused since release 2024.05, see PR 812
        ALTER TABLE users DROP COLUMN legacy_token;
    """
    for statement, table, column, _ in column_actions(file, DROP_COLUMN, 2):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is dropped (data lost, running code may still read it)",
            "stop using the column in a release first, then drop it in a separate migration",
            key=f"{table}.{column}",
        )


@rule("LNT013", FAMILY, Severity.CRITICAL, "Migrations never drop a schema or a database")
def drop_schema_or_database(file: LintFile) -> Iterator[Hit]:
    """``DROP SCHEMA`` or ``DROP DATABASE`` in a migration destroys everything in it.

    Bad:

        DROP SCHEMA reporting CASCADE;

    Good:

        -- drop the objects one by one, each reviewed; or do it by hand, not in a migration
        DROP VIEW IF EXISTS reporting.daily_totals;
    """
    for statement in file.statements:
        match = _DROP_SCHEMA_DB.match(statement.masked)
        if match:
            kind = match.group(1).lower()
            name = base_name(match.group(2))
            yield hit(
                file,
                statement,
                f"{kind} {quoted(name)} is dropped with everything in it",
                f"do not drop a {kind} from a migration; remove its objects explicitly",
                key=f"{kind}:{name}",
            )


@rule("LNT014", FAMILY, Severity.MEDIUM, "NOT NULL is not dropped from existing columns")
def drop_not_null(file: LintFile) -> Iterator[Hit]:
    """``DROP NOT NULL`` lets NULLs in where the application (and its queries) assume none.

    Code still running during the deploy may crash on the first NULL it reads.

    Bad:

        ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;

    Good:

        -- first release code that handles NULL, then (with a reason):
        -- auditor-ignore LNT014: readers handle NULL since release 2024.06
        ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;
    """
    for statement, table, column in altered_columns(file, _DROP_NOT_NULL):
        yield hit(
            file,
            statement,
            f"NOT NULL is dropped from {quoted(table)}.{quoted(column)} (readers may not expect NULL)",
            "release code that handles NULL first; document it with an ignore and a reason",
            key=f"{table}.{column}",
        )


@rule("LNT015", FAMILY, Severity.HIGH, "TRUNCATE never cascades")
def truncate_cascade(file: LintFile) -> Iterator[Hit]:
    """``TRUNCATE ... CASCADE`` also empties every table that references the truncated one.

    Bad:

        TRUNCATE users CASCADE;

    Good:

        TRUNCATE import_staging;  -- name every table explicitly
    """
    for statement in file.statements:
        if statement.upper.startswith("TRUNCATE") and re.search(r"\bCASCADE\s*$", statement.upper):
            yield hit(
                file,
                statement,
                "TRUNCATE ... CASCADE empties every referencing table too",
                "truncate the intended tables by name, without CASCADE",
            )


@rule("LNT035", FAMILY, Severity.HIGH, "Migrations keep what the rule packs require")
def drops_required(file: LintFile) -> Iterator[Hit]:
    """A migration drops a constraint, index, column or table that a rule pack requires.

    The static model (the migrations replayed with sqlglot, no database) satisfies
    the requirement before the up.sql and no longer after it: the security review's
    promise silently disappears with this migration.

    Bad:

        -- rules/reference-schema.toml requires a case-insensitive unique email
        DROP INDEX users_email_lower_key;

    Good:

        -- replace it in the same migration with an equivalent guarantee
        CREATE UNIQUE INDEX users_email_ci_key ON users (lower(email));
        DROP INDEX users_email_lower_key;
    """
    for requirement, table, describe in file.lost_requirements:
        statement = _dropping_statement(file, table.rsplit(".", 1)[-1])
        yield hit(
            file,
            statement,
            f"this migration removes what rule-pack requirement {requirement} needs: {describe}",
            "keep the constraint, or replace it with an equivalent one in the same migration",
            key=requirement,
        )


def _dropping_statement(file: LintFile, table: str) -> LintStatement:
    """The statement most likely to break a requirement on ``table`` (else the first one)."""
    pattern = re.compile(rf'\b"?{re.escape(table)}"?\b', re.IGNORECASE)
    mentions = [s for s in file.statements if pattern.search(s.masked)]
    for statement in mentions:
        if re.search(r"\b(?:DROP|RENAME|TYPE)\b", statement.upper):
            return statement
    for statement in file.statements:
        if statement.upper.startswith("DROP INDEX") or statement.upper.startswith(
            "DROP CONSTRAINT"
        ):
            return statement
    return mentions[0] if mentions else file.statements[0]


_TRUNCATE = re.compile(
    rf"^TRUNCATE\s+(?:TABLE\s+)?((?:ONLY\s+)?{QNAME}\s*\*?(?:\s*,\s*(?:ONLY\s+)?{QNAME}\s*\*?)*)",
    re.IGNORECASE,
)
_DROP_CONSTRAINT = re.compile(rf"^DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?({QNAME})", re.IGNORECASE)
_FOREIGN_KEY_NAME = re.compile(r"(?:_fkey\d*|_fk|_fk_.*|^fk_.*|_foreign)$", re.IGNORECASE)
_RENAME_OBJECT = re.compile(
    rf"^ALTER\s+(SCHEMA|TYPE|DOMAIN)\s+({QNAME})\s+RENAME\s+(VALUE\s+''\s+TO\s+''|TO\s+({QNAME}))",
    re.IGNORECASE,
)


@rule("LNT051", FAMILY, Severity.HIGH, "Existing tables are not truncated by a migration")
def truncate(file: LintFile) -> Iterator[Hit]:
    """``TRUNCATE`` of a table this migration did not create deletes all its rows.

    Lock: ACCESS EXCLUSIVE on each table (reads and writes wait), and the rows are
    gone for good once the migration commits. ``CASCADE`` is LNT015. A table created
    earlier in the same migration is not reported. diesel-guard: TRUNCATE.

    Bad:

        TRUNCATE sessions;

    Good:

        CREATE TABLE import_staging (line TEXT);
        TRUNCATE import_staging;
    """
    for statement, match in statements_matching(file, "TRUNCATE", _TRUNCATE):
        if re.search(r"\bCASCADE\s*$", statement.upper):
            continue  # CASCADE: LNT015
        for name in names_in(re.sub(r"(?i)\bONLY\b", " ", match.group(1))):
            if file.is_new_table(name, statement):
                continue
            yield hit(
                file,
                statement,
                f"existing table {quoted(name)} is truncated (all its rows are deleted; blocks reads and writes)",
                "delete the rows out of band, or in batches with a reviewed WHERE",
                key=name,
            )


@rule("LNT052", FAMILY, Severity.MEDIUM, "Foreign keys are not dropped without a replacement")
def drop_foreign_key(file: LintFile) -> Iterator[Hit]:
    """Dropping a foreign key lets orphan rows in: the database stops guarding the reference.

    Recognized by the constraint's name (``*_fkey``, ``*_fk``, ``fk_*``, PostgreSQL's
    and most ORMs' conventions); a constraint re-added under the same name later in
    the migration, and a down.sql (it undoes what its up.sql added), are not reported. Lock: ACCESS EXCLUSIVE on the table, briefly (a
    catalog change). Atlas: CD101.

    Bad:

        ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;

    Good:

        ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
        ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey
            FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
    """
    if file.direction == "down":
        return
    readded = {
        (statement.index, table, base_name(match.group(1)))
        for statement, table, action in file.existing_table_actions
        if (match := _ADD_NAMED.match(action))
    }
    for statement, table, action in file.existing_table_actions:
        match = _DROP_CONSTRAINT.match(action)
        if match is None:
            continue
        name = base_name(match.group(1))
        if not _FOREIGN_KEY_NAME.search(name):
            continue
        if any(t == table and n == name and i >= statement.index for i, t, n in readded):
            continue
        yield hit(
            file,
            statement,
            f"foreign key {quoted(name)} is dropped from {quoted(table)} (orphan rows can appear)",
            "keep the foreign key, or replace it in the same migration",
            key=f"{table}.{name}",
        )


@rule("LNT053", FAMILY, Severity.MEDIUM, "Schemas, types and enum values in use are not renamed")
def rename_object(file: LintFile) -> Iterator[Hit]:
    """``ALTER SCHEMA|TYPE|DOMAIN ... RENAME`` and ``ALTER TYPE ... RENAME VALUE`` break running code.

    Queries, casts and application enums still spell the old name during the deploy.
    Lock: ACCESS EXCLUSIVE on the object, briefly; the breakage lasts until every
    instance runs the new code. Tables and columns are LNT010. squawk:
    ``renaming-object``; diesel-guard: ALTER SCHEMA RENAME; strong_migrations: rename
    enum value.

    Bad:

        ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';

    Good:

        ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'dispatched' AFTER 'shipped';
        -- switch writers to 'dispatched', migrate the rows, then stop using 'shipped'
    """
    for statement in file.statements:
        if "RENAME" not in statement.upper or not statement.upper.startswith("ALTER"):
            continue
        match = _RENAME_OBJECT.match(statement.masked)
        if match is None:
            continue
        kind, name = match.group(1).lower(), base_name(match.group(2))
        what = (
            f"a value of {kind} {quoted(name)}"
            if match.group(4) is None
            else f"{kind} {quoted(name)}"
        )
        yield hit(
            file,
            statement,
            f"{what} is renamed (breaks running code that uses the old name)",
            "add the new name beside the old one, move readers and writers, then remove the old one",
            key=f"{kind}:{name}",
        )

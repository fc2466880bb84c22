"""Lock rules: statements that hold a heavy lock on an existing table while they work.

"Existing table" means a table that this migration did not create before the
statement: changing a table created a few lines earlier locks nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import (
    altered_columns,
    dropped_tables,
    hit,
    names_in,
    quoted,
)
from auditor.sql.ddl import QNAME, base_name

_DROP_INDEX = re.compile(
    rf"^DROP\s+INDEX\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)",
    re.IGNORECASE,
)
_ADD_CHECK_OR_FK = re.compile(
    rf"^ADD\s+(?:CONSTRAINT\s+({QNAME})\s+)?(CHECK|FOREIGN\s+KEY)\b", re.IGNORECASE
)
_ADD_UNIQUE_OR_PK = re.compile(
    rf"^ADD\s+(?:CONSTRAINT\s+({QNAME})\s+)?(UNIQUE|PRIMARY\s+KEY)\b", re.IGNORECASE
)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.IGNORECASE)
_SET_NOT_NULL = re.compile(r"SET\s+NOT\s+NULL\b", re.IGNORECASE)
_USING_INDEX = re.compile(r"\bUSING\s+INDEX\s+(?!TABLESPACE)", re.IGNORECASE)
_LOCKING = re.compile(
    r"^(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)|DROP\s+TABLE|DROP\s+INDEX\s+(?!CONCURRENTLY)|"
    r"TRUNCATE|VACUUM|CLUSTER|REINDEX\s+(?!.*CONCURRENTLY)|LOCK\b)",
    re.IGNORECASE,
)


@rule("LNT001", FAMILY, Severity.HIGH, "Indexes on existing tables are created CONCURRENTLY")
def index_without_concurrently(file: LintFile) -> Iterator[Hit]:
    """``CREATE INDEX`` without ``CONCURRENTLY`` on a table that existed before the migration.

    A plain ``CREATE INDEX`` holds a SHARE lock for the whole build: every INSERT,
    UPDATE and DELETE on the table waits, for minutes on a large table. An index on
    a table created earlier in the same migration is not reported.

    Bad:

        CREATE INDEX orders_user_id_idx ON orders (user_id);

    Good:

        -- metadata.toml: run_in_transaction = false
        CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
    """
    for statement in file.statements:
        parts = statement.create_index
        if parts is None or parts.concurrently or file.is_new_table(parts.table, statement):
            continue
        yield hit(
            file,
            statement,
            f"{'index ' + quoted(parts.name) if parts.name else 'an unnamed index'} on existing table {quoted(parts.table)} is built without CONCURRENTLY (blocks writes)",
            "CREATE INDEX CONCURRENTLY, in a migration with run_in_transaction = false",
            key=f"{parts.table}.{parts.name}",
        )


@rule("LNT002", FAMILY, Severity.MEDIUM, "Indexes of existing tables are dropped CONCURRENTLY")
def drop_index_without_concurrently(file: LintFile) -> Iterator[Hit]:
    """``DROP INDEX`` without ``CONCURRENTLY`` on an index this migration did not create.

    A plain ``DROP INDEX`` takes an ACCESS EXCLUSIVE lock on the index's table:
    reads and writes wait behind it, and behind any long query it waits for.

    Bad:

        DROP INDEX orders_user_id_idx;

    Good:

        -- metadata.toml: run_in_transaction = false
        DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;
    """
    for statement in file.statements:
        if not statement.upper.startswith("DROP INDEX"):
            continue
        match = _DROP_INDEX.match(statement.masked)
        if not match or match.group(1):
            continue
        for name in names_in(match.group(3)):
            if file.is_new_index(name, statement):
                continue
            yield hit(
                file,
                statement,
                f"index {quoted(name)} is dropped without CONCURRENTLY (locks its table)",
                "DROP INDEX CONCURRENTLY, in a migration with run_in_transaction = false",
                key=name,
            )


@rule(
    "LNT004",
    FAMILY,
    Severity.HIGH,
    "CHECK and FOREIGN KEY constraints on existing tables are added NOT VALID",
)
def constraint_without_not_valid(file: LintFile) -> Iterator[Hit]:
    """Adding a CHECK or FOREIGN KEY to an existing table scans it under a heavy lock.

    Without ``NOT VALID`` PostgreSQL validates every row while holding the lock
    (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign
    key). Add it ``NOT VALID``, then ``VALIDATE CONSTRAINT`` in a later migration:
    validation takes a lock that lets reads and writes through.

    Bad:

        ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey
            FOREIGN KEY (user_id) REFERENCES users (id);

    Good:

        ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey
            FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
        -- next migration:
        ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;
    """
    for statement, table, action in file.existing_table_actions:
        match = _ADD_CHECK_OR_FK.match(action)
        if not match or _NOT_VALID.search(action):
            continue
        kind = " ".join(match.group(2).upper().split())
        name = base_name(match.group(1)) if match.group(1) else kind.lower()
        what = (
            f"{kind} constraint {quoted(name)}"
            if match.group(1)
            else f"an unnamed {kind} constraint"
        )
        yield hit(
            file,
            statement,
            f"{what} is added to existing table {quoted(table)} without NOT VALID (full scan under lock)",
            "add it NOT VALID, then VALIDATE CONSTRAINT in a separate migration",
            key=f"{table}.{name}",
        )


@rule("LNT005", FAMILY, Severity.MEDIUM, "SET NOT NULL on an existing column goes through a CHECK")
def set_not_null(file: LintFile) -> Iterator[Hit]:
    """``ALTER COLUMN ... SET NOT NULL`` on an existing column scans the table under ACCESS EXCLUSIVE.

    Since PostgreSQL 12 the scan is skipped when a validated ``CHECK (col IS NOT
    NULL)`` already proves it: add that CHECK ``NOT VALID``, validate it, then set
    NOT NULL and drop the CHECK. Not reported when a ``VALIDATE CONSTRAINT`` on the
    same table comes earlier in the file.

    Bad:

        ALTER TABLE users ALTER COLUMN email SET NOT NULL;

    Good:

        ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
        ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
        ALTER TABLE users ALTER COLUMN email SET NOT NULL;
        ALTER TABLE users DROP CONSTRAINT users_email_not_null;
    """
    for statement, table, column in altered_columns(file, _SET_NOT_NULL):
        if file.validated.get(table, statement.index) < statement.index:
            continue  # a CHECK validated just before can prove it (PostgreSQL 12+)
        yield hit(
            file,
            statement,
            f"SET NOT NULL on existing column {quoted(table)}.{quoted(column)} scans the table under an exclusive lock",
            "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
            key=f"{table}.{column}",
        )


@rule(
    "LNT009",
    FAMILY,
    Severity.HIGH,
    "UNIQUE and PRIMARY KEY on existing tables reuse a concurrently built index",
)
def unique_without_index(file: LintFile) -> Iterator[Hit]:
    """``ADD UNIQUE`` / ``ADD PRIMARY KEY`` builds its index under ACCESS EXCLUSIVE.

    Build a unique index ``CONCURRENTLY`` first, then attach it with ``USING INDEX``:
    the lock is then held only for a catalog update.

    Bad:

        ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

    Good:

        CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
        ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    """
    for statement, table, action in file.existing_table_actions:
        match = _ADD_UNIQUE_OR_PK.match(action)
        if not match or _USING_INDEX.search(action):
            continue
        kind = " ".join(match.group(2).upper().split())
        name = base_name(match.group(1)) if match.group(1) else kind.lower()
        what = f"{kind} {quoted(name)}" if match.group(1) else f"an unnamed {kind}"
        yield hit(
            file,
            statement,
            f"{what} on existing table {quoted(table)} builds its index under an exclusive lock",
            "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
            key=f"{table}.{name}",
        )


@rule(
    "LNT017",
    FAMILY,
    Severity.LOW,
    "lock_timeout and statement_timeout are set before lock-taking DDL (opt-in)",
)
def missing_timeouts(file: LintFile) -> Iterator[Hit]:
    """Lock-taking DDL without ``lock_timeout`` can queue behind a long query and block all traffic.

    While the ALTER waits for its lock, every later query on the table waits behind
    it. Set ``lock_timeout`` (fail fast, retry later) and ``statement_timeout``
    first. Opt-in: enable it with ``enable = ["LNT017"]`` in ``[tool.auditor.lint]``.
    Reported once per file, at the first lock-taking statement.

    Bad:

        ALTER TABLE orders ADD COLUMN note TEXT;

    Good:

        SET lock_timeout = '2s';
        SET statement_timeout = '30s';
        ALTER TABLE orders ADD COLUMN note TEXT;
    """
    for statement in file.statements:
        if not _LOCKING.match(statement.masked):
            continue
        alter = statement.alter_table
        if alter is not None and file.is_new_table(alter.table, statement):
            continue
        index = statement.create_index
        if index is not None and file.is_new_table(index.table, statement):
            continue
        if _drops_only_new(file, statement):
            continue
        missing = [
            name
            for name in ("lock_timeout", "statement_timeout")
            if file.timeouts.get(name, len(file.statements)) > statement.index
        ]
        if missing:
            yield hit(
                file,
                statement,
                f"{statement.words} takes a lock without {' and '.join(missing)} set first",
                "SET lock_timeout = '2s'; SET statement_timeout = '30s'; before the first DDL",
                key="timeouts",
            )
        return


def _drops_only_new(file: LintFile, statement: LintStatement) -> bool:
    """True for a DROP TABLE/INDEX whose objects this migration created."""
    tables = dropped_tables(statement)
    if tables:
        return all(file.is_new_table(n, statement) for n in tables)
    index = _DROP_INDEX.match(statement.masked)
    if index:
        names = names_in(index.group(3))
        return all(file.is_new_index(n, statement) for n in names)
    return False

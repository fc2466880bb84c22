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
    ADD_COLUMN,
    altered_columns,
    dropped_tables,
    hit,
    names_in,
    quoted,
    statements_matching,
)
from auditor.sql.ddl import QNAME, base_name, column_type

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
_VALIDATE = re.compile(rf"^VALIDATE\s+CONSTRAINT\s+({QNAME})", re.IGNORECASE)
_REFERENCES = re.compile(r"\bREFERENCES\b", re.IGNORECASE)
_INLINE_UNIQUE = re.compile(r"\b(?:UNIQUE|PRIMARY\s+KEY)\b", re.IGNORECASE)
_TRANSACTION_BOUNDARY = re.compile(r"^(?:BEGIN|START|COMMIT|END|ROLLBACK|ABORT)\b")
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
    for statement, match in statements_matching(file, "DROP INDEX", _DROP_INDEX):
        if match.group(1):
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
        -- next migration (its own transaction):
        --   ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;

    Also reported: a new column with an inline ``REFERENCES`` on an existing table
    (a foreign key that cannot be ``NOT VALID``: add the column, then the constraint),
    and a ``VALIDATE CONSTRAINT`` in the same transaction as the ``NOT VALID`` that
    added it (the ADD's ACCESS EXCLUSIVE lock is then held through the scan). squawk:
    ``constraint-missing-not-valid``, ``adding-foreign-key-constraint``.
    """
    not_valid: dict[tuple[str, str], LintStatement] = {}
    for statement, table, action in file.existing_table_actions:
        validated = _VALIDATE.match(action)
        if validated:
            name = base_name(validated.group(1))
            added = not_valid.get((table, name))
            if added is not None and _same_transaction(file, added, statement):
                yield hit(
                    file,
                    statement,
                    f"constraint {quoted(name)} is validated in the transaction that added it NOT VALID (the exclusive lock is held through the scan of {quoted(table)})",
                    "VALIDATE CONSTRAINT in a later migration (its own transaction)",
                    key=f"{table}.{name}:validate",
                )
            continue
        column = ADD_COLUMN.match(action)
        if column and _REFERENCES.search(column.group(1)):
            name, _ = column_type(column.group(1))
            yield hit(
                file,
                statement,
                f"new column {quoted(table)}.{quoted(name)} references another table: the foreign key is checked under lock, without NOT VALID",
                "add the column, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE it in a later migration",
                key=f"{table}.{name}:references",
            )
            continue
        match = _ADD_CHECK_OR_FK.match(action)
        if not match:
            continue
        if _NOT_VALID.search(action):
            if match.group(1):
                not_valid[(table, base_name(match.group(1)))] = statement
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

    Also reported: a new column declared ``UNIQUE`` or ``PRIMARY KEY`` on an existing
    table. squawk: ``disallowed-unique-constraint``, ``adding-serial-primary-key-field``.
    """
    for statement, table, action in file.existing_table_actions:
        column = ADD_COLUMN.match(action)
        if column and (inline := _INLINE_UNIQUE.search(column.group(1))):
            name, _ = column_type(column.group(1))
            kind = " ".join(inline.group(0).upper().split())
            yield hit(
                file,
                statement,
                f"new column {quoted(table)}.{quoted(name)} is {kind}: its index is built under an exclusive lock",
                "add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
                key=f"{table}.{name}:{kind}",
            )
            continue
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


def _same_transaction(file: LintFile, first: LintStatement, later: LintStatement) -> bool:
    """True when both statements run in one transaction block."""
    if not (first.in_transaction and later.in_transaction):
        return False
    between = file.statements[first.index + 1 : later.index]
    return not any(_TRANSACTION_BOUNDARY.match(s.upper) for s in between)


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


_REINDEX = re.compile(
    rf"^REINDEX\s+(?:\([^)]*\)\s+)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+(CONCURRENTLY\s+)?({QNAME})?",
    re.IGNORECASE,
)
_DETACH = re.compile(
    rf"^DETACH\s+PARTITION\s+({QNAME})(\s+CONCURRENTLY|\s+FINALIZE)?", re.IGNORECASE
)
_REFRESH = re.compile(
    rf"^REFRESH\s+MATERIALIZED\s+VIEW\s+(CONCURRENTLY\s+)?({QNAME})(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_ADD_EXCLUDE = re.compile(rf"^ADD\s+(?:CONSTRAINT\s+({QNAME})\s+)?EXCLUDE\b", re.IGNORECASE)


@rule("LNT043", FAMILY, Severity.HIGH, "Indexes are rebuilt with REINDEX CONCURRENTLY")
def reindex_without_concurrently(file: LintFile) -> Iterator[Hit]:
    """``REINDEX`` without ``CONCURRENTLY`` locks the table against writes (and the index
    against reads) until every index is rebuilt.

    Lock: SHARE on the table (blocks INSERT, UPDATE, DELETE) and ACCESS EXCLUSIVE on
    each index rebuilt (queries using it wait). ``REINDEX ... CONCURRENTLY`` (PostgreSQL
    12+) builds a new index beside the old one and swaps them. squawk:
    ``require-concurrent-reindex``; diesel-guard: REINDEX.

    Bad:

        REINDEX INDEX orders_user_id_idx;

    Good:

        -- metadata.toml: run_in_transaction = false
        REINDEX INDEX CONCURRENTLY orders_user_id_idx;
    """
    for statement, match in statements_matching(file, "REINDEX", _REINDEX):
        if match.group(2) or file.postgres_version < 12:
            continue
        kind = match.group(1).lower()
        name = base_name(match.group(3)) if match.group(3) else ""
        if kind == "index" and file.is_new_index(name, statement):
            continue
        if kind == "table" and file.is_new_table(name, statement):
            continue
        what = f"REINDEX {kind.upper()}" + (f" {quoted(name)}" if name else "")
        yield hit(
            file,
            statement,
            f"{what} without CONCURRENTLY blocks writes until it finishes",
            "REINDEX ... CONCURRENTLY, in a migration with run_in_transaction = false",
            key=f"{kind}:{name}",
        )


@rule("LNT044", FAMILY, Severity.HIGH, "Partitions are detached CONCURRENTLY")
def detach_without_concurrently(file: LintFile) -> Iterator[Hit]:
    """``ALTER TABLE ... DETACH PARTITION`` without ``CONCURRENTLY`` locks the parent table.

    Lock: ACCESS EXCLUSIVE on the partitioned table and the partition: every read and
    write of the whole table waits. PostgreSQL 14+ can ``DETACH PARTITION ...
    CONCURRENTLY`` (SHARE UPDATE EXCLUSIVE), outside a transaction. squawk:
    ``require-concurrent-partition-detach``.

    Bad:

        ALTER TABLE measurements DETACH PARTITION measurements_2023;

    Good:

        -- metadata.toml: run_in_transaction = false
        ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;
    """
    if file.postgres_version < 14:
        return
    for statement, table, action in file.existing_table_actions:
        match = _DETACH.match(action)
        if match is None or match.group(2):
            continue
        partition = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"detaching partition {quoted(partition)} blocks reads and writes on {quoted(table)} until it finishes",
            "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), in a migration with run_in_transaction = false",
            key=f"{table}.{partition}",
        )


@rule("LNT045", FAMILY, Severity.MEDIUM, "Materialized views are refreshed CONCURRENTLY")
def refresh_without_concurrently(file: LintFile) -> Iterator[Hit]:
    """``REFRESH MATERIALIZED VIEW`` without ``CONCURRENTLY`` blocks every read of the view.

    Lock: ACCESS EXCLUSIVE on the view for the whole refresh, which runs its full
    query. ``CONCURRENTLY`` takes EXCLUSIVE (reads go on) and needs a unique index on
    the view. ``WITH NO DATA`` (empties the view) is not reported. diesel-guard:
    REFRESH MATERIALIZED VIEW.

    Bad:

        REFRESH MATERIALIZED VIEW daily_totals;

    Good:

        REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
    """
    for statement, match in statements_matching(file, "REFRESH", _REFRESH):
        if match.group(1) or "NO DATA" in match.group(3).upper():
            continue
        view = base_name(match.group(2))
        yield hit(
            file,
            statement,
            f"refreshing materialized view {quoted(view)} without CONCURRENTLY blocks its reads until it finishes",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view)",
            key=view,
        )


@rule("LNT046", FAMILY, Severity.HIGH, "EXCLUDE constraints are not added to existing tables")
def exclude_on_existing_table(file: LintFile) -> Iterator[Hit]:
    """``ADD ... EXCLUDE`` builds its index and checks every row under ACCESS EXCLUSIVE.

    Lock: ACCESS EXCLUSIVE on the table for the whole index build: reads and writes
    wait. Unlike CHECK and FOREIGN KEY an EXCLUDE constraint cannot be added ``NOT
    VALID``, and unlike UNIQUE it cannot reuse a concurrently built index: create it
    with the table, or accept the downtime. squawk reports it as
    ``constraint-missing-not-valid`` (a fix PostgreSQL rejects); diesel-guard: EXCLUDE.

    Bad:

        ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
            EXCLUDE USING gist (room WITH =, during WITH &&);

    Good:

        CREATE TABLE bookings (room BIGINT, during TSTZRANGE,
            CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
    """
    for statement, table, action in file.existing_table_actions:
        match = _ADD_EXCLUDE.match(action)
        if match is None:
            continue
        name = base_name(match.group(1)) if match.group(1) else "exclude"
        yield hit(
            file,
            statement,
            f"EXCLUDE constraint {quoted(name)} on existing table {quoted(table)} blocks reads and writes until its index is built",
            "create the constraint with the table, or schedule the lock (it cannot be NOT VALID)",
            key=f"{table}.{name}",
        )


@rule(
    "LNT047",
    FAMILY,
    Severity.INFO,
    "A unique index on an existing table is checked for duplicates first",
)
def unique_index_on_existing_table(file: LintFile) -> Iterator[Hit]:
    """``CREATE UNIQUE INDEX`` on a table that has rows fails if any duplicates exist.

    The migration passes on an empty development database and fails in production;
    built ``CONCURRENTLY`` it leaves an INVALID index behind that must be dropped.
    Lock: SHARE (or SHARE UPDATE EXCLUSIVE when concurrent) while it builds. Query
    the duplicates before the migration. Atlas: MF101.

    Bad:

        -- metadata.toml: run_in_transaction = false
        CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);

    Good:

        CREATE TABLE users (email TEXT NOT NULL);
        CREATE UNIQUE INDEX users_email_key ON users (email);
    """
    for statement in file.statements:
        parts = statement.create_index
        if parts is None or not parts.unique or file.is_new_table(parts.table, statement):
            continue
        yield hit(
            file,
            statement,
            f"unique index {quoted(parts.name or 'unnamed')} on existing table {quoted(parts.table)} fails if duplicates exist",
            "check for duplicates first (SELECT ... GROUP BY ... HAVING count(*) > 1)",
            key=f"{parts.table}.{parts.name}",
        )

"""Transaction rules: what runs inside (or outside) a transaction, retries and rollbacks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import ADD_COLUMN, DROP_COLUMN, hit, quoted
from auditor.sql.ddl import base_name, column_type

_CONCURRENTLY = re.compile(
    r"^(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|"
    r"REINDEX\b.*\bCONCURRENTLY|ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY)\b",
    re.IGNORECASE,
)
_ROBUST = (
    (re.compile(r"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?!IF\s+NOT\s+EXISTS)", re.I), "IF NOT EXISTS"),
    (
        re.compile(
            r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?+(?!IF\s+NOT\s+EXISTS)", re.I
        ),
        "IF NOT EXISTS",
    ),
    (
        re.compile(r"^CREATE\s+(?:SCHEMA|SEQUENCE|EXTENSION)\s+(?!IF\s+NOT\s+EXISTS)", re.I),
        "IF NOT EXISTS",
    ),
    (
        re.compile(
            r"^DROP\s+(?:TABLE|INDEX|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|SCHEMA|TYPE|FUNCTION|EXTENSION|TRIGGER)\s+"
            r"(?:CONCURRENTLY\s+)?+(?!IF\s+EXISTS)",
            re.I,
        ),
        "IF EXISTS",
    ),
)


@rule("LNT003", FAMILY, Severity.HIGH, "CONCURRENTLY never runs inside a transaction")
def concurrently_in_transaction(file: LintFile) -> Iterator[Hit]:
    """A ``CONCURRENTLY`` operation inside a transaction block fails at deploy time.

    PostgreSQL refuses ``CREATE INDEX CONCURRENTLY`` (and ``DROP INDEX``, ``REINDEX``,
    ``DETACH PARTITION ... CONCURRENTLY``) in a transaction. Diesel runs every
    migration in a transaction unless its ``metadata.toml`` says
    ``run_in_transaction = false``.

    Bad:

        -- no metadata.toml: Diesel wraps the file in a transaction
        CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);

    Good:

        -- metadata.toml: run_in_transaction = false
        CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    """
    for statement in file.statements:
        if (
            statement.in_transaction
            and "CONCURRENTLY" in statement.upper
            and _CONCURRENTLY.match(statement.masked)
        ):
            where = (
                "the migration's transaction"
                if file.run_in_transaction
                else "an explicit transaction block"
            )
            yield hit(
                file,
                statement,
                f"{statement.words} runs inside {where}; PostgreSQL rejects CONCURRENTLY there",
                "set run_in_transaction = false in the migration's metadata.toml (and keep one CONCURRENTLY statement per migration)",
            )


@rule("LNT022", FAMILY, Severity.LOW, "Statements outside a transaction survive a retry")
def not_retry_safe(file: LintFile) -> Iterator[Hit]:
    """Outside a transaction, a migration that fails half-way is retried from the top.

    Statements before the failure already ran: a retry fails on them unless they
    say ``IF NOT EXISTS`` / ``IF EXISTS``. Statements inside a transaction roll back
    together and are not reported.

    Bad:

        -- metadata.toml: run_in_transaction = false
        CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);

    Good:

        -- metadata.toml: run_in_transaction = false
        CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
    """
    for statement in file.statements:
        if statement.in_transaction:
            continue
        for pattern, missing in _ROBUST:
            if pattern.match(statement.masked):
                yield hit(
                    file,
                    statement,
                    f"{statement.words} outside a transaction is not safe to retry (no {missing})",
                    f"add {missing}",
                )
                break
        alter = statement.alter_table
        if alter is None:
            continue
        for action in alter.actions:
            upper = action.upper()
            if (upper.startswith("ADD COLUMN") or ADD_COLUMN.match(action)) and not re.match(
                r"ADD\s+(?:COLUMN\s+)?IF\s+NOT\s+EXISTS", upper
            ):
                if re.match(r"ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b", upper):
                    continue
                column = ADD_COLUMN.match(action)
                name = column_type(column.group(1))[0] if column else "?"
                yield hit(
                    file,
                    statement,
                    f"ALTER TABLE {quoted(alter.table)} ADD COLUMN {quoted(name)} outside a transaction is not safe to retry",
                    "ADD COLUMN IF NOT EXISTS",
                    key=f"{alter.table}.{name}:add",
                )
            elif (dropped := DROP_COLUMN.match(action)) and not dropped.group(1):
                name = base_name(dropped.group(2))
                yield hit(
                    file,
                    statement,
                    f"ALTER TABLE {quoted(alter.table)} DROP COLUMN {quoted(name)} outside a transaction is not safe to retry",
                    "DROP COLUMN IF EXISTS",
                    key=f"{alter.table}.{name}:drop",
                )


@rule("LNT024", FAMILY, Severity.HIGH, "Transactions are neither nested nor left open")
def transaction_misuse(file: LintFile) -> Iterator[Hit]:
    """``BEGIN`` inside the runner's transaction, a stray ``COMMIT``, or a ``BEGIN`` never committed.

    Diesel already wraps the migration in a transaction: a ``BEGIN`` there only
    warns, and the ``COMMIT`` that follows commits Diesel's transaction half-way,
    so a later failure leaves the migration half-applied and unrecorded. A
    ``BEGIN`` without ``COMMIT`` leaves the session in an open transaction.

    Bad:

        BEGIN;
        ALTER TABLE orders ADD COLUMN note TEXT;
        COMMIT;

    Good:

        ALTER TABLE orders ADD COLUMN note TEXT;  -- the runner provides the transaction
    """
    by_index = {s.index: s for s in file.statements}
    for index, problem in file.transaction_events:
        yield hit(
            file,
            by_index[index],
            problem,
            "remove BEGIN/COMMIT from the migration: the runner manages the transaction",
            key=f"tx:{problem}",
        )


@rule("LNT037", FAMILY, Severity.MEDIUM, "A down.sql reverses its up.sql")
def down_does_not_reverse(file: LintFile) -> Iterator[Hit]:
    """After up.sql then down.sql, the static schema model differs from the one before up.sql.

    The migrations are replayed with sqlglot (no database): a rollback with this
    down.sql would leave a different schema than the one it claims to restore. A
    missing or empty down.sql is MIG004.

    Bad:

        -- up.sql
        ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';
        -- down.sql (forgets the column)
        SELECT 1;

    Good:

        -- down.sql
        ALTER TABLE users DROP COLUMN tier;
    """
    if file.direction != "down" or not file.reversal_diff or not file.statements:
        return
    shown = "; ".join(file.reversal_diff[:3])
    more = f" (+{len(file.reversal_diff) - 3} more)" if len(file.reversal_diff) > 3 else ""
    yield hit(
        file,
        file.statements[0],
        f"down.sql does not restore the schema from before up.sql: {shown}{more}",
        "make down.sql undo exactly what up.sql does (or ignore with the reason it cannot)",
        key="reversal",
    )

"""Lock and safety rules: statements that block traffic, rewrite tables or lose data.

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
from auditor.families.lint.rules.common import hit, quoted
from auditor.sql.ddl import (
    QNAME,
    base_name,
    column_type,
    default_expression,
    function_names,
)

_DROP_INDEX = re.compile(
    rf"^DROP\s+INDEX\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)",
    re.IGNORECASE,
)
_CONCURRENTLY = re.compile(
    r"^(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|"
    r"REINDEX\b.*\bCONCURRENTLY|ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY)\b",
    re.IGNORECASE,
)
_ADD_CHECK_OR_FK = re.compile(
    rf"^ADD\s+(?:CONSTRAINT\s+({QNAME})\s+)?(CHECK|FOREIGN\s+KEY)\b", re.IGNORECASE
)
_ADD_UNIQUE_OR_PK = re.compile(
    rf"^ADD\s+(?:CONSTRAINT\s+({QNAME})\s+)?(UNIQUE|PRIMARY\s+KEY)\b", re.IGNORECASE
)
_ALTER_COLUMN = re.compile(rf"^ALTER\s+(?:COLUMN\s+)?({QNAME})\s+(.*)$", re.IGNORECASE | re.DOTALL)
_ADD_COLUMN = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DROP_COLUMN = re.compile(
    rf"^DROP\s+(?:COLUMN\s+)?(IF\s+EXISTS\s+)?(?!CONSTRAINT\b)({QNAME})", re.IGNORECASE
)
_RENAME_COLUMN = re.compile(
    rf"^RENAME\s+(?:COLUMN\s+)?(?!TO\b|CONSTRAINT\b)({QNAME})\s+TO\s+({QNAME})", re.IGNORECASE
)
_RENAME_TABLE = re.compile(rf"^RENAME\s+TO\s+({QNAME})", re.IGNORECASE)
_DROP_TABLE = re.compile(
    rf"^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)", re.IGNORECASE
)
_DROP_SCHEMA_DB = re.compile(
    rf"^DROP\s+(SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?({QNAME})", re.IGNORECASE
)
_NAME_LIST = re.compile(QNAME)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.IGNORECASE)
_SET_NOT_NULL = re.compile(r"SET\s+NOT\s+NULL\b", re.IGNORECASE)
_DROP_NOT_NULL = re.compile(r"DROP\s+NOT\s+NULL\b", re.IGNORECASE)
_SET_TYPE = re.compile(r"(?:SET\s+DATA\s+)?TYPE\b", re.IGNORECASE)
_NOT_NULL = re.compile(r"\bNOT\s+NULL\b")
_DEFAULT_OR_GENERATED = re.compile(r"\b(DEFAULT|GENERATED)\b")
_USING_INDEX = re.compile(r"\bUSING\s+INDEX\s+(?!TABLESPACE)", re.IGNORECASE)
_VOLATILE = frozenset(
    {
        "rand",
        "random",
        "uuid",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setseed",
        "txid_current",
        "random_normal",
    }
)
_CALL = re.compile(r"(\w+)\s*\(")
_SERIAL = re.compile(r"^(?:SMALL|BIG)?SERIAL[248]?$")
_LOCKING = re.compile(
    r"^(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)|DROP\s+TABLE|DROP\s+INDEX\s+(?!CONCURRENTLY)|"
    r"TRUNCATE|VACUUM|CLUSTER|REINDEX\s+(?!.*CONCURRENTLY)|LOCK\b)",
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
        for name in (base_name(n) for n in _NAME_LIST.findall(match.group(3))):
            if file.is_new_index(name, statement):
                continue
            yield hit(
                file,
                statement,
                f"index {quoted(name)} is dropped without CONCURRENTLY (locks its table)",
                "DROP INDEX CONCURRENTLY, in a migration with run_in_transaction = false",
                key=name,
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
    for statement, table, action in file.existing_table_actions:
        match = _ALTER_COLUMN.match(action)
        if not match or not _SET_NOT_NULL.match(match.group(2)):
            continue
        column = base_name(match.group(1))
        if file.is_new_column(table, column, statement):
            continue
        if file.validated.get(table, statement.index) < statement.index:
            continue  # a CHECK validated just before can prove it (PostgreSQL 12+)
        yield hit(
            file,
            statement,
            f"SET NOT NULL on existing column {quoted(table)}.{quoted(column)} scans the table under an exclusive lock",
            "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
            key=f"{table}.{column}",
        )


def _added_columns(file: LintFile) -> Iterator[tuple[LintStatement, str, str, str]]:
    """(statement, table, column, definition) for columns added to existing tables."""
    for statement, table, action in file.existing_table_actions:
        match = _ADD_COLUMN.match(action)
        if match:
            name, _ = column_type(match.group(1))
            yield statement, table, name, match.group(1)


@rule("LNT006", FAMILY, Severity.HIGH, "A new NOT NULL column on an existing table has a default")
def not_null_without_default(file: LintFile) -> Iterator[Hit]:
    """Adding a ``NOT NULL`` column without a ``DEFAULT`` fails on any table that has rows.

    The migration passes on an empty development database and fails in
    production, half-way through a deploy.

    Bad:

        ALTER TABLE users ADD COLUMN tier TEXT NOT NULL;

    Good:

        ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';
    """
    for statement, table, column, definition in _added_columns(file):
        upper = definition.upper()
        if not _NOT_NULL.search(upper) or _DEFAULT_OR_GENERATED.search(upper):
            continue
        yield hit(
            file,
            statement,
            f"NOT NULL column {quoted(table)}.{quoted(column)} is added without a default (fails when the table has rows)",
            "add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL",
            key=f"{table}.{column}",
        )


@rule("LNT007", FAMILY, Severity.HIGH, "A new column's default does not rewrite the table")
def volatile_default(file: LintFile) -> Iterator[Hit]:
    """A new column with a volatile default (``random()``, ``gen_random_uuid()``,
    ``clock_timestamp()``, a serial) rewrites the whole table under ACCESS EXCLUSIVE.

    Since PostgreSQL 11 a constant or stable default (``now()``, ``0``) is stored
    in the catalog and costs nothing; before 11 every non-null default rewrites.
    The configured target version (``postgres-version``) decides.

    Bad:

        ALTER TABLE orders ADD COLUMN token UUID DEFAULT gen_random_uuid();

    Good:

        ALTER TABLE orders ADD COLUMN token UUID;
        -- backfill in batches, then:
        ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
    """
    for statement, table, column, definition in _added_columns(file):
        _, type_text = column_type(definition)
        expression = default_expression(definition)
        reason = ""
        if _SERIAL.match(type_text):
            reason = f"a {type_text.lower()} column fills every row from a sequence"
        elif expression is not None and expression.upper() != "NULL":
            written = {m.lower() for m in _CALL.findall(expression)}
            volatile = sorted(written & _VOLATILE)
            if not written and "(" in expression:  # unusual spelling: let sqlglot read it
                volatile = sorted(function_names(expression) & _VOLATILE)
            if volatile:
                reason = f"its default calls volatile {', '.join(volatile)}()"
            elif file.postgres_version < 11:
                reason = (
                    f"before PostgreSQL 11 any default rewrites (target: {file.postgres_version})"
                )
        if reason:
            yield hit(
                file,
                statement,
                f"adding {quoted(table)}.{quoted(column)} rewrites the table: {reason}",
                "add the column without a default (or with a constant one), backfill in batches, then SET DEFAULT",
                key=f"{table}.{column}",
            )


@rule("LNT008", FAMILY, Severity.HIGH, "Column types of existing tables are not changed in place")
def column_type_change(file: LintFile) -> Iterator[Hit]:
    """``ALTER COLUMN ... TYPE`` on an existing table usually rewrites it under ACCESS EXCLUSIVE.

    Every index on the table is rebuilt too. Exceptions (``varchar(n)`` to a larger
    ``n`` or to ``text``) are safe: ignore the finding with that reason.

    Bad:

        ALTER TABLE orders ALTER COLUMN total TYPE NUMERIC(14, 2);

    Good:

        ALTER TABLE orders ADD COLUMN total_v2 NUMERIC(14, 2);
        -- backfill in batches, switch readers, then drop the old column
    """
    for statement, table, action in file.existing_table_actions:
        match = _ALTER_COLUMN.match(action)
        if not match or not _SET_TYPE.match(match.group(2)):
            continue
        column = base_name(match.group(1))
        if file.is_new_column(table, column, statement):
            continue
        yield hit(
            file,
            statement,
            f"changing the type of {quoted(table)}.{quoted(column)} rewrites the table and its indexes under an exclusive lock",
            "add a new column, backfill it in batches, switch readers, drop the old one",
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
        match = _DROP_TABLE.match(statement.masked)
        if not match:
            continue
        for name in (base_name(n) for n in _NAME_LIST.findall(match.group(2))):
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
    for statement, table, action in file.existing_table_actions:
        match = _DROP_COLUMN.match(action)
        if not match:
            continue
        column = base_name(match.group(2))
        if file.is_new_column(table, column, statement):
            continue
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
    for statement, table, action in file.existing_table_actions:
        match = _ALTER_COLUMN.match(action)
        if not match or not _DROP_NOT_NULL.match(match.group(2)):
            continue
        column = base_name(match.group(1))
        if file.is_new_column(table, column, statement):
            continue
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


@rule("LNT016", FAMILY, Severity.HIGH, "No VACUUM FULL or CLUSTER in migrations")
def vacuum_full_or_cluster(file: LintFile) -> Iterator[Hit]:
    """``VACUUM FULL`` and ``CLUSTER`` rewrite the table under ACCESS EXCLUSIVE.

    Reads and writes stop for the whole rewrite. ``VACUUM FULL`` also cannot run
    inside a transaction.

    Bad:

        VACUUM FULL orders;

    Good:

        -- use pg_repack (online) outside migrations; a plain VACUUM does not block
        VACUUM (ANALYZE) orders;
    """
    for statement in file.statements:
        upper = statement.upper
        if upper.startswith("CLUSTER") or (
            upper.startswith("VACUUM") and re.match(r"VACUUM\s+(?:\([^)]*\bFULL\b|FULL\b)", upper)
        ):
            yield hit(
                file,
                statement,
                f"{statement.words} rewrites the table under an exclusive lock",
                "use pg_repack outside the migration, or a plain VACUUM",
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
    table = _DROP_TABLE.match(statement.masked)
    if table:
        names = [base_name(n) for n in _NAME_LIST.findall(table.group(2))]
        return all(file.is_new_table(n, statement) for n in names)
    index = _DROP_INDEX.match(statement.masked)
    if index:
        names = [base_name(n) for n in _NAME_LIST.findall(index.group(3))]
        return all(file.is_new_index(n, statement) for n in names)
    return False


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
            if (upper.startswith("ADD COLUMN") or _ADD_COLUMN.match(action)) and not re.match(
                r"ADD\s+(?:COLUMN\s+)?IF\s+NOT\s+EXISTS", upper
            ):
                if re.match(r"ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b", upper):
                    continue
                column = _ADD_COLUMN.match(action)
                name = column_type(column.group(1))[0] if column else "?"
                yield hit(
                    file,
                    statement,
                    f"ALTER TABLE {quoted(alter.table)} ADD COLUMN {quoted(name)} outside a transaction is not safe to retry",
                    "ADD COLUMN IF NOT EXISTS",
                    key=f"{alter.table}.{name}:add",
                )
            elif (dropped := _DROP_COLUMN.match(action)) and not dropped.group(1):
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

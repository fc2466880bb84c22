"""Rewrite rules: new columns and type changes that rewrite (or fail on) a table with rows."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.coercion import rewrite_reason
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import ADD_COLUMN, SERIAL, altered_columns, hit, quoted
from auditor.sql.ddl import column_type, default_expression, function_names

_SET_TYPE = re.compile(r"(?:SET\s+DATA\s+)?TYPE\b", re.IGNORECASE)
_NOT_NULL = re.compile(r"\bNOT\s+NULL\b")
_DEFAULT_OR_GENERATED = re.compile(r"\b(DEFAULT|GENERATED)\b")
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
_NOT_VOLATILE = frozenset(
    {
        # built-in stable or immutable functions seen in defaults
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_setting",
        "lower",
        "upper",
        "coalesce",
        "nullif",
        "greatest",
        "least",
        "length",
        "char_length",
        "concat",
        "concat_ws",
        "to_json",
        "to_jsonb",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "jsonb_build_array",
        "array_fill",
        "make_interval",
        "make_date",
        "make_timestamp",
        "make_timestamptz",
        "date_trunc",
        "timezone",
        "to_timestamp",
        "to_date",
        "to_char",
        "round",
        "abs",
        "trim",
        "btrim",
        "replace",
        "md5",
        "encode",
        "decode",
        # type names whose modifier looks like a call: ''::varchar(10)
        "varchar",
        "varying",
        "char",
        "character",
        "numeric",
        "decimal",
        "timestamp",
        "timestamptz",
        "time",
        "interval",
        "bit",
        "varbit",
    }
)
_CALL = re.compile(r"(\w+)\s*\(")
_IDENTITY = re.compile(r"\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b")
_GENERATED = re.compile(r"\bGENERATED\s+ALWAYS\s+AS\s*\(")
_STORED = re.compile(r"\)\s*STORED\b")
_VIRTUAL = re.compile(r"\)\s*VIRTUAL\b")
_FORCED_REWRITE = re.compile(r"\b(?:USING|COLLATE)\b", re.IGNORECASE)
_SET_UTC = re.compile(
    r"^SET\s+(?:SESSION\s+|LOCAL\s+)?(?:TIME\s+ZONE|TIMEZONE\s*(?:=|TO))\s*'(?:UTC|Etc/UTC|UTC0|Zulu|GMT)'",
    re.IGNORECASE,
)


def _added_columns(file: LintFile) -> Iterator[tuple[LintStatement, str, str, str]]:
    """(statement, table, column, definition) for columns added to existing tables."""
    for statement, table, action in file.existing_table_actions:
        match = ADD_COLUMN.match(action)
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
    in the catalog and costs nothing; a call to a function that is not a known
    stable built-in (a project's own ``random_string(26)``) is reported, since
    functions are VOLATILE unless declared otherwise; before 11 every non-null default rewrites.
    The configured target version (``postgres-version``) decides.

    Also a new identity column (``GENERATED ... AS IDENTITY``) and a stored generated
    column (``GENERATED ALWAYS AS (...) STORED``; on PostgreSQL 18 a ``VIRTUAL`` one
    costs nothing): both fill every existing row. Lock: ACCESS EXCLUSIVE on the table
    for the whole rewrite (reads and writes wait). squawk: ``adding-field-with-default``;
    diesel-guard: volatile default, identity and generated columns.

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
        upper = definition.upper()
        if SERIAL.match(type_text):
            reason = f"a {type_text.lower()} column fills every row from a sequence"
        elif _IDENTITY.search(upper):
            reason = "an identity column fills every row from a sequence"
        elif (
            _GENERATED.search(upper)
            and not _VIRTUAL.search(upper)
            and (_STORED.search(upper) or file.postgres_version < 18)
        ):
            reason = "a stored generated column computes every row"
        elif expression is not None and expression.upper() != "NULL":
            written = {m.lower() for m in _CALL.findall(expression)}
            volatile = sorted(written & _VOLATILE)
            if not written and "(" in expression:  # unusual spelling: let sqlglot read it
                volatile = sorted(function_names(expression) & _VOLATILE)
            unknown = sorted(written - _VOLATILE - _NOT_VOLATILE)
            if volatile:
                reason = f"its default calls volatile {', '.join(volatile)}()"
            elif unknown:
                reason = f"its default calls {', '.join(unknown)}(), volatile unless declared STABLE or IMMUTABLE"
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

    Lock: ACCESS EXCLUSIVE on the table while every row is converted and every index
    rebuilt: reads and writes wait. Not reported when PostgreSQL changes only the
    catalog: the same type, ``varchar(n)`` to a larger ``n``, to ``varchar`` or
    ``text``, ``text`` to ``varchar``, ``numeric(p, s)`` to a larger ``p`` with the
    same ``s`` (or to ``numeric``), a larger (or no) precision of ``time``,
    ``timestamp``, ``interval`` or length of ``bit varying``, ``cidr`` to ``inet``,
    and ``timestamp`` to ``timestamptz`` (or back) on PostgreSQL 12+ when the
    migration sets the time zone to UTC first. The old type is read from the earlier
    migrations of the run; when it is unknown the change is reported. A ``USING``
    clause or ``COLLATE`` is always reported. squawk: ``changing-column-type``.

    Bad:

        ALTER TABLE orders ALTER COLUMN total TYPE NUMERIC(14, 2);

    Good:

        ALTER TABLE orders ADD COLUMN total_v2 NUMERIC(14, 2);
        -- backfill in batches, switch readers, then drop the old column
    """
    types: dict[tuple[str, str], str] = dict(file.column_types)
    utc_from = _utc_from(file)
    retyped = {(s.index, t, c) for s, t, c in altered_columns(file, _SET_TYPE)}
    for statement, table, column, new_type, definition in file.column_definitions:
        old = types.get((table, column))
        types[(table, column)] = new_type
        if (statement.index, table, column) not in retyped:
            continue
        if old is not None and not _FORCED_REWRITE.search(definition):
            reason = rewrite_reason(
                old,
                new_type,
                postgres_version=file.postgres_version,
                utc=utc_from <= statement.index,
            )
            if reason is None:
                continue
        else:
            reason = f"{old} → {new_type} with USING/COLLATE" if old else "old type unknown"
        yield hit(
            file,
            statement,
            f"changing the type of {quoted(table)}.{quoted(column)} rewrites the table and its indexes "
            f"under an exclusive lock ({reason}; blocks reads and writes until it finishes)",
            "add a new column, backfill it in batches, switch readers, drop the old one",
            key=f"{table}.{column}",
        )


def _utc_from(file: LintFile) -> int:
    """Index of the first statement setting the session time zone to UTC (past the end: none)."""
    for statement in file.statements:
        if statement.upper.startswith("SET") and _SET_UTC.match(statement.text.strip()):
            return statement.index
    return len(file.statements)


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

"""Data rules: UPDATE, DELETE and INSERT statements inside schema migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import hit, quoted
from auditor.sql.ddl import QNAME, base_name, paren_body, split_top_level, unquote
from auditor.sql.ident import IDENT

_UPDATE = re.compile(
    rf"^UPDATE\s+(?:ONLY\s+)?({QNAME})\s*\*?\s+(?:(?:AS\s+)?(?!SET\b){IDENT}\s+)?SET\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DELETE = re.compile(rf"^DELETE\s+FROM\s+(?:ONLY\s+)?({QNAME})", re.IGNORECASE)
_INSERT = re.compile(rf"^INSERT\s+INTO\s+({QNAME})\s*(?:AS\s+{IDENT}\s*)?\(", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"\s(?:FROM|WHERE|RETURNING)\b", re.IGNORECASE)
_TARGET = re.compile(rf"^({IDENT})\s*(=|\[|\.)")


def _dml_target(statement: LintStatement) -> tuple[str, str] | None:
    """("UPDATE" or "DELETE", table) of an UPDATE or DELETE statement, else None."""
    upper = statement.upper
    if upper.startswith("UPDATE"):
        match = _UPDATE.match(statement.masked)
        return ("UPDATE", base_name(match.group(1))) if match else None
    if upper.startswith("DELETE"):
        match = _DELETE.match(statement.masked)
        return ("DELETE", base_name(match.group(1))) if match else None
    return None


@rule("LNT048", FAMILY, Severity.MEDIUM, "UPDATE and DELETE on existing tables have a WHERE")
def dml_without_where(file: LintFile) -> Iterator[Hit]:
    """``UPDATE`` or ``DELETE`` without ``WHERE`` changes every row of the table.

    Often a mistake; when meant, it is one long transaction: row locks on every row
    (writers of those rows wait) and a table's worth of dead tuples for vacuum. A
    table created earlier in the same migration is not reported. diesel-guard:
    UPDATE/DELETE without WHERE.

    Bad:

        DELETE FROM sessions;

    Good:

        DELETE FROM sessions WHERE expires_at < now() - interval '30 days';
    """
    for statement in file.statements:
        target = _dml_target(statement)
        if target is None or _WHERE.search(statement.masked):
            continue
        verb, table = target
        if file.is_new_table(table, statement):
            continue
        yield hit(
            file,
            statement,
            f"{verb} without WHERE changes every row of {quoted(table)} (locks every row until the migration commits)",
            "add the WHERE you mean; backfill large tables in batches outside the schema migration",
            key=f"{verb}:{table}",
        )


@rule(
    "LNT049",
    FAMILY,
    Severity.MEDIUM,
    "No backfill in the transaction that altered the table",
)
def backfill_in_schema_transaction(file: LintFile) -> Iterator[Hit]:
    """An ``UPDATE`` of a table after an ``ALTER TABLE`` of it, in the same transaction.

    The ALTER's ACCESS EXCLUSIVE lock is held until the transaction commits: while
    the UPDATE rewrites the rows, every read and write of the table waits. Commit the
    schema change first, then backfill in batches (a separate migration with
    ``run_in_transaction = false``, or a job). strong_migrations: backfilling data.

    Bad:

        ALTER TABLE users ADD COLUMN tier TEXT;
        UPDATE users SET tier = 'free' WHERE tier IS NULL;

    Good:

        ALTER TABLE users ADD COLUMN tier TEXT;
        -- next migration (run_in_transaction = false), in batches:
        --   UPDATE users SET tier = 'free' WHERE id BETWEEN 1 AND 10000 AND tier IS NULL;
    """
    altered: dict[str, LintStatement] = {}
    for statement in file.statements:
        if statement.upper.startswith(("COMMIT", "END", "ROLLBACK", "ABORT", "BEGIN", "START")):
            altered.clear()
            continue
        if not statement.in_transaction:
            continue
        alter = statement.alter_table
        if alter is not None:
            if not file.is_new_table(alter.table, statement):
                altered.setdefault(alter.table, statement)
            continue
        target = _dml_target(statement)
        if target is None or target[0] != "UPDATE" or target[1] not in altered:
            continue
        table = target[1]
        yield hit(
            file,
            statement,
            f"UPDATE of {quoted(table)} runs in the transaction that altered it (line {altered[table].line}): "
            "reads and writes wait until the backfill commits",
            "commit the schema change, then backfill in batches in a separate migration or job",
            key=f"backfill:{table}",
        )


def _set_clause(text: str) -> str:
    """The assignments of an UPDATE's SET clause: up to a top-level FROM, WHERE or RETURNING."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and ch == " " and _CLAUSE_END.match(text, i):
            return text[:i]
    return text


def _assigned_columns(statement: LintStatement) -> list[str]:
    """The columns an UPDATE's SET clause or an INSERT's column list names, in order.

    A subscripted or field assignment (``SET a[1] = ..., a[2] = ...``) is legal twice
    and is left out.
    """
    upper = statement.upper
    if upper.startswith("UPDATE"):
        match = _UPDATE.match(statement.masked)
        if match is None:
            return []
        names: list[str] = []
        for item in split_top_level(_set_clause(match.group(2))):
            if item.startswith("("):
                body, _ = paren_body(item, 0)
                names.extend(unquote(n) for n in split_top_level(body))
                continue
            target = _TARGET.match(item)
            if target and target.group(2) == "=":
                names.append(unquote(target.group(1)))
        return names
    if upper.startswith("INSERT"):
        match = _INSERT.match(statement.masked)
        if match is None:
            return []
        body, _ = paren_body(statement.masked, match.end() - 1)
        return [unquote(n) for n in split_top_level(body)]
    return []


@rule("LNT050", FAMILY, Severity.HIGH, "A statement assigns each column once")
def duplicate_column_assignment(file: LintFile) -> Iterator[Hit]:
    """``UPDATE ... SET a = 1, a = 2`` or ``INSERT INTO t (a, a)`` fails when it runs.

    PostgreSQL rejects a column assigned twice ("multiple assignments to same column",
    "column specified more than once"): the migration fails at deploy time. squawk:
    ``ban-duplicate-column-assignments``.

    Bad:

        UPDATE users SET tier = 'free', tier = 'basic' WHERE tier IS NULL;

    Good:

        UPDATE users SET tier = 'free' WHERE tier IS NULL;
    """
    for statement in file.statements:
        seen: set[str] = set()
        for column in _assigned_columns(statement):
            if column in seen:
                yield hit(
                    file,
                    statement,
                    f"column {quoted(column)} is assigned twice in {statement.words.split(' ')[0].upper()} (PostgreSQL rejects it)",
                    "assign each column once",
                    key=column,
                )
            seen.add(column)

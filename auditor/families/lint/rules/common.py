"""Helpers shared by the lint rule modules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Location
from auditor.families.lint.model import LintFile, LintStatement
from auditor.sql.ddl import QNAME, base_name

# Patterns of ALTER TABLE actions and DROP statements that several rule modules read.
_ALTER_COLUMN = re.compile(rf"^ALTER\s+(?:COLUMN\s+)?({QNAME})\s+(.*)$", re.IGNORECASE | re.DOTALL)
ADD_COLUMN = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)(.*)$",
    re.IGNORECASE | re.DOTALL,
)
DROP_COLUMN = re.compile(
    rf"^DROP\s+(?:COLUMN\s+)?(IF\s+EXISTS\s+)?(?!CONSTRAINT\b)({QNAME})", re.IGNORECASE
)
_DROP_TABLE = re.compile(
    rf"^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)", re.IGNORECASE
)
_NAME_LIST = re.compile(QNAME)
SERIAL = re.compile(r"^(?:SMALL|BIG)?SERIAL[248]?$")
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


def hit(
    file: LintFile,
    statement: LintStatement,
    message: str,
    fix: str | None = None,
    key: str = "",
) -> Hit:
    """A hit at ``statement``'s line; ``key`` keeps fingerprints apart within one file."""
    return Hit(
        message=message,
        location=Location(file=file.path, line=statement.line),
        fix=fix,
        key=key or f"{statement.words}",
    )


def statements_matching(
    file: LintFile, prefix: str, pattern: re.Pattern[str]
) -> Iterator[tuple[LintStatement, re.Match[str]]]:
    """Each statement of ``file`` that starts with ``prefix`` (upper-cased) and whose masked
    text ``pattern`` matches, with the match."""
    for statement in file.statements:
        if statement.upper.startswith(prefix):
            match = pattern.match(statement.masked)
            if match is not None:
                yield statement, match


def quoted(name: str) -> str:
    """A name as it would be written in SQL, for messages."""
    return name if _PLAIN_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def names_in(names: str) -> list[str]:
    """The unqualified names of a comma-separated list (``DROP TABLE a, s.b``)."""
    return [base_name(n) for n in _NAME_LIST.findall(names)]


def dropped_tables(statement: LintStatement) -> list[str]:
    """The tables a ``DROP TABLE`` statement drops (empty for any other statement)."""
    match = _DROP_TABLE.match(statement.masked)
    return names_in(match.group(2)) if match else []


def column_actions(
    file: LintFile, pattern: re.Pattern[str], column_group: int
) -> Iterator[tuple[LintStatement, str, str, re.Match[str]]]:
    """(statement, table, column, match) for each action on an existing table that
    ``pattern`` matches, naming (in ``column_group``) a column this migration did not add."""
    for statement, table, action in file.existing_table_actions:
        match = pattern.match(action)
        if match:
            column = base_name(match.group(column_group))
            if not file.is_new_column(table, column, statement):
                yield statement, table, column, match


def altered_columns(
    file: LintFile, action: re.Pattern[str]
) -> Iterator[tuple[LintStatement, str, str]]:
    """(statement, table, column) for each ``ALTER COLUMN`` whose action matches ``action``,
    on a column of an existing table that this migration did not add."""
    for statement, table, column, match in column_actions(file, _ALTER_COLUMN, 1):
        if action.match(match.group(2)):
            yield statement, table, column


__all__ = [
    "ADD_COLUMN",
    "DROP_COLUMN",
    "SERIAL",
    "altered_columns",
    "column_actions",
    "dropped_tables",
    "hit",
    "names_in",
    "quoted",
]

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
DROP_TABLE = re.compile(
    rf"^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)", re.IGNORECASE
)
NAME_LIST = re.compile(QNAME)
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


def quoted(name: str) -> str:
    """A name as it would be written in SQL, for messages."""
    return name if _PLAIN_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def altered_columns(
    file: LintFile, action: re.Pattern[str]
) -> Iterator[tuple[LintStatement, str, str]]:
    """(statement, table, column) for each ``ALTER COLUMN`` whose action matches ``action``,
    on a column of an existing table that this migration did not add."""
    for statement, table, text in file.existing_table_actions:
        match = _ALTER_COLUMN.match(text)
        if not match or not action.match(match.group(2)):
            continue
        column = base_name(match.group(1))
        if not file.is_new_column(table, column, statement):
            yield statement, table, column


__all__ = [
    "ADD_COLUMN",
    "DROP_COLUMN",
    "DROP_TABLE",
    "NAME_LIST",
    "SERIAL",
    "altered_columns",
    "hit",
    "quoted",
]

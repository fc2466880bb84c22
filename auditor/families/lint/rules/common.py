"""Helpers shared by the lint rule modules."""

from __future__ import annotations

import re

from auditor.core.findings import Hit, Location
from auditor.families.lint.model import LintFile, LintStatement
from auditor.sql.ddl import QNAME

# Patterns of ALTER TABLE actions and DROP statements that several rule modules read.
ALTER_COLUMN = re.compile(rf"^ALTER\s+(?:COLUMN\s+)?({QNAME})\s+(.*)$", re.IGNORECASE | re.DOTALL)
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


__all__ = [
    "ADD_COLUMN",
    "ALTER_COLUMN",
    "DROP_COLUMN",
    "DROP_TABLE",
    "NAME_LIST",
    "SERIAL",
    "hit",
    "quoted",
]

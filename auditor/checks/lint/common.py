"""Helpers shared by the lint rule modules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.lint.model import LintFile, LintStatement
from auditor.checks.lint.sql import (
    QNAME,
    base_name,
    column_type,
    is_table_constraint,
    paren_body,
    split_top_level,
)
from auditor.findings import Hit, Location

_ALTER_TYPE = re.compile(
    rf"^ALTER\s+(?:COLUMN\s+)?({QNAME})\s+(?:SET\s+DATA\s+)?TYPE\s+(.*)$", re.IGNORECASE | re.DOTALL
)
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")
_ADD_COLUMN_DEF = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)(.*)$",
    re.IGNORECASE | re.DOTALL,
)


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


def column_definitions(statement: LintStatement) -> tuple[tuple[str, str, str, str], ...]:
    """(table, column, TYPE, masked definition) of every column a statement defines or retypes.

    Computed once per statement (several rules read it).
    """
    return statement.columns


def read_column_definitions(
    statement: LintStatement,
) -> Iterator[tuple[str, str, str, str]]:
    """(table, column, TYPE, masked definition) of every column a statement defines or retypes.

    Covers ``CREATE TABLE (...)``, ``ALTER TABLE ... ADD COLUMN`` and
    ``ALTER TABLE ... ALTER COLUMN ... TYPE``.
    """
    table = statement.created_table
    if table is not None:
        masked = statement.masked
        start = masked.find("(")
        if start == -1:
            return
        header = masked[:start].upper()
        if " AS " in header or " OF " in header or "PARTITION" in header:
            return
        body, _ = paren_body(masked, start)
        for item in split_top_level(body):
            if is_table_constraint(item):
                continue
            name, type_text = column_type(item)
            if name:
                yield table, name, type_text, item
        return
    alter = statement.alter_table
    if alter is None:
        return
    for action in alter.actions:
        added = _ADD_COLUMN_DEF.match(action)
        if added:
            name, type_text = column_type(added.group(1))
            if name:
                yield alter.table, name, type_text, added.group(1)
            continue
        retyped = _ALTER_TYPE.match(action)
        if retyped:
            name = base_name(retyped.group(1))
            _, type_text = column_type(f"x {retyped.group(2)}")
            yield alter.table, name, type_text, f"{retyped.group(1)} {retyped.group(2)}"


def quoted(name: str) -> str:
    """A name as it would be written in SQL, for messages."""
    return name if _PLAIN_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'


__all__ = ["column_definitions", "hit", "quoted", "read_column_definitions"]

"""Helpers shared by the lint rule modules."""

from __future__ import annotations

import re

from auditor.core.findings import Hit, Location
from auditor.families.lint.model import LintFile, LintStatement

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


__all__ = ["hit", "quoted"]

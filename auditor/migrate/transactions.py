"""How each migration tool wraps a script in a transaction, and what cannot run in one.

PostgreSQL refuses some statements inside a transaction block (``CREATE INDEX
CONCURRENTLY``, ``VACUUM``, ``ALTER SYSTEM``...). Each tool decides differently whether a
file runs in one:

- Diesel runs ``up.sql`` in a transaction unless ``metadata.toml`` has
  ``run_in_transaction = false``; the file is sent as one query (``batch_execute``).
- golang-migrate never opens a transaction: it sends the whole file as one simple-protocol
  query, which PostgreSQL runs as one implicit transaction when it holds more than one
  statement. A file holding only ``CREATE INDEX CONCURRENTLY`` therefore applies.
- sqlx runs the file in a transaction unless its first bytes are ``-- no-transaction``.
- dbmate runs each section in a transaction unless its marker says ``transaction:false``.
- Flyway parses the file and runs it in a transaction unless it detects a statement that
  cannot run in one; then every statement runs on its own. A file mixing both kinds is
  refused (Flyway's default ``mixed = false``).

:func:`plan_script` turns a script into an :class:`ExecutionPlan` or a
:class:`TransactionError` naming the file and line, before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.core.errors import AuditorError
from auditor.sql.ddl import mask
from auditor.sql.split import Statement

_NON_TRANSACTIONAL = re.compile(
    r"^(?:(?:CREATE|DROP) (?:DATABASE|TABLESPACE|SUBSCRIPTION)\b"
    r"|ALTER SYSTEM\b"
    r"|ALTER DATABASE \S+ SET TABLESPACE\b"
    r"|(?:CREATE|DROP)(?: UNIQUE)? INDEX CONCURRENTLY\b"
    r"|REINDEX\b(?: \([^)]*\))?(?: VERBOSE)? (?:SCHEMA|DATABASE|SYSTEM)\b"
    r"|REINDEX\b.* CONCURRENTLY\b"
    r"|ALTER TABLE .* DETACH PARTITION .* CONCURRENTLY\b"
    r"|VACUUM\b"
    r"|DISCARD ALL\b"
    r"|CLUSTER$)",
)
"""Statements PostgreSQL runs only outside a transaction block (Flyway's PostgreSQL list,
plus ``REINDEX ... CONCURRENTLY`` and ``DETACH PARTITION ... CONCURRENTLY``)."""


class TransactionError(AuditorError):
    """A statement cannot run the way its tool would run the file; the message names the line."""


def non_transactional(statement: Statement) -> str | None:
    """The first words of ``statement`` when PostgreSQL refuses it in a transaction, else None."""
    masked = mask(statement.text).upper()
    if _NON_TRANSACTIONAL.match(masked):
        return statement.first_words
    return None


@dataclass(frozen=True)
class ExecutionPlan:
    """How one script is sent to the server."""

    in_transaction: bool
    """Wrapped in BEGIN/COMMIT together with the tool's bookkeeping."""
    whole_file: bool
    """Sent as one simple-protocol query (every tool but Flyway); else statement by statement."""


OPT_OUT = {
    "diesel": "set run_in_transaction = false in the migration's metadata.toml",
    "golang-migrate": "",
    "sqlx": "start the file with `-- no-transaction`",
    "dbmate": "write the section marker as `-- migrate:up transaction:false`",
    "flyway": "",
}
"""How each tool lets a file run outside a transaction."""


def plan_script(
    tool: str, path: str, first_line: int, statements: list[Statement], *, in_transaction: bool
) -> ExecutionPlan:
    """How ``tool`` runs a script of ``statements``; ``in_transaction`` is the file's own choice.

    ``path`` and ``first_line`` (where the script starts in its file) name the line in an
    error. Raise :class:`TransactionError` when the tool could not run the script either.
    """
    blocked = [(s, words) for s in statements if (words := non_transactional(s))]
    if tool == "flyway":
        if blocked and len(blocked) < len(statements):
            statement, words = blocked[0]
            raise TransactionError(
                f"{path}:{first_line - 1 + statement.line}: {words} cannot run in a transaction, and the file "
                "also holds statements that Flyway runs in one: Flyway refuses such a mixed "
                "migration (mixed = false); move it to a migration of its own"
            )
        return ExecutionPlan(in_transaction=not blocked, whole_file=False)
    if tool == "golang-migrate":
        in_transaction = False
    if blocked:
        statement, words = blocked[0]
        if in_transaction:
            raise TransactionError(
                f"{path}:{first_line - 1 + statement.line}: {words} cannot run inside a transaction block, and "
                f"{tool} runs this file in one: {OPT_OUT[tool]}"
            )
        if len(statements) > 1:
            raise TransactionError(
                f"{path}:{first_line - 1 + statement.line}: {words} cannot run inside a transaction block, and "
                f"{tool} sends the file as one query, which PostgreSQL runs as one transaction "
                "when it holds several statements: move it to a migration of its own"
            )
    return ExecutionPlan(in_transaction=in_transaction, whole_file=True)


def runs_in_transaction(tool: str, statements: list[Statement], *, declared: bool) -> bool:
    """Whether ``tool`` runs these statements inside a transaction block (explicit or implicit).

    ``declared`` is the file's own setting (metadata.toml, ``-- no-transaction``,
    ``transaction:false``); golang-migrate and Flyway decide from the statements.
    """
    if tool == "flyway":
        return not any(non_transactional(s) for s in statements)
    if tool == "golang-migrate":  # one query of several statements: one implicit transaction
        return len(statements) > 1
    return declared

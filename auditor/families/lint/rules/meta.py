"""Ignore pragmas in SQL comments, and the rules about the lint itself.

``-- auditor-ignore LNT001, LNT004: reason`` silences those rules for the next
statement; ``-- auditor-ignore-file LNT011: reason`` for the whole file. A reason
is required: a pragma without one is reported (LNT040) and not applied. A
pragma that silences nothing is reported too (LNT041), so stale ignores do not
pile up.

``-- auditor-assume-in-transaction`` / ``-- auditor-assume-no-transaction`` (an
optional ``: reason`` after it) tells the transaction rules how the file runs,
whatever the layout or the configuration says (squawk's
``assume_in_transaction``, per file). A file with both is reported (LNT040) and
neither applies. A statement that cannot be split into tokens (an unterminated
string, quoted name, dollar quote or comment) is LNT065.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.core.findings import Hit, Severity
from auditor.core.rules import RULE_ID, Rule, register, rule
from auditor.families.lint.model import LintFile
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import hit
from auditor.sql.split import Statement

_PRAGMA = re.compile(r"(?:--|/\*)\s*auditor-ignore(-file)?\b(.*?)(?:\*/\s*)?$", re.IGNORECASE)
_BODY = re.compile(r"^\s*([A-Za-z0-9_,\s]*?)\s*(?::\s*(.*?))?\s*$", re.DOTALL)
_TRANSACTION = re.compile(
    r"^\s*(?:--|/\*)\s*auditor-assume-(in|no)-transaction\b", re.IGNORECASE | re.MULTILINE
)
HISTORY_TABLES = 5
"""A migration that creates this many tables and then alters or indexes them is reported once (LNT042)."""


@dataclass(frozen=True)
class Pragma:
    """One ``auditor-ignore`` comment."""

    line: int
    rules: tuple[str, ...]
    reason: str
    file_level: bool
    target: int | None
    """Index of the statement it applies to (None: file level, or nothing follows)."""
    problem: str | None = None
    """Why the pragma is invalid (then it is not applied)."""


@dataclass(frozen=True)
class TransactionPragma:
    """The file's ``auditor-assume-in-transaction`` / ``-no-transaction`` comment."""

    line: int
    in_transaction: bool | None
    """None: the file says both (a problem; the layout's choice stands)."""


def transaction_pragma(text: str) -> TransactionPragma | None:
    """The file's transaction comment, or None when it has none."""
    if "auditor-assume-" not in text.lower():
        return None
    found = [(m.start(), m.group(1).lower() == "in") for m in _TRANSACTION.finditer(text)]
    if not found:
        return None
    line = text.count("\n", 0, found[0][0]) + 1
    choices = {choice for _, choice in found}
    return TransactionPragma(line, choices.pop() if len(choices) == 1 else None)


def find_pragmas(text: str, statements: list[Statement], known: frozenset[str]) -> list[Pragma]:
    """Every ignore pragma of a file, with the statement each one applies to."""
    if "auditor-ignore" not in text:
        return []
    lines = text.splitlines()
    found: list[Pragma] = []
    previous_end = 1
    regions = [(s.line, i) for i, s in enumerate(statements)]
    bounds: list[tuple[int, int, int | None]] = []
    for (start, index), statement in zip(regions, statements, strict=True):
        bounds.append((previous_end, start - 1, index))
        previous_end = statement.end_line
    bounds.append((previous_end, len(lines), None))
    for first, last, target in bounds:
        for number in range(first, last + 1):
            if number < 1 or number > len(lines):
                continue
            match = _PRAGMA.search(lines[number - 1])
            if not match:
                continue
            found.append(_pragma(number, bool(match.group(1)), match.group(2), target, known))
    return found


def _pragma(
    line: int, file_level: bool, body: str, target: int | None, known: frozenset[str]
) -> Pragma:
    match = _BODY.match(body)
    ids_text, reason = (match.group(1), match.group(2) or "") if match else ("", "")
    ids = tuple(r.strip().upper() for r in ids_text.split(",") if r.strip())
    problem = None
    if not ids:
        problem = "names no rule (write `auditor-ignore RULE: reason`)"
    elif bad := [r for r in ids if not RULE_ID.match(r) or r not in known]:
        problem = f"names unknown rule {', '.join(bad)}"
    elif not reason.strip():
        problem = "has no reason (write `auditor-ignore RULE: why this is safe`)"
    elif not file_level and target is None:
        problem = "is not followed by a statement"
    return Pragma(
        line=line,
        rules=ids,
        reason=reason.strip(),
        file_level=file_level,
        target=None if file_level else target,
        problem=problem,
    )


MALFORMED_IGNORE = register(
    Rule(
        id="LNT040",
        family=FAMILY,
        severity=Severity.MEDIUM,
        title="Every ignore pragma names known rules and gives a reason",
        doc="""An ``auditor-ignore`` comment without a reason, or naming an unknown rule, is not applied.

A reason tells the next reviewer why the statement is safe; without one an
ignore is just a way to make the lint quiet. The pragma is reported and the
finding it meant to silence stays.

Bad:

    -- auditor-ignore LNT001
    CREATE INDEX orders_user_id_idx ON orders (user_id);

Good:

    -- auditor-ignore LNT001: orders has 200 rows, built at deploy in < 10 ms
    CREATE INDEX orders_user_id_idx ON orders (user_id);""",
    )
)

UNUSED_IGNORE = register(
    Rule(
        id="LNT041",
        family=FAMILY,
        severity=Severity.LOW,
        title="Every ignore pragma silences a finding",
        doc="""An ``auditor-ignore`` comment that silences nothing is stale: remove it.

It usually outlived the statement it was written for, and would silently
hide a future, different problem.

Bad:

    -- auditor-ignore LNT001: small table
    CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);

Good:

    CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);""",
    )
)

UNPARSABLE = register(
    Rule(
        id="LNT065",
        family=FAMILY,
        severity=Severity.HIGH,
        title="Every statement of a migration can be read",
        doc="""A string, quoted name, dollar quote or comment that never ends: the file cannot be linted.

The finding names the file and the line where the token starts. Nothing after
that point is checked, and PostgreSQL would reject the file (or, worse, run the
rest of it as part of the string). With the rule disabled the file is an error
of the run (exit 2): an unread file never passes.

Bad:

    INSERT INTO notes (body) VALUES ('it's done');

Good:

    INSERT INTO notes (body) VALUES ('it''s done');""",
    )
)


@rule("LNT042", FAMILY, Severity.INFO, "A migration that recreates history is reported once")
def recreated_history(file: LintFile) -> Iterator[Hit]:
    """A migration that creates many tables and then alters or indexes them looks like a squashed history.

    Every table in it is new, so the "existing table" rules (LNT001, LNT004,
    LNT005, ...) stay silent for all of it. That is right for a real initial
    schema, but it must not pass unnoticed: the file is reported once, so a
    reviewer checks that it does not run against a database that already has
    these tables.

    Bad:

        CREATE TABLE a (id BIGINT PRIMARY KEY, b_id BIGINT);
        CREATE TABLE b (id BIGINT PRIMARY KEY);
        CREATE TABLE c (id BIGINT PRIMARY KEY);
        CREATE TABLE d (id BIGINT PRIMARY KEY);
        CREATE TABLE e (id BIGINT PRIMARY KEY);  -- 5 or more tables, then:
        ALTER TABLE a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b_id) REFERENCES b (id);
        CREATE INDEX a_b_id_idx ON a (b_id);

    Good:

        -- one migration per change (or, for a deliberate squash, a file-level
        -- "auditor-ignore-file LNT042: <reason>" pragma):
        CREATE TABLE b (id BIGINT PRIMARY KEY);
        CREATE TABLE a (id BIGINT PRIMARY KEY, b_id BIGINT REFERENCES b (id));
        CREATE INDEX a_b_id_idx ON a (b_id);
    """
    created = [t for t, index in file.created_tables.items() if index >= 0]
    if len(created) < HISTORY_TABLES:
        return
    exempted = 0
    for statement in file.statements:
        alter = statement.alter_table
        index = statement.create_index
        table = alter.table if alter else index.table if index else None
        if table is not None and file.is_new_table(table, statement):
            exempted += 1
    if exempted:
        first = file.statements[0]
        yield hit(
            file,
            first,
            f"this file creates {len(created)} tables and then changes them in {exempted} statement(s): "
            "existing-table rules treat all of it as new",
            "split the history into migrations, or confirm it only runs on empty databases (ignore with a reason)",
            key="history",
        )

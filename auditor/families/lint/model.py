"""The input of the lint rules: one SQL file, its statements and what came before them.

:func:`analyze` is pure (text in, model out): it walks the statements in order
once and records which tables, columns and indexes the *same migration* created
(so "existing table" rules leave them alone), whether each statement runs inside
a transaction, and where timeouts were set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from auditor.sql.ddl import (
    QNAME,
    base_name,
    column_type,
    is_table_constraint,
    mask,
    paren_body,
    split_top_level,
)
from auditor.sql.split import Statement

_ALTER_TABLE = re.compile(
    rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({QNAME})\s*\*?\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CREATE_TABLE = re.compile(
    rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP\s+|TEMPORARY\s+|UNLOGGED\s+)?"
    rf"TABLE\s+(IF\s+NOT\s+EXISTS\s+)?({QNAME})",
    re.IGNORECASE,
)
_CREATE_INDEX = re.compile(
    rf"^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?(?:({QNAME})\s+)?"
    rf"ON\s+(?:ONLY\s+)?({QNAME})",
    re.IGNORECASE,
)
_ADD_COLUMN = re.compile(
    rf"^ADD\s+(?:COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)({QNAME})",
    re.IGNORECASE,
)
_RENAME_TABLE = re.compile(rf"^RENAME\s+TO\s+({QNAME})", re.IGNORECASE)
_BEGIN = re.compile(r"^(?:BEGIN|START\s+TRANSACTION)\b", re.IGNORECASE)
_END = re.compile(r"^(?:COMMIT|END|ROLLBACK|ABORT)\b(?!\s+PREPARED)", re.IGNORECASE)
_SET_TIMEOUT = re.compile(
    r"^SET\s+(?:LOCAL\s+|SESSION\s+)?(lock_timeout|statement_timeout)\b", re.IGNORECASE
)


T = TypeVar("T")


class cached_property(Generic[T]):
    """A property computed on first access and stored in the instance's ``__dict__``.

    ``functools.cached_property`` without its per-access lock (Python 3.11 takes a lock
    on every first access, which costs more than most of these properties): a lint
    model is built and read by one thread.
    """

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.fn(instance)
        return value


@dataclass(frozen=True)
class AlterTable:
    """An ``ALTER TABLE`` statement: its table and its comma-separated actions (masked)."""

    table: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class CreateIndex:
    """A ``CREATE INDEX`` statement's parts."""

    name: str | None
    table: str
    unique: bool
    concurrently: bool
    if_not_exists: bool


@dataclass(frozen=True)
class LintStatement:
    """One statement of a linted file."""

    index: int
    """Position in the file (0-based)."""
    text: str
    """The statement as written. May hold a secret: never put it in a message."""
    masked: str
    """Comments removed, literals blanked, blank space collapsed (see :func:`~auditor.sql.ddl.mask`)."""
    line: int
    end_line: int
    in_transaction: bool
    """True when the statement runs inside a transaction block."""
    leading_comments: tuple[str, ...] = ()

    @cached_property
    def upper(self) -> str:
        """The masked text in upper case, for keyword tests.

        ``"KEYWORD" in upper`` is a cheap necessary condition for a case-insensitive
        regular expression on the masked text that spells out ``KEYWORD`` (blank space
        there is single spaces), when the keyword has no ``I`` and no ``K``: every
        character ``re.IGNORECASE`` matches against an ASCII letter upper-cases to that
        letter, except ``İ`` (matches ``i``) and the Kelvin sign (matches ``k``).
        """
        return self.masked.upper()

    @cached_property
    def alter_table(self) -> AlterTable | None:
        """The parts of an ``ALTER TABLE``, or None for another statement."""
        if not self.upper.startswith("ALTER TABLE"):
            return None
        match = _ALTER_TABLE.match(self.masked)
        if not match:
            return None
        return AlterTable(base_name(match.group(1)), tuple(split_top_level(match.group(2))))

    @cached_property
    def create_index(self) -> CreateIndex | None:
        """The parts of a ``CREATE INDEX``, or None for another statement."""
        if not self.upper.startswith("CREATE") or " INDEX " not in self.upper + " ":
            return None
        match = _CREATE_INDEX.match(self.masked)
        if not match:
            return None
        return CreateIndex(
            name=base_name(match.group(4)) if match.group(4) else None,
            table=base_name(match.group(5)),
            unique=bool(match.group(1)),
            concurrently=bool(match.group(2)),
            if_not_exists=bool(match.group(3)),
        )

    @cached_property
    def created_table(self) -> str | None:
        """The table a ``CREATE TABLE`` creates, or None."""
        if not self.upper.startswith("CREATE"):
            return None
        match = _CREATE_TABLE.match(self.masked)
        return base_name(match.group(2)) if match else None

    @cached_property
    def columns(self) -> tuple[tuple[str, str, str, str], ...]:
        """(table, column, TYPE, masked definition) of the columns it defines or retypes."""
        if not (self.upper.startswith("CREATE") or self.upper.startswith("ALTER TABLE")):
            return ()
        return tuple(read_column_definitions(self))

    @property
    def words(self) -> str:
        """The first keywords, for messages (masked: never a literal)."""
        text = " ".join(self.masked.split()[:4])
        return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class LintFile:
    """One SQL file to lint, with what its migration created before each statement."""

    path: str
    """Path relative to the project root, forward slashes."""
    statements: tuple[LintStatement, ...]
    direction: str = "up"
    """``up``, ``down`` or ``sql`` (a plain SQL file outside a migration layout)."""
    migration: str | None = None
    """The migration's label, when the file belongs to one."""
    run_in_transaction: bool = False
    """True when the runner wraps the whole file in one transaction."""
    postgres_version: int = 16
    created_tables: dict[str, int] = field(default_factory=dict)
    """Table name → index of the statement of this migration that created it (-1: up.sql)."""
    added_columns: dict[tuple[str, str], int] = field(default_factory=dict)
    created_indexes: dict[str, int] = field(default_factory=dict)
    index_tables: dict[str, str] = field(default_factory=dict)
    """Index name → its table, for the indexes this migration created."""
    validated: dict[str, int] = field(default_factory=dict)
    """Table → index of the first ``VALIDATE CONSTRAINT`` on it in this file."""
    timeouts: dict[str, int] = field(default_factory=dict)
    """``lock_timeout``/``statement_timeout`` → index of the first statement setting it."""
    transaction_events: tuple[tuple[int, str], ...] = ()
    """(statement index, problem) for BEGIN/COMMIT misuse found while walking the file."""
    up_tables: frozenset[str] = frozenset()
    """For a down.sql: the tables its up.sql created."""
    lost_requirements: tuple[tuple[str, str, str], ...] = ()
    """(requirement id, table, description) of rule-pack requirements this up.sql stops satisfying."""
    reversal_diff: tuple[str, ...] = ()
    """For a down.sql: how the static model after up+down differs from before up (empty: reversed)."""
    column_types: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(table, column) → TYPE as the earlier files of the run left it (LNT008 reads the old type)."""

    @cached_property
    def existing_table_actions(self) -> tuple[tuple[LintStatement, str, str], ...]:
        """(statement, table, action) for every action of every ``ALTER TABLE`` on a table
        this migration did not create before the statement (read by several rules)."""
        return tuple(
            (statement, alter.table, action)
            for statement in self.statements
            if (alter := statement.alter_table) is not None
            and not self.is_new_table(alter.table, statement)
            for action in alter.actions
        )

    @cached_property
    def column_definitions(self) -> tuple[tuple[LintStatement, str, str, str, str], ...]:
        """(statement, table, column, TYPE, masked definition) of every column the file's
        statements define or retype, in order (see :attr:`LintStatement.columns`)."""
        return tuple(
            (statement, *definition)
            for statement in self.statements
            for definition in statement.columns
        )

    def is_new_table(self, table: str, statement: LintStatement) -> bool:
        """True when ``table`` was created by this migration before ``statement``."""
        created = self.created_tables.get(table)
        return created is not None and created < statement.index

    def is_new_column(self, table: str, column: str, statement: LintStatement) -> bool:
        """True when the table or the column was created by this migration before ``statement``."""
        if self.is_new_table(table, statement):
            return True
        added = self.added_columns.get((table, column))
        return added is not None and added < statement.index

    def is_new_index(self, name: str, statement: LintStatement) -> bool:
        """True when the index, or its table, was created by this migration before ``statement``."""
        created = self.created_indexes.get(name)
        if created is not None and created < statement.index:
            return True
        table = self.index_tables.get(name)
        return table is not None and self.is_new_table(table, statement)


_ALTER_TYPE = re.compile(
    rf"^ALTER\s+(?:COLUMN\s+)?({QNAME})\s+(?:SET\s+DATA\s+)?TYPE\s+(.*)$", re.IGNORECASE | re.DOTALL
)
_ADD_COLUMN_DEF = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)(.*)$",
    re.IGNORECASE | re.DOTALL,
)


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


def analyze(
    path: str,
    statements: list[Statement],
    *,
    direction: str = "sql",
    migration: str | None = None,
    run_in_transaction: bool = False,
    postgres_version: int = 16,
    before: LintFile | None = None,
    lost_requirements: tuple[tuple[str, str, str], ...] = (),
    reversal_diff: tuple[str, ...] = (),
    column_types: Mapping[tuple[str, str], str] | None = None,
) -> LintFile:
    """Build the lint model of one file. ``before`` is the up.sql model when this is its down.sql."""
    created_tables: dict[str, int] = {}
    added_columns: dict[tuple[str, str], int] = {}
    created_indexes: dict[str, int] = {}
    index_tables: dict[str, str] = {}
    if before is not None:
        created_tables.update(dict.fromkeys(before.created_tables, -1))
        added_columns.update(dict.fromkeys(before.added_columns, -1))
        created_indexes.update(dict.fromkeys(before.created_indexes, -1))
        index_tables.update(before.index_tables)
    timeouts: dict[str, int] = {}
    validated: dict[str, int] = {}
    events: list[tuple[int, str]] = []
    in_tx = run_in_transaction
    explicit_begin: int | None = None
    items: list[LintStatement] = []
    for index, statement in enumerate(statements):
        masked = mask(statement.text)
        head = masked[:40].upper()
        if _BEGIN.match(head):
            if in_tx:
                events.append(
                    (
                        index,
                        "BEGIN inside a transaction that is already open"
                        + (
                            " (the migration runs in a transaction)"
                            if explicit_begin is None
                            else ""
                        ),
                    )
                )
            explicit_begin = index
            in_tx = True
        elif _END.match(head):
            if explicit_begin is None and in_tx:
                events.append(
                    (index, "COMMIT/ROLLBACK ends the migration runner's own transaction early")
                )
            explicit_begin = None
            in_tx = False
        item = LintStatement(
            index=index,
            text=statement.text,
            masked=masked,
            line=statement.line,
            end_line=statement.end_line,
            in_transaction=in_tx,
            leading_comments=statement.leading_comments,
        )
        items.append(item)
        if head.startswith("SET"):
            match = _SET_TIMEOUT.match(masked)
            if match:
                timeouts.setdefault(match.group(1).lower(), index)
            continue
        table = item.created_table
        if table is not None:
            created_tables.setdefault(table, index)
            continue
        index_parts = item.create_index
        if index_parts is not None:
            if index_parts.name:
                created_indexes.setdefault(index_parts.name, index)
                index_tables.setdefault(index_parts.name, index_parts.table)
            continue
        alter = item.alter_table
        if alter is not None:
            for action in alter.actions:
                if action[:8].upper() == "VALIDATE":
                    validated.setdefault(alter.table, index)
                    continue
                added = _ADD_COLUMN.match(action)
                if added:
                    added_columns.setdefault((alter.table, base_name(added.group(2))), index)
                    continue
                renamed = _RENAME_TABLE.match(action)
                if renamed and alter.table in created_tables:
                    created_tables.setdefault(base_name(renamed.group(1)), index)
    if explicit_begin is not None:
        events.append((explicit_begin, "BEGIN without a matching COMMIT"))
    return LintFile(
        path=path,
        statements=tuple(items),
        direction=direction,
        migration=migration,
        run_in_transaction=run_in_transaction,
        postgres_version=postgres_version,
        created_tables=created_tables,
        added_columns=added_columns,
        created_indexes=created_indexes,
        index_tables=index_tables,
        validated=validated,
        timeouts=timeouts,
        transaction_events=tuple(events),
        up_tables=frozenset(before.created_tables) if before is not None else frozenset(),
        lost_requirements=lost_requirements,
        reversal_diff=reversal_diff,
        column_types=column_types or {},
    )

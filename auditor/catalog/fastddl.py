"""The common DDL statements read with regular expressions instead of sqlglot.

Most statements of a migration history take a handful of shapes: ``ALTER TABLE t ADD
COLUMN c integer NOT NULL``, ``ALTER TABLE t ALTER COLUMN c SET NOT NULL``, a foreign
key, a ``CREATE TABLE``, a ``CREATE INDEX``, a rename, a drop. Parsing them with sqlglot
and then walking the tree costs several times what recognizing them does.
:func:`read_common` returns a small record for those shapes, with names already folded
as PostgreSQL folds them, and the static builder applies it through the same steps as
the tree of the same statement. sqlglot still parses what a record holds that is an
expression (a check, an index expression or predicate; types and literal defaults once
per spelling). Anything else returns ``None`` and goes to sqlglot: comments inside the
statement, expressions where a literal is expected, options this module does not
know, and names that sqlglot reads as keywords (so that both paths read every
statement they accept the same way). ``tests/catalog/static/test_fastddl.py`` builds every
test corpus both ways, plus respelled ones, and requires identical models.

The records are named tuples: one is built for nearly every statement, and a tuple is
several times cheaper to build than a frozen dataclass.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.catalog.names import clip_bytes
from auditor.catalog.normalize import normalize_identifier
from auditor.catalog.pgsql import KEYWORDS, parse
from auditor.sql.ident import ASCII_IDENT, ASCII_WORD
from auditor.sql.split import Unbalanced, paren_end, split_top_level

_ID = ASCII_IDENT
_QN = rf"{_ID}(?:\s*\.\s*{_ID})?"
_IDS = rf"\(\s*({_ID}(?:\s*,\s*{_ID})*)\s*\)"
_TYPE = (
    r"(?:double\s+precision|character\s+varying|bit\s+varying"
    rf"|(?:{ASCII_WORD}\.)?{ASCII_WORD})"
    r"(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?"
    r"(?:\s+with(?:out)?\s+time\s+zone)?"
    r"(?:\s*\[\s*\])*"
)
_LITERAL = (
    rf"(?:-?\d+(?:\.\d+)?|'(?:[^'\\]|'')*'(?:::{ASCII_WORD})?"
    r"|true|false|null|now\(\)|current_timestamp|current_date)"
)
_BEHAVIOUR = r"(?:CASCADE|RESTRICT)"
_REF_ACTION = r"(?:CASCADE|RESTRICT|NO\s+ACTION|SET\s+NULL|SET\s+DEFAULT)"


def _rx(pattern: str) -> re.Pattern[str]:
    """``pattern`` case-insensitive and ASCII-only: with Unicode matching ``[A-Za-z]``
    also takes the Kelvin sign or a dotted capital I, and ``\\s`` a no-break space,
    which PostgreSQL reads as letters of a name."""
    return re.compile(pattern, re.IGNORECASE | re.DOTALL | re.ASCII)


_ALTER_TABLE = _rx(rf"ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?(ONLY\s+)?({_QN})\s+(.+)")
_ADD_COLUMN = _rx(r"ADD\s+(?:COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?(.*)")
_ALTER_COLUMN = _rx(
    rf"ALTER\s+(?:COLUMN\s+)?({_ID})\s+(?:(SET\s+NOT\s+NULL)|(DROP\s+NOT\s+NULL)|(DROP\s+DEFAULT)"
    rf"|SET\s+DEFAULT\s+({_LITERAL})|(?:SET\s+DATA\s+)?TYPE\s+({_TYPE}))"
)
_RENAME_COLUMN = _rx(rf"RENAME\s+(?:COLUMN\s+)?({_ID})\s+TO\s+({_ID})")
_RENAME_TABLE = _rx(rf"RENAME\s+TO\s+({_ID})")
_DROP_CONSTRAINT = _rx(rf"DROP\s+CONSTRAINT\s+(IF\s+EXISTS\s+)?({_ID})(?:\s+({_BEHAVIOUR}))?")
_DROP_COLUMN = _rx(rf"DROP\s+(?:COLUMN\s+)?(IF\s+EXISTS\s+)?({_ID})(?:\s+({_BEHAVIOUR}))?")
_ADD_FOREIGN_KEY = _rx(
    rf"ADD\s+(?:CONSTRAINT\s+({_ID})\s+)?FOREIGN\s+KEY\s*{_IDS}\s*REFERENCES\s+({_QN})"
    rf"(?:\s*{_IDS})?((?:\s+ON\s+(?:DELETE|UPDATE)\s+{_REF_ACTION})*)(\s+NOT\s+VALID)?"
)
_REF_OPTION = _rx(rf"\s+(ON\s+(?:DELETE|UPDATE)\s+{_REF_ACTION})")
_ADD_CHECK = _rx(rf"ADD\s+(?:CONSTRAINT\s+({_ID})\s+)?CHECK\s*\(")
_NOT_VALID = _rx(r"\s*(NOT\s+VALID)?")
_ADD_KEY = _rx(rf"ADD\s+(?:CONSTRAINT\s+({_ID})\s+)?(UNIQUE|PRIMARY\s+KEY)\s*{_IDS}")
_CREATE_INDEX = _rx(
    rf"CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?(?:(?!ON\b)({_ID})\s+)?"
    rf"ON\s+({_QN})\s*(?:USING\s+([A-Za-z_]+)\s*)?\("
)
_INDEX_KEY = _rx(rf"(?:({_ID})|({ASCII_WORD}\s*\(.*\))|\((.*)\))(?:\s+(ASC|DESC))?")
_INDEX_TAIL = _rx(r"\s*(?:WHERE\s+(.+))?")
_DROP = _rx(
    rf"DROP\s+(TABLE|INDEX)\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?({_QN}(?:\s*,\s*{_QN})*)"
    rf"(?:\s+({_BEHAVIOUR}))?"
)
_ALTER_INDEX = _rx(rf"ALTER\s+INDEX\s+(IF\s+EXISTS\s+)?({_QN})\s+RENAME\s+TO\s+({_ID})")
_CREATE_TABLE = _rx(rf"CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?({_QN})\s*\((.*)\)")
_COLUMN_HEAD = _rx(rf"({_ID})\s+({_TYPE})")
_COLUMN_CONSTRAINT = _rx(
    rf"\s+(?:CONSTRAINT\s+({_ID})\s+)?(?:(NOT\s+NULL)|(NULL)|DEFAULT\s+({_LITERAL})"
    r"|(PRIMARY\s+KEY)|(UNIQUE)|GENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY"
    rf"|REFERENCES\s+({_QN})(?:\s*{_IDS})?((?:\s+ON\s+(?:DELETE|UPDATE)\s+{_REF_ACTION})*)"
    r"|(CHECK)\s*\()"
)
_TABLE_CONSTRAINT = _rx(
    rf"(?:CONSTRAINT\s+({_ID})\s+)?(?:(PRIMARY\s+KEY|UNIQUE)\s*{_IDS}"
    rf"|FOREIGN\s+KEY\s*{_IDS}\s*REFERENCES\s+({_QN})(?:\s*{_IDS})?"
    rf"((?:\s+ON\s+(?:DELETE|UPDATE)\s+{_REF_ACTION})*)|(CHECK)\s*\()"
)
_NAME = re.compile(_ID, re.ASCII)
_HEAD = re.compile(r"([A-Za-z]+)\s+([A-Za-z]+)", re.ASCII)
_QNAME = re.compile(_QN, re.ASCII)
_COMMA = re.compile(r"\s*,\s*", re.ASCII)
_BLANK = " \t\n\r\f\v"
"""The blank space ``\\s`` means under ``re.ASCII`` (``str.strip`` takes any Unicode space)."""


# ---- what a common statement says


class Name(NamedTuple):
    """A possibly schema-qualified name, folded, and as written (for messages)."""

    schema: str | None
    name: str
    shown: str


class Reference(NamedTuple):
    """``REFERENCES table [(columns)] [ON DELETE ...] [ON UPDATE ...]``."""

    table: Name
    columns: tuple[str, ...]
    options: tuple[str, ...]


class Constraint(NamedTuple):
    """A column or table constraint of a CREATE TABLE."""

    kind: str
    """``not null``, ``null``, ``default``, ``primary key``, ``unique``, ``identity``,
    ``references``, ``check`` (column), or ``primary key``, ``unique``, ``foreign key``,
    ``check`` (table)."""
    name: str | None = None
    text: str = ""
    """The literal of a default, ``always``/``by default`` for an identity."""
    columns: tuple[str, ...] = ()
    reference: Reference | None = None
    expression: exp.Expr | None = None
    """A check's expression, as sqlglot parses it (a fresh tree for every read)."""


class ColumnSpec(NamedTuple):
    name: str
    type_text: str
    """The type as written; the builder reads it with sqlglot (cached per spelling)."""
    constraints: tuple[Constraint, ...]


class AddColumn(NamedTuple):
    column: ColumnSpec
    if_not_exists: bool


class AlterColumn(NamedTuple):
    column: str
    not_null: bool | None = None
    """True for SET NOT NULL, False for DROP NOT NULL."""
    drop_default: bool = False
    default: str | None = None
    """The literal of SET DEFAULT."""
    type_text: str | None = None


class Rename(NamedTuple):
    old: str | None
    """The column renamed; ``None`` renames the table."""
    new: str


class DropFromTable(NamedTuple):
    kind: str
    """``COLUMN`` or ``CONSTRAINT``."""
    name: str
    missing_ok: bool
    cascade: bool


class AddForeignKey(NamedTuple):
    name: str | None
    columns: tuple[str, ...]
    ref: Name
    ref_columns: tuple[str, ...]
    options: tuple[str, ...]
    """``ON DELETE CASCADE`` and the like, upper case, single-spaced."""
    not_valid: bool


class AddCheck(NamedTuple):
    name: str | None
    expression: exp.Expr
    not_valid: bool


class AddKey(NamedTuple):
    name: str | None
    columns: tuple[str, ...]
    primary: bool


Action = AddColumn | AlterColumn | Rename | DropFromTable | AddForeignKey | AddKey | AddCheck


class AlterTable(NamedTuple):
    table: Name
    missing_ok: bool
    action: Action


class CreateIndex(NamedTuple):
    name: str | None
    table: Name
    unique: bool
    if_not_exists: bool
    method: str
    keys: tuple[tuple[str | exp.Expr, bool, str], ...]
    """Column (or expression), whether it is descending, and the text it was read from."""
    predicate: exp.Expr | None


class DropObjects(NamedTuple):
    kind: str
    """``TABLE`` or ``INDEX``."""
    names: tuple[Name, ...]
    missing_ok: bool
    cascade: bool


class RenameIndex(NamedTuple):
    target: Name
    missing_ok: bool
    new: str


class CreateTable(NamedTuple):
    table: Name
    if_not_exists: bool
    elements: tuple[ColumnSpec | Constraint, ...]


Common = AlterTable | CreateIndex | CreateTable | DropObjects | RenameIndex


class _NotCommon(Exception):
    """The statement is not one of the common forms (or names a keyword): use sqlglot."""


def read_common(text: str) -> Common | None:
    """What ``text`` does, when it is one of the common forms; else ``None``."""
    if "--" in text or "/*" in text:
        return None  # comments stay with sqlglot's reading
    head = _HEAD.match(text)
    if head is None:
        return None
    verb, noun = head.group(1).upper(), head.group(2).upper()
    try:
        if verb == "ALTER":
            if noun == "TABLE":
                return _alter_table(text)
            return _alter_index(text) if noun == "INDEX" else None
        if verb == "CREATE":
            return _create_table(text) if noun == "TABLE" else _create_index(text)
        if verb == "DROP":
            return _drop(text)
    except _NotCommon:
        return None
    return None


# ---- ALTER TABLE


def _alter_table(text: str) -> AlterTable | None:
    m = _ALTER_TABLE.fullmatch(text)
    if m is None:
        return None
    rest = m.group(4)
    action = _action(rest[:5].upper(), rest)
    if action is None:
        return None
    return AlterTable(_qname(m.group(3)), bool(m.group(1)), action)


def _action(head: str, rest: str) -> Action | None:
    if head.startswith("ADD"):
        return _add_foreign_key(rest) or _add_key(rest) or _add_check(rest) or _add_column(rest)
    if head.startswith("ALTER"):
        return _alter_column(rest)
    if head.startswith("RENAM"):
        return _rename(rest)
    if head.startswith("DROP"):
        return _drop_from_table(rest)
    return None


def _add_column(rest: str) -> AddColumn | None:
    m = _ADD_COLUMN.fullmatch(rest)
    if m is None:
        return None
    return AddColumn(_column_spec(m.group(2)), bool(m.group(1)))


def _alter_column(rest: str) -> AlterColumn | None:
    m = _ALTER_COLUMN.fullmatch(rest)
    if m is None:
        return None
    column = _fold(m.group(1))
    if m.group(2):
        return AlterColumn(column, not_null=True)
    if m.group(3):
        return AlterColumn(column, not_null=False)
    if m.group(4):
        return AlterColumn(column, drop_default=True)
    if m.group(5):
        return AlterColumn(column, default=m.group(5))
    return AlterColumn(column, type_text=m.group(6))


def _rename(rest: str) -> Rename | None:
    m = _RENAME_COLUMN.fullmatch(rest)
    if m is not None:
        return Rename(_fold(m.group(1)), _fold(m.group(2)))
    m = _RENAME_TABLE.fullmatch(rest)
    if m is not None:
        return Rename(None, _fold(m.group(1)))
    return None


def _drop_from_table(rest: str) -> DropFromTable | None:
    m = _DROP_CONSTRAINT.fullmatch(rest)
    kind = "CONSTRAINT"
    if m is None:
        m = _DROP_COLUMN.fullmatch(rest)
        kind = "COLUMN"
    if m is None:
        return None
    cascade = (m.group(3) or "").upper() == "CASCADE"
    return DropFromTable(kind, _fold(m.group(2)), bool(m.group(1)), cascade)


def _add_foreign_key(rest: str) -> AddForeignKey | None:
    m = _ADD_FOREIGN_KEY.fullmatch(rest)
    if m is None:
        return None
    options = tuple(" ".join(o.group(1).upper().split()) for o in _all_of(_REF_OPTION, m.group(5)))
    return AddForeignKey(
        _fold(m.group(1)) if m.group(1) else None,
        _names(m.group(2)),
        _qname(m.group(3)),
        _names(m.group(4)) if m.group(4) else (),
        options,
        bool(m.group(6)),
    )


def _add_check(rest: str) -> AddCheck | None:
    m = _ADD_CHECK.match(rest)
    if m is None:
        return None
    text, end = _parenthesized(rest, m.end())
    tail = _NOT_VALID.fullmatch(rest, end)
    if tail is None:
        raise _NotCommon(rest)
    name = _fold(m.group(1)) if m.group(1) else None
    return AddCheck(name, _expression(text), bool(tail.group(1)))


def _add_key(rest: str) -> AddKey | None:
    m = _ADD_KEY.fullmatch(rest)
    if m is None:
        return None
    name = _fold(m.group(1)) if m.group(1) else None
    return AddKey(name, _names(m.group(3)), m.group(2).upper() != "UNIQUE")


# ---- CREATE TABLE


def _create_table(text: str) -> CreateTable | None:
    m = _CREATE_TABLE.fullmatch(text)
    if m is None:
        return None
    elements: list[ColumnSpec | Constraint] = []
    for element in _split_elements(m.group(3)):
        constraint = _table_constraint(element)
        elements.append(constraint if constraint is not None else _column_spec(element))
    return CreateTable(_qname(m.group(2)), bool(m.group(1)), tuple(elements))


def _split_elements(body: str) -> list[str]:
    """``body`` cut at its top-level commas (not in parentheses, strings or quoted names)."""
    try:
        return [part.strip(_BLANK) for part in split_top_level(body, strict=True)]
    except Unbalanced:
        raise _NotCommon(body) from None


def _column_spec(element: str) -> ColumnSpec:
    m = _COLUMN_HEAD.match(element)
    if m is None:
        raise _NotCommon(element)
    constraints: list[Constraint] = []
    pos = m.end()
    while pos < len(element):
        c = _COLUMN_CONSTRAINT.match(element, pos)
        if c is None:
            raise _NotCommon(element)
        pos = c.end()
        name = _fold(c.group(1)) if c.group(1) else None
        if c.group(2) or c.group(3):
            constraints.append(Constraint("not null" if c.group(2) else "null", name))
        elif c.group(4):
            constraints.append(Constraint("default", name, c.group(4)))
        elif c.group(5) or c.group(6):
            constraints.append(Constraint("primary key" if c.group(5) else "unique", name))
        elif c.group(7):
            always = c.group(7).upper() == "ALWAYS"
            constraints.append(Constraint("identity", name, "always" if always else "by default"))
        elif c.group(8):
            constraints.append(
                Constraint(
                    "references", name, reference=_reference(c.group(8), c.group(9), c.group(10))
                )
            )
        else:
            expression, pos = _parenthesized(element, pos)
            constraints.append(Constraint("check", name, expression=_expression(expression)))
    return ColumnSpec(_fold(m.group(1)), m.group(2), tuple(constraints))


def _table_constraint(element: str) -> Constraint | None:
    m = _TABLE_CONSTRAINT.match(element)
    if m is None:
        return None
    name = _fold(m.group(1)) if m.group(1) else None
    if m.group(2):
        if m.end() != len(element):
            raise _NotCommon(element)
        kind = "unique" if m.group(2).upper() == "UNIQUE" else "primary key"
        return Constraint(kind, name, columns=_names(m.group(3)))
    if m.group(4):
        if m.end() != len(element):
            raise _NotCommon(element)
        reference = _reference(m.group(5), m.group(6), m.group(7))
        return Constraint("foreign key", name, columns=_names(m.group(4)), reference=reference)
    expression, end = _parenthesized(element, m.end())
    if end != len(element):
        raise _NotCommon(element)
    return Constraint("check", name, expression=_expression(expression))


def _expression(text: str) -> exp.Expr:
    """sqlglot's tree of a check expression (read in context, it is the same tree)."""
    try:
        trees = parse(text)
    except SqlglotError:
        raise _NotCommon(text) from None
    if len(trees) != 1 or trees[0] is None:
        raise _NotCommon(text)
    return trees[0]


def _reference(table: str, columns: str | None, options: str) -> Reference:
    actions = tuple(" ".join(o.group(1).upper().split()) for o in _all_of(_REF_OPTION, options))
    return Reference(_qname(table), _names(columns) if columns else (), actions)


def _parenthesized(text: str, start: int) -> tuple[str, int]:
    """The text inside the parenthesis opened just before ``start``, and the position
    after its closing parenthesis."""
    close = paren_end(text, start - 1)
    if close is None:
        raise _NotCommon(text)
    return text[start:close].strip(_BLANK), close + 1


# ---- CREATE INDEX, DROP, ALTER INDEX


def _create_index(text: str) -> CreateIndex | None:
    m = _CREATE_INDEX.match(text)
    if m is None:
        return None
    inside, end = _parenthesized(text, m.end())
    tail = _INDEX_TAIL.fullmatch(text, end)
    if tail is None:
        return None
    keys: list[tuple[str | exp.Expr, bool, str]] = []
    for element in _split_elements(inside):
        k = _INDEX_KEY.fullmatch(element)
        if k is None:
            raise _NotCommon(element)
        source = k.group(2) or k.group(3) or ""
        key = _fold(k.group(1)) if k.group(1) else _index_expression(source)
        keys.append((key, (k.group(4) or "").upper() == "DESC", source))
    return CreateIndex(
        _fold(m.group(3)) if m.group(3) else None,
        _qname(m.group(4)),
        bool(m.group(1)),
        bool(m.group(2)),
        (m.group(5) or "btree").lower(),
        tuple(keys),
        _expression(tail.group(1)) if tail.group(1) else None,
    )


def _index_expression(text: str) -> str | exp.Expr:
    """An index key in parentheses: the column's name when it is only a column in
    parentheses (``(("code"))``, which PostgreSQL indexes as the column), else its tree."""
    tree = _expression(text)
    inner = tree
    while isinstance(inner, exp.Paren):
        inner = inner.this
    if isinstance(inner, exp.Column) and not inner.table:
        name = inner.this
        return clip_bytes(name.this) if name.quoted else _fold(name.this)
    return tree


def _drop(text: str) -> DropObjects | None:
    m = _DROP.fullmatch(text)
    if m is None or (m.group(2) and m.group(1).upper() != "INDEX"):
        return None
    names = tuple(_qname(n.group(0)) for n in _all_of(_QNAME, m.group(4), _COMMA))
    if m.group(2) and len(names) > 1:
        return None  # PostgreSQL drops one index at a time CONCURRENTLY
    cascade = (m.group(5) or "").upper() == "CASCADE"
    return DropObjects(m.group(1).upper(), names, bool(m.group(3)), cascade)


def _alter_index(text: str) -> RenameIndex | None:
    m = _ALTER_INDEX.fullmatch(text)
    if m is None:
        return None
    return RenameIndex(_qname(m.group(2)), bool(m.group(1)), _fold(m.group(3)))


# ---- names


def _fold(token: str) -> str:
    """A name as PostgreSQL folds it (sqlglot keywords are not taken as bare names)."""
    if not token.startswith('"') and token.lower() in KEYWORDS:
        raise _NotCommon(token)
    return clip_bytes(normalize_identifier(token))


def _names(text: str) -> tuple[str, ...]:
    return tuple(_fold(n) for n in _NAME.findall(text))


def _qname(text: str) -> Name:
    parts = _NAME.findall(text)
    shown = ".".join(parts)
    if len(parts) == 2:
        return Name(_fold(parts[0]), _fold(parts[1]), shown)
    return Name(None, _fold(parts[0]), shown)


def _all_of(
    pattern: re.Pattern[str], text: str, separator: re.Pattern[str] | None = None
) -> list[re.Match[str]]:
    """The matches of ``pattern`` that make up all of ``text`` (with ``separator``
    between them); anything left over means the statement is not a common form."""
    matches: list[re.Match[str]] = []
    pos = 0
    while pos < len(text):
        if matches and separator is not None:
            gap = separator.match(text, pos)
            if gap is None:
                raise _NotCommon(text)
            pos = gap.end()
        m = pattern.match(text, pos)
        if m is None or m.end() == pos:
            raise _NotCommon(text)
        matches.append(m)
        pos = m.end()
    return matches

"""The schema model from migration files alone: replay sqlglot ASTs, no database.

Each migration's up script is split into statements (:func:`split_statements`, which
keeps line numbers), each statement is parsed with sqlglot's PostgreSQL dialect and
replayed on a mutable catalog that follows PostgreSQL's own rules: unquoted names fold
to lower case, unnamed constraints and indexes get the names PostgreSQL would choose
(``users_email_key``, ``carts_user_id_fkey``, 63-byte truncation, ``key1`` suffixes on
collision), ``serial`` becomes an integer with a sequence default, types print as
``format_type`` prints them. The frozen result is an ordinary
:class:`~auditor.catalog.model.CatalogModel`, equal to the live one for the same files.

No silent gaps: a statement that cannot be modeled (a ``DO`` block, a function whose
body runs DDL, anything sqlglot only parses as a ``Command``, a statement it cannot
parse at all) becomes an :class:`Unmodeled` entry with file, line and first words,
and the run goes on. :meth:`StaticModel.uncertain` tells a rule whether a table may
differ from the model because of such a statement: a requirement on that table is then
*uncertain*, never passed.
"""

from __future__ import annotations

import functools
import gc
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.catalog.fastddl import (
    Action,
    AddCheck,
    AddColumn,
    AddForeignKey,
    AlterColumn,
    AlterTable,
    ColumnSpec,
    Common,
    CreateIndex,
    CreateTable,
    DropFromTable,
    DropObjects,
    Name,
    Reference,
    Rename,
    read_common,
)
from auditor.catalog.model import (
    CatalogModel,
    Check,
    Collation,
    Column,
    Domain,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    Origin,
    Table,
    Trigger,
)
from auditor.catalog.names import choose_name, clip_bytes, name_addition, quote_ident
from auditor.catalog.normalize import normalize_expr, normalize_identifier
from auditor.catalog.pgsql import parse, render
from auditor.core.collector import collector
from auditor.core.redact import redact_sql
from auditor.migrate.layouts import Migration, Script
from auditor.sql.split import SqlSyntaxError, Statement, split_statements

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # Command fallbacks are reported by us


def _parse_one(text: str) -> exp.Expr:
    """Parse one statement or expression with the PostgreSQL dialect."""
    trees = parse(text)
    if not trees or trees[0] is None:
        raise _Unsupported("empty statement")
    if len(trees) > 1:
        raise _Unsupported("more than one statement")
    tree: exp.Expr = trees[0]
    return tree


_IDENT = (
    r'(?:"(?:[^"]|"")+"'
    r"|[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)"
)
"""A quoted identifier, or an unquoted one: a letter, ``_`` or any character past ASCII,
then those, digits and ``$``. Spelled as the complement of the ASCII characters that
cannot appear: an explicit range up to U+FFFF costs 30 ms to compile per
case-insensitive pattern, which every run of the tool would pay."""
_QNAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?"
_TEXT_FORMS = re.compile(
    r"(SET|CREATE\s+(EXTENSION|COLLATION|DOMAIN|(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)|ROLE|POLICY)|"
    r"DROP\s+(EXTENSION|TRIGGER)|ALTER\s+(TYPE|TABLE|ROLE|DEFAULT)|GRANT|REVOKE|COMMENT|ANALYZE|VACUUM)\b",
    re.IGNORECASE,
)
"""Statements :meth:`StaticBuilder._apply_text` may handle; the rest go straight to sqlglot."""
_ALTER_TABLE_TEXT = re.compile(
    rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_QNAME})\s+(.+)", re.IGNORECASE
)
_DO_BLOCK = re.compile(r"DO(?:\s|\$|\Z)", re.IGNORECASE)
_TRANSACTION = re.compile(r"(?:BEGIN|COMMIT|START\s+TRANSACTION|END)\b", re.IGNORECASE)
_ALTER_TEXT_FORMS = re.compile(
    r"(ALTER\s+(COLUMN\s+)?\S+\s+ADD\s+GENERATED|VALIDATE|RENAME\s+CONSTRAINT|ENABLE|DISABLE|FORCE|NO\s+FORCE|OWNER|ADD\s+CHECK|"
    r"ADD\s+(CONSTRAINT\s+\S+\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX)\b",
    re.IGNORECASE,
)
_DDL_IN_BODY = re.compile(
    r"\b(?:CREATE|ALTER|DROP)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|DOMAIN|TYPE|SCHEMA)\b|\bEXECUTE\b",
    re.IGNORECASE,
)


_T = exp.DataType.Type
_SERIAL_TYPES = {_T.SERIAL: "integer", _T.BIGSERIAL: "bigint", _T.SMALLSERIAL: "smallint"}
_SIMPLE_TYPES = {
    _T.INT: "integer",
    _T.BIGINT: "bigint",
    _T.SMALLINT: "smallint",
    _T.TEXT: "text",
    _T.BOOLEAN: "boolean",
    _T.DATE: "date",
    _T.INTERVAL: "interval",
    _T.UUID: "uuid",
    _T.JSON: "json",
    _T.JSONB: "jsonb",
    _T.VARBINARY: "bytea",
    _T.FLOAT: "real",
    _T.INET: "inet",
    _T.MONEY: "money",
    _T.XML: "xml",
}
_TIME_TYPES = {
    _T.TIMESTAMP: ("timestamp", " without time zone"),
    _T.TIMESTAMPTZ: ("timestamp", " with time zone"),
    _T.TIME: ("time", " without time zone"),
    _T.TIMETZ: ("time", " with time zone"),
}


@dataclass(frozen=True)
class Unmodeled:
    """A statement the static builder could not replay: the model may differ from PostgreSQL."""

    file: str
    line: int
    first_words: str
    reason: str
    tables: tuple[str, ...] = ()
    """Qualified tables the statement names; empty when it could affect any table."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.first_words} ({self.reason})"


@dataclass(frozen=True)
class StaticModel:
    """The static catalog model plus what could not be modeled."""

    model: CatalogModel
    unmodeled: tuple[Unmodeled, ...] = ()
    statements: int = 0
    """Statements read in every up script."""
    files: int = 0
    """Up scripts read."""
    bytes: int = 0
    """Size of the SQL read."""

    @property
    def modeled(self) -> int:
        """Statements replayed (including those with no schema effect, such as INSERT)."""
        return self.statements - len(self.unmodeled)

    def uncertain_reasons(self, table: str) -> tuple[Unmodeled, ...]:
        """The unmodeled statements that could have changed ``table`` (``schema.table``)."""
        if "." not in table:
            table = f"public.{table}"
        return tuple(u for u in self.unmodeled if not u.tables or table in u.tables)

    def uncertain(self, table: str) -> bool:
        """True when a verdict on ``table`` could depend on an unmodeled statement."""
        return bool(self.uncertain_reasons(table))


class _Unsupported(Exception):
    """The statement cannot be modeled; the message is the reason."""


# --- mutable catalog -----------------------------------------------------------------


@dataclass
class _Col:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    identity: str | None = None
    generated: exp.Expr | None = None
    sequence: str | None = None
    origin: Origin | None = None


@dataclass
class _Key:
    expr: exp.Expr
    descending: bool = False
    opclass: str | None = None
    collation: str | None = None
    name: str | None = None
    """What PostgreSQL calls the key when it names the index (``FigureIndexColname``),
    from the expression as written."""


@dataclass
class _Index:
    name: str
    keys: list[_Key]
    unique: bool = False
    method: str = "btree"
    predicate: exp.Expr | None = None
    constraint: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    nulls_not_distinct: bool = False
    include: list[str] = field(default_factory=list)
    origin: Origin | None = None


@dataclass
class _Check:
    name: str
    expr: exp.Expr
    validated: bool = True
    origin: Origin | None = None


@dataclass
class _Fk:
    name: str
    columns: list[str]
    ref: _Table
    ref_columns: list[str]
    on_delete: str = "no action"
    on_update: str = "no action"
    validated: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    match: str = "simple"
    origin: Origin | None = None


@dataclass
class _Table:
    schema: str
    name: str
    columns: list[_Col] = field(default_factory=list)
    checks: dict[str, _Check] = field(default_factory=dict)
    indexes: dict[str, _Index] = field(default_factory=dict)
    fks: dict[str, _Fk] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    origin: Origin | None = None
    referenced_by: list[_Table] = field(default_factory=list)
    """Tables whose foreign keys reference this one (may hold stale entries)."""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def col(self, name: str) -> _Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise _Unsupported(f"column {name} of {self.qualified} is not known")

    def has_col(self, name: str) -> bool:
        return name in [c.name for c in self.columns]

    def primary_key_name(self) -> str | None:
        return next((n for n, i in self.indexes.items() if i.constraint == "primary key"), None)


@dataclass
class _Domain:
    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    checks: dict[str, _Check] = field(default_factory=dict)
    origin: Origin | None = None


# --- the builder ---------------------------------------------------------------------


class StaticBuilder:
    """Replays statements on an in-memory catalog following PostgreSQL's rules."""

    def __init__(self, root: Path | None = None, search_path: Sequence[str] = ("public",)) -> None:
        self.root = root
        self.schemas: set[str] = {"public", *search_path}
        self.tables: dict[tuple[str, str], _Table] = {}
        self.relnames: dict[str, set[str]] = {}
        """Names in pg_class per schema: tables, indexes, sequences, views."""
        self.connames: dict[str, dict[str, int]] = {}
        """Constraint names per schema, with a use count."""
        self.domains: dict[tuple[str, str], _Domain] = {}
        self.enums: dict[tuple[str, str], list[str]] = {}
        self.enum_origin: dict[tuple[str, str], Origin] = {}
        self.extensions: set[str] = set()
        self.collations: dict[tuple[str, str], Collation] = {}
        self.search_path: list[str] = list(search_path)
        self.ddl_functions: set[str] = set()
        self.unmodeled: list[Unmodeled] = []
        self.statements = 0
        self.files = 0
        self.bytes = 0
        self._file = ""
        self._line = 0

    # ---- entry points

    def add_migrations(self, migrations: Iterable[Migration]) -> None:
        # The model keeps thousands of objects alive; automatic collections would
        # traverse them again and again. Only the youngest generation is collected,
        # every 100 files: the statements' garbage (sqlglot trees are cycles) is freed,
        # and the survivors wait in the middle generation, so the first automatic
        # collection afterwards looks at what the build made, not at every object of
        # the process.
        with collector(on=False):
            for n, migration in enumerate(migrations, 1):
                self.add_script(migration.up)
                if n % 100 == 0:
                    gc.collect(0)

    def add_script(self, script: Script) -> None:
        self.files += 1
        self.bytes += len(script.text.encode())
        self.add_sql(script.text, self._display(script.path), script.first_line)

    def add_sql(self, text: str, file: str, first_line: int = 1) -> None:
        """Replay every statement of ``text``; never raises for bad SQL."""
        self._file = file
        saved_path = list(self.search_path)
        try:
            statements = split_statements(text)
        except SqlSyntaxError as exc:
            # The file cannot be split past the bad token: keep what precedes it.
            statements = _split_prefix(text, exc.line)
            self.statements += 1
            self.unmodeled.append(
                Unmodeled(
                    file,
                    first_line - 1 + exc.line,
                    _first_words(text.splitlines()[exc.line - 1] if text else ""),
                    f"cannot split SQL: {exc}",
                )
            )
        for statement in statements:
            self.statements += 1
            self._line = first_line - 1 + statement.line
            self._replay(statement)
        if self._local_path:
            self.search_path = saved_path
            self._local_path = False

    _local_path = False

    def _display(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def _origin(self) -> Origin:
        """Where the current statement is (one shared record per statement)."""
        origin = self._last_origin
        if origin is None or origin.line != self._line or origin.file != self._file:
            origin = self._last_origin = Origin(self._file, self._line)
        return origin

    _last_origin: Origin | None = None

    def _replay(self, statement: Statement, tree: exp.Expr | None = None) -> None:
        try:
            self._apply(statement, tree)
        except _Unsupported as exc:
            self._unmodeled(statement, str(exc))
        except (SqlglotError, ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            self._unmodeled(statement, f"cannot model: {type(exc).__name__}: {exc}")

    def _unmodeled(self, statement: Statement, reason: str) -> None:
        self.unmodeled.append(
            Unmodeled(
                self._file,
                self._line,
                statement.first_words,
                reason.splitlines()[0][:200] if reason else "unmodeled",
                self._mentioned_tables(statement.text),
            )
        )

    def _mentioned_tables(self, text: str) -> tuple[str, ...]:
        words = {w.lower() for w in re.findall(r"[A-Za-z_][\w$]*", text)}
        words |= {w.replace('""', '"') for w in re.findall(r'"((?:[^"]|"")+)"', text)}
        return tuple(sorted(t.qualified for t in self.tables.values() if t.name in words))

    # ---- dispatch

    def _apply(self, statement: Statement, parsed: exp.Expr | None = None) -> None:
        text = statement.text
        if _DO_BLOCK.match(text):
            raise _Unsupported("DO block: its effect is not modeled")
        if _TRANSACTION.match(text):
            return
        if parsed is None:
            # The common forms, read without sqlglot (none of them is a text form).
            common = read_common(text)
            if common is not None:
                self._apply_common(common)
                return
        if _TEXT_FORMS.match(text) and self._apply_text(text):
            return
        try:
            tree = parsed if parsed is not None else _parse_one(text)
        except SqlglotError as exc:
            raise _Unsupported(f"sqlglot cannot parse it: {str(exc).splitlines()[0]}") from None
        if tree is None:
            return
        self._apply_tree(tree, text)

    def _apply_common(self, op: Common) -> None:
        """Apply what :func:`read_common` read, through the same steps as its tree."""
        if isinstance(op, AlterTable):
            table = self._lookup_table(op.table.schema, op.table.name)
            if table is None:
                if op.missing_ok:
                    return
                raise _Unsupported(f"table {op.table.shown} is not known")
            self._apply_action(table, op.action)
        elif isinstance(op, CreateIndex):
            keys = [
                _Key(exp.Column(this=exp.Identifier(this=key, quoted=True)), descending, name=key)
                if isinstance(key, str)
                else _expression_key(key, descending, source)
                for key, descending, source in op.keys
            ]
            index = _Index(
                op.name or "", keys, unique=op.unique, method=op.method, predicate=op.predicate
            )
            self._add_index(self._known_table(op.table), index, op.if_not_exists)
        elif isinstance(op, CreateTable):
            self._create_table_spec(op)
        elif isinstance(op, DropObjects):
            for name in op.names:
                self._drop_relation(op.kind, name, op.missing_ok, op.cascade)
        else:
            found = self._lookup_index(op.target.schema, op.target.name)
            if found is None:
                if op.missing_ok:
                    return
                raise _Unsupported(f"index {op.target.shown} is not known")
            self._rename_index(*found, op.new)

    def _apply_action(self, table: _Table, action: Action) -> None:
        if isinstance(action, AddColumn):
            pending = _Pending()
            self._column_spec(table, action.column, action.if_not_exists, pending, creating=False)
            self._reserve_sequences(table, pending.new_columns)
            self._finish(table, pending, creating=False)
        elif isinstance(action, AlterColumn):
            col = table.col(action.column)
            if action.type_text is not None:
                self._set_type(col, _type_node(action.type_text), None)
            elif action.not_null is not None:
                self._set_not_null(table, col, action.not_null)
            elif action.drop_default:
                col.default = None
            else:
                col.default = self._stored_default(col, _default_text(action.default or ""))
        elif isinstance(action, Rename):
            if action.old is None:
                self._rename_table(table, action.new)
            else:
                self._rename_column(table, action.old, action.new)
        elif isinstance(action, DropFromTable):
            self._drop_from_table(
                table, action.kind, action.name, action.missing_ok, action.cascade
            )
        elif isinstance(action, AddForeignKey):
            ref = Reference(action.ref, action.ref_columns, action.options)
            fk = (action.name, list(action.columns), ref, not action.not_valid)
            self._finish(table, _Pending(fks=[fk]), creating=False)
        elif isinstance(action, AddCheck):
            check = (action.name, action.expression, not action.not_valid)
            self._finish(table, _Pending(checks=[check]), creating=False)
        else:
            kind = "primary key" if action.primary else "unique"
            spec = _IndexSpec(action.name, list(action.columns), kind)
            self._finish(table, _Pending(indexes=[spec]), creating=False)

    def _apply_tree(self, tree: exp.Expr, text: str) -> None:
        if isinstance(tree, exp.Create):
            kind = (tree.args.get("kind") or "").upper()
            if kind == "TABLE":
                self._create_table(tree)
            elif kind == "INDEX":
                self._create_index(tree, text)
            elif kind == "TYPE":
                self._create_type(tree)
            elif kind == "SCHEMA":
                self.schemas.add(_fold_id(tree.this.args.get("db") or tree.this.this))
            elif kind == "TRIGGER":
                self._create_trigger(tree)
            elif kind in ("VIEW", "SEQUENCE"):
                schema, name = self._target(tree.this.this if kind == "VIEW" else tree.this)
                self._rel(schema).add(name)
            elif kind in ("FUNCTION", "PROCEDURE"):
                self._create_function(tree, text)
            else:
                raise _Unsupported(f"CREATE {kind} is not modeled")
        elif isinstance(tree, exp.Alter):
            kind = (tree.args.get("kind") or "").upper()
            if kind == "TABLE":
                self._alter_table(tree)
            elif kind == "INDEX":
                self._alter_index(tree)
            else:
                raise _Unsupported(f"ALTER {kind} is not modeled")
        elif isinstance(tree, exp.Drop):
            self._drop(tree)
        elif isinstance(tree, exp.Select):
            called = {
                f.name.lower() for f in tree.find_all(exp.Anonymous) if isinstance(f.name, str)
            }
            if called & self.ddl_functions:
                raise _Unsupported("calls a function whose body runs DDL")
        elif isinstance(
            tree, exp.Comment | exp.Insert | exp.Update | exp.Delete | exp.Grant | exp.Revoke
        ):
            return
        elif isinstance(tree, exp.Command):
            raise _Unsupported("sqlglot parses it only as an opaque command")
        else:
            raise _Unsupported(f"{type(tree).__name__} statement is not modeled")

    # ---- statements sqlglot parses as Command: handled from the text

    def _apply_text(self, text: str) -> bool:
        flat = " ".join(text.split())
        # First: the most common form, and no other pattern below can match it.
        m = _ALTER_TABLE_TEXT.fullmatch(flat)
        if m:
            return self._alter_table_text(m.group(1), m.group(2))
        m = re.fullmatch(
            r"SET\s+(?:(SESSION|LOCAL)\s+)?search_path\s*(?:TO|=)\s*(.+)", flat, re.IGNORECASE
        )
        if m:
            items = [s.strip() for s in m.group(2).split(",")]
            path = []
            for item in items:
                item = item.strip("'") if item.startswith("'") else item
                if item.lower() in ("default",):
                    path = ["public"]
                    break
                if item != "$user" and item != '"$user"':
                    path.append(_fold_text(item))
            self.search_path = path or ["public"]
            if (m.group(1) or "").upper() == "LOCAL":
                self._local_path = True
            return True
        m = re.fullmatch(
            rf"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT}).*", flat, re.IGNORECASE
        )
        if m:
            self.extensions.add(_fold_text(m.group(1)))
            return True
        m = re.fullmatch(
            rf"DROP\s+EXTENSION\s+(?:IF\s+EXISTS\s+)?({_IDENT})(?:\s+CASCADE|\s+RESTRICT)?",
            flat,
            re.IGNORECASE,
        )
        if m:
            self.extensions.discard(_fold_text(m.group(1)))
            return True
        m = re.fullmatch(
            rf"CREATE\s+COLLATION\s+(IF\s+NOT\s+EXISTS\s+)?({_QNAME})\s*\((.*)\)", flat, re.I
        )
        if m:
            self._create_collation(m.group(2), m.group(3), bool(m.group(1)))
            return True
        m = re.fullmatch(
            rf"DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?({_IDENT})\s+ON\s+({_QNAME})(?:\s+CASCADE|\s+RESTRICT)?",
            flat,
            re.IGNORECASE,
        )
        if m:
            table = self._table(m.group(3))
            trigger = _fold_text(m.group(2))
            if trigger not in table.triggers and not m.group(1):
                raise _Unsupported(f"trigger {trigger} on {table.qualified} is not known")
            table.triggers.pop(trigger, None)
            return True
        if re.match(r"CREATE\s+DOMAIN\b", flat, re.IGNORECASE):
            self._create_domain(flat)
            return True
        m = re.fullmatch(
            rf"ALTER\s+TYPE\s+({_QNAME})\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'"
            rf"(?:\s+(BEFORE|AFTER)\s+'((?:[^']|'')*)')?",
            flat,
            re.IGNORECASE,
        )
        if m:
            key = self._lookup_type(m.group(1))
            labels = self.enums[key]
            label = m.group(3).replace("''", "'")
            if label in labels:
                if m.group(2):
                    return True
                raise _Unsupported(f"enum label {label!r} already exists")
            if m.group(4):
                other = labels.index(m.group(5).replace("''", "'"))
                labels.insert(other if m.group(4).upper() == "BEFORE" else other + 1, label)
            else:
                labels.append(label)
            return True
        m = re.fullmatch(
            r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+(\S+?)\s*\(.*",
            flat,
            re.IGNORECASE | re.DOTALL,
        )
        if m:
            self._note_function(m.group(1), text)
            return True
        return bool(
            re.match(
                r"(GRANT|REVOKE|COMMENT\s+ON|CREATE\s+ROLE|ALTER\s+ROLE|CREATE\s+POLICY|"
                r"ALTER\s+DEFAULT\s+PRIVILEGES|ANALYZE|VACUUM)\b",
                flat,
                re.IGNORECASE,
            )
        )

    def _alter_table_text(self, name: str, rest: str) -> bool:
        """ALTER TABLE forms sqlglot keeps as a Command; False when not one of them."""
        if not _ALTER_TEXT_FORMS.match(rest):
            return False
        m = re.fullmatch(rf"VALIDATE\s+CONSTRAINT\s+({_IDENT})", rest, re.IGNORECASE)
        if m:
            table = self._table(name)
            con = _fold_text(m.group(1))
            if con in table.checks:
                table.checks[con].validated = True
            elif con in table.fks:
                table.fks[con].validated = True
            else:
                raise _Unsupported(f"constraint {con} of {table.qualified} is not known")
            return True
        m = re.fullmatch(
            rf"ALTER\s+(?:COLUMN\s+)?({_IDENT})\s+ADD\s+GENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY",
            rest,
            re.IGNORECASE,
        )
        if m:
            table = self._table(name)
            col = table.col(_fold_text(m.group(1)))
            if col.identity or col.default is not None or not col.not_null:
                raise _Unsupported(f"column {col.name} cannot become an identity column")
            col.identity = "always" if m.group(2).upper() == "ALWAYS" else "by default"
            col.sequence = "identity"
            self._reserve_sequences(table, [col])
            return True
        m = re.fullmatch(r"ADD\s+CHECK\s*(\(.*\))(\s+NOT\s+VALID)?", rest, re.IGNORECASE)
        if m:
            table = self._table(name)
            paren = _parse_one(m.group(1))
            pending = _Pending(checks=[(None, paren, not m.group(2))])
            self._finish(table, pending, creating=False)
            return True
        m = re.fullmatch(
            rf"ADD\s+(?:CONSTRAINT\s+({_IDENT})\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX\s+"
            rf"({_IDENT})((?:\s+(?:NOT\s+)?DEFERRABLE|\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))*)",
            rest,
            re.IGNORECASE,
        )
        if m:
            self._attach_index(self._table(name), m)
            return True
        m = re.fullmatch(rf"RENAME\s+CONSTRAINT\s+({_IDENT})\s+TO\s+({_IDENT})", rest, re.I)
        if m:
            self._rename_constraint(
                self._table(name), _fold_text(m.group(1)), _fold_text(m.group(2))
            )
            return True
        m = re.fullmatch(
            r"(ENABLE|DISABLE|FORCE|NO\s+FORCE)\s+ROW\s+LEVEL\s+SECURITY", rest, re.IGNORECASE
        )
        if m:
            table = self._table(name)
            word = m.group(1).upper()
            if word == "ENABLE":
                table.rls_enabled = True
            elif word == "DISABLE":
                table.rls_enabled = False
            elif word == "FORCE":
                table.rls_forced = True
            else:
                table.rls_forced = False
            return True
        m = re.fullmatch(rf"(ENABLE|DISABLE)\s+TRIGGER\s+({_IDENT})", rest, re.IGNORECASE)
        if m:
            table = self._table(name)
            trig = _fold_text(m.group(2))
            if trig.upper() in ("ALL", "USER"):
                raise _Unsupported("ENABLE/DISABLE TRIGGER ALL is not modeled")
            old = table.triggers[trig]
            table.triggers[trig] = Trigger(
                old.name, old.function, m.group(1).upper() == "ENABLE", old.timing, old.events
            )
            return True
        if re.fullmatch(r"OWNER\s+TO\s+\S+", rest, re.IGNORECASE):
            self._table(name)
            return True
        return False

    # ---- name resolution

    def _rel(self, schema: str) -> set[str]:
        return self.relnames.setdefault(schema, set())

    def _cons(self, schema: str) -> dict[str, int]:
        return self.connames.setdefault(schema, {})

    def _add_con(self, schema: str, name: str) -> None:
        cons = self._cons(schema)
        cons[name] = cons.get(name, 0) + 1

    def _drop_con(self, schema: str, name: str) -> None:
        cons = self._cons(schema)
        if cons.get(name, 0) <= 1:
            cons.pop(name, None)
        else:
            cons[name] -= 1

    def _target(self, node: exp.Expr) -> tuple[str, str]:
        """Schema and name for an object being created (first schema of search_path)."""
        if isinstance(node, exp.Schema):
            node = node.this
        name = _fold_id(node.this)
        db = node.args.get("db")
        schema = _fold_id(db) if db is not None else self._creation_schema()
        return schema, name

    def _creation_schema(self) -> str:
        for schema in self.search_path:
            if schema in self.schemas:
                return schema
        raise _Unsupported("no schema of search_path exists to create the object in")

    def _find_table(self, node: exp.Expr) -> _Table | None:
        if isinstance(node, exp.Schema):
            node = node.this
        db = node.args.get("db")
        return self._lookup_table(_fold_id(db) if db is not None else None, _fold_id(node.this))

    def _lookup_table(self, schema: str | None, name: str) -> _Table | None:
        """The table ``schema.name``, or ``name`` found along search_path."""
        if schema is not None:
            return self.tables.get((schema, name))
        for schema in self.search_path:
            table = self.tables.get((schema, name))
            if table is not None:
                return table
        return None

    def _table_node(self, node: exp.Expr) -> _Table:
        table = self._find_table(node)
        if table is None:
            raise _Unsupported(f"table {render(node)} is not known")
        return table

    def _known_table(self, name: Name) -> _Table:
        table = self._lookup_table(name.schema, name.name)
        if table is None:
            raise _Unsupported(f"table {name.shown} is not known")
        return table

    def _table(self, qname: str) -> _Table:
        parts = _split_qname(qname)
        if len(parts) == 2:
            table = self.tables.get((parts[0], parts[1]))
        else:
            table = next(
                (
                    self.tables[(s, parts[0])]
                    for s in self.search_path
                    if (s, parts[0]) in self.tables
                ),
                None,
            )
        if table is None:
            raise _Unsupported(f"table {qname} is not known")
        return table

    def _lookup_type(self, qname: str) -> tuple[str, str]:
        parts = _split_qname(qname)
        if len(parts) == 2:
            key = (parts[0], parts[1])
            if key in self.enums or key in self.domains:
                return key
        else:
            for schema in [*self.search_path, "pg_catalog"]:
                key = (schema, parts[0])
                if key in self.enums or key in self.domains:
                    return key
        raise _Unsupported(f"type {qname} is not known")

    def _find_index(self, node: exp.Expr) -> tuple[_Table, _Index] | None:
        db = node.args.get("db")
        return self._lookup_index(_fold_id(db) if db is not None else None, _fold_id(node.this))

    def _lookup_index(self, schema: str | None, name: str) -> tuple[_Table, _Index] | None:
        schemas = [schema] if schema is not None else self.search_path
        for schema in schemas:
            for table in self.tables.values():
                if table.schema == schema and name in table.indexes:
                    return table, table.indexes[name]
        return None

    # ---- types

    def _type(self, dt: exp.DataType) -> tuple[str, str | None]:
        """``format_type`` text of a column type, and the serial kind if any."""
        t = dt.this
        T = exp.DataType.Type
        params = [render(p) for p in dt.expressions]
        if t in _SERIAL_TYPES:
            return _SERIAL_TYPES[t], _SERIAL_TYPES[t]
        if t == T.ARRAY:
            inner = dt.expressions[0]
            if not isinstance(inner, exp.DataType):
                raise _Unsupported("array type not understood")
            return self._type(inner)[0] + "[]", None
        if t == T.USERDEFINED:
            kind = str(dt.args.get("kind") or "")
            return self._user_type(kind), None
        if t in _SIMPLE_TYPES and not params:
            return _SIMPLE_TYPES[t], None
        if t == T.DOUBLE:
            if params and int(params[0]) <= 24:
                return "real", None
            return "double precision", None
        if t == T.VARCHAR:
            return "character varying" + (f"({params[0]})" if params else ""), None
        if t == T.CHAR:
            return f"character({params[0] if params else 1})", None
        if t == T.DECIMAL:
            if not params:
                return "numeric", None
            return f"numeric({params[0]},{params[1] if len(params) > 1 else 0})", None
        if t in _TIME_TYPES:
            base, zone = _TIME_TYPES[t]
            return base + (f"({params[0]})" if params else "") + zone, None
        if t == T.BIT:
            return f"bit({params[0] if params else 1})", None
        raise _Unsupported(f"type {render(dt)} is not modeled")

    def _type_text(self, text: str) -> tuple[str, str | None]:
        """:meth:`_type` of a type as written (remembered when no user type is in it)."""
        known = _BUILTIN_TYPES.get(text)
        if known is not None:
            return known
        node = _type_node(text)
        result = self._type(node)
        user = any(d.this == exp.DataType.Type.USERDEFINED for d in node.find_all(exp.DataType))
        if not user and len(_BUILTIN_TYPES) < 4096:
            _BUILTIN_TYPES[text] = result
        return result

    def _user_type(self, kind: str) -> str:
        parts = _split_qname(kind)
        bare = {"cidr": "cidr", "citext": "citext", "varbit": "bit varying", "tsvector": "tsvector"}
        if len(parts) == 1 and parts[0] in bare:
            return bare[parts[0]]
        return _type_text_of(*self._lookup_type(kind))

    def _parse_type(self, text: str) -> tuple[str, str | None]:
        cast = _parse_one(f"CAST(NULL AS {text})")
        if not isinstance(cast, exp.Cast):
            raise _Unsupported(f"type {text} not understood")
        return self._type(cast.to)

    # ---- CREATE TABLE / columns

    def _create_table(self, tree: exp.Create) -> None:
        schema_node = tree.this
        if not isinstance(schema_node, exp.Schema):
            raise _Unsupported("CREATE TABLE without a column list (AS / LIKE) is not modeled")
        props = tree.args.get("properties")
        if props is not None and props.expressions:
            raise _Unsupported("CREATE TABLE with storage or inheritance options is not modeled")
        schema, name = self._target(schema_node)
        if schema not in self.schemas:
            raise _Unsupported(f"schema {schema} is not known")
        if self._relation_exists(schema, name, bool(tree.args.get("exists"))):
            return
        table = _Table(schema, name, origin=self._origin())
        pending = _Pending()
        for element in schema_node.expressions:
            if isinstance(element, exp.ColumnDef):
                self._column(table, element, pending, creating=True)
            else:
                self._table_constraint(table, element, pending, not_valid=False)
        self._reserve_sequences(table)
        self._rel(schema).add(name)
        self.tables[(schema, name)] = table
        self._finish(table, pending, creating=True)

    def _relation_exists(self, schema: str, name: str, if_not_exists: bool) -> bool:
        """True when a relation (table, index, sequence, view) named ``name`` exists and
        ``CREATE TABLE IF NOT EXISTS`` skips; PostgreSQL refuses it without the clause."""
        if (schema, name) not in self.tables and name not in self._rel(schema):
            return False
        if if_not_exists:
            return True
        raise _Unsupported(f"relation {schema}.{name} already exists")

    def _create_table_spec(self, op: CreateTable) -> None:
        """:meth:`_create_table` for what :func:`read_common` read."""
        schema = op.table.schema or self._creation_schema()
        name = op.table.name
        if schema not in self.schemas:
            raise _Unsupported(f"schema {schema} is not known")
        if self._relation_exists(schema, name, op.if_not_exists):
            return
        table = _Table(schema, name, origin=self._origin())
        pending = _Pending()
        for element in op.elements:
            if isinstance(element, ColumnSpec):
                self._column_spec(table, element, False, pending, creating=True)
            elif element.kind == "check":
                assert element.expression is not None
                pending.checks.append((element.name, element.expression, True))
            elif element.kind == "foreign key":
                assert element.reference is not None
                pending.fks.append((element.name, list(element.columns), element.reference, True))
            else:
                spec = _IndexSpec(element.name, list(element.columns), element.kind)
                pending.indexes.append(spec)
        self._reserve_sequences(table)
        self._rel(schema).add(name)
        self.tables[(schema, name)] = table
        self._finish(table, pending, creating=True)

    def _column_spec(
        self,
        table: _Table,
        spec: ColumnSpec,
        if_not_exists: bool,
        pending: _Pending,
        creating: bool,
    ) -> None:
        """:meth:`_column` for a column :func:`read_common` read."""
        col = self._new_column(table, spec.name, spec.type_text, if_not_exists)
        if col is None:
            return
        default: str | None = None
        for c in spec.constraints:
            if c.kind in ("not null", "null"):
                col.not_null = c.kind == "not null"
            elif c.kind == "default":
                default = c.text
            elif c.kind in ("primary key", "unique"):
                if c.kind == "primary key":
                    col.not_null = True
                pending.indexes.append(_IndexSpec(c.name, [col.name], c.kind))
            elif c.kind == "check":
                assert c.expression is not None
                pending.checks.append((c.name, c.expression, True))
            elif c.kind == "references":
                assert c.reference is not None
                pending.fks.append((c.name, [col.name], c.reference, True))
            else:
                col.identity = c.text
                col.not_null = True
                col.sequence = "identity"
        if default is not None:
            col.default = self._stored_default(col, _default_text(default))
        table.columns.append(col)
        if not creating:
            pending.new_columns.append(col)

    def _stored_default(self, col: _Col, default: str) -> str | None:
        """The default PostgreSQL keeps: none for a bare ``NULL`` of the column's own type
        (it stores ``NULL::type`` only for a type with a length or precision, or a domain)."""
        if default != "NULL" or "(" in col.type:
            return default
        if any(col.type == _type_text_of(schema, name) for schema, name in self.domains):
            return default
        return None

    def _new_column(
        self, table: _Table, name: str, kind: object, if_not_exists: bool
    ) -> _Col | None:
        """The column ``name`` of type ``kind`` (sqlglot's node, or the type as written)
        not yet in ``table``; None when it exists and IF NOT EXISTS was given."""
        if table.has_col(name):
            if if_not_exists:
                return None
            raise _Unsupported(f"column {name} already exists in {table.qualified}")
        if isinstance(kind, str):
            type_name, serial = self._type_text(kind)
        elif isinstance(kind, exp.DataType):
            type_name, serial = self._type(kind)
        else:
            raise _Unsupported(f"column {name} has no type")
        col = _Col(name, type_name, origin=self._origin())
        if serial:
            col.not_null = True
            col.sequence = "serial"
        return col

    def _column(
        self, table: _Table, node: exp.ColumnDef, pending: _Pending, creating: bool
    ) -> None:
        name = _fold_id(node.this)
        col = self._new_column(table, name, node.args.get("kind"), bool(node.args.get("exists")))
        if col is None:
            return
        default: exp.Expr | None = None
        for constraint in node.args.get("constraints") or []:
            cname = constraint.this if isinstance(constraint, exp.ColumnConstraint) else None
            cname_s = _fold_id(cname) if isinstance(cname, exp.Identifier) else None
            ck = (
                constraint.args.get("kind")
                if isinstance(constraint, exp.ColumnConstraint)
                else constraint
            )
            if isinstance(ck, exp.NotNullColumnConstraint):
                col.not_null = not ck.args.get("allow_null")
            elif isinstance(ck, exp.DefaultColumnConstraint):
                default = ck.this
            elif isinstance(ck, exp.PrimaryKeyColumnConstraint):
                col.not_null = True
                pending.indexes.append(
                    _IndexSpec(cname_s, [name], "primary key", options=ck.args.get("options") or [])
                )
            elif isinstance(ck, exp.UniqueColumnConstraint):
                pending.indexes.append(
                    _IndexSpec(
                        cname_s,
                        [name],
                        "unique",
                        nulls_not_distinct=bool(ck.args.get("nulls")),
                        options=ck.args.get("options") or [],
                    )
                )
            elif isinstance(ck, exp.CheckColumnConstraint):
                pending.checks.append((cname_s, ck.this, True))
            elif isinstance(ck, exp.Reference):
                pending.fks.append((cname_s, [name], _ref_spec(ck), True))
            elif isinstance(ck, exp.GeneratedAsIdentityColumnConstraint):
                if ck.args.get("expression") is not None:
                    col.generated = _detach(ck.args["expression"])
                else:
                    col.identity = "always" if ck.this else "by default"
                    col.not_null = True
                    col.sequence = "identity"
            elif isinstance(ck, exp.ComputedColumnConstraint):
                col.generated = _detach(ck.this)
            elif isinstance(ck, exp.CollateColumnConstraint):
                col.collation = (
                    _fold_id(ck.this) if isinstance(ck.this, exp.Identifier) else ck.this.name
                )
            else:
                shown = render(ck) if ck is not None else "?"
                raise _Unsupported(f"column constraint {shown} is not modeled")
        if default is not None:
            col.default = self._stored_default(col, normalize_expr(render(default)))
        table.columns.append(col)
        if not creating:
            pending.new_columns.append(col)

    def _reserve_sequences(self, table: _Table, only: Iterable[_Col] | None = None) -> None:
        """Name the sequences of serial/identity columns as PostgreSQL does (before the table)."""
        rel = self._rel(table.schema)
        for col in only if only is not None else table.columns:
            if col.sequence in ("serial", "identity"):
                seq = choose_name(table.name, col.name, "seq", lambda n: n in rel)
                rel.add(seq)
                if col.sequence == "serial":
                    qualified = (
                        quote_ident(seq)
                        if table.schema == "public"
                        else f"{quote_ident(table.schema)}.{quote_ident(seq)}"
                    )
                    col.default = normalize_expr(f"nextval('{qualified}'::regclass)")
                col.sequence = seq

    def _table_constraint(
        self, table: _Table, node: exp.Expr, pending: _Pending, not_valid: bool
    ) -> None:
        name: str | None = None
        kinds: list[exp.Expr] = [node]
        if isinstance(node, exp.Constraint):
            name = _fold_id(node.this)
            kinds = list(node.expressions)
        for kind in kinds:
            if isinstance(kind, exp.CheckColumnConstraint):
                pending.checks.append((name, kind.this, not not_valid))
            elif isinstance(kind, exp.PrimaryKey):
                cols = [_fold_id(e) for e in kind.expressions]
                pending.indexes.append(
                    _IndexSpec(
                        name,
                        cols,
                        "primary key",
                        include=_include(kind),
                        options=kind.args.get("options") or [],
                    )
                )
            elif isinstance(kind, exp.UniqueColumnConstraint):
                target = kind.this
                cols = [_fold_id(e) for e in target.expressions] if target is not None else []
                pending.indexes.append(
                    _IndexSpec(
                        name,
                        cols,
                        "unique",
                        include=_include(kind),
                        nulls_not_distinct=bool(kind.args.get("nulls")),
                        options=kind.args.get("options") or [],
                    )
                )
            elif isinstance(kind, exp.ForeignKey):
                cols = [_fold_id(e) for e in kind.expressions]
                pending.fks.append(
                    (name, cols, _ref_spec(kind.args.get("reference")), not not_valid)
                )
            else:
                raise _Unsupported(f"constraint {render(kind)} is not modeled")

    def _finish(self, table: _Table, pending: _Pending, creating: bool) -> None:
        """Create pending checks, then index-backed constraints, then FKs, in PostgreSQL's order."""
        chosen: list[str] = []
        cons = self._cons(table.schema)
        for name, expr, valid in pending.checks:
            if name is None:
                columns = {_fold_id(c.this) for c in expr.find_all(exp.Column)}
                name = choose_name(
                    table.name,
                    columns.pop() if len(columns) == 1 else None,
                    "check",
                    lambda n: n in cons or n in chosen,
                )
            elif name in table.checks or (name in cons and self._con_on_table(table, name)):
                raise _Unsupported(f"constraint {name} already exists on {table.qualified}")
            chosen.append(name)
            table.checks[name] = _Check(name, _detach(expr), valid or creating, self._origin())
        for name in chosen:
            self._add_con(table.schema, name)
        specs = pending.indexes
        if creating:
            specs = _dedupe(specs)
        for spec in specs:
            self._add_index_constraint(table, spec)
        for name, cols, ref, valid in pending.fks:
            self._add_fk(table, name, cols, ref, valid or creating)

    def _referrers(self, table: _Table) -> list[_Table]:
        """Live tables with a foreign key that may reference ``table``."""
        alive = [o for o in table.referenced_by if self.tables.get((o.schema, o.name)) is o]
        table.referenced_by = alive
        return list(alive)

    def _con_on_table(self, table: _Table, name: str) -> bool:
        return name in table.checks or name in table.fks or name in table.indexes

    def _add_index_constraint(self, table: _Table, spec: _IndexSpec) -> None:
        rel = self._rel(table.schema)
        cons = self._cons(table.schema)
        if spec.constraint == "primary key" and table.primary_key_name() is not None:
            raise _Unsupported(f"{table.qualified} already has a primary key")
        for col in spec.columns:
            table.col(col)
        name = spec.name
        if name is None:
            if spec.constraint == "primary key":
                name = choose_name(table.name, None, "pkey", lambda n: n in rel or n in cons)
            else:
                name = choose_name(
                    table.name,
                    name_addition(spec.columns),
                    "key",
                    lambda n: n in rel or n in cons,
                )
        elif name in rel:
            raise _Unsupported(f"relation {name} already exists")
        if spec.constraint == "primary key":
            for col in spec.columns:
                table.col(col).not_null = True
        deferrable, deferred = _deferral(spec.options)
        table.indexes[name] = _Index(
            name,
            [_Key(exp.Column(this=exp.Identifier(this=c, quoted=True))) for c in spec.columns],
            unique=True,
            constraint=spec.constraint,
            deferrable=deferrable,
            initially_deferred=deferred,
            nulls_not_distinct=spec.nulls_not_distinct,
            include=list(spec.include),
            origin=self._origin(),
        )
        rel.add(name)
        self._add_con(table.schema, name)

    def _add_fk(
        self, table: _Table, name: str | None, cols: list[str], ref: Reference, valid: bool
    ) -> None:
        ref_cols = list(ref.columns)
        target = ref.table
        is_self = target.name == table.name and target.schema in (None, table.schema)
        ref_table = table if is_self else self._known_table(target)
        if not ref_cols:
            pk = ref_table.primary_key_name()
            if pk is None:
                raise _Unsupported(f"{ref_table.qualified} has no primary key to reference")
            ref_cols = [_fold_id(k.expr.this) for k in ref_table.indexes[pk].keys]
        for col in cols:
            table.col(col)
        cons = self._cons(table.schema)
        if name is None:
            name = choose_name(table.name, name_addition(cols), "fkey", lambda n: n in cons)
        elif self._con_on_table(table, name):
            raise _Unsupported(f"constraint {name} already exists on {table.qualified}")
        fk = _Fk(name, cols, ref_table, ref_cols, validated=valid, origin=self._origin())
        options = ref.options
        for option in options:
            words = " ".join(option.split())
            if words.startswith("ON DELETE "):
                fk.on_delete = words[len("ON DELETE ") :].lower()
            elif words.startswith("ON UPDATE "):
                fk.on_update = words[len("ON UPDATE ") :].lower()
            elif words.startswith("MATCH "):
                fk.match = words[len("MATCH ") :].lower()
        fk.deferrable, fk.initially_deferred = _deferral(options)
        table.fks[name] = fk
        if not any(o is table for o in ref_table.referenced_by):
            ref_table.referenced_by.append(table)
        self._add_con(table.schema, name)

    # ---- CREATE INDEX

    def _create_index(self, tree: exp.Create, text: str) -> None:
        node = tree.this
        if not isinstance(node, exp.Index):
            raise _Unsupported("CREATE INDEX not understood")
        table = self._table_node(node.args["table"])
        params = node.args.get("params")
        if params is None:
            raise _Unsupported("CREATE INDEX without columns")
        keys = [_index_key(ordered) for ordered in params.args.get("columns") or []]
        for key in keys:
            key.name = _figure_colname(key.expr, text)
        using = params.args.get("using")
        where = params.args.get("where")
        index = _Index(
            _fold_id(node.this) if node.this is not None else "",
            keys,
            unique=bool(tree.args.get("unique")),
            method=(using.name.lower() if using is not None else "btree"),
            predicate=_detach(where.this) if where is not None else None,
            include=[_fold_id(i) for i in params.args.get("include") or []],
        )
        self._add_index(table, index, bool(tree.args.get("exists")))

    def _add_index(self, table: _Table, index: _Index, if_not_exists: bool) -> None:
        """Add ``index`` (named by PostgreSQL's rules when its name is empty)."""
        rel = self._rel(table.schema)
        if not index.name:
            col_names = [key.name or _figure_colname(key.expr) for key in index.keys]
            index.name = choose_name(
                table.name, name_addition(_dedupe_colnames(col_names)), "idx", lambda n: n in rel
            )
        elif index.name in rel:
            if if_not_exists:
                return
            raise _Unsupported(f"relation {index.name} already exists")
        for key in index.keys:
            for column in key.expr.find_all(exp.Column):
                table.col(_fold_id(column.this))
        index.origin = self._origin()
        table.indexes[index.name] = index
        rel.add(index.name)

    # ---- ALTER TABLE

    def _alter_table(self, tree: exp.Alter) -> None:
        table = self._find_table(tree.this)
        if table is None:
            if tree.args.get("exists"):
                return
            raise _Unsupported(f"table {render(tree.this)} is not known")
        not_valid = bool(tree.args.get("not_valid"))
        actions = list(tree.args.get("actions") or [])
        supported = (
            exp.ColumnDef,
            exp.AddConstraint,
            exp.Drop,
            exp.AlterColumn,
            exp.RenameColumn,
            exp.AlterRename,
        )
        for action in actions:
            if not isinstance(action, supported):
                raise _Unsupported(f"ALTER TABLE action {type(action).__name__} is not modeled")
        pending = _Pending()
        for action in actions:
            if isinstance(action, exp.ColumnDef):
                self._column(table, action, pending, creating=False)
            elif isinstance(action, exp.AddConstraint):
                for element in action.expressions:
                    self._table_constraint(table, element, pending, not_valid)
            elif isinstance(action, exp.Drop):
                self._alter_drop(table, action)
            elif isinstance(action, exp.AlterColumn):
                self._alter_column(table, action)
            elif isinstance(action, exp.RenameColumn):
                self._rename_column(
                    table, _fold_id(action.this.this), _fold_id(action.args["to"].this)
                )
            elif isinstance(action, exp.AlterRename):
                to = next(
                    (
                        o
                        for o in tree.args.get("options") or []
                        if isinstance(o, exp.ToTableProperty)
                    ),
                    None,
                )
                if to is not None:  # RENAME old TO new (no COLUMN): sqlglot reads a table rename
                    self._rename_column(table, _fold_id(action.this.this), _fold_id(to.this.this))
                else:
                    self._rename_table(table, _fold_id(action.this.this))
        self._reserve_sequences(table, pending.new_columns)
        self._finish(table, pending, creating=False)

    def _alter_drop(self, table: _Table, action: exp.Drop) -> None:
        kind = (action.args.get("kind") or "").upper()
        cascade = bool(action.args.get("cascade"))
        for target in action.args.get("tables") or []:
            name = _fold_id(target.this)
            self._drop_from_table(table, kind, name, bool(action.args.get("exists")), cascade)

    def _drop_from_table(
        self, table: _Table, kind: str, name: str, missing_ok: bool, cascade: bool
    ) -> None:
        """``ALTER TABLE ... DROP COLUMN|CONSTRAINT [IF EXISTS] name [CASCADE]``."""
        if kind == "COLUMN":
            if not table.has_col(name):
                if missing_ok:
                    return
                raise _Unsupported(f"column {name} of {table.qualified} is not known")
            self._drop_column(table, name, cascade)
        elif kind == "CONSTRAINT":
            if not self._con_on_table(table, name) or (
                name in table.indexes and table.indexes[name].constraint is None
            ):
                if missing_ok:
                    return
                raise _Unsupported(f"constraint {name} of {table.qualified} is not known")
            self._drop_constraint(table, name, cascade)
        else:
            raise _Unsupported(f"ALTER TABLE DROP {kind} is not modeled")

    def _attach_index(self, table: _Table, m: re.Match[str]) -> None:
        """``ADD [CONSTRAINT c] UNIQUE|PRIMARY KEY USING INDEX i``: the index becomes the
        constraint's (renamed to ``c`` when given); a primary key sets NOT NULL."""
        index_name = _fold_text(m.group(3))
        index = table.indexes.get(index_name)
        if index is None or not index.unique or index.constraint is not None:
            raise _Unsupported(f"index {index_name} cannot back a constraint here")
        if index.predicate is not None or any(
            not isinstance(k.expr, exp.Column) for k in index.keys
        ):
            raise _Unsupported(f"index {index_name} is partial or has expressions")
        primary = m.group(2).upper().startswith("PRIMARY")
        if primary and table.primary_key_name() is not None:
            raise _Unsupported(f"{table.qualified} already has a primary key")
        new = _fold_text(m.group(1)) if m.group(1) else index_name
        options = re.findall(r"NOT\s+DEFERRABLE|DEFERRABLE|INITIALLY\s+\w+", m.group(4) or "", re.I)
        index.deferrable, index.initially_deferred = _deferral(options)
        index.constraint = "primary key" if primary else "unique"
        if primary:
            for key in index.keys:
                table.col(_fold_id(key.expr.this)).not_null = True
        if new != index_name:
            rel = self._rel(table.schema)
            rel.discard(index_name)
            rel.add(new)
            del table.indexes[index_name]
            index.name = new
            table.indexes[new] = index
        self._add_con(table.schema, new)

    def _drop_constraint(self, table: _Table, name: str, cascade: bool) -> None:
        if name in table.checks:
            del table.checks[name]
        elif name in table.fks:
            del table.fks[name]
        else:
            index = table.indexes.pop(name)
            self._rel(table.schema).discard(name)
            for other in self._referrers(table):
                for fk_name, fk in list(other.fks.items()):
                    if fk.ref is table and set(fk.ref_columns) == {
                        _fold_id(k.expr.this) for k in index.keys
                    }:
                        if not cascade:
                            raise _Unsupported(f"{fk_name} depends on {name}: needs CASCADE")
                        del other.fks[fk_name]
                        self._drop_con(other.schema, fk_name)
        self._drop_con(table.schema, name)

    def _drop_column(self, table: _Table, name: str, cascade: bool) -> None:
        col = table.col(name)
        table.columns.remove(col)
        if col.sequence and col.sequence not in ("serial", "identity"):
            self._rel(table.schema).discard(col.sequence)
        for check_name, check in list(table.checks.items()):
            if name in {_fold_id(c.this) for c in check.expr.find_all(exp.Column)}:
                del table.checks[check_name]
                self._drop_con(table.schema, check_name)
        for index_name, index in list(table.indexes.items()):
            used = {_fold_id(c.this) for k in index.keys for c in k.expr.find_all(exp.Column)}
            if index.predicate is not None:
                used |= {_fold_id(c.this) for c in index.predicate.find_all(exp.Column)}
            if name in used or name in index.include:
                if index.constraint is not None:
                    self._drop_constraint(table, index_name, cascade=True)
                else:
                    del table.indexes[index_name]
                    self._rel(table.schema).discard(index_name)
        for fk_name, fk in list(table.fks.items()):
            if name in fk.columns:
                del table.fks[fk_name]
                self._drop_con(table.schema, fk_name)
        for other in self._referrers(table):
            for fk_name, fk in list(other.fks.items()):
                if fk.ref is table and name in fk.ref_columns:
                    del other.fks[fk_name]
                    self._drop_con(other.schema, fk_name)

    def _alter_column(self, table: _Table, action: exp.AlterColumn) -> None:
        col = table.col(_fold_id(action.this))
        dtype = action.args.get("dtype")
        if isinstance(dtype, exp.DataType):
            collate = action.args.get("collate")
            self._set_type(col, dtype, collate.name if isinstance(collate, exp.Expr) else None)
            return
        if action.args.get("allow_null") is not None:
            self._set_not_null(table, col, not action.args.get("allow_null"))
            return
        if action.args.get("drop"):
            col.default = None
            return
        default = action.args.get("default")
        if isinstance(default, exp.Expr):
            col.default = self._stored_default(col, normalize_expr(render(default)))
            return
        raise _Unsupported(f"ALTER COLUMN {render(action)} is not modeled")

    def _set_type(self, col: _Col, dtype: exp.DataType, collation: str | None) -> None:
        col.type, serial = self._type(dtype)
        if serial:
            raise _Unsupported("ALTER COLUMN TYPE serial is not valid")
        col.collation = collation

    def _set_not_null(self, table: _Table, col: _Col, not_null: bool) -> None:
        if not not_null:
            if any(
                i.constraint == "primary key"
                and col.name in [_fold_id(k.expr.this) for k in i.keys]
                for i in table.indexes.values()
            ):
                raise _Unsupported(f"column {col.name} is in a primary key")
            if col.identity:
                raise _Unsupported(f"column {col.name} is an identity column")
        col.not_null = not_null

    def _rename_column(self, table: _Table, old: str, new: str) -> None:
        col = table.col(old)
        if table.has_col(new):
            raise _Unsupported(f"column {new} already exists in {table.qualified}")
        col.name = new

        def rename(node: exp.Expr) -> None:
            for column in node.find_all(exp.Column):
                if _fold_id(column.this) == old:
                    column.set("this", exp.to_identifier(new, quoted=True))

        for check in table.checks.values():
            rename(check.expr)
        for index in table.indexes.values():
            for key in index.keys:
                rename(key.expr)
            if index.predicate is not None:
                rename(index.predicate)
            index.include = [new if c == old else c for c in index.include]
        for c in table.columns:
            if c.generated is not None:
                rename(c.generated)
        for fk in table.fks.values():
            fk.columns = [new if c == old else c for c in fk.columns]
        for other in self._referrers(table):
            for fk in other.fks.values():
                if fk.ref is table:
                    fk.ref_columns = [new if c == old else c for c in fk.ref_columns]

    def _rename_table(self, table: _Table, new: str) -> None:
        rel = self._rel(table.schema)
        if new in rel:
            raise _Unsupported(f"relation {new} already exists")
        rel.discard(table.name)
        rel.add(new)
        del self.tables[(table.schema, table.name)]
        table.name = new
        self.tables[(table.schema, new)] = table

    def _rename_constraint(self, table: _Table, old: str, new: str) -> None:
        if not self._con_on_table(table, old):
            raise _Unsupported(f"constraint {old} of {table.qualified} is not known")
        if old in table.checks:
            check = table.checks.pop(old)
            check.name = new
            table.checks[new] = check
        elif old in table.fks:
            fk = table.fks.pop(old)
            fk.name = new
            table.fks[new] = fk
        else:
            index = table.indexes.pop(old)
            index.name = new
            table.indexes[new] = index
        if new in table.indexes:
            rel = self._rel(table.schema)
            rel.discard(old)
            rel.add(new)
        self._drop_con(table.schema, old)
        self._add_con(table.schema, new)

    # ---- ALTER INDEX, DROP

    def _alter_index(self, tree: exp.Alter) -> None:
        found = self._find_index(tree.this)
        if found is None:
            if tree.args.get("exists"):
                return
            raise _Unsupported(f"index {render(tree.this)} is not known")
        actions = tree.args.get("actions") or []
        if len(actions) != 1 or not isinstance(actions[0], exp.AlterRename):
            raise _Unsupported("ALTER INDEX other than RENAME is not modeled")
        self._rename_index(*found, _fold_id(actions[0].this.this))

    def _rename_index(self, table: _Table, index: _Index, new: str) -> None:
        if index.constraint is not None:
            self._rename_constraint(table, index.name, new)
            return
        rel = self._rel(table.schema)
        rel.discard(index.name)
        rel.add(new)
        del table.indexes[index.name]
        index.name = new
        table.indexes[new] = index

    def _drop(self, tree: exp.Drop) -> None:
        kind = (tree.args.get("kind") or "").upper()
        exists = bool(tree.args.get("exists"))
        cascade = bool(tree.args.get("cascade"))
        for target in tree.args.get("tables") or []:
            if kind in ("TABLE", "INDEX"):
                db = target.args.get("db")
                relation = Name(
                    _fold_id(db) if db is not None else None, _fold_id(target.this), render(target)
                )
                self._drop_relation(kind, relation, exists, cascade)
            elif kind in ("TYPE", "DOMAIN"):
                try:
                    key = self._lookup_type(render(target))
                except _Unsupported:
                    if exists:
                        continue
                    raise
                self.enums.pop(key, None)
                domain = self.domains.pop(key, None)
                if domain is not None:
                    for check in domain.checks:
                        self._drop_con(key[0], check)
            elif kind in ("VIEW", "SEQUENCE"):
                schema, name = self._target(target)
                self._rel(schema).discard(name)
            elif kind in ("FUNCTION", "PROCEDURE", "TRIGGER", "POLICY"):
                if kind == "TRIGGER":
                    raise _Unsupported("DROP TRIGGER is not modeled")
            elif kind == "SCHEMA":
                schema = _fold_id(target.args.get("db") or target.this)
                if any(t.schema == schema for t in self.tables.values()):
                    raise _Unsupported("DROP SCHEMA with tables is not modeled")
                self.schemas.discard(schema)
            else:
                raise _Unsupported(f"DROP {kind} is not modeled")

    def _drop_relation(self, kind: str, name: Name, missing_ok: bool, cascade: bool) -> None:
        """``DROP TABLE|INDEX [IF EXISTS] name [CASCADE]`` for one name."""
        if kind == "TABLE":
            table = self._lookup_table(name.schema, name.name)
            if table is None:
                if missing_ok:
                    return
                raise _Unsupported(f"table {name.shown} is not known")
            self._drop_table(table, cascade)
            return
        found = self._lookup_index(name.schema, name.name)
        if found is None:
            if missing_ok:
                return
            raise _Unsupported(f"index {name.shown} is not known")
        table, index = found
        if index.constraint is not None:
            raise _Unsupported(f"index {index.name} backs a constraint: drop the constraint")
        del table.indexes[index.name]
        self._rel(table.schema).discard(index.name)

    def _drop_table(self, table: _Table, cascade: bool) -> None:
        for other in self._referrers(table):
            if other is table:
                continue
            for fk_name, fk in list(other.fks.items()):
                if fk.ref is table:
                    if not cascade:
                        raise _Unsupported(
                            f"{other.qualified}.{fk_name} references it: needs CASCADE"
                        )
                    del other.fks[fk_name]
                    self._drop_con(other.schema, fk_name)
        rel = self._rel(table.schema)
        rel.discard(table.name)
        for index in table.indexes:
            rel.discard(index)
        for col in table.columns:
            if col.sequence and col.sequence not in ("serial", "identity"):
                rel.discard(col.sequence)
        for name in [
            *table.checks,
            *table.fks,
            *(i.name for i in table.indexes.values() if i.constraint),
        ]:
            self._drop_con(table.schema, name)
        del self.tables[(table.schema, table.name)]

    # ---- types, domains, triggers, functions

    def _create_type(self, tree: exp.Create) -> None:
        expression = tree.args.get("expression")
        if not isinstance(expression, exp.DataType) or expression.this != exp.DataType.Type.ENUM:
            raise _Unsupported("CREATE TYPE other than ENUM is not modeled")
        schema, name = self._target(tree.this)
        self.enums[(schema, name)] = [str(e.this) for e in expression.expressions]
        self.enum_origin[(schema, name)] = self._origin()

    def _create_domain(self, flat: str) -> None:
        m = re.fullmatch(rf"CREATE\s+DOMAIN\s+({_QNAME})\s+(?:AS\s+)?(.+)", flat, re.IGNORECASE)
        if m is None:
            raise _Unsupported("CREATE DOMAIN not understood")
        parts = _split_qname(m.group(1))
        schema = parts[0] if len(parts) == 2 else self._creation_schema()
        name = parts[-1]
        rest = m.group(2)
        type_end = re.search(
            r"\s(?:DEFAULT|NOT\s+NULL|NULL|CHECK|CONSTRAINT|COLLATE)\b", " " + rest, re.I
        )
        type_text = rest[: type_end.start() - 1].strip() if type_end else rest
        clauses = rest[len(type_text) :].strip()
        base, _ = self._parse_type(type_text)
        domain = _Domain(schema, name, base, origin=self._origin())
        cons = self._cons(schema)
        pending_name: str | None = None
        while clauses:
            cm = re.match(rf"CONSTRAINT\s+({_IDENT})\s*", clauses, re.I)
            if cm:
                pending_name = _fold_text(cm.group(1))
                clauses = clauses[cm.end() :]
                continue
            cm = re.match(r"NOT\s+NULL\s*", clauses, re.I)
            if cm:
                domain.not_null = True
                clauses = clauses[cm.end() :]
                continue
            cm = re.match(r"NULL\s*", clauses, re.I)
            if cm:
                clauses = clauses[cm.end() :]
                continue
            if re.match(r"CHECK\s*\(", clauses, re.I):
                start = clauses.index("(")
                end = _matching_paren(clauses, start)
                expr = clauses[start + 1 : end]
                check_name = pending_name or choose_name(name, None, "check", lambda n: n in cons)
                domain.checks[check_name] = _Check(
                    check_name, _parse_one(expr), True, self._origin()
                )
                self._add_con(schema, check_name)
                pending_name = None
                clauses = clauses[end + 1 :].strip()
                continue
            cm = re.match(r"DEFAULT\s+", clauses, re.I)
            if cm:
                stop = re.search(
                    r"\s(?:NOT\s+NULL|NULL|CHECK|CONSTRAINT)\b", clauses[cm.end() :], re.I
                )
                value = clauses[cm.end() : cm.end() + stop.start()] if stop else clauses[cm.end() :]
                domain.default = normalize_expr(value)
                clauses = clauses[cm.end() + len(value) :].strip()
                continue
            raise _Unsupported(f"CREATE DOMAIN clause not understood: {clauses[:30]}")
        self.domains[(schema, name)] = domain

    def _create_collation(self, qname: str, options: str, if_not_exists: bool) -> None:
        parts = _split_qname(qname)
        schema = parts[0] if len(parts) == 2 else self._creation_schema()
        key = (schema, parts[-1])
        if key in self.collations:
            if if_not_exists:
                return
            raise _Unsupported(f"collation {qname} already exists")
        values: dict[str, str] = {}
        for item in re.finditer(r"(\w+)\s*=\s*('(?:[^']|'')*'|[^,\s]+)", options):
            value = item.group(2)
            values[item.group(1).lower()] = (
                value[1:-1].replace("''", "'") if value.startswith("'") else value.lower()
            )
        provider = values.get("provider", "libc")
        locale = values.get("locale", values.get("lc_collate", ""))
        deterministic = values.get("deterministic", "true") not in ("false", "off", "0", "no")
        self.collations[key] = Collation(
            schema, parts[-1], provider, locale, deterministic, self._origin()
        )

    def _create_trigger(self, tree: exp.Create) -> None:
        props = tree.args.get("properties")
        trig = next(
            (
                p
                for p in (props.expressions if props else [])
                if isinstance(p, exp.TriggerProperties)
            ),
            None,
        )
        if trig is None:
            raise _Unsupported("CREATE TRIGGER not understood")
        table = self._table_node(trig.args["table"])
        execute = trig.args.get("execute")
        func = execute.this if execute is not None else None
        if func is None:
            raise _Unsupported("trigger without a function")
        fname = func.name if isinstance(func, exp.Anonymous) else render(func)
        if "." not in fname:
            fname = f"{self._creation_schema()}.{fname.lower()}"
        events = tuple(sorted(str(e.this).lower() for e in trig.args.get("events") or []))
        name = _fold_id(tree.this)
        table.triggers[name] = Trigger(
            name, fname, True, str(trig.args.get("timing") or "").lower(), events
        )

    def _create_function(self, tree: exp.Create, text: str) -> None:
        self._note_function(render(tree.this), text)

    def _note_function(self, name: str, text: str) -> None:
        if _DDL_IN_BODY.search(text.split("$", 1)[1] if "$" in text else ""):
            self.ddl_functions.add(name.split("(")[0].split(".")[-1].strip('"').lower())
            raise _Unsupported("function body runs DDL (its effect, when called, is not modeled)")

    # ---- result

    def build(self) -> StaticModel:
        with collector(on=False):  # freezing makes objects, no garbage
            return self._build()

    def _build(self) -> StaticModel:
        tables = tuple(
            sorted((self._freeze(t) for t in self.tables.values()), key=lambda t: t.qualified)
        )
        domains = tuple(
            Domain(
                d.schema,
                d.name,
                d.base_type,
                d.not_null,
                d.default,
                tuple(
                    Check(c.name, _norm(c.expr), c.validated, c.origin)
                    for c in sorted(d.checks.values(), key=lambda c: c.name)
                ),
                d.origin,
            )
            for _, d in sorted(self.domains.items())
        )
        enums = tuple(
            EnumType(s, n, tuple(labels), self.enum_origin.get((s, n)))
            for (s, n), labels in sorted(self.enums.items())
        )
        model = CatalogModel(
            tables,
            domains,
            enums,
            tuple(sorted(self.extensions)),
            tuple(c for _, c in sorted(self.collations.items())),
        )
        return StaticModel(model, tuple(self.unmodeled), self.statements, self.files, self.bytes)

    def _freeze(self, t: _Table) -> Table:
        columns = tuple(
            Column(
                c.name,
                c.type,
                c.not_null,
                None if c.identity or c.generated is not None else c.default,
                c.collation,
                c.identity,
                _norm(c.generated) if c.generated is not None else None,
                c.origin,
            )
            for c in t.columns
        )
        checks = tuple(
            Check(c.name, _norm(c.expr), c.validated, c.origin)
            for c in sorted(t.checks.values(), key=lambda c: c.name)
        )
        indexes = tuple(
            Index(
                i.name,
                tuple(_freeze_key(k) for k in i.keys),
                i.unique,
                i.method,
                _norm(i.predicate) if i.predicate is not None else None,
                True,
                i.constraint,
                i.deferrable,
                i.initially_deferred,
                i.nulls_not_distinct,
                tuple(i.include),
                i.origin,
            )
            for i in sorted(t.indexes.values(), key=lambda i: i.name)
        )
        fks = tuple(
            ForeignKey(
                f.name,
                tuple(f.columns),
                f.ref.qualified,
                tuple(f.ref_columns),
                f.on_delete,
                f.on_update,
                f.validated,
                f.deferrable,
                f.initially_deferred,
                f.match,
                f.origin,
            )
            for f in sorted(t.fks.values(), key=lambda f: f.name)
        )
        triggers = tuple(sorted(t.triggers.values(), key=lambda x: x.name))
        return Table(
            t.schema,
            t.name,
            columns,
            checks,
            indexes,
            fks,
            triggers,
            t.rls_enabled,
            t.rls_forced,
            t.origin,
        )


@dataclass
class _IndexSpec:
    name: str | None
    columns: list[str]
    constraint: str
    include: list[str] = field(default_factory=list)
    nulls_not_distinct: bool = False
    options: list[object] = field(default_factory=list)


@dataclass
class _Pending:
    checks: list[tuple[str | None, exp.Expr, bool]] = field(default_factory=list)
    indexes: list[_IndexSpec] = field(default_factory=list)
    fks: list[tuple[str | None, list[str], Reference, bool]] = field(default_factory=list)
    new_columns: list[_Col] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------


def build_static_model(
    migrations: Iterable[Migration],
    root: Path | None = None,
    search_path: Sequence[str] = ("public",),
) -> StaticModel:
    """The static model of ``migrations`` (their up scripts, in order).

    File names in origins and unmodeled entries are relative to ``root`` when given.
    ``search_path`` is the session's initial one (its schemas are taken to exist).
    """
    builder = StaticBuilder(root, search_path)
    builder.add_migrations(migrations)
    return builder.build()


_BUILTIN_TYPES: dict[str, tuple[str, str | None]] = {}
"""``format_type`` text and serial kind of type spellings that name no user type."""


@functools.lru_cache(maxsize=4096)
def _type_node(text: str) -> exp.DataType:
    """sqlglot's node for a type as written (the builder only reads it, so it is shared)."""
    cast = _parse_one(f"CAST(NULL AS {text})")
    if not isinstance(cast, exp.Cast) or not isinstance(cast.to, exp.DataType):
        raise _Unsupported(f"type {text} not understood")
    return cast.to


@functools.lru_cache(maxsize=4096)
def _default_text(literal: str) -> str:
    """The canonical text of a literal default, as the tree of its statement gives it."""
    return normalize_expr(render(_parse_one(literal)))


def _fold_id(node: exp.Expr | str | None) -> str:
    if node is None:
        raise _Unsupported("missing name")
    if isinstance(node, str):
        return clip_bytes(node.lower())
    if isinstance(node, exp.Identifier):
        return clip_bytes(str(node.this) if node.quoted else str(node.this).lower())
    if isinstance(node, exp.Column | exp.Table):
        return _fold_id(node.this)
    if isinstance(node, exp.Dot | exp.Expr):
        return node.name.lower()
    raise _Unsupported("name not understood")


def _fold_text(name: str) -> str:
    """A name as written, folded as PostgreSQL folds it and cut to 63 bytes."""
    return clip_bytes(normalize_identifier(name))


def _split_qname(text: str) -> list[str]:
    parts = re.findall(_IDENT, text)
    return [_fold_text(p) for p in parts]


def _first_words(text: str) -> str:
    words = redact_sql(" ".join(text.split()[:6]))
    return words if len(words) <= 80 else words[:77] + "..."


def _split_prefix(text: str, bad_line: int) -> list[Statement]:
    """The statements that end before ``bad_line`` (the part of a broken file still readable)."""
    lines = text.splitlines(keepends=True)
    prefix = "".join(lines[: max(bad_line - 1, 0)])
    while prefix:
        try:
            return split_statements(prefix)
        except SqlSyntaxError as exc:
            prefix = "".join(prefix.splitlines(keepends=True)[: max(exc.line - 1, 0)])
    return []


def _matching_paren(text: str, start: int) -> int:
    depth = 0
    quote = ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise _Unsupported("unbalanced parentheses")


def _include(node: exp.Expr) -> list[str]:
    params = node.args.get("include")
    if isinstance(params, exp.IndexParameters):
        return [_fold_id(i) for i in params.args.get("include") or []]
    return []


def _deferral(options: Iterable[object]) -> tuple[bool, bool]:
    words = [" ".join(str(o).upper().split()) for o in options]
    deferrable = "DEFERRABLE" in words
    deferred = "INITIALLY DEFERRED" in words
    return deferrable or deferred, deferred


def _dedupe(specs: list[_IndexSpec]) -> list[_IndexSpec]:
    """PostgreSQL keeps one index for identical PK/UNIQUE specs in a CREATE TABLE (PK first)."""
    ordered = [s for s in specs if s.constraint == "primary key"][:1]
    ordered += [s for s in specs if s not in ordered]
    result: list[_IndexSpec] = []
    for spec in ordered:
        prior = next(
            (
                p
                for p in result
                if p.columns == spec.columns
                and p.include == spec.include
                and _deferral(p.options) == _deferral(spec.options)
                and p.nulls_not_distinct == spec.nulls_not_distinct
            ),
            None,
        )
        if prior is None:
            result.append(spec)
        elif prior.name is None:
            prior.name = spec.name
    return result


def _ref_spec(ref: object) -> Reference:
    """The :class:`Reference` of sqlglot's ``REFERENCES`` node (its options may also hold
    ``MATCH`` and deferral words)."""
    if not isinstance(ref, exp.Reference):
        raise _Unsupported("foreign key without REFERENCES")
    target = ref.this
    columns: tuple[str, ...] = ()
    if isinstance(target, exp.Schema):
        columns = tuple(_fold_id(e) for e in target.expressions)
        target = target.this
    db = target.args.get("db")
    name = Name(_fold_id(db) if db is not None else None, _fold_id(target.this), render(target))
    return Reference(name, columns, tuple(str(o).upper() for o in ref.args.get("options") or []))


def _index_key(ordered: exp.Expr) -> _Key:
    descending = False
    node = ordered
    if isinstance(node, exp.Ordered):
        descending = bool(node.args.get("desc"))
        node = node.this
    opclass: str | None = None
    collation: str | None = None
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Opclass):
        opclass = node.expression.name.lower()
        node = node.this
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Collate):  # ((x COLLATE "C")) is the column x, collation C
        collation = node.expression.name
        node = node.this
    while isinstance(node, exp.Paren):
        node = node.this
    return _Key(_detach(node), descending, opclass, collation)


def _type_text_of(schema: str, name: str) -> str:
    """``format_type`` of a user type (enum or domain) ``schema.name``."""
    if schema in ("public", "pg_catalog"):
        return quote_ident(name)
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _expression_key(expr: exp.Expr, descending: bool, source: str) -> _Key:
    """The key of an index expression read from ``source`` (as :func:`_index_key`)."""
    key = _index_key(expr)
    key.descending = descending
    key.name = _figure_colname(key.expr, source)
    return key


def _figure_colname(node: exp.Expr, source: str = "") -> str:
    """``FigureIndexColname``: the column name, the function's name as written in
    ``source`` (the text ``node`` was parsed from: sqlglot renames ``char_length`` to
    LENGTH, ``substr`` to SUBSTRING, ``now`` to CURRENT_TIMESTAMP), for a cast of
    anything else the type's name (``int8`` for ``::bigint``), or ``expr``."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast):
        inner = _figure_colname(node.this, source)
        return inner if inner != "expr" else _type_colname(node.to)
    if isinstance(node, exp.Trim):  # PostgreSQL reads TRIM(...) as btrim/ltrim/rtrim
        position = str(node.args.get("position") or "").upper()
        return {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(position, "btrim")
    if isinstance(node, exp.Column):
        return _fold_id(node.this)
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        node = node.expression  # schema.function(...): the function's own name
    if isinstance(node, exp.Func):
        start, end = node.meta.get("start"), node.meta.get("end")
        if isinstance(start, int) and isinstance(end, int):
            written = source[start : end + 1]
            if _WRITTEN_NAME.fullmatch(written):
                return _fold_text(written)
        if isinstance(node, exp.Anonymous):
            return str(node.name).lower()
        return _SPECIAL_SYNTAX.get(type(node), node.sql_name().lower())
    return "expr"


_SPECIAL_SYNTAX: dict[type[exp.Expr], str] = {
    exp.Coalesce: "coalesce",
    exp.StrPosition: "position",  # position(a IN b): no name token to read
}

_TYPE_COLNAMES = {
    _T.BIGINT: "int8",
    _T.INT: "int4",
    _T.SMALLINT: "int2",
    _T.BOOLEAN: "bool",
    _T.FLOAT: "float4",
    _T.DOUBLE: "float8",
    _T.VARCHAR: "varchar",
    _T.CHAR: "bpchar",
    _T.DECIMAL: "numeric",
    _T.TIMESTAMPTZ: "timestamptz",
    _T.TIMETZ: "timetz",
}
"""PostgreSQL's own names of the SQL-standard type spellings (``bigint`` is int8)."""


def _type_colname(to: object) -> str:
    """What PostgreSQL calls a cast's target type when it names an index key."""
    if not isinstance(to, exp.DataType):
        return "expr"
    if to.this in _TYPE_COLNAMES:
        return _TYPE_COLNAMES[to.this]
    if to.this == _T.USERDEFINED:
        return _fold_text(_split_qname(str(to.args.get("kind") or ""))[-1] or "expr")
    return to.this.value.lower() if isinstance(to.this.value, str) else "expr"


_WRITTEN_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"')


def _dedupe_colnames(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        candidate, i = name, 0
        while candidate in result:
            i += 1
            candidate = f"{name}{i}"
        result.append(candidate)
    return result


def _detach(node: exp.Expr) -> exp.Expr:
    """``node`` cut loose from its statement's tree, which the model keeps: without the
    back-reference the rest of the tree is garbage as soon as the statement is replayed
    (instead of staying alive, and re-scanned by the collector, for the whole build)."""
    node.parent = None
    return node


def _norm(node: exp.Expr) -> str:
    return normalize_expr(render(node))


def _freeze_key(key: _Key) -> IndexKey:
    if isinstance(key.expr, exp.Column) and key.expr.args.get("table") is None:
        return IndexKey(_fold_id(key.expr.this), True, key.collation, key.opclass, key.descending)
    return IndexKey(_norm(key.expr), False, key.collation, key.opclass, key.descending)


def iter_unmodeled_lines(model: StaticModel) -> Iterator[str]:
    """One line per unmodeled statement, for reports."""
    for entry in model.unmodeled:
        yield str(entry)

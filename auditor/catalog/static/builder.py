"""The replay driver: files to statements, each statement to the step that models it."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.catalog.fastddl import (
    AlterTable,
    Common,
    CreateIndex,
    CreateTable,
    DropObjects,
    read_common,
)
from auditor.catalog.static.freeze import freeze
from auditor.catalog.static.indexes import _expression_key
from auditor.catalog.static.model import StaticModel, Unmodeled
from auditor.catalog.static.objects import OBJECT_FORMS, _Objects
from auditor.catalog.static.parsing import (
    _first_words,
    _fold_id,
    _fold_text,
    _parse_one,
    _split_prefix,
    _without_comments,
)
from auditor.catalog.static.records import (
    _Index,
    _Key,
    _NotInModel,
    _Unsupported,
)
from auditor.core.collector import collector
from auditor.migrate.layouts import Migration, Script
from auditor.sql.ident import IDENT
from auditor.sql.split import SqlSyntaxError, Statement, split_statements

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # Command fallbacks are reported by us


_TEXT_FORMS = re.compile(
    r"(SET|CREATE\s+(EXTENSION|COLLATION|DOMAIN|(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)|ROLE|POLICY)|"
    r"DROP\s+(EXTENSION|TRIGGER)|ALTER\s+(TYPE|TABLE|ROLE|DEFAULT)|GRANT|REVOKE|COMMENT|ANALYZE|VACUUM)\b",
    re.IGNORECASE,
)
"""Statements :meth:`StaticBuilder._apply_text` may handle; the rest go straight to sqlglot."""


_DO_BLOCK = re.compile(r"DO(?:\s|\$|\Z)", re.IGNORECASE)

_GUARDED_CONSTRAINT = re.compile(
    r"DO\s*(\$\w*\$)\s*BEGIN\s+IF\s+NOT\s+EXISTS\s*\(\s*SELECT\s+(?:1|\*)\s+"
    r"FROM\s+(?:pg_catalog\s*\.\s*)?pg_constraint\s+WHERE\s+conname\s*=\s*'([^'\\]*)'\s*\)\s*"
    r"THEN\s+(ALTER\s+TABLE\s+[^;]*?\s+ADD\s+CONSTRAINT\s+[^;$]*);\s*"
    r"END\s+IF\s*;\s*END\s*;?\s*\1\s*",
    re.IGNORECASE,
)
"""``DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x') THEN
ALTER TABLE ... ADD CONSTRAINT ...; END IF; END $$``: the one DO block modeled (any other
shape stays unmodeled)."""


_TEMP_TABLE = re.compile(
    rf"CREATE\s+(?:(?:LOCAL|GLOBAL)\s+)?TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({IDENT})",
    re.IGNORECASE,
)

_TRANSACTION = re.compile(r"(?:BEGIN|COMMIT|START\s+TRANSACTION|END)\b", re.IGNORECASE)

_NAMES = re.compile(IDENT)


class StaticBuilder(_Objects):
    """Replays statements on an in-memory catalog following PostgreSQL's rules."""

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

    def _replay(self, statement: Statement, tree: exp.Expr | None = None) -> None:
        try:
            self._apply(statement, tree)
        except _NotInModel:
            return
        except _Unsupported as exc:
            self._unmodeled(statement, str(exc))
        except (SqlglotError, ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            self._unmodeled(statement, f"cannot model: {type(exc).__name__}: {exc}")

    def _apply_part(self, text: str) -> None:
        self._apply(Statement(text, self._line, self._line, 0))

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
        words = {
            w[1:-1].replace('""', '"') if w.startswith('"') else w.lower()
            for w in _NAMES.findall(text)
        }
        return tuple(sorted(t.qualified for t in self.tables.values() if t.name in words))

    def _apply(self, statement: Statement, parsed: exp.Expr | None = None) -> None:
        text = _without_comments(statement.text)
        if _DO_BLOCK.match(text):
            guarded = _GUARDED_CONSTRAINT.fullmatch(text)
            if guarded is None:
                raise _Unsupported("DO block: its effect is not modeled")
            self._add_constraint_unless_named(guarded.group(2), guarded.group(3))
            return
        if _TRANSACTION.match(text):
            return
        if parsed is None:
            # The common forms, read without sqlglot (none of them is a text form).
            common = read_common(text)
            if common is not None:
                self._apply_common(common)
                return
        if _TEMP_TABLE.match(text):
            # A temporary table lives in the migration's session only: never in the model.
            name = _TEMP_TABLE.match(text).group(1)  # type: ignore[union-attr]
            self.temp_tables.add(_fold_text(name))
            return
        if _TEXT_FORMS.match(text) and self._apply_text(text):
            return
        if OBJECT_FORMS.match(text) and self._apply_object_text(" ".join(text.split())):
            return
        try:
            tree = parsed if parsed is not None else _parse_one(text)
        except SqlglotError as exc:
            raise _Unsupported(f"sqlglot cannot parse it: {str(exc).splitlines()[0]}") from None
        if tree is None:
            return
        self._apply_tree(tree, text)

    def _add_constraint_unless_named(self, name: str, alter: str) -> None:
        """The guarded ``ALTER TABLE`` of :data:`_GUARDED_CONSTRAINT`, run unless a
        constraint named ``name`` exists in any schema (the guard reads all of pg_constraint)."""
        if name.endswith("_not_null"):
            # PostgreSQL 18 lists NOT NULL constraints there too, which the model does not name
            raise _Unsupported("DO block guarded by a NOT NULL constraint's name")
        if any(name in names for names in self.connames.values()):
            return
        self._apply_part(alter)

    def _apply_common(self, op: Common) -> None:
        """Apply what :func:`read_common` read, through the same steps as its tree."""
        if isinstance(op, AlterTable):
            table = self._lookup_table(op.table.schema, op.table.name)
            if table is None:
                if op.missing_ok:
                    return
                self._not_a_matview(op.table.schema, op.table.name)
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
            self._call_trigger_functions(tree)
        elif isinstance(
            tree, exp.Comment | exp.Insert | exp.Update | exp.Delete | exp.Grant | exp.Revoke
        ):
            return
        elif isinstance(tree, exp.Command):
            raise _Unsupported("sqlglot parses it only as an opaque command")
        else:
            raise _Unsupported(f"{type(tree).__name__} statement is not modeled")

    def _call_trigger_functions(self, tree: exp.Select) -> None:
        """Replay the trigger a helper such as ``diesel_manage_updated_at('users')`` creates."""
        for call in tree.find_all(exp.Anonymous):
            template = self.trigger_functions.get(str(call.name).lower())
            if template is None:
                continue
            args = call.expressions
            if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                raise _Unsupported(f"calls {call.name} with an argument that is not a table name")
            ddl = template.replace("%s", str(args[0].this))
            self._apply_tree(_parse_one(ddl), ddl)

    def build(self) -> StaticModel:
        for table, entry in self.triggers_all_off.values():
            if self.tables.get((table.schema, table.name)) is table:
                self.unmodeled.append(entry)
        self.triggers_all_off.clear()
        with collector(on=False):  # freezing makes objects, no garbage
            return freeze(self)


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

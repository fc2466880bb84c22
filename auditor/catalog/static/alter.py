"""ALTER TABLE: sqlglot's tree, the fast path's actions, and the forms sqlglot keeps as a Command."""

from __future__ import annotations

import re

from sqlglot import exp

from auditor.catalog.fastddl import (
    Action,
    AddCheck,
    AddColumn,
    AddForeignKey,
    AlterColumn,
    DropFromTable,
    Reference,
    Rename,
)
from auditor.catalog.model import Trigger
from auditor.catalog.normalize import normalize_expr
from auditor.catalog.pgsql import render
from auditor.catalog.static.model import Unmodeled
from auditor.catalog.static.parsing import _default_text, _fold_id, _fold_text, _parse_one
from auditor.catalog.static.records import (
    _Col,
    _IndexSpec,
    _Pending,
    _Table,
    _Unsupported,
)
from auditor.catalog.static.rename_drop import _RenamesDrops
from auditor.catalog.static.types import _type_node
from auditor.sql.ident import IDENT

_ALTER_TEXT_FORMS = re.compile(
    r"(ALTER\s+(COLUMN\s+)?\S+\s+ADD\s+GENERATED|VALIDATE|RENAME\s+CONSTRAINT|ENABLE|DISABLE|FORCE|NO\s+FORCE|OWNER|ADD\s+CHECK|"
    r"ALTER\s+CONSTRAINT|SET\s*\(|RESET\s*\(|ALTER\s+(COLUMN\s+)?\S+\s+(SET|RESET)\s*(\(|STATISTICS|STORAGE|COMPRESSION)|"
    r"CLUSTER\s+ON|SET\s+WITHOUT\s+CLUSTER|REPLICA\s+IDENTITY|SET\s+(LOGGED|UNLOGGED|ACCESS\s+METHOD|TABLESPACE)|"
    r"ADD\s+(CONSTRAINT\s+\S+\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX)\b",
    re.IGNORECASE,
)


_NO_MODEL_EFFECT = re.compile(
    r"SET\s*\(|RESET\s*\(|ALTER\s+(COLUMN\s+)?\S+\s+(SET|RESET)\s*(\(|STATISTICS|STORAGE|COMPRESSION)|"
    r"CLUSTER\s+ON|SET\s+WITHOUT\s+CLUSTER|REPLICA\s+IDENTITY|SET\s+(LOGGED|UNLOGGED|ACCESS\s+METHOD|TABLESPACE)",
    re.IGNORECASE,
)
"""ALTER TABLE actions on storage, statistics, clustering, logging: nothing in the model."""


class _AlterTable(_RenamesDrops):
    """ALTER TABLE actions."""

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

    def _switch_all_triggers(self, table: _Table, on: bool) -> None:
        """``ENABLE/DISABLE TRIGGER ALL`` also switches the internal triggers that enforce
        foreign keys, which the model (as pg_catalog's reader) does not hold: a table left
        with them off at the end of the history is reported unmodeled at its DISABLE."""
        if on:
            self.triggers_all_off.pop(id(table), None)
            return
        internal = (
            table.fks or table.referenced_by or any(i.deferrable for i in table.indexes.values())
        )
        if not internal:
            return  # no internal trigger: only the table's own ones are switched
        shown = f"ALTER TABLE {table.qualified} DISABLE TRIGGER ALL"
        reason = "foreign keys left unenforced (DISABLE TRIGGER ALL never re-enabled)"
        entry = Unmodeled(self._file, self._line, shown, reason, (table.qualified,))
        self.triggers_all_off.setdefault(id(table), (table, entry))

    def _alter_table_text(self, name: str, rest: str) -> bool:
        """ALTER TABLE forms sqlglot keeps as a Command; False when not one of them."""
        if not _ALTER_TEXT_FORMS.match(rest):
            return False
        m = re.fullmatch(
            rf"ALTER\s+CONSTRAINT\s+({IDENT})((?:\s+(?:NOT\s+)?DEFERRABLE|\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))+)",
            rest,
            re.IGNORECASE,
        )
        if m:
            # PostgreSQL sets both flags from the clause: INITIALLY DEFERRED implies
            # DEFERRABLE, and a flag not written is false.
            table = self._table(name)
            fk = table.fks.get(_fold_text(m.group(1)))
            if fk is None:
                raise _Unsupported(f"foreign key {m.group(1)} of {table.qualified} is not known")
            words = " ".join(m.group(2).upper().split())
            fk.initially_deferred = "INITIALLY DEFERRED" in words
            fk.deferrable = fk.initially_deferred or (
                "DEFERRABLE" in words.replace("NOT DEFERRABLE", "")
            )
            return True
        if _NO_MODEL_EFFECT.match(rest):
            self._table(name)  # storage, statistics, clustering, logging: not in the model
            return True
        m = re.fullmatch(rf"VALIDATE\s+CONSTRAINT\s+({IDENT})", rest, re.IGNORECASE)
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
            rf"ALTER\s+(?:COLUMN\s+)?({IDENT})\s+ADD\s+GENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY",
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
            rf"ADD\s+(?:CONSTRAINT\s+({IDENT})\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX\s+"
            rf"({IDENT})((?:\s+(?:NOT\s+)?DEFERRABLE|\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))*)",
            rest,
            re.IGNORECASE,
        )
        if m:
            self._attach_index(self._table(name), m)
            return True
        m = re.fullmatch(rf"RENAME\s+CONSTRAINT\s+({IDENT})\s+TO\s+({IDENT})", rest, re.I)
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
        m = re.fullmatch(rf"(ENABLE|DISABLE)\s+TRIGGER\s+({IDENT})", rest, re.IGNORECASE)
        if m:
            table = self._table(name)
            trig = _fold_text(m.group(2))
            on = m.group(1).upper() == "ENABLE"
            if trig.upper() == "ALL":
                self._switch_all_triggers(table, on)
            names = list(table.triggers) if trig.upper() in ("USER", "ALL") else [trig]
            for key in names:
                old = table.triggers[key]
                table.triggers[key] = Trigger(old.name, old.function, on, old.timing, old.events)
            return True
        if re.fullmatch(r"OWNER\s+TO\s+\S+", rest, re.IGNORECASE):
            self._table(name)
            return True
        return False

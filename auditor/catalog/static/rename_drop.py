"""Renames and drops: columns, tables, constraints, indexes, types, and what depends on them."""

from __future__ import annotations

from sqlglot import exp

from auditor.catalog.fastddl import Name
from auditor.catalog.pgsql import render
from auditor.catalog.static.parsing import _fold_id
from auditor.catalog.static.records import (
    _Index,
    _Table,
    _Unsupported,
)
from auditor.catalog.static.tables import _Tables


class _RenamesDrops(_Tables):
    """RENAME and DROP of every kind the builder models."""

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
                self.other_types.discard(key)
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
            if table is None and name.schema is None and name.name in self.temp_tables:
                self.temp_tables.discard(name.name)
                return
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

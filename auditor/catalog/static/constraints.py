"""Table constraints: checks, primary keys and unique constraints, foreign keys, in PostgreSQL's order and with its names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlglot import exp

from auditor.catalog.fastddl import (
    Name,
    Reference,
)
from auditor.catalog.names import choose_name, name_addition
from auditor.catalog.pgsql import render
from auditor.catalog.static.parsing import (
    _detach,
    _fold_id,
    _fold_text,
)
from auditor.catalog.static.records import (
    _Check,
    _Fk,
    _Index,
    _IndexSpec,
    _Key,
    _Pending,
    _Table,
    _Unsupported,
)
from auditor.catalog.static.types import _Types


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


class _Constraints(_Types):
    """Adding constraints to a table (CREATE TABLE, ALTER TABLE ADD)."""

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

"""CREATE TABLE and its columns (serial and identity sequences, defaults as PostgreSQL stores them)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from auditor.catalog.constants import canonical_literal
from auditor.catalog.fastddl import (
    ColumnSpec,
    CreateTable,
)
from auditor.catalog.names import choose_name, quote_ident
from auditor.catalog.normalize import normalize_expr
from auditor.catalog.pgsql import render
from auditor.catalog.static.constraints import _ref_spec
from auditor.catalog.static.indexes import _Indexes
from auditor.catalog.static.parsing import (
    _default_text,
    _detach,
    _fold_id,
)
from auditor.catalog.static.query import CAST_NAME, UNKNOWN, OutColumn, query_columns
from auditor.catalog.static.records import (
    _Col,
    _IndexSpec,
    _Pending,
    _Table,
    _Unsupported,
)
from auditor.catalog.static.types import _type_text_of


class _Tables(_Indexes):
    """Tables and columns."""

    def _create_table(self, tree: exp.Create) -> None:
        schema_node = tree.this
        query = tree.args.get("expression")
        if isinstance(query, exp.Query):
            self._create_table_as(tree, query)
            return
        if not isinstance(schema_node, exp.Schema):
            raise _Unsupported("CREATE TABLE without a column list (LIKE) is not modeled")
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

    def _create_table_as(self, tree: exp.Create, query: exp.Query) -> None:
        """``CREATE TABLE t [(names)] AS query``: the query's columns, nullable, no defaults."""
        props = tree.args.get("properties")
        if props is not None and not all(
            isinstance(e, exp.WithDataProperty) for e in props.expressions
        ):
            raise _Unsupported("CREATE TABLE AS with storage options is not modeled")
        names = tree.this.expressions if isinstance(tree.this, exp.Schema) else []
        if not all(isinstance(n, exp.Identifier) for n in names):
            raise _Unsupported("CREATE TABLE AS with column definitions is not modeled")
        enums = frozenset(_type_text_of(*key) for key in self.enums)
        columns = query_columns(query, self._relation_columns, lambda t: self._type(t)[0], enums)
        if len(names) > len(columns):
            raise _Unsupported("CREATE TABLE AS names more columns than the query returns")
        schema, name = self._target(tree.this)
        if schema not in self.schemas:
            raise _Unsupported(f"schema {schema} is not known")
        if self._relation_exists(schema, name, bool(tree.args.get("exists"))):
            return
        table = _Table(schema, name, origin=self._origin())
        for n, out in enumerate(columns):
            col_name = _fold_id(names[n]) if n < len(names) else out.name
            if col_name == CAST_NAME:
                raise _Unsupported("an unnamed cast of a constant as a result column")
            if table.has_col(col_name):
                raise _Unsupported(f"column {col_name} specified more than once")
            col_type = "text" if out.type == UNKNOWN else out.type
            table.columns.append(
                _Col(col_name, col_type, collation=out.collation, origin=self._origin())
            )
        self._rel(schema).add(name)
        self.tables[(schema, name)] = table

    def _relation_columns(self, schema: str | None, name: str) -> list[OutColumn] | None:
        table = self._lookup_table(schema, name)
        if table is None:
            return None
        return [OutColumn(c.name, c.type, c.collation) for c in table.columns]

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
        if default.startswith("'") and default.endswith("'") and len(default) > 1:
            # A string constant converted to the column's type: 'f' is false (constants.py)
            return canonical_literal(default[1:-1].replace("''", "'"), col.type) or default
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

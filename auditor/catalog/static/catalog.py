"""The builder's state and name resolution: schemas, relations, constraint names, search_path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlglot import exp

from auditor.catalog.fastddl import Name
from auditor.catalog.model import (
    Collation,
    Origin,
)
from auditor.catalog.pgsql import render
from auditor.catalog.static.model import Unmodeled
from auditor.catalog.static.parsing import (
    _fold_id,
    _split_qname,
)
from auditor.catalog.static.records import (
    _Domain,
    _Index,
    _NotInModel,
    _Table,
    _Unsupported,
)
from auditor.migrate.state import BOOKKEEPING_TABLES


class _Catalog:
    """The in-memory catalog statements are replayed on, and how names resolve in it."""

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
        self.other_types: set[tuple[str, str]] = set()
        """Composite, range and base types: their names only (the model keeps no fields)."""
        self.temp_tables: set[str] = set()
        """Temporary tables made by a migration (gone when its session ends)."""
        self.matviews: set[tuple[str, str]] = set()
        """Materialized views: not in the model; statements on them change nothing in it."""
        self.extensions: set[str] = set()
        self.collations: dict[tuple[str, str], Collation] = {}
        self.search_path: list[str] = list(search_path)
        self.ddl_functions: set[str] = set()
        self.trigger_functions: dict[str, str] = {}
        """Functions whose only DDL is one trigger on their argument: name to the DDL."""
        self.unmodeled: list[Unmodeled] = []
        self.triggers_all_off: dict[int, tuple[_Table, Unmodeled]] = {}
        """Tables (by identity) whose ``DISABLE TRIGGER ALL`` no ``ENABLE TRIGGER ALL``
        followed yet: their foreign keys are not enforced, which the model cannot say."""
        self.statements = 0
        self.files = 0
        self.bytes = 0
        self._file = ""
        self._line = 0

    def _origin(self) -> Origin:
        """Where the current statement is (one shared record per statement)."""
        origin = self._last_origin
        if origin is None or origin.line != self._line or origin.file != self._file:
            origin = self._last_origin = Origin(self._file, self._line)
        return origin

    _last_origin: Origin | None = None
    _local_path = False
    """True after ``SET LOCAL search_path``: the path is restored at the end of the file."""

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
            if isinstance(node, exp.Schema):
                node = node.this
            db = node.args.get("db")
            self._not_a_matview(_fold_id(db) if db is not None else None, _fold_id(node.this))
            raise _Unsupported(f"table {render(node)} is not known")
        return table

    def _known_table(self, name: Name) -> _Table:
        table = self._lookup_table(name.schema, name.name)
        if table is None:
            self._not_a_matview(name.schema, name.name)
            raise _Unsupported(f"table {name.shown} is not known")
        return table

    def _not_a_matview(self, schema: str | None, name: str) -> None:
        """Raise :class:`_NotInModel` when ``name`` is a materialized view (an index on one
        is not in the model, so the statement is modeled by changing nothing), or a
        migration tool's own table that no migration made (harbor alters golang-migrate's,
        lemmy puts a trigger on Diesel's): the model leaves those out, as the live one."""
        if name in BOOKKEEPING_TABLES:
            raise _NotInModel(f"{name} is a migration tool's table")
        for s in [schema] if schema is not None else self.search_path:
            if (s, name) in self.matviews:
                raise _NotInModel(f"materialized view {s}.{name}")

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
            if key in self.enums or key in self.domains or key in self.other_types:
                return key
        else:
            for schema in [*self.search_path, "pg_catalog"]:
                key = (schema, parts[0])
                if key in self.enums or key in self.domains or key in self.other_types:
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

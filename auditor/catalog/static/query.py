"""The columns a query returns, as PostgreSQL types them (for ``CREATE TABLE ... AS``).

Only what can be told without data: column references (through tables, aliases and
subqueries, with or without an alias as PostgreSQL 16 allows), casts, constants,
predicates, the common aggregates, ``coalesce`` and ``UNION [ALL]`` of branches of one
type. Anything else raises :class:`_Unsupported`, and the statement stays unmodeled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

from sqlglot import exp

from auditor.catalog.static.parsing import _fold_id
from auditor.catalog.static.records import _Unsupported


class OutColumn(NamedTuple):
    """One column of a query's result."""

    name: str
    type: str
    """``format_type`` text; ``unknown`` for an untyped ``NULL`` or string constant."""
    collation: str | None = None


UNKNOWN = "unknown"
CAST_NAME = "?cast?"
"""The name of an unaliased cast of a constant: PostgreSQL names it after the type's
internal name (``int4``), which is not modeled; harmless in a later UNION branch."""

Relation = list[OutColumn]
LookupRelation = Callable[[str | None, str], Relation | None]
"""(schema or None, name) -> the relation's columns, None when it is not known."""
TypeOf = Callable[[exp.DataType], str]

_INTEGERS = ("smallint", "integer", "bigint")
_SUM = {"smallint": "bigint", "integer": "bigint", "bigint": "numeric"}
_AVG = {
    "smallint": "numeric",
    "integer": "numeric",
    "bigint": "numeric",
    "real": "double precision",
}
_SAME_TYPE_SUM = ("numeric", "real", "double precision", "interval", "money")
_MAX_STRIPPED = {"character varying": "text", "bpchar": "bpchar"}
"""max/min whose result is another type (varchar is read as text); the result never
has the argument's modifiers."""
_MAX_TYPES = frozenset(
    (
        *_INTEGERS,
        "numeric",
        "real",
        "double precision",
        "text",
        "date",
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "interval",
        "oid",
        "inet",
        "money",
    )
)
_PREDICATES = (
    exp.Predicate,
    exp.Connector,
    exp.Not,
    exp.Exists,
    exp.Between,
    exp.In,
    exp.Is,
    exp.Like,
    exp.ILike,
    exp.Boolean,
)
_TIMESTAMPTZ = (exp.CurrentTimestamp,)


def query_columns(
    node: exp.Expr, lookup: LookupRelation, type_of: TypeOf, enums: frozenset[str]
) -> Relation:
    """The result columns of ``node`` (a SELECT, a set operation, a parenthesized query)."""
    return _Query(lookup, type_of, enums).columns(node)


class _Query:
    def __init__(self, lookup: LookupRelation, type_of: TypeOf, enums: frozenset[str]) -> None:
        self.lookup = lookup
        self.type_of = type_of
        self.enums = enums

    def columns(self, node: exp.Expr) -> Relation:
        if isinstance(node, exp.Subquery):
            return self.columns(node.this)
        if isinstance(node, exp.Union):
            return self._union(self.columns(node.this), self.columns(node.expression))
        if isinstance(node, exp.Select):
            if node.args.get("with_") or node.args.get("with"):
                raise _Unsupported("a query with WITH: its columns are not modeled")
            scope = self._scope(node)
            out: Relation = []
            for item in node.expressions:
                out.extend(self._item(item, scope))
            return out
        raise _Unsupported(f"{type(node).__name__} query: its columns are not modeled")

    def _union(self, left: Relation, right: Relation) -> Relation:
        if len(left) != len(right):
            raise _Unsupported("UNION branches with different column counts")
        out: Relation = []
        for a, b in zip(left, right, strict=True):
            collation = _combined_collation([a.collation, b.collation])
            out.append(OutColumn(a.name, _common_type(a.type, b.type), collation))
        return out

    # ---- FROM

    def _scope(self, select: exp.Select) -> list[tuple[str | None, Relation]]:
        """The relations of FROM and JOIN, each with the name it is referred to by."""
        sources: list[exp.Expr] = []
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is not None:
            sources.append(from_.this)
        for join in select.args.get("joins") or []:
            if join.args.get("using") or join.args.get("method"):
                raise _Unsupported("JOIN USING / NATURAL JOIN: merged columns are not modeled")
            sources.append(join.this)
        return [self._source(s) for s in sources]

    def _source(self, node: exp.Expr) -> tuple[str | None, Relation]:
        alias = node.args.get("alias")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            db = node.args.get("db")
            name = _fold_id(node.this)
            columns = self.lookup(_fold_id(db) if db is not None else None, name)
            if columns is None:
                raise _Unsupported(f"relation {name} of the query is not known (or is a view)")
            ref: str | None = name
        elif isinstance(node, exp.Subquery):
            columns, ref = self.columns(node.this), None
        else:
            raise _Unsupported(f"{type(node).__name__} in FROM is not modeled")
        if isinstance(alias, exp.TableAlias):
            if alias.this is not None:
                ref = _fold_id(alias.this)
            renamed = [_fold_id(c) for c in alias.columns]
            if len(renamed) > len(columns):
                raise _Unsupported("more column aliases than columns")
            columns = [
                c._replace(name=renamed[i]) if i < len(renamed) else c
                for i, c in enumerate(columns)
            ]
        return ref, columns

    # ---- the select list

    def _item(self, item: exp.Expr, scope: list[tuple[str | None, Relation]]) -> Relation:
        if isinstance(item, exp.Star):
            return [c for _, columns in scope for c in columns]
        if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            wanted = _fold_id(item.args["table"])
            for ref, columns in scope:
                if ref == wanted:
                    return list(columns)
            raise _Unsupported(f"{wanted}.* names no relation of the query")
        if isinstance(item, exp.Alias):
            typed = self._typed(item.this, scope)
            return [typed._replace(name=_fold_id(item.args["alias"]))]
        return [self._typed(item, scope)._replace(name=_column_name(item))]

    def _typed(self, node: exp.Expr, scope: list[tuple[str | None, Relation]]) -> OutColumn:
        """``node``'s type (and collation, for a plain column), named ``?column?``."""
        if isinstance(node, exp.Paren):
            return self._typed(node.this, scope)
        if isinstance(node, exp.Column):
            return self._column(node, scope)
        return OutColumn("?column?", self._type(node, scope), self._collation(node, scope))

    def _collation(self, node: exp.Expr, scope: list[tuple[str | None, Relation]]) -> str | None:
        """The collation a result column takes from ``node`` (derived from its columns)."""
        if isinstance(node, exp.Max | exp.Min | exp.Paren):
            return self._typed(node.this, scope).collation
        if isinstance(node, exp.Coalesce):
            args = [node.this, *node.expressions]
            return _combined_collation([self._typed(a, scope).collation for a in args])
        if isinstance(node, exp.Cast) and self._typed(node.this, scope).collation is not None:
            raise _Unsupported("the collation of a cast of a collated column is not modeled")
        return None

    def _column(self, node: exp.Column, scope: list[tuple[str | None, Relation]]) -> OutColumn:
        if node.args.get("db") is not None:
            raise _Unsupported("a schema-qualified column reference is not modeled")
        name = _fold_id(node.this)
        table = node.args.get("table")
        wanted = _fold_id(table) if table is not None else None
        found = [
            c
            for ref, columns in scope
            if wanted is None or ref == wanted
            for c in columns
            if c.name == name
        ]
        if len(found) != 1:
            raise _Unsupported(
                f"column {name} of the query is {'ambiguous' if found else 'unknown'}"
            )
        return found[0]

    def _type(self, node: exp.Expr, scope: list[tuple[str | None, Relation]]) -> str:
        if isinstance(node, exp.Paren | exp.Column):
            return self._typed(node, scope).type
        if isinstance(node, exp.Cast) and isinstance(node.to, exp.DataType):
            return self.type_of(node.to)
        if isinstance(node, exp.Null):
            return UNKNOWN
        if isinstance(node, exp.Literal):
            return UNKNOWN if node.is_string else _number_type(str(node.this))
        if isinstance(node, _PREDICATES):
            return "boolean"
        if isinstance(node, exp.Count):
            return "bigint"
        if isinstance(node, _TIMESTAMPTZ):
            return "timestamp with time zone"
        if isinstance(node, exp.Max | exp.Min):
            return self._max_type(self._type(node.this, scope))
        if isinstance(node, exp.Sum | exp.Avg):
            arg = self._type(node.this, scope)
            table = _SUM if isinstance(node, exp.Sum) else _AVG
            if arg in table:
                return table[arg]
            if arg in _SAME_TYPE_SUM and not (isinstance(node, exp.Avg) and arg != "numeric"):
                return arg
            if isinstance(node, exp.Avg) and arg == "double precision":
                return arg
            raise _Unsupported(f"{node.key}({arg}) is not modeled")
        if isinstance(node, exp.Coalesce):
            types = [self._type(a, scope) for a in [node.this, *node.expressions]]
            return functools.reduce(_common_type, types)
        if isinstance(node, exp.Anonymous) and str(node.name).lower() == "nextval":
            return "bigint"
        raise _Unsupported(f"the type of {node.sql(dialect='postgres')[:40]} is not modeled")

    def _max_type(self, arg: str) -> str:
        if arg in self.enums or arg.endswith("[]"):
            return arg
        base = _without_modifiers(arg)
        if base in _MAX_TYPES:
            return base
        if base in _MAX_STRIPPED:
            return _MAX_STRIPPED[base]
        raise _Unsupported(f"max/min of {arg} is not modeled")


_WIDENING = (
    ("smallint", "integer", "bigint", "numeric", "real", "double precision"),
    ("date", "timestamp without time zone", "timestamp with time zone"),
    ("character varying", "text"),
)
"""Types of one category in the order PostgreSQL's ``select_common_type`` widens them to
(each casts implicitly to the next; the last is the category's preferred type)."""


def _common_type(a: str, b: str) -> str:
    """The type of a UNION column whose branches are of types ``a`` and ``b``."""
    if a == b:
        return a
    if UNKNOWN in (a, b):  # the constant takes the other's type, without its modifiers
        return _without_modifiers(b if a == UNKNOWN else a)
    # Different types: the wider one, without modifiers (PostgreSQL keeps a modifier
    # only when every branch has the common type with that same modifier).
    base_a, base_b = _without_modifiers(a), _without_modifiers(b)
    if base_a == base_b:
        return base_a
    for order in _WIDENING:
        if base_a in order and base_b in order:
            return max(base_a, base_b, key=order.index)
    raise _Unsupported(f"UNION of {a} and {b}: the common type is not modeled")


def _combined_collation(collations: list[str | None]) -> str | None:
    """The collation of an expression combining inputs of these (implicit) collations:
    the one that is not the default (None), if only one is present."""
    found = {c for c in collations if c is not None}
    if len(found) > 1:
        raise _Unsupported(f"inputs of collations {sorted(found)}: the result's is not modeled")
    return found.pop() if found else None


def _without_modifiers(type_text: str) -> str:
    if "(" not in type_text or type_text.endswith("[]"):
        return type_text
    base, _, rest = type_text.partition("(")
    base += rest.partition(")")[2]
    return "bpchar" if base == "character" else base


def _number_type(text: str) -> str:
    if not text.isdigit():
        return "numeric"
    value = int(text)
    if value < 2**31:
        return "integer"
    return "bigint" if value < 2**63 else "numeric"


def _column_name(node: exp.Expr) -> str:
    """PostgreSQL's name for an unaliased result column (``FigureColname``)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        return _fold_id(node.this)
    if isinstance(node, exp.Cast):
        inner = _column_name(node.this)
        return CAST_NAME if inner == "?column?" else inner
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func) and not isinstance(node, exp.Binary):
        return node.sql_name().lower()
    return "?column?"

"""CREATE INDEX: keys, the names PostgreSQL chooses (``FigureIndexColname``)."""

from __future__ import annotations

import re

from sqlglot import exp

from auditor.catalog.names import choose_name, name_addition
from auditor.catalog.static.constraints import _Constraints
from auditor.catalog.static.parsing import (
    _detach,
    _fold_id,
    _fold_text,
    _split_qname,
)
from auditor.catalog.static.records import (
    _Index,
    _Key,
    _Table,
    _Unsupported,
)
from auditor.sql.ident import IDENT


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


_T = exp.DataType.Type
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


_WRITTEN_NAME = re.compile(IDENT)


def _dedupe_colnames(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        candidate, i = name, 0
        while candidate in result:
            i += 1
            candidate = f"{name}{i}"
        result.append(candidate)
    return result


class _Indexes(_Constraints):
    """Indexes created by CREATE INDEX."""

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

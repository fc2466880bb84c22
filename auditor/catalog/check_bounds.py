"""The bounds a CHECK expression puts on a column, read with sqlglot.

Split from :mod:`auditor.catalog.semantics` so that importing the schema rules (the
rule registry, ``auditor rules list``, the lint configuration) does not import sqlglot:
this module is imported the first time a CHECK constraint is read.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_COMPARISONS: dict[type[exp.Expr], tuple[str, bool]] = {
    exp.GT: ("lower", False),
    exp.GTE: ("lower", True),
    exp.LT: ("upper", False),
    exp.LTE: ("upper", True),
}
_FLIP: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.GT: exp.LT,
    exp.GTE: exp.LTE,
    exp.LT: exp.GT,
    exp.LTE: exp.GTE,
}


def bounds_in(expression: str, column: str, length: bool) -> list[tuple[str, float, bool]]:
    """``(side, value, inclusive)`` of each bound the CHECK ``expression`` puts on ``column``
    (``length=True``: on its character length); unparsable: none."""
    try:
        tree = sqlglot.parse_one(expression, read="postgres")
    except (SqlglotError, ValueError):
        return []
    if tree is None:
        return []
    found = []
    for part in _conjuncts(tree):
        bound = _bound(part, column, length)
        if bound is not None:
            found.append(bound)
    return found


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return [*_conjuncts(node.this), *_conjuncts(node.expression)]
    if isinstance(node, exp.Between):
        low = exp.GTE(this=node.this.copy(), expression=node.args["low"].copy())
        high = exp.LTE(this=node.this.copy(), expression=node.args["high"].copy())
        return [low, high]
    return [node]


def _bound(node: exp.Expr, column: str, length: bool) -> tuple[str, float, bool] | None:
    kind = type(node)
    if kind not in _COMPARISONS:
        return None
    left, right = node.args.get("this"), node.args.get("expression")
    if _number(left) is not None and right is not None:
        left, right = right, left
        kind = _FLIP[kind]
    value = _number(right)
    if value is None or left is None or not _is_subject(left, column, length):
        return None
    side, inclusive = _COMPARISONS[kind]
    return side, value, inclusive


def _number(node: object) -> float | None:
    if isinstance(node, exp.Paren):
        return _number(node.this)
    if isinstance(node, exp.Cast):
        return _number(node.this)
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return -inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    return None


def _is_column(node: object, column: str) -> bool:
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    return isinstance(node, exp.Column) and node.name.lower() == column.lower()


def _is_subject(node: exp.Expr, column: str, length: bool) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if not length:
        return _is_column(node, column)
    if isinstance(node, exp.Length):
        return _is_column(node.this, column)
    return False

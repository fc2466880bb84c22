"""What a table's constraints enforce, read semantically from the model (pure functions).

The schema rules ask questions such as "which length bounds are enforced on
``users.username``?" or "which unique indexes enforce case-insensitive uniqueness of
``email``?". The answers here look through spelling: a bound is found in any CHECK
(``BETWEEN``, two comparisons, separate CHECKs, a domain's CHECK on ``VALUE``) or in a
``varchar(n)`` type limit; uniqueness in a constraint or an index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.catalog.model import CatalogModel, Check, Column, Domain, Index, Table

_VARCHAR = re.compile(r"^(?:character varying|varchar|character|char|bpchar)\((\d+)\)$")
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


@dataclass(frozen=True)
class Bound:
    """One enforced bound on a column (or on its length)."""

    side: str
    """``lower`` or ``upper``."""
    value: float
    inclusive: bool
    source: str
    """Where it comes from: ``CHECK users_username_length``, ``type character varying(64)``."""
    validated: bool = True
    """False when the CHECK is ``NOT VALID``."""


def resolve_domain(model: CatalogModel, column: Column) -> Domain | None:
    """The domain that is ``column``'s type, or None."""
    name = column.type.split("(")[0].strip()
    return model.domain(name)


def base_type(model: CatalogModel, column: Column) -> str:
    """The column's type, through a domain to its base type."""
    domain = resolve_domain(model, column)
    return domain.base_type if domain else column.type


def column_bounds(model: CatalogModel, table: Table, column: str, *, length: bool) -> list[Bound]:
    """Every bound on ``column`` (``length=True``: on its character length)."""
    bounds: list[Bound] = []
    for check in table.checks:
        bounds.extend(_bounds_in(check, column, length, f"CHECK {check.name}"))
    col = table.column(column)
    if col is None:
        return bounds
    domain = resolve_domain(model, col)
    if domain is not None:
        for check in domain.checks:
            bounds.extend(
                _bounds_in(check, "value", length, f"domain {domain.name} CHECK {check.name}")
            )
    if length:
        typ = base_type(model, col)
        match = _VARCHAR.match(typ)
        if match:
            bounds.append(Bound("upper", float(match.group(1)), True, f"type {typ}"))
    return bounds


def _bounds_in(check: Check, column: str, length: bool, source: str) -> list[Bound]:
    try:
        tree = sqlglot.parse_one(check.expression, read="postgres")
    except (SqlglotError, ValueError):
        return []
    if tree is None:
        return []
    found = []
    for part in _conjuncts(tree):
        bound = _bound(part, column, length)
        if bound is not None:
            side, value, inclusive = bound
            found.append(Bound(side, value, inclusive, source, check.validated))
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


def strongest(
    bounds: list[Bound], side: str, *, integral: bool, validated_only: bool = True
) -> Bound | None:
    """The tightest bound on ``side`` (integral: ``> n`` counts as ``>= n+1``).

    ``NOT VALID`` bounds are left out unless ``validated_only`` is False (they do
    apply to new rows).
    """
    best: Bound | None = None
    for bound in bounds:
        if bound.side != side or (validated_only and not bound.validated):
            continue
        if best is None or _tighter(bound, best, side, integral):
            best = bound
    return best


def effective(bound: Bound, *, integral: bool) -> tuple[float, bool]:
    """(value, inclusive) with strict integral bounds made inclusive."""
    if integral and not bound.inclusive and float(bound.value).is_integer():
        return (bound.value + 1, True) if bound.side == "lower" else (bound.value - 1, True)
    return bound.value, bound.inclusive


def _tighter(a: Bound, b: Bound, side: str, integral: bool) -> bool:
    va, ia = effective(a, integral=integral)
    vb, ib = effective(b, integral=integral)
    if va != vb:
        return va > vb if side == "lower" else va < vb
    return not ia and ib


def satisfies(bound: Bound | None, value: float, inclusive: bool, *, integral: bool) -> bool:
    """Whether ``bound`` is at least as strict as the required ``(value, inclusive)``."""
    if bound is None:
        return False
    have, have_incl = effective(bound, integral=integral)
    want, want_incl = (
        effective(Bound(bound.side, value, inclusive, ""), integral=integral)
        if integral
        else (value, inclusive)
    )
    if bound.side == "lower":
        return have > want or (have == want and (want_incl or not have_incl))
    return have < want or (have == want and (want_incl or not have_incl))


def is_citext(model: CatalogModel, column: Column) -> bool:
    """True when the column's type (through a domain) is ``citext``."""
    return base_type(model, column).split(".")[-1] == "citext"


def case_insensitive_collation(model: CatalogModel, name: str | None) -> bool:
    """True when ``name`` is a nondeterministic, case-insensitive collation."""
    if not name:
        return False
    collation = model.collation(name)
    return collation is not None and collation.case_insensitive


def enforcing_unique(index: Index, *, allow_deferrable: bool = False) -> list[str]:
    """Why ``index`` does not enforce uniqueness for every row (empty when it does)."""
    problems = []
    if not index.unique:
        problems.append("not unique")
    if not index.valid:
        problems.append("invalid (e.g. a failed CREATE INDEX CONCURRENTLY)")
    if index.predicate is not None:
        problems.append(f"partial (WHERE {index.predicate})")
    if index.deferrable and not allow_deferrable:
        problems.append("deferrable (checked only at commit)")
    return problems

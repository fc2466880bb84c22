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

from auditor.catalog.model import CatalogModel, Check, Column, Domain, Index, Table

_VARCHAR = re.compile(r"^(?:character varying|varchar|character|char|bpchar)\((\d+)\)$")


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
    from auditor.catalog.check_bounds import bounds_in  # sqlglot: imported when a CHECK is read

    return [
        Bound(side, value, inclusive, source, check.validated)
        for side, value, inclusive in bounds_in(check.expression, column, length)
    ]


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

"""Matchers for the object requirement kinds of the rule packs: ``index``, ``check``, ``trigger``.

What pgTAP's ``has_index``, a CHECK assertion and ``has_trigger`` verify, as semantic
matches on the catalog model, so they run on the live and the static model alike:

- ``index``: a valid index whose leading keys are the required columns (or
  expression), unique when required, of the required method, and full unless a
  ``where`` predicate is required (then its predicate must be that one);
- ``check``: every conjunct of the required expression is enforced: a bound on a
  column by any enforcing form (a stricter CHECK, a domain, a ``varchar(n)``, as the
  length and lower-bound kinds match), anything else by a validated CHECK holding that
  conjunct (normalized as both models normalize expressions);
- ``trigger``: an enabled trigger with the required name, function, timing and
  events (each only when given; the trigger may fire on more events).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.catalog.model import CatalogModel, Index, Table
from auditor.catalog.semantics import base_type, column_bounds, satisfies, strongest
from auditor.families.schema.rulepacks import Requirement

_INTEGRAL = ("smallint", "integer", "bigint")


def normalize_expr(sql: str) -> str:
    """:func:`auditor.catalog.normalize.normalize_expr`, imported (with sqlglot) when used:
    the rule registry loads this module and stays light."""
    from auditor.catalog.normalize import normalize_expr as normalize

    return normalize(sql)


@dataclass(frozen=True)
class Outcome:
    """The verdict on one requirement."""

    satisfied: bool
    found: str
    """What enforces it, or what was found instead."""
    fix: str | None = None


# --- index -------------------------------------------------------------------------


def _keys_wanted(req: Requirement) -> tuple[str, ...]:
    if req.expression is not None:
        return (normalize_expr(req.expression),)
    return req.columns


def _index_problems(index: Index, req: Requirement) -> list[str]:
    problems = []
    if not index.valid:
        problems.append("invalid")
    if req.unique and not index.unique:
        problems.append("not unique")
    if req.method is not None and index.method != req.method:
        problems.append(f"method {index.method}")
    wanted = normalize_expr(req.where) if req.where is not None else None
    if index.predicate != wanted:
        problems.append(f"partial (WHERE {index.predicate})" if index.predicate else "not partial")
    return problems


def index_outcome(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    """Whether ``table`` has the index ``req`` asks for."""
    wanted = _keys_wanted(req)
    candidates = []
    for index in table.indexes:
        keys = tuple(k.expression for k in index.keys[: len(wanted)])
        if keys != wanted:
            continue
        problems = _index_problems(index, req)
        what = f"index {index.name} ({', '.join(k.expression for k in index.keys)})"
        if not problems:
            return Outcome(True, what)
        candidates.append(f"{what}: {', '.join(problems)}")
    found = "; ".join(candidates) if candidates else "no index with these leading keys"
    unique = "UNIQUE " if req.unique else ""
    using = f" USING {req.method}" if req.method else ""
    where = f" WHERE {req.where}" if req.where else ""
    name = f"{table.name}_{'_'.join(req.columns) or 'expr'}_idx"
    key_sql = req.expression if req.expression is not None else ", ".join(req.columns)
    fix = f"CREATE {unique}INDEX CONCURRENTLY {name} ON {req.table}{using} ({key_sql}){where};"
    return Outcome(False, found, fix)


# --- check ---------------------------------------------------------------------------


def conjuncts(expression: str) -> list[str]:
    """The normalized ``AND``-ed parts of ``expression`` (BETWEEN is two parts)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    text = normalize_expr(expression)
    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except (SqlglotError, ValueError):
        return [text]
    parts: list[exp.Expr] = []
    stack: list[exp.Expr] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.And):
            stack.extend((node.expression, node.this))
        else:
            parts.append(node)
    return [p.sql(dialect="postgres") for p in parts]


def _bound_enforced(part: str, model: CatalogModel, table: Table) -> str | None:
    """What enforces ``part`` when it is one bound on one column, else None."""
    from auditor.catalog.check_bounds import bounds_in

    for column in table.columns:
        found = bounds_in(part, column.name, length=False)
        length = False
        if not found:
            found, length = bounds_in(part, column.name, length=True), True
        if len(found) != 1:
            continue
        side, value, inclusive = found[0]
        integral = length or base_type(model, column) in _INTEGRAL
        bounds = column_bounds(model, table, column.name, length=length)
        best = strongest(bounds, side, integral=integral)
        if satisfies(best, value, inclusive, integral=integral):
            assert best is not None
            return best.source
        return ""
    return None


def check_outcome(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    """Whether ``table`` enforces every conjunct of ``req.expression``."""
    assert req.expression is not None
    held = {
        part: check.name
        for check in table.checks
        if check.validated
        for part in conjuncts(check.expression)
    }
    used, missing = [], []
    for part in conjuncts(req.expression):
        source = held.get(part) and f"CHECK {held[part]}"
        if not source:
            source = _bound_enforced(part, model, table)
        if source:
            used.append(source)
        else:
            missing.append(part)
    if not missing:
        return Outcome(True, ", ".join(sorted(set(used))))
    unvalidated = [c.name for c in table.checks if not c.validated]
    found = f"not enforced: {' AND '.join(missing)}"
    if unvalidated:
        found += f" (NOT VALID constraints do not count: {', '.join(unvalidated)})"
    name = req.name or f"{table.name}_{req.id.replace('-', '_').replace('.', '_')}"
    return Outcome(
        False, found, f"ALTER TABLE {req.table} ADD CONSTRAINT {name} CHECK ({req.expression});"
    )


# --- trigger -------------------------------------------------------------------------


def trigger_outcome(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    """Whether ``table`` has an enabled trigger as ``req`` describes it."""
    candidates = []
    for trigger in table.triggers:
        if req.name is not None and trigger.name != req.name:
            continue
        problems = []
        if req.function is not None and trigger.function != req.function:
            problems.append(f"calls {trigger.function}")
        if req.timing is not None and trigger.timing != req.timing:
            problems.append(f"fires {trigger.timing}")
        absent = [e for e in req.events if e not in trigger.events]
        if absent:
            problems.append(f"not on {', '.join(absent)}")
        if not trigger.enabled:
            problems.append("disabled")
        what = f"trigger {trigger.name} ({trigger.timing} {' or '.join(trigger.events)})"
        if not problems:
            return Outcome(True, what)
        candidates.append(f"{what}: {', '.join(problems)}")
    found = "; ".join(candidates) if candidates else "no such trigger"
    events = " OR ".join(e.upper() for e in req.events) or "INSERT OR UPDATE"
    fix = (
        f"CREATE TRIGGER {req.name or 'audit'} {(req.timing or 'after').upper()} {events} "
        f"ON {req.table} FOR EACH ROW EXECUTE FUNCTION {req.function or '<function>'}();"
    )
    return Outcome(False, found, fix)


HANDLERS: dict[str, Callable[[Requirement, CatalogModel, Table], Outcome]] = {
    "index": index_outcome,
    "check": check_outcome,
    "trigger": trigger_outcome,
}
"""The matcher of each object requirement kind."""

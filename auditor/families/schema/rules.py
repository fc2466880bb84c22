"""Schema rules: is each requirement of the rule packs enforced by the schema?

Input: a :class:`SchemaSubject`: the catalog model (live or static), the loaded
requirements and, after ``--prove``, the probe results. Every requirement kind has
one rule; :func:`evaluate` is the semantic matcher they share, so the same verdict
is used for findings and for the "verified" evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.catalog.model import CatalogModel, Table
from auditor.catalog.semantics import (
    Bound,
    base_type,
    case_insensitive_collation,
    column_bounds,
    enforcing_unique,
    is_citext,
    satisfies,
    strongest,
)
from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.schema.kinds import HANDLERS as OBJECT_HANDLERS
from auditor.families.schema.kinds import Outcome
from auditor.families.schema.rulepacks import Requirement
from auditor.families.schema.settings import GenericOptions

FAMILY = "schema"

_INTEGRAL = ("smallint", "integer", "bigint")
_FAMILY_TYPES = {
    "exact-numeric": ("numeric", "decimal"),
    "integer": _INTEGRAL,
    "text": ("text", "character varying", "character", "citext", "varchar", "bpchar"),
    "timestamptz": ("timestamp with time zone",),
    "boolean": ("boolean",),
    "uuid": ("uuid",),
}
_FIX_TYPE = {
    "exact-numeric": "numeric(12,2)",
    "integer": "bigint",
    "text": "text",
    "timestamptz": "timestamptz",
    "boolean": "boolean",
    "uuid": "uuid",
}


@dataclass(frozen=True)
class ProbeResult:
    """What PostgreSQL did with the probe rows of one requirement (``--prove``)."""

    requirement: str
    """The requirement id."""
    proven: bool
    """True when every violating row was rejected and every boundary row accepted."""
    detail: str
    """What was tried and what happened, e.g. ``rejected length 2 and 65, accepted 3 and 64``."""
    skipped: str | None = None
    """Why no probe ran (no probe for this kind, no valid row could be built), else None."""


@dataclass(frozen=True)
class SchemaSubject:
    """What the schema rules read."""

    model: CatalogModel
    requirements: tuple[Requirement, ...]
    probes: tuple[ProbeResult, ...] | None = None
    """None when ``--prove`` did not run."""
    source: str = "live"
    """``live`` (pg_catalog) or ``static`` (migration files)."""
    generic: GenericOptions | None = None
    """Settings of the generic rules (SCH011-SCH020); None: they do not run."""
    uncertain: tuple[Requirement, ...] = ()
    """Pack requirements not judged here (static: uncertain); the generic rules still
    leave the objects they cover to them."""


def evaluate(requirement: Requirement, model: CatalogModel) -> Outcome:
    """Whether ``model`` enforces ``requirement``, and the evidence either way."""
    table = model.table(requirement.table)
    if table is None:
        return Outcome(False, f"table {requirement.table} does not exist", _fix_table(requirement))
    if requirement.kind == "table":
        return Outcome(True, f"table {table.qualified} exists")
    for name in requirement.columns:
        if requirement.kind != "primary-key" and table.column(name) is None:
            return Outcome(
                False, f"column {table.qualified}.{name} does not exist", _fix_column(requirement)
            )
    handler = _HANDLERS[requirement.kind]
    return handler(requirement, model, table)


def _fix_table(req: Requirement) -> str:
    return f"-- create table {req.table} as the migrations define it"


def _fix_column(req: Requirement) -> str:
    return f"ALTER TABLE {req.table} ADD COLUMN {req.column} ...;"


def _type(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    column = table.column(req.column)
    assert column is not None
    typ = base_type(model, column)
    bare = typ.split("(")[0].strip().split(".")[-1]
    via = f" (domain {column.type})" if typ != column.type else ""
    if bare in _FAMILY_TYPES.get(req.family or "", ()):
        return Outcome(True, f"column type {typ}{via}")
    return Outcome(
        False,
        f"column type {typ}{via}",
        f"ALTER TABLE {req.table} ALTER COLUMN {req.column} TYPE {_FIX_TYPE.get(req.family or '', typ)};",
    )


def _not_null(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    column = table.column(req.column)
    assert column is not None
    if column.not_null:
        return Outcome(True, "column is NOT NULL")
    from auditor.catalog.semantics import resolve_domain

    domain = resolve_domain(model, column)
    if domain is not None and domain.not_null:
        return Outcome(True, f"domain {domain.name} is NOT NULL")
    for check in table.checks:
        if check.validated and check.expression == f"NOT {req.column} IS NULL":
            return Outcome(True, f"CHECK {check.name}")
        if check.validated and check.expression == f"{req.column} IS NOT NULL":
            return Outcome(True, f"CHECK {check.name}")
    return Outcome(
        False,
        "column allows NULL",
        f"ALTER TABLE {req.table} ALTER COLUMN {req.column} SET NOT NULL;",
    )


def _describe_bounds(bounds: list[Bound]) -> str:
    if not bounds:
        return "no bound"
    parts = []
    for b in bounds:
        op = {
            ("lower", True): ">=",
            ("lower", False): ">",
            ("upper", True): "<=",
            ("upper", False): "<",
        }[(b.side, b.inclusive)]
        value = int(b.value) if float(b.value).is_integer() else b.value
        parts.append(f"{op} {value} ({b.source}{'' if b.validated else ', NOT VALID'})")
    return ", ".join(parts)


def _bounded(
    req: Requirement,
    bounds: list[Bound],
    *,
    integral: bool,
    subject: str,
    fix_expr: str,
) -> Outcome:
    problems = []
    used = []
    if req.kind == "lower-bound" or (req.min is not None and req.min > 0):
        assert req.min is not None
        best = strongest(bounds, "lower", integral=integral)
        if satisfies(best, req.min, req.inclusive, integral=integral):
            assert best is not None
            used.append(best)
        else:
            problems.append("lower")
    if req.kind == "length" and req.max is not None:
        best = strongest(bounds, "upper", integral=True)
        if satisfies(best, req.max, True, integral=True):
            assert best is not None
            used.append(best)
        else:
            problems.append("upper")
    if not problems:
        return Outcome(True, _describe_bounds(used))
    unvalidated = [b for b in bounds if not b.validated]
    found = _describe_bounds(bounds)
    if unvalidated and any(b.side in problems for b in unvalidated):
        names = sorted({b.source.split()[-1] for b in unvalidated})
        fix = "; ".join(f"ALTER TABLE {req.table} VALIDATE CONSTRAINT {n}" for n in names) + ";"
        return Outcome(False, f"{found}: a NOT VALID constraint does not count", fix)
    name = (
        f"{req.table.split('.')[-1]}_{req.column}_{'length' if req.kind == 'length' else 'check'}"
    )
    return Outcome(
        False,
        f"{subject}: {found}",
        f"ALTER TABLE {req.table} ADD CONSTRAINT {name} CHECK ({fix_expr});",
    )


def _length(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    bounds = column_bounds(model, table, req.column, length=True)
    lo = int(req.min) if req.min is not None else None
    hi = int(req.max) if req.max is not None else None
    if lo is not None and hi is not None:
        expr = f"char_length({req.column}) BETWEEN {lo} AND {hi}"
    elif hi is not None:
        expr = f"char_length({req.column}) <= {hi}"
    else:
        expr = f"char_length({req.column}) >= {lo}"
    return _bounded(req, bounds, integral=True, subject="length bounds", fix_expr=expr)


def _lower_bound(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    column = table.column(req.column)
    assert column is not None
    integral = base_type(model, column) in _INTEGRAL
    bounds = column_bounds(model, table, req.column, length=False)
    assert req.min is not None
    value = int(req.min) if float(req.min).is_integer() else req.min
    expr = f"{req.column} {'>=' if req.inclusive else '>'} {value}"
    return _bounded(req, bounds, integral=integral, subject="bounds", fix_expr=expr)


def _unique_ci(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    column = table.column(req.column)
    assert column is not None
    col = req.column
    candidates = []
    for index in table.indexes:
        if len(index.keys) != 1:
            continue
        key = index.keys[0]
        how = None
        if not key.is_column and key.expression in (f"lower({col})", f"upper({col})"):
            how = f"unique index {index.name} on {key.expression}"
        elif key.is_column and key.expression == col:
            if is_citext(model, column):
                how = f"unique index {index.name} on citext column {col}"
            elif case_insensitive_collation(model, key.collation or column.collation):
                how = (
                    f"unique index {index.name} with case-insensitive collation "
                    f"{key.collation or column.collation}"
                )
            elif index.unique:
                candidates.append(f"{index.name}: case-sensitive UNIQUE({col})")
                continue
        if how is None:
            continue
        problems = enforcing_unique(index, allow_deferrable=req.allow_deferrable)
        if not problems:
            return Outcome(True, how)
        candidates.append(f"{index.name}: {', '.join(problems)}")
    found = "; ".join(candidates) if candidates else "no unique index on the column"
    return Outcome(
        False,
        found,
        f"CREATE UNIQUE INDEX CONCURRENTLY {table.name}_{col}_lower_key ON {req.table} (lower({col}));",
    )


def _unique(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    wanted = set(req.columns)
    candidates = []
    for index in table.indexes:
        cols = index.column_names
        if not index.unique or cols is None or not set(cols) <= wanted or not cols:
            continue
        problems = enforcing_unique(index, allow_deferrable=req.allow_deferrable)
        what = f"{index.constraint or 'unique index'} {index.name} ({', '.join(cols)})"
        if not problems:
            return Outcome(True, what)
        candidates.append(f"{what}: {', '.join(problems)}")
    found = (
        "; ".join(candidates) if candidates else "no unique constraint or index on these columns"
    )
    name = f"{table.name}_{'_'.join(req.columns)}_key"
    return Outcome(
        False,
        found,
        f"ALTER TABLE {req.table} ADD CONSTRAINT {name} UNIQUE ({', '.join(req.columns)});",
    )


def _primary_key(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    pk = table.primary_key
    fix = f"ALTER TABLE {req.table} ADD PRIMARY KEY ({', '.join(req.columns or ('id',))});"
    if pk is None:
        return Outcome(False, "no primary key", fix)
    cols = pk.column_names or ()
    if req.columns and tuple(cols) != req.columns:
        return Outcome(False, f"primary key {pk.name} is on ({', '.join(cols)})", fix)
    if not pk.valid:
        return Outcome(False, f"primary key {pk.name} index is invalid", fix)
    return Outcome(True, f"primary key {pk.name} ({', '.join(cols)})")


def _foreign_key(req: Requirement, model: CatalogModel, table: Table) -> Outcome:
    ref_cols = req.ref_columns
    if not ref_cols:
        target = model.table(req.references or "")
        pk = target.primary_key if target else None
        ref_cols = tuple(pk.column_names or ()) if pk else ()
    action = (req.on_delete or "no action").upper()
    name = f"{table.name}_{'_'.join(req.columns)}_fkey"
    add = (
        f"ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(req.columns)}) "
        f"REFERENCES {req.references} ({', '.join(ref_cols)}) ON DELETE {action}"
    )
    candidates = []
    for fk in table.foreign_keys:
        if fk.columns != req.columns or fk.ref_table != req.references:
            continue
        if ref_cols and fk.ref_columns != ref_cols:
            continue
        problems = []
        if not fk.validated:
            problems.append("NOT VALID")
        if req.on_delete is not None and fk.on_delete != req.on_delete:
            problems.append(f"ON DELETE {fk.on_delete.upper()}")
        what = f"FOREIGN KEY {fk.name}"
        if not problems:
            return Outcome(True, f"{what} ON DELETE {fk.on_delete.upper()}")
        candidates.append(f"{what}: {', '.join(problems)}")
        if problems == ["NOT VALID"]:
            return Outcome(
                False, candidates[-1], f"ALTER TABLE {req.table} VALIDATE CONSTRAINT {fk.name};"
            )
        add = f"DROP CONSTRAINT {fk.name}, {add}"
    found = "; ".join(candidates) if candidates else "no such foreign key"
    return Outcome(False, found, f"ALTER TABLE {req.table} {add};")


_HANDLERS = {
    "type": _type,
    "not-null": _not_null,
    "length": _length,
    "lower-bound": _lower_bound,
    "unique-ci": _unique_ci,
    "unique": _unique,
    "primary-key": _primary_key,
    "foreign-key": _foreign_key,
    **OBJECT_HANDLERS,
}


def _hits(subject: SchemaSubject, kind: str) -> Iterator[Hit]:
    for req in subject.requirements:
        if req.kind != kind:
            continue
        outcome = evaluate(req, subject.model)
        if outcome.satisfied:
            continue
        yield Hit(
            message=f"required: {req.describe()} ({req.reason}); found: {outcome.found}",
            location=Location(object=req.target),
            fix=outcome.fix,
            key=req.id,
            evidence=(("requirement", req.id), ("pack", req.pack), ("source", subject.source)),
            severity=req.severity,
        )


@rule("SCH001", FAMILY, Severity.HIGH, "A required table exists")
def table_exists(subject: SchemaSubject) -> Iterator[Hit]:
    """A table the rule pack requires is missing from the schema.

    Bad:

        CREATE TABLE accounts (id BIGINT PRIMARY KEY);   -- the pack requires users

    Good:

        CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    """
    yield from _hits(subject, "table")


@rule("SCH002", FAMILY, Severity.HIGH, "A column has the required type family")
def column_type(subject: SchemaSubject) -> Iterator[Hit]:
    """A column's type is not in the family the requirement asks for (or it is missing).

    Money must be exact: ``real``, ``double precision`` and ``money`` round or depend
    on locale. A domain counts through its base type.

    Bad:

        CREATE TABLE products (price DOUBLE PRECISION NOT NULL);

    Good:

        CREATE TABLE products (price NUMERIC(12, 2) NOT NULL);
    """
    yield from _hits(subject, "type")


@rule("SCH003", FAMILY, Severity.HIGH, "A required column is NOT NULL")
def not_null(subject: SchemaSubject) -> Iterator[Hit]:
    """A column the review requires to be present in every row allows NULL.

    Satisfied by ``NOT NULL``, a NOT NULL domain, or a validated ``CHECK (x IS NOT NULL)``.

    Bad:

        CREATE TABLE users (email TEXT);

    Good:

        CREATE TABLE users (email TEXT NOT NULL);
    """
    yield from _hits(subject, "not-null")


@rule("SCH004", FAMILY, Severity.HIGH, "A text column's length is bounded as required")
def length_bounds(subject: SchemaSubject) -> Iterator[Hit]:
    """The required length bounds of a text column are not enforced.

    Any enforcing form counts: ``char_length(x) BETWEEN 3 AND 64``, two comparisons,
    separate CHECKs per bound, a domain CHECK, or a ``varchar(64)`` limit for the upper
    bound. A looser bound, or a ``NOT VALID`` CHECK, does not.

    Bad:

        CREATE TABLE users (username TEXT CHECK (char_length(username) BETWEEN 1 AND 500));

    Good:

        CREATE TABLE users (username TEXT CHECK (char_length(username) BETWEEN 3 AND 64));
    """
    yield from _hits(subject, "length")


@rule("SCH005", FAMILY, Severity.HIGH, "A numeric column has the required lower bound")
def lower_bound(subject: SchemaSubject) -> Iterator[Hit]:
    """The required lower bound (``>= 0``, ``> 0``) of a numeric column is not enforced.

    A stricter bound counts (``> 0`` satisfies ``>= 0``); for integer columns ``>= 1``
    satisfies ``> 0``. A ``NOT VALID`` CHECK does not count.

    Bad:

        CREATE TABLE products (price NUMERIC(12, 2) NOT NULL);   -- no CHECK

    Good:

        CREATE TABLE products (price NUMERIC(12, 2) NOT NULL CHECK (price >= 0));
    """
    yield from _hits(subject, "lower-bound")


@rule("SCH006", FAMILY, Severity.HIGH, "A column is unique ignoring case")
def unique_case_insensitive(subject: SchemaSubject) -> Iterator[Hit]:
    """No valid, complete, immediate unique index makes the column unique ignoring case.

    Satisfied by a unique index on ``lower(x)`` or ``upper(x)``, a unique constraint on a
    ``citext`` column, or a unique index with a nondeterministic case-insensitive
    collation. Not by a plain ``UNIQUE (x)``, a partial or invalid index, or a
    deferrable constraint.

    Bad:

        CREATE TABLE users (email TEXT NOT NULL UNIQUE);   -- Bob@x.org and bob@x.org

    Good:

        CREATE TABLE users (email TEXT NOT NULL);
        CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
    """
    yield from _hits(subject, "unique-ci")


@rule("SCH007", FAMILY, Severity.MEDIUM, "A column set is unique")
def unique_columns(subject: SchemaSubject) -> Iterator[Hit]:
    """No valid, complete, immediate unique constraint or index covers the column set.

    A unique index on a subset of the columns also counts (it is stricter).

    Bad:

        CREATE TABLE cart_items (cart_id BIGINT, product_id BIGINT);

    Good:

        CREATE TABLE cart_items (cart_id BIGINT, product_id BIGINT,
          CONSTRAINT cart_items_cart_id_product_id_key UNIQUE (cart_id, product_id));
    """
    yield from _hits(subject, "unique")


@rule("SCH008", FAMILY, Severity.HIGH, "A table has the required primary key")
def primary_key(subject: SchemaSubject) -> Iterator[Hit]:
    """The table has no primary key, or one on other columns than required.

    Bad:

        CREATE TABLE carts (id BIGINT, user_id BIGINT NOT NULL);

    Good:

        CREATE TABLE carts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id BIGINT NOT NULL);
    """
    yield from _hits(subject, "primary-key")


@rule("SCH009", FAMILY, Severity.HIGH, "A foreign key exists with the required ON DELETE action")
def foreign_key(subject: SchemaSubject) -> Iterator[Hit]:
    """The foreign key is missing, ``NOT VALID``, or has another ON DELETE action.

    Bad:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE carts (user_id BIGINT REFERENCES users (id));  -- NO ACTION: orphans block deletion

    Good:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE carts (user_id BIGINT REFERENCES users (id) ON DELETE CASCADE);
    """
    yield from _hits(subject, "foreign-key")


@rule("SCH010", FAMILY, Severity.HIGH, "PostgreSQL really enforces each requirement (probe)")
def probe_failed(subject: SchemaSubject) -> Iterator[Hit]:
    """``--prove`` tried violating and boundary rows and PostgreSQL did not behave as required.

    The catalog can look right while enforcement is off: a foreign key whose internal
    triggers were disabled, a rule or trigger that rewrites inserts, a constraint on the
    wrong column. The probe inserts rows in a transaction that is always rolled back.

    Bad:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE carts (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id) ON DELETE CASCADE);
        ALTER TABLE carts DISABLE TRIGGER ALL;   -- the foreign key is no longer checked

    Good:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE carts (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id) ON DELETE CASCADE);
    """
    if subject.probes is None:
        return
    by_id = {r.id: r for r in subject.requirements}
    for probe in subject.probes:
        if probe.proven or probe.skipped is not None:
            continue
        req = by_id[probe.requirement]
        if not evaluate(req, subject.model).satisfied:
            continue  # already reported by the catalog rule of its kind
        yield Hit(
            message=f"required: {req.describe()}; the catalog says so, but PostgreSQL {probe.detail}",
            location=Location(object=req.target),
            fix="find what disables enforcement (disabled triggers, rules, triggers rewriting rows)",
            key=req.id,
            evidence=(("requirement", req.id), ("probe", probe.detail)),
            severity=req.severity,
        )


@rule("SCH021", FAMILY, Severity.MEDIUM, "A required index exists")
def index_exists(subject: SchemaSubject) -> Iterator[Hit]:
    """No valid index leads with the required columns (or expression), or it is not
    unique, of another method, or partial, as the requirement says it must not be.

    An unindexed foreign-key column makes every delete of a parent scan the child
    table, and every lookup by it a sequential scan.

    Bad:

        CREATE TABLE carts (id bigint PRIMARY KEY, user_id bigint NOT NULL);

    Good:

        CREATE TABLE carts (id bigint PRIMARY KEY, user_id bigint NOT NULL);
        CREATE INDEX carts_user_id_idx ON carts (user_id);
    """
    yield from _hits(subject, "index")


@rule("SCH022", FAMILY, Severity.HIGH, "A required CHECK is enforced")
def check_enforced(subject: SchemaSubject) -> Iterator[Hit]:
    """A part of the required expression is enforced by no validated CHECK (a bound may
    also be enforced by a stricter CHECK, a domain or a ``varchar(n)``).

    Bad:

        CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL);

    Good:

        CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL,
          CHECK (status IN ('open', 'paid', 'shipped')));
    """
    yield from _hits(subject, "check")


@rule("SCH023", FAMILY, Severity.HIGH, "A required trigger exists and is enabled")
def trigger_exists(subject: SchemaSubject) -> Iterator[Hit]:
    """No enabled trigger on the table has the required name, function, timing and events.

    An audit trail or an ``updated_at`` stamp kept by a trigger silently stops when the
    trigger is dropped, disabled or narrowed to fewer events.

    Bad:

        CREATE TABLE users (id bigint PRIMARY KEY, updated_at timestamptz);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
          AS 'BEGIN NEW.updated_at := now(); RETURN NEW; END';
        CREATE TRIGGER users_touch BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch();

    Good:

        CREATE TABLE users (id bigint PRIMARY KEY, updated_at timestamptz);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
          AS 'BEGIN NEW.updated_at := now(); RETURN NEW; END';
        CREATE TRIGGER users_touch BEFORE INSERT OR UPDATE ON users
          FOR EACH ROW EXECUTE FUNCTION touch();
    """
    yield from _hits(subject, "trigger")

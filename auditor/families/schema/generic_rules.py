"""Generic schema rules: what a security review checks on *any* schema, no pack needed.

Columns are chosen by name (globs of :data:`auditor.families.schema.settings.DEFAULT_PATTERNS`,
configurable in ``[tool.auditor.schema.patterns]``) and judged by what the schema
enforces, with the same semantic matching as the rule packs (``varchar(64)`` or a CHECK
on ``char_length``; ``lower()`` index or ``citext``). A column or table that an explicit
pack requirement already covers is left to that requirement. Findings on the static
model point at the migration that created the object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from auditor.catalog.model import CatalogModel, Column, ForeignKey, Origin, Table
from auditor.catalog.semantics import base_type, column_bounds, enforcing_unique, strongest
from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.schema.rulepacks import Requirement
from auditor.families.schema.rules import _INTEGRAL, FAMILY, SchemaSubject, evaluate
from auditor.families.schema.settings import DEFAULT_EXEMPT, GenericOptions

_TEXT = ("text", "character varying", "varchar", "citext", "character", "bpchar")
_EXACT = ("numeric", "decimal", *_INTEGRAL)
_CASTS = re.compile(r"\s+|::text|::citext|::character varying")


@dataclass(frozen=True)
class _Scope:
    """One generic rule's view of the subject: its settings and the pack's coverage."""

    subject: SchemaSubject
    options: GenericOptions
    rule_id: str

    @property
    def model(self) -> CatalogModel:
        return self.subject.model

    def tables(self) -> Iterator[Table]:
        for table in self.model.tables:
            if not self.exempt(table.qualified):
                yield table

    def columns(self, pattern_set: str, *exclude: str) -> Iterator[tuple[Table, Column]]:
        """Columns whose name matches ``pattern_set`` and none of ``exclude``."""
        for table in self.tables():
            for column in table.columns:
                if (
                    self.matches(column.name, pattern_set)
                    and not any(self.matches(column.name, other) for other in exclude)
                    and not self.exempt(f"{table.qualified}.{column.name}")
                ):
                    yield table, column

    def foreign_keys(self) -> Iterator[tuple[Table, ForeignKey, str]]:
        """Each foreign key that is not exempt, with its object name ``schema.table.fkey``."""
        for table in self.tables():
            for fk in table.foreign_keys:
                obj = f"{table.qualified}.{fk.name}"
                if not self.exempt(obj):
                    yield table, fk, obj

    def matches(self, name: str, pattern_set: str) -> bool:
        lowered = name.lower()
        return any(fnmatchcase(lowered, p) for p in self.options.patterns.get(pattern_set, ()))

    def exempt(self, obj: str) -> bool:
        globs = (
            *DEFAULT_EXEMPT,
            *self.options.exempt.get("all", ()),
            *self.options.exempt.get(self.rule_id, ()),
        )
        return any(fnmatchcase(obj, g) for g in globs)

    def covered(self, kind: str, table: Table, column: str | None = None) -> bool:
        """True when a pack requirement of ``kind`` is about this table (and column)."""
        return any(
            r.kind == kind
            and r.table == table.qualified
            and (column is None or column in r.columns)
            for r in (*self.subject.requirements, *self.subject.uncertain)
        )

    def hit(
        self,
        message: str,
        obj: str,
        origin: Origin | None,
        fix: str | None,
        *evidence: tuple[str, str],
    ) -> Hit:
        where = Location(
            file=origin.file if origin else None,
            line=origin.line if origin else None,
            object=obj,
        )
        return Hit(
            message=message,
            location=where,
            fix=fix,
            key=obj,
            evidence=(("source", self.subject.source), *evidence),
        )


def _scope(subject: SchemaSubject, rule_id: str) -> _Scope | None:
    if subject.generic is None:
        return None
    return _Scope(subject, subject.generic, rule_id)


def _origin(table: Table, column: Column | None = None) -> Origin | None:
    return (column.origin if column is not None else None) or table.origin


def _bare(model: CatalogModel, column: Column) -> str:
    return base_type(model, column).split("(")[0].strip().split(".")[-1]


def _synthetic(kind: str, table: Table, column: str, **extra: object) -> Requirement:
    """A requirement the generic rule asks of one column, to reuse the packs' matcher."""
    return Requirement(
        id=f"generic-{kind}",
        kind=kind,
        table=table.qualified,
        severity=Severity.INFO,
        reason="generic rule",
        columns=(column,),
        **extra,  # type: ignore[arg-type]
    )


def _upper_length(model: CatalogModel, table: Table, column: str) -> float | None:
    best = strongest(column_bounds(model, table, column, length=True), "upper", integral=True)
    return best.value if best is not None else None


@rule("SCH011", FAMILY, Severity.MEDIUM, "An identifier-like text column has an upper bound")
def bounded_text(subject: SchemaSubject) -> Iterator[Hit]:
    """A text column that holds a name, login, email, title, slug or URL (pattern set
    ``bounded-text``) accepts text of any length: one request can store megabytes in it,
    and every page that shows it pays for that. Any enforcing form counts:
    ``varchar(n)``, a validated CHECK on ``char_length``/``length``, or a domain with one.

    Bad:

        CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT NOT NULL);

    Good:

        CREATE TABLE accounts (id BIGINT PRIMARY KEY, email VARCHAR(254) NOT NULL);
    """
    scope = _scope(subject, "SCH011")
    if scope is None:
        return
    for table, column in scope.columns("bounded-text"):
        if _bare(scope.model, column) not in _TEXT or scope.covered("length", table, column.name):
            continue
        if (
            column.generated is not None
            or _upper_length(scope.model, table, column.name) is not None
        ):
            continue
        obj = f"{table.qualified}.{column.name}"
        yield scope.hit(
            f"{obj} ({base_type(scope.model, column)}) has no upper length bound",
            obj,
            _origin(table, column),
            f"ALTER TABLE {table.qualified} ADD CONSTRAINT {table.name}_{column.name}_length "
            f"CHECK (char_length({column.name}) <= 255);",
        )


def _case_sensitive_unique(table: Table, column: str) -> str | None:
    """The name of a plain unique index/constraint on exactly ``column``, or None."""
    for index in table.indexes:
        if index.unique and index.column_names == (column,) and index.predicate is None:
            return index.name
    return None


def _lower_check(table: Table, column: str) -> str | None:
    """A validated CHECK that keeps ``column`` in one case (``email = lower(email)``)."""
    wanted = {f"{column}=lower({column})", f"lower({column})={column}"}
    wanted |= {w.replace("lower", "upper") for w in wanted}
    for check in table.checks:
        flat = _CASTS.sub("", check.expression.lower())
        while flat.startswith("(") and flat.endswith(")"):
            flat = flat[1:-1]
        if check.validated and flat in wanted:
            return check.name
    return None


def _canonical_unique(table: Table, column: str) -> str | None:
    """A valid unique index on a function of ``column`` (``canon_name(name)``): a
    deliberate canonical form, which the rule trusts to fold case."""
    call = re.compile(rf"^\w+\((?:.*\W)?{re.escape(column)}(?:\W.*)?\)$")
    for index in table.indexes:
        if len(index.keys) != 1 or index.keys[0].is_column or enforcing_unique(index):
            continue
        if call.match(index.keys[0].expression.lower()):
            return index.name
    return None


@rule("SCH012", FAMILY, Severity.HIGH, "A unique login or email is unique ignoring case")
def login_unique_ignoring_case(subject: SchemaSubject) -> Iterator[Hit]:
    """A login-like column (pattern set ``login``: username, login, handle, email) is
    unique, but only case-sensitively: ``Alice`` and ``alice`` are two accounts, the
    classic impersonation and account-recovery confusion. Satisfied by a unique index on
    ``lower(x)``/``upper(x)`` (or on a canonicalizing function of it, ``canon(x)``), a
    unique ``citext`` column, a case-insensitive collation, or a CHECK that keeps the
    column in one case (``x = lower(x)``). Columns without any unique constraint are not
    logins and are left alone.

    Bad:

        CREATE TABLE accounts (id BIGINT PRIMARY KEY, email VARCHAR(254) NOT NULL UNIQUE);

    Good:

        CREATE TABLE accounts (id BIGINT PRIMARY KEY, email VARCHAR(254) NOT NULL);
        CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (lower(email));
    """
    scope = _scope(subject, "SCH012")
    if scope is None:
        return
    for table, column in scope.columns("login"):
        if _bare(scope.model, column) not in _TEXT or scope.covered(
            "unique-ci", table, column.name
        ):
            continue
        plain = _case_sensitive_unique(table, column.name)
        if plain is None or _lower_check(table, column.name):
            continue
        if _canonical_unique(table, column.name):
            continue
        outcome = evaluate(_synthetic("unique-ci", table, column.name), scope.model)
        if outcome.satisfied:
            continue
        obj = f"{table.qualified}.{column.name}"
        yield scope.hit(
            f"{obj} is unique only case-sensitively ({plain}): values differing in case "
            "are different rows",
            obj,
            _origin(table, column),
            outcome.fix,
            ("unique", plain),
        )


@rule("SCH013", FAMILY, Severity.HIGH, "A money column has an exact type")
def money_exact(subject: SchemaSubject) -> Iterator[Hit]:
    """A money-like column (pattern set ``money``: price, amount, total, balance, cost,
    fee, ``*_cents``) is ``real``, ``double precision`` or ``money``: binary floats round
    (0.1 + 0.2 != 0.3) and ``money`` depends on the server's locale. Use ``numeric`` or
    integer cents.

    Bad:

        CREATE TABLE items (id BIGINT PRIMARY KEY, price DOUBLE PRECISION NOT NULL);

    Good:

        CREATE TABLE items (id BIGINT PRIMARY KEY, price NUMERIC(12, 2) NOT NULL);
    """
    scope = _scope(subject, "SCH013")
    if scope is None:
        return
    for table, column in scope.columns("money"):
        typ = _bare(scope.model, column)
        if typ not in ("real", "double precision", "money", "float4", "float8"):
            continue
        if scope.covered("type", table, column.name):
            continue
        obj = f"{table.qualified}.{column.name}"
        yield scope.hit(
            f"{obj} holds money as {typ}: it is not exact",
            obj,
            _origin(table, column),
            f"ALTER TABLE {table.qualified} ALTER COLUMN {column.name} TYPE numeric(12,2);",
        )


def _lower_bound_hit(
    scope: _Scope, table: Table, column: Column, what: str, extra: str = ""
) -> Hit | None:
    """A hit when ``column`` has no validated ``>= 0`` bound (and ``extra`` problems)."""
    outcome = evaluate(_synthetic("lower-bound", table, column.name, min=0.0), scope.model)
    if outcome.satisfied and not extra:
        return None
    obj = f"{table.qualified}.{column.name}"
    problems = [extra] if extra else []
    if not outcome.satisfied:
        problems.append(f"no CHECK keeps it >= 0 (found: {outcome.found})")
    return scope.hit(
        f"{obj} is {what}, but {' and '.join(problems)}",
        obj,
        _origin(table, column),
        outcome.fix if not outcome.satisfied else None,
    )


@rule("SCH014", FAMILY, Severity.MEDIUM, "A money column cannot be negative")
def money_non_negative(subject: SchemaSubject) -> Iterator[Hit]:
    """A money-like column has no CHECK keeping it ``>= 0``: a negative price or amount
    turns a purchase into a payout. Columns whose name says they are signed (pattern
    set ``signed-money``: balance, delta, adjustment) are left alone.

    Bad:

        CREATE TABLE items (id BIGINT PRIMARY KEY, price NUMERIC(12, 2) NOT NULL);

    Good:

        CREATE TABLE items (id BIGINT PRIMARY KEY, price NUMERIC(12, 2) NOT NULL CHECK (price >= 0));
    """
    scope = _scope(subject, "SCH014")
    if scope is None:
        return
    for table, column in scope.columns("money", "signed-money"):
        if _bare(scope.model, column) not in (*_EXACT, "real", "double precision", "money"):
            continue
        if scope.covered("lower-bound", table, column.name):
            continue
        found = _lower_bound_hit(scope, table, column, "an amount of money")
        if found is not None:
            yield found


@rule("SCH015", FAMILY, Severity.MEDIUM, "A count or quantity is a non-negative integer")
def quantity_non_negative(subject: SchemaSubject) -> Iterator[Hit]:
    """A count, quantity or stock column (pattern set ``quantity``) is not an integer,
    or has no CHECK keeping it ``>= 0``: a negative quantity in a cart is a refund.

    Bad:

        CREATE TABLE lines (id BIGINT PRIMARY KEY, quantity INTEGER NOT NULL);

    Good:

        CREATE TABLE lines (id BIGINT PRIMARY KEY, quantity INTEGER NOT NULL CHECK (quantity >= 0));
    """
    scope = _scope(subject, "SCH015")
    if scope is None:
        return
    for table, column in scope.columns("quantity"):
        typ = _bare(scope.model, column)
        if typ not in (*_EXACT, "real", "double precision") or scope.covered(
            "lower-bound", table, column.name
        ):
            continue
        extra = "" if typ in _INTEGRAL else f"its type is {typ}, not an integer"
        found = _lower_bound_hit(scope, table, column, "a count", extra)
        if found is not None:
            yield found


@rule("SCH016", FAMILY, Severity.LOW, "A foreign key states what happens on delete")
def foreign_key_on_delete(subject: SchemaSubject) -> Iterator[Hit]:
    """A foreign key has the default ``ON DELETE NO ACTION``: deleting the referenced
    row fails while rows refer to it. That may be right, but it should be a choice:
    ``CASCADE`` (the rows belong to it), ``SET NULL`` (they outlive it) or ``RESTRICT``
    (deletion must be refused). An explicit ``NO ACTION`` cannot be told from the default:
    say ``RESTRICT``, or exempt the key.

    Bad:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id));

    Good:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE);
    """
    scope = _scope(subject, "SCH016")
    if scope is None:
        return
    for table, fk, obj in scope.foreign_keys():
        if fk.on_delete != "no action":
            continue
        if any(
            r.kind == "foreign-key" and r.table == table.qualified and r.columns == fk.columns
            for r in (*subject.requirements, *subject.uncertain)
        ):
            continue
        yield scope.hit(
            f"{obj} ({', '.join(fk.columns)}) -> {fk.ref_table} has the default ON DELETE "
            "NO ACTION: choose CASCADE, SET NULL or RESTRICT deliberately",
            obj,
            fk.origin or table.origin,
            None,
        )


def _indexed(table: Table, columns: tuple[str, ...]) -> bool:
    """True when a valid, complete index has ``columns`` (any order) as its leading keys."""
    for index in table.indexes:
        lead = index.keys[: len(columns)]
        if (
            index.valid
            and index.predicate is None
            and index.method == "btree"
            and len(lead) == len(columns)
            and all(k.is_column for k in lead)
            and {k.expression for k in lead} == set(columns)
        ):
            return True
    return False


@rule("SCH017", FAMILY, Severity.MEDIUM, "A foreign key's columns are indexed")
def foreign_key_indexed(subject: SchemaSubject) -> Iterator[Hit]:
    """No index starts with a foreign key's referencing columns: every delete or key
    update of the referenced table scans the whole referencing table under lock, an easy
    denial of service on a large table. An index whose leading keys are the FK columns
    (in any order) counts; a partial or invalid one does not.

    Bad:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE);

    Good:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE);
        CREATE INDEX orders_user_id_idx ON orders (user_id);
    """
    scope = _scope(subject, "SCH017")
    if scope is None:
        return
    for table, fk, obj in scope.foreign_keys():
        if _indexed(table, fk.columns):
            continue
        cols = ", ".join(fk.columns)
        yield scope.hit(
            f"{obj} ({cols}) -> {fk.ref_table}: no index starts with ({cols})",
            obj,
            fk.origin or table.origin,
            f"CREATE INDEX CONCURRENTLY {table.name}_{'_'.join(fk.columns)}_idx "
            f"ON {table.qualified} ({cols});",
        )


@rule("SCH018", FAMILY, Severity.MEDIUM, "Every table has a primary key")
def table_primary_key(subject: SchemaSubject) -> Iterator[Hit]:
    """A table has no primary key: rows cannot be addressed one by one (duplicates
    cannot be told apart or deleted singly), and logical replication cannot replicate
    its updates and deletes.

    Bad:

        CREATE TABLE events (user_id BIGINT NOT NULL, kind TEXT NOT NULL);

    Good:

        CREATE TABLE events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id BIGINT NOT NULL, kind TEXT NOT NULL);
    """
    scope = _scope(subject, "SCH018")
    if scope is None:
        return
    for table in scope.tables():
        if table.primary_key is not None or scope.covered("primary-key", table):
            continue
        yield scope.hit(
            f"{table.qualified} has no primary key",
            table.qualified,
            table.origin,
            f"ALTER TABLE {table.qualified} ADD PRIMARY KEY (...);",
        )


def _pair(table: Table) -> tuple[str, str] | None:
    """The two FK columns forming a join table's natural key, or None.

    A join table has exactly two single-column foreign keys, and every other column has
    a default: a serial or identity key, timestamps, flags.
    """
    fks = [fk for fk in table.foreign_keys if len(fk.columns) == 1]
    if len(fks) != 2 or len(table.foreign_keys) != 2 or fks[0].columns == fks[1].columns:
        return None
    pair = (fks[0].columns[0], fks[1].columns[0])
    for column in table.columns:
        if column.name in pair:
            continue
        if column.default is None and column.identity is None and column.generated is None:
            return None
    return pair


@rule("SCH019", FAMILY, Severity.MEDIUM, "A join table allows one row per pair")
def join_table_unique(subject: SchemaSubject) -> Iterator[Hit]:
    """A join table (two foreign keys, every other column has a default: a serial key,
    timestamps) has no unique constraint on the pair: the same membership, like or grant
    can be stored twice, and counts, revocations and permission checks disagree.

    Bad:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE teams (id BIGINT PRIMARY KEY);
        CREATE TABLE memberships (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE);

    Good:

        CREATE TABLE users (id BIGINT PRIMARY KEY);
        CREATE TABLE teams (id BIGINT PRIMARY KEY);
        CREATE TABLE memberships (user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE, PRIMARY KEY (user_id, team_id));
    """
    scope = _scope(subject, "SCH019")
    if scope is None:
        return
    for table in scope.tables():
        pair = _pair(table)
        if pair is None or scope.covered("unique", table):
            continue
        wanted = Requirement(
            id="generic-unique",
            kind="unique",
            table=table.qualified,
            severity=Severity.INFO,
            reason="generic rule",
            columns=pair,
        )
        outcome = evaluate(wanted, scope.model)
        if outcome.satisfied:
            continue
        yield scope.hit(
            f"{table.qualified} joins ({', '.join(pair)}) but nothing makes the pair unique "
            f"({outcome.found})",
            table.qualified,
            table.origin,
            outcome.fix,
        )


@rule("SCH020", FAMILY, Severity.HIGH, "A secret column does not hold plain text")
def secret_plain_text(subject: SchemaSubject) -> Iterator[Hit]:
    """A column named like a credential (pattern set ``secret``: password, token, secret,
    api_key) is text of unbounded length: nothing in the schema suggests it holds a hash,
    so a database dump leaks working credentials. Store a hash (``bytea`` digest,
    ``char(64)`` hex, or a name that says so: pattern set ``hashed``) instead, or encrypt
    what the application must read back (signing keys, TOTP secrets).

    Bad:

        CREATE TABLE api_tokens (id BIGINT PRIMARY KEY, token TEXT NOT NULL);

    Good:

        CREATE TABLE api_tokens (id BIGINT PRIMARY KEY, token_sha256 BYTEA NOT NULL);
    """
    scope = _scope(subject, "SCH020")
    if scope is None:
        return
    for table, column in scope.columns("secret", "hashed"):
        if _bare(scope.model, column) not in _TEXT:
            continue
        if _upper_length(scope.model, table, column.name) is not None:
            continue
        obj = f"{table.qualified}.{column.name}"
        yield scope.hit(
            f"{obj} may hold a plain-text credential ({base_type(scope.model, column)}, "
            "any length): store a digest, or encrypt what must be read back",
            obj,
            _origin(table, column),
            f"-- a token or password: ALTER TABLE {table.qualified} ADD COLUMN "
            f"{column.name}_sha256 bytea; then drop {column.name} (a key the app must read "
            "back: encrypt it, e.g. pgcrypto or the app's KMS)",
        )

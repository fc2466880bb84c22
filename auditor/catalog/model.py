"""The schema model: what the schema rules read, built from a live database
(:mod:`auditor.catalog.live`) or from migration files (:mod:`auditor.catalog.static`).

The two builders must produce *equal* models for the same migrations (the invariant
in DESIGN.md), so every field holds a normalized value: names folded as PostgreSQL
folds them, types as ``format_type`` prints them, expressions normalized by
:func:`auditor.catalog.normalize.normalize_expr`. Collections are tuples sorted by
name (columns keep their table order), so ``==`` is the model equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Origin:
    """Where an object was created: a migration file and line (static model only).

    Excluded from equality: a live object and its static twin compare equal.
    """

    file: str
    line: int


@dataclass(frozen=True)
class Column:
    """A table column."""

    name: str
    type: str
    """As ``format_type`` prints it: ``numeric(12,2)``, ``character varying(64)``, ``text``."""
    not_null: bool = False
    default: str | None = None
    """Normalized default expression, or None."""
    collation: str | None = None
    """A collation other than the type's default, or None."""
    identity: str | None = None
    """``always``, ``by default`` or None."""
    generated: str | None = None
    """Normalized generation expression of a stored generated column, or None."""
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Check:
    """A CHECK constraint."""

    name: str
    expression: str
    """Normalized boolean expression (without the ``CHECK`` keyword)."""
    validated: bool = True
    """False for ``NOT VALID`` constraints: existing rows were never checked."""
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column name or a normalized expression."""

    expression: str
    is_column: bool = True
    collation: str | None = None
    """An explicit collation on this key, or None."""
    opclass: str | None = None
    """A non-default operator class, or None."""
    descending: bool = False


@dataclass(frozen=True)
class Index:
    """An index, including those backing PRIMARY KEY and UNIQUE constraints."""

    name: str
    keys: tuple[IndexKey, ...]
    unique: bool = False
    method: str = "btree"
    predicate: str | None = None
    """Normalized WHERE clause of a partial index, or None."""
    valid: bool = True
    """False for an index left invalid (e.g. a failed CREATE INDEX CONCURRENTLY)."""
    constraint: str | None = None
    """``primary key``, ``unique`` or ``exclude`` when the index backs a constraint."""
    deferrable: bool = False
    initially_deferred: bool = False
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    """Non-key INCLUDE columns."""
    origin: Origin | None = field(default=None, compare=False)

    @property
    def column_names(self) -> tuple[str, ...] | None:
        """The key columns when every key is a plain column, else None."""
        if all(k.is_column for k in self.keys):
            return tuple(k.expression for k in self.keys)
        return None


@dataclass(frozen=True)
class ForeignKey:
    """A FOREIGN KEY constraint."""

    name: str
    columns: tuple[str, ...]
    ref_table: str
    """Qualified ``schema.table``."""
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"
    """``no action``, ``restrict``, ``cascade``, ``set null`` or ``set default``."""
    on_update: str = "no action"
    validated: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    match: str = "simple"
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Trigger:
    """A (non-internal) trigger."""

    name: str
    function: str
    """Qualified function name."""
    enabled: bool = True
    """False when ``ALTER TABLE ... DISABLE TRIGGER`` was used."""
    timing: str = ""
    """``before``, ``after`` or ``instead of``."""
    events: tuple[str, ...] = ()
    """Sorted: ``delete``, ``insert``, ``truncate``, ``update``."""


@dataclass(frozen=True)
class Table:
    """A table with everything the schema rules read."""

    schema: str
    name: str
    columns: tuple[Column, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    rls_enabled: bool = False
    rls_forced: bool = False
    origin: Origin | None = field(default=None, compare=False)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def primary_key(self) -> Index | None:
        return next((i for i in self.indexes if i.constraint == "primary key"), None)


@dataclass(frozen=True)
class Domain:
    """A domain type: a base type with its own NOT NULL and CHECKs."""

    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    checks: tuple[Check, ...] = ()
    origin: Origin | None = field(default=None, compare=False)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class EnumType:
    """An enum type with its labels in order."""

    schema: str
    name: str
    labels: tuple[str, ...] = ()
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Collation:
    """A user-defined collation (``CREATE COLLATION``)."""

    schema: str
    name: str
    provider: str = "libc"
    """``icu``, ``libc`` or ``default``."""
    locale: str = ""
    """The locale, e.g. ``und-u-ks-level2`` (ICU)."""
    deterministic: bool = True
    """False for nondeterministic collations (e.g. case-insensitive ICU ones)."""
    origin: Origin | None = field(default=None, compare=False)

    @property
    def case_insensitive(self) -> bool:
        """True for a nondeterministic ICU collation that ignores case (strength 1 or 2)."""
        locale = self.locale.lower()
        return not self.deterministic and (
            "ks-level1" in locale
            or "ks-level2" in locale
            or "colstrength=primary" in locale
            or "colstrength=secondary" in locale
        )


@dataclass(frozen=True)
class CatalogModel:
    """A database schema: tables, domains and enum types, sorted by qualified name."""

    tables: tuple[Table, ...] = ()
    domains: tuple[Domain, ...] = ()
    enums: tuple[EnumType, ...] = ()
    extensions: tuple[str, ...] = ()
    """Installed extensions (names), e.g. ``citext``; ``plpgsql`` is left out."""
    collations: tuple[Collation, ...] = ()
    """User-defined collations, sorted by schema and name."""

    def table(self, qualified: str) -> Table | None:
        """The table named ``schema.table`` (or ``table`` in schema ``public``)."""
        if "." not in qualified:
            qualified = f"public.{qualified}"
        return next((t for t in self.tables if t.qualified == qualified), None)

    def collation(self, name: str) -> Collation | None:
        """The user-defined collation ``name`` (qualified or not), or None."""
        bare = name.split(".")[-1].strip('"')
        return next((c for c in self.collations if c.name == bare), None)

    def domain(self, qualified: str) -> Domain | None:
        if "." not in qualified:
            qualified = f"public.{qualified}"
        return next((d for d in self.domains if d.qualified == qualified), None)


_SINGULAR = {
    "columns": "column",
    "checks": "check",
    "indexes": "index",
    "foreign_keys": "foreign key",
    "triggers": "trigger",
}


def diff_models(a: CatalogModel, b: CatalogModel, names: tuple[str, str] = ("a", "b")) -> list[str]:
    """Readable differences between two models, one line each (empty when equal)."""
    left, right = names
    lines: list[str] = []
    _diff_named(
        lines,
        "table",
        {t.qualified: t for t in a.tables},
        {t.qualified: t for t in b.tables},
        left,
        right,
    )
    _diff_named(
        lines,
        "domain",
        {d.qualified: d for d in a.domains},
        {d.qualified: d for d in b.domains},
        left,
        right,
    )
    _diff_named(
        lines,
        "enum",
        {f"{e.schema}.{e.name}": e for e in a.enums},
        {f"{e.schema}.{e.name}": e for e in b.enums},
        left,
        right,
    )
    _diff_named(
        lines,
        "collation",
        {f"{c.schema}.{c.name}": c for c in a.collations},
        {f"{c.schema}.{c.name}": c for c in b.collations},
        left,
        right,
    )
    if a.extensions != b.extensions:
        lines.append(
            f"extensions: {left} has {list(a.extensions)}, {right} has {list(b.extensions)}"
        )
    return lines


def _diff_named(
    lines: list[str], kind: str, a: dict[str, object], b: dict[str, object], left: str, right: str
) -> None:
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            lines.append(f"{kind} {name}: only in {left}")
        elif name not in a:
            lines.append(f"{kind} {name}: only in {right}")
        elif a[name] != b[name]:
            _diff_object(lines, f"{kind} {name}", a[name], b[name], left, right)


def _diff_object(lines: list[str], path: str, a: object, b: object, left: str, right: str) -> None:
    for f in fields(a):  # type: ignore[arg-type]
        if not f.compare:
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if va == vb:
            continue
        if (
            isinstance(va, tuple)
            and isinstance(vb, tuple)
            and all(hasattr(x, "name") for x in (*va, *vb))
        ):
            _diff_named(
                lines,
                f"{path} {_SINGULAR.get(f.name, f.name)}",
                {x.name: x for x in va},
                {x.name: x for x in vb},
                left,
                right,
            )
            if [x.name for x in va] != [x.name for x in vb] and {x.name for x in va} == {
                x.name for x in vb
            }:
                lines.append(f"{path} {f.name}: order differs")
        else:
            lines.append(f"{path} {f.name}: {left} {va!r} != {right} {vb!r}")

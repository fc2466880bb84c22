"""The frozen :class:`~auditor.catalog.model.CatalogModel` of the builder's mutable catalog."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from auditor.catalog.model import (
    CatalogModel,
    Check,
    Column,
    Domain,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    Table,
)
from auditor.catalog.static.catalog import _Catalog
from auditor.catalog.static.model import StaticModel
from auditor.catalog.static.parsing import (
    _fold_id,
    _norm,
)
from auditor.catalog.static.records import (
    _Key,
    _Table,
)


def freeze(catalog: _Catalog, table: Callable[[_Table], Table] | None = None) -> StaticModel:
    """The frozen model of everything ``catalog`` holds.

    ``table`` freezes one table (default: a fresh record each time); a caller replaying
    a long history passes one that reuses the record of a table it knows is unchanged.
    """
    freeze_table = table or _freeze_table
    tables = tuple(
        sorted((freeze_table(t) for t in catalog.tables.values()), key=lambda t: t.qualified)
    )
    domains = tuple(
        Domain(
            d.schema,
            d.name,
            d.base_type,
            d.not_null,
            d.default,
            tuple(
                Check(c.name, _norm(c.expr), c.validated, c.origin)
                for c in sorted(d.checks.values(), key=lambda c: c.name)
            ),
            d.origin,
        )
        for _, d in sorted(catalog.domains.items())
    )
    enums = tuple(
        EnumType(s, n, tuple(labels), catalog.enum_origin.get((s, n)))
        for (s, n), labels in sorted(catalog.enums.items())
    )
    model = CatalogModel(
        tables,
        domains,
        enums,
        tuple(sorted(catalog.extensions)),
        tuple(c for _, c in sorted(catalog.collations.items())),
    )
    return StaticModel(
        model, tuple(catalog.unmodeled), catalog.statements, catalog.files, catalog.bytes
    )


def _freeze_table(t: _Table) -> Table:
    columns = tuple(
        Column(
            c.name,
            c.type,
            c.not_null,
            None if c.identity or c.generated is not None else c.default,
            c.collation,
            c.identity,
            _norm(c.generated) if c.generated is not None else None,
            c.origin,
        )
        for c in t.columns
    )
    checks = tuple(
        Check(c.name, _norm(c.expr), c.validated, c.origin)
        for c in sorted(t.checks.values(), key=lambda c: c.name)
    )
    indexes = tuple(
        Index(
            i.name,
            tuple(_freeze_key(k) for k in i.keys),
            i.unique,
            i.method,
            _norm(i.predicate) if i.predicate is not None else None,
            True,
            i.constraint,
            i.deferrable,
            i.initially_deferred,
            i.nulls_not_distinct,
            tuple(i.include),
            i.origin,
        )
        for i in sorted(t.indexes.values(), key=lambda i: i.name)
    )
    fks = tuple(
        ForeignKey(
            f.name,
            tuple(f.columns),
            f.ref.qualified,
            tuple(f.ref_columns),
            f.on_delete,
            f.on_update,
            f.validated,
            f.deferrable,
            f.initially_deferred,
            f.match,
            f.origin,
        )
        for f in sorted(t.fks.values(), key=lambda f: f.name)
    )
    triggers = tuple(sorted(t.triggers.values(), key=lambda x: x.name))
    return Table(
        t.schema,
        t.name,
        columns,
        checks,
        indexes,
        fks,
        triggers,
        t.rls_enabled,
        t.rls_forced,
        t.origin,
    )


def _freeze_key(key: _Key) -> IndexKey:
    if isinstance(key.expr, exp.Column) and key.expr.args.get("table") is None:
        return IndexKey(_fold_id(key.expr.this), True, key.collation, key.opclass, key.descending)
    return IndexKey(_norm(key.expr), False, key.collation, key.opclass, key.descending)


def freeze_table(table: _Table) -> Table:
    """The frozen record of one table (what :func:`freeze` makes for each)."""
    return _freeze_table(table)

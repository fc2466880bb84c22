"""DRF rules: differences between the live database and the static model of its migrations.

The static model is built from the migrations the database records as applied, so a
pending migration is not drift (MIG rules report it). Each difference names the object
on the database side and, where the migrations created it, the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from auditor.catalog.model import CatalogModel, Origin, Table
from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule

if TYPE_CHECKING:  # sqlglot: registering these rules must not import the static builder
    from auditor.catalog.static import StaticModel

FAMILY = "drift"


@dataclass(frozen=True)
class Difference:
    """One object that differs between the database and the migrations."""

    kind: str
    """``extra`` (only in the database), ``missing`` (only in the migrations) or ``changed``."""
    object_kind: str
    """``table``, ``column``, ``check``, ``index``, ``foreign key``, ``trigger``, ``domain``..."""
    object: str
    """Qualified name on the database side, e.g. ``public.users.users_email_check``."""
    origin: Origin | None = None
    """Where the migrations created it (missing/changed)."""
    detail: str = ""
    """For ``changed``: which fields differ and how."""


@dataclass(frozen=True)
class DriftSubject:
    """What the DRF rules read."""

    live: CatalogModel
    static: StaticModel
    applied: int = 0
    """Migrations recorded as applied (the static model replays exactly these)."""
    none_recorded: bool = False
    """No migration is recorded as applied: the static model replays every migration."""


def differences(live: CatalogModel, static: CatalogModel) -> list[Difference]:
    """Every object-level difference, database side first."""
    result: list[Difference] = []
    _named(
        result,
        "table",
        "",
        {t.qualified: t for t in live.tables},
        {t.qualified: t for t in static.tables},
    )
    for name in sorted({t.qualified for t in live.tables} & {t.qualified for t in static.tables}):
        a, b = live.table(name), static.table(name)
        assert a is not None and b is not None
        _table(result, a, b)
    _named(
        result,
        "domain",
        "",
        {d.qualified: d for d in live.domains},
        {d.qualified: d for d in static.domains},
    )
    _named(
        result,
        "enum",
        "",
        {f"{e.schema}.{e.name}": e for e in live.enums},
        {f"{e.schema}.{e.name}": e for e in static.enums},
    )
    for ext in sorted(set(live.extensions) - set(static.extensions)):
        result.append(Difference("extra", "extension", ext))
    for ext in sorted(set(static.extensions) - set(live.extensions)):
        result.append(Difference("missing", "extension", ext))
    return result


def _table(result: list[Difference], a: Table, b: Table) -> None:
    prefix = f"{a.qualified}."
    _named(result, "column", prefix, {c.name: c for c in a.columns}, {c.name: c for c in b.columns})
    _named(result, "check", prefix, {c.name: c for c in a.checks}, {c.name: c for c in b.checks})
    _named(result, "index", prefix, {i.name: i for i in a.indexes}, {i.name: i for i in b.indexes})
    _named(
        result,
        "foreign key",
        prefix,
        {f.name: f for f in a.foreign_keys},
        {f.name: f for f in b.foreign_keys},
    )
    _named(
        result, "trigger", prefix, {t.name: t for t in a.triggers}, {t.name: t for t in b.triggers}
    )
    for attr in ("rls_enabled", "rls_forced"):
        if getattr(a, attr) != getattr(b, attr):
            result.append(
                Difference(
                    "changed",
                    "table",
                    a.qualified,
                    b.origin,
                    f"{attr}: database {getattr(a, attr)}, migrations {getattr(b, attr)}",
                )
            )


def _named(
    result: list[Difference], kind: str, prefix: str, live: dict[str, Any], static: dict[str, Any]
) -> None:
    for name in sorted(live.keys() | static.keys()):
        if name not in static:
            result.append(Difference("extra", kind, prefix + name))
        elif name not in live:
            result.append(
                Difference("missing", kind, prefix + name, getattr(static[name], "origin", None))
            )
        elif kind != "table" and live[name] != static[name]:
            changes = [
                f"{f.name}: database {getattr(live[name], f.name)!r}, migrations {getattr(static[name], f.name)!r}"
                for f in fields(live[name])
                if f.compare and getattr(live[name], f.name) != getattr(static[name], f.name)
            ]
            result.append(
                Difference(
                    "changed",
                    kind,
                    prefix + name,
                    getattr(static[name], "origin", None),
                    "; ".join(changes),
                )
            )


def _hits(subject: DriftSubject, kind: str) -> Iterator[Hit]:
    for diff in differences(subject.live, subject.static.model):
        if diff.kind != kind:
            continue
        table = ".".join(diff.object.split(".")[:2])
        reasons = subject.static.uncertain_reasons(table) if "." in diff.object else ()
        caveat = (
            f" (uncertain: {len(reasons)} unmodeled statement(s), first {reasons[0].file}:{reasons[0].line})"
            if reasons
            else ""
        )
        origin = diff.origin
        location = Location(
            file=origin.file if origin else None,
            line=origin.line if origin else None,
            object=diff.object,
        )
        if kind == "extra":
            message = f"{diff.object_kind} {diff.object} exists in the database but no migration creates it"
        elif kind == "missing":
            where = f" by {origin.file}:{origin.line}" if origin else ""
            recorded = (
                "no migration is recorded as applied, so every migration was compared"
                if subject.none_recorded
                else "a migration recorded as applied"
            )
            message = (
                f"{diff.object_kind} {diff.object} is created{where} ({recorded}) "
                f"but is missing from the database"
            )
        else:
            message = f"{diff.object_kind} {diff.object} differs from its migration: {diff.detail}"
        yield Hit(
            message=message + caveat, location=location, key=f"{diff.object_kind}:{diff.object}"
        )


@rule("DRF001", FAMILY, Severity.MEDIUM, "Every database object comes from a migration")
def extra_object(subject: DriftSubject) -> Iterator[Hit]:
    """An object exists in the database that no applied migration creates: made by hand
    in production (an index, a column, a constraint), invisible to review and lost on
    the next rebuild from migrations.

    Bad:

        -- in psql on production
        CREATE INDEX users_created_at_idx ON users (created_at);

    Good:

        -- up.sql (migrations/2024-05-01-000000_index_users_created_at, reviewed, applied)
        CREATE INDEX users_created_at_idx ON users (created_at);
    """
    yield from _hits(subject, "extra")


@rule("DRF002", FAMILY, Severity.HIGH, "Every object the applied migrations create exists")
def missing_object(subject: DriftSubject) -> Iterator[Hit]:
    """An object an applied migration creates is missing from the database: dropped out
    of band (a CHECK removed to load bad data), or a migration recorded as applied whose
    effect never happened.

    Bad:

        -- in psql on production
        ALTER TABLE products DROP CONSTRAINT products_price_non_negative;

    Good:

        -- up.sql (a reviewed migration, if the constraint must really go)
        ALTER TABLE products DROP CONSTRAINT products_price_non_negative;
    """
    yield from _hits(subject, "missing")


@rule("DRF003", FAMILY, Severity.HIGH, "Database objects match their migrations")
def changed_object(subject: DriftSubject) -> Iterator[Hit]:
    """An object exists on both sides but differs: a type widened, NOT NULL dropped, a
    CHECK rewritten or left NOT VALID, an ON DELETE action changed by hand.

    Bad:

        -- in psql on production
        ALTER TABLE users ALTER COLUMN email DROP NOT NULL;

    Good:

        -- up.sql (a reviewed migration)
        ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    """
    yield from _hits(subject, "changed")
